//! Writes the fuzz targets' seed corpora (`fuzz/corpus/<target>/`) from the
//! real payload shapes: every webhook body the simulator sends (each shape,
//! as proper JSON and as a naive template renders it) plus AlertOps-style
//! bodies, tickets and ticket lists exactly as the simulator's Halo answers
//! them, a ticket with every field of Halo's OpenAPI `Faults` schema, and
//! the example config as TOML and as the settings window's JSON.
//!
//! `cargo run -p halo-notifier-tests --example fuzz_seeds` (rewrites the
//! seeds; the output is deterministic apart from dates and tokens).

use std::path::{Path, PathBuf};

use halo_sim::{NewTicket, SimConfig, TemplateRendering, WebhookShape};
use serde_json::{Value, json};

const NASTY: &str = "He said \"hi\"\n\tand left \\ ünïcødé 🚀 <b>bold</b> <<ticket^id>>";

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    std::fs::create_dir_all(&dir).expect("corpus folder");
    dir
}

fn write(target: &str, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(corpus(target).join(name), bytes).expect("seed written");
}

fn ticket(summary: &str, details_html: &str, agent_id: Option<i32>) -> NewTicket {
    NewTicket {
        summary: summary.to_owned(),
        details_html: details_html.to_owned(),
        team_id: 1,
        agent_id,
        priority_id: 1,
        client_id: 5,
        site_id: 7,
        tickettype_id: 1,
        status_id: 1,
        user_name: Some("Jo \"the user\" Bloggs".to_owned()),
    }
}

/// A value of the schema's type for every property of `Faults`.
fn every_field_ticket(openapi: &Value) -> Value {
    let props = openapi["components"]["schemas"]["Faults"]["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut ticket = serde_json::Map::new();
    for (name, schema) in props {
        let value = match (schema["type"].as_str(), schema["format"].as_str()) {
            (Some("integer"), _) => json!(7),
            (Some("number"), _) => json!(1.5),
            (Some("boolean"), _) => json!(true),
            (Some("string"), Some("date-time")) => json!("2024-05-01T10:00:00.1234567Z"),
            (Some("string"), _) => json!(format!("{name} text")),
            (Some("array"), _) => json!([]),
            _ => json!({}),
        };
        ticket.insert(name, value);
    }
    ticket.insert("id".into(), json!(4242));
    Value::Object(ticket)
}

async fn list_page(sim: &halo_sim::SimHandle, query: &str) -> String {
    let http = reqwest::Client::new();
    let config = sim.config();
    let token: Value = http
        .post(sim.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", config.client_id.as_str()),
            ("client_secret", config.client_secret.as_str()),
            ("scope", "all"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let access = token["access_token"].as_str().expect("access_token");
    http.get(format!("{}/Tickets?{query}", sim.api_url()))
        .bearer_auth(access)
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("list body")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sim = halo_sim::start(SimConfig {
        seed_tickets: 3,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let ids = [
        sim.create_ticket(ticket("Server down", "<p>details</p>", None)),
        sim.create_ticket(ticket(NASTY, "<img src=x onerror=alert(1)>", Some(3))),
    ];
    sim.close(ids[0], "fixed").expect("close");

    // Webhook bodies: every shape, both renderings.
    let shapes = [
        (
            "native-new",
            WebhookShape::Native {
                event: "New Ticket Logged".into(),
            },
        ),
        (
            "native-status",
            WebhookShape::Native {
                event: "Ticket Status Changed".into(),
            },
        ),
        ("ilert-recommended", WebhookShape::IlertRecommended),
        ("ilert-full", WebhookShape::IlertFull),
        ("signl4", WebhookShape::Signl4),
        ("signl4-resolve", WebhookShape::Signl4Resolve),
    ];
    for (name, shape) in &shapes {
        for (i, id) in ids.iter().enumerate() {
            for (how, rendering) in [
                ("json", TemplateRendering::Json),
                ("naive", TemplateRendering::NaiveText),
            ] {
                let body = sim.webhook_body(shape, *id, rendering).expect("body");
                write("webhook_body", &format!("{name}-{i}-{how}.json"), body);
            }
        }
    }
    let alertops = [
        json!({"TicketID": ids[1], "Subject": NASTY, "Status": "New", "Priority": "P1", "Team": "Service Desk"}),
        json!({"TicketID": ids[0].to_string(), "Subject": "Server down", "Status": "Closed"}),
        json!([{"TicketID": 5, "Subject": "VPN", "Status": "New"}, "not a ticket", {"TicketID": 6, "Status": "Resolved"}]),
    ];
    for (i, body) in alertops.iter().enumerate() {
        write(
            "webhook_body",
            &format!("alertops-{i}.json"),
            body.to_string(),
        );
    }
    write(
        "webhook_body",
        "unterminated.txt",
        "{\"object_id\": 123, \"message\": \"unterminated",
    );

    // Tickets as Halo sends them, one by id and pages of lists.
    let openapi = halo_notifier_tests::openapi();
    write(
        "halo_ticket",
        "every-field.json",
        every_field_ticket(&openapi).to_string(),
    );
    for (i, id) in ids.iter().enumerate() {
        let ticket = sim.ticket_json(*id).expect("ticket");
        write(
            "halo_ticket",
            &format!("ticket-{i}.json"),
            serde_json::to_string_pretty(&ticket).expect("json"),
        );
    }
    // Read as year 10000 in UTC: once lost on the way back (dates.rs).
    write(
        "halo_ticket",
        "year-10000.json",
        r#"{"id":1,"dateoccurred":"9999-12-31T23:00:00-05:00","last_update":"9999-12-31T23:59:59.9999999Z"}"#,
    );
    write(
        "halo_ticket",
        "odd-types.json",
        r#"{"id":"42","summary":7,"agent_id":null,"priority_id":"2","onhold":0,"hasbeenclosed":"true","dateclosed":"1900-01-01T00:00:00","last_update":"2024-05-01T10:00:00.1234567-04:00","priority":"P1","customfields":[{"name":"CF"}]}"#,
    );
    for (name, query) in [
        (
            "paged",
            "pageinate=true&page_size=2&page_no=1&includecolumns=true",
        ),
        ("open", "open_only=true"),
        ("delta", "lastupdatefromdate=2000-01-01T00:00:00Z"),
    ] {
        write(
            "halo_ticket_list",
            &format!("{name}.json"),
            list_page(&sim, query).await,
        );
    }
    write(
        "halo_ticket_list",
        "bare-array.json",
        json!([every_field_ticket(&openapi), {"id": "x"}, 3, null]).to_string(),
    );

    // The config: the documented example, and its JSON as the window sends it.
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/app-core/config.example.toml"),
    )
    .expect("example config");
    write("config_toml", "example.toml", &example);
    let connected = format!(
        "[halo]\nurl = \"{}\"\ntenant = \"demo\"\nclient_id = \"demo-client\"\n\n[watch]\nteams = [\"Service Desk\", 2]\nassigned_to_me = false\npoll_interval = \"10s\"\n\n[webhook]\nenabled = true\nbind = \"127.0.0.1:8787\"\n\n[escalation.policies.normal]\n[[escalation.policies.normal.steps]]\nurgency = \"normal\"\nrepeat_every = \"3s\"\nmax_repeats = 100\n",
        sim.base_url()
    );
    write("config_toml", "connected.toml", &connected);
    write(
        "config_toml",
        "secret.toml",
        "[halo]\nclient_secret = \"x\"\n",
    );
    for (name, text) in [
        ("example", example.as_str()),
        ("connected", connected.as_str()),
    ] {
        let value: toml::Value = toml::from_str(text).expect("seed TOML");
        write(
            "settings_json",
            &format!("{name}.json"),
            serde_json::to_string_pretty(&value).expect("as JSON"),
        );
    }
    sim.shutdown().await;
    println!("seeds written under fuzz/corpus/");
}
