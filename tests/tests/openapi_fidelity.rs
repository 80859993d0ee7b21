//! Everything the client sends or reads must exist in Halo's OpenAPI
//! document with a compatible type: Halo silently ignores unknown query
//! parameters, so a misspelt name would fail quietly in production.
//!
//! Documented exceptions, each with its source:
//! - `Faults.team_id` and `Faults.priority`: present in a real HaloITSM
//!   ticket response, missing from the document (halo-api.md).
//! - `lastupdatefromdate` / `lastupdatetodate` are typed `bool` in the
//!   document but take an ISO date-time (halo-api.md, working clients).
//! - `/auth/token` lives on the authorisation server, outside the document.

use std::sync::Arc;

use halo_api::{HaloClient, ManualClock, TicketQuery};
use halo_notifier_tests::{client_with, openapi, quick_retries, settings_for};
use halo_sim::{NewTicket, SimConfig};
use serde_json::{Value, json};

const FIELD_EXCEPTIONS: [(&str, &str); 2] = [("Faults", "team_id"), ("Faults", "priority")];
const DATE_TYPED_AS_BOOL: [&str; 2] = ["lastupdatefromdate", "lastupdatetodate"];

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => schema(doc, reference.rsplit('/').next().unwrap_or_default()),
        None => node,
    }
}

/// A value of the declared type, to feed the model's deserializer.
fn sample(property: &Value) -> Value {
    match (property["type"].as_str(), property["format"].as_str()) {
        (Some("integer"), _) => json!(7),
        (Some("number"), _) => json!(1.5),
        (Some("boolean"), _) => json!(true),
        (Some("string"), Some("date-time")) => json!("2024-02-03T04:05:06.1234567Z"),
        (Some("string"), Some("uuid")) => json!("8f0e3c43-6f2b-4e0e-9d7a-3f6c2f1c9a10"),
        (Some("string"), _) => json!("text"),
        (Some("array"), _) => json!([]),
        _ => json!({}),
    }
}

fn json_type_matches(property: &Value, value: &Value) -> bool {
    match (property["type"].as_str(), value) {
        (_, Value::Null) => true,
        (Some("integer"), Value::Number(n)) => n.is_i64(),
        (Some("number"), Value::Number(_)) => true,
        (Some("boolean"), Value::Bool(_)) => true,
        (Some("string"), Value::String(_)) => true,
        (Some("array"), Value::Array(_)) => true,
        (None, Value::Object(_)) => true,
        _ => false,
    }
}

/// Each model field exists in its schema, and a value of the schema's type
/// survives a round trip through the model with the same JSON type.
#[test]
fn every_model_field_exists_in_halos_schema_with_a_compatible_type() {
    let doc = openapi();
    let mut problems = Vec::new();
    for (schema_name, fields) in halo_api::models::model_fields() {
        let properties = &schema(&doc, schema_name)["properties"];
        assert!(
            properties.is_object(),
            "schema {schema_name} missing from the document"
        );
        for field in &fields {
            if FIELD_EXCEPTIONS.contains(&(schema_name, field.as_str())) {
                continue;
            }
            if properties.get(field).is_none() {
                problems.push(format!("{schema_name}.{field} is not in the document"));
            }
        }
    }
    for (schema_name, round_trip) in round_trips(&doc) {
        let properties = &schema(&doc, schema_name)["properties"];
        let Value::Object(map) = round_trip else {
            problems.push(format!("{schema_name}: the model did not read a sample"));
            continue;
        };
        for (field, value) in map {
            let Some(property) = properties.get(&field) else {
                continue;
            };
            if value.is_null() {
                problems.push(format!(
                    "{schema_name}.{field}: a {} value was not read",
                    property["type"]
                ));
            } else if !json_type_matches(property, &value) {
                problems.push(format!(
                    "{schema_name}.{field}: the model writes {value}, the document says {}",
                    property["type"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

fn round_trips(doc: &Value) -> Vec<(&'static str, Value)> {
    fn via<T: serde::de::DeserializeOwned + serde::Serialize>(
        doc: &Value,
        name: &str,
        fields: &[String],
    ) -> Value {
        let properties = &schema(doc, name)["properties"];
        let mut object = serde_json::Map::new();
        for field in fields {
            if let Some(property) = properties.get(field) {
                object.insert(field.clone(), sample(property));
            }
        }
        let model: T =
            serde_json::from_value(Value::Object(object)).expect("a document-shaped sample reads");
        let mut written = serde_json::to_value(model).expect("writes");
        if let Value::Object(map) = &mut written {
            map.retain(|key, _| fields.contains(key));
        }
        written
    }
    let fields = halo_api::models::model_fields();
    let of = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(s, _)| *s == name)
            .flat_map(|(_, f)| f.clone())
            .collect()
    };
    vec![
        (
            "Faults",
            via::<halo_api::Ticket>(doc, "Faults", &of("Faults")),
        ),
        (
            "TStatus",
            via::<halo_api::Status>(doc, "TStatus", &of("TStatus")),
        ),
        (
            "SectionDetail",
            via::<halo_api::Team>(doc, "SectionDetail", &of("SectionDetail")),
        ),
        (
            "UnameSection",
            via::<halo_api::TeamMembership>(doc, "UnameSection", &of("UnameSection")),
        ),
        ("Uname", via::<halo_api::Agent>(doc, "Uname", &of("Uname"))),
        (
            "Policy",
            via::<halo_api::Priority>(doc, "Policy", &of("Policy")),
        ),
        (
            "TOutcome",
            via::<halo_api::Outcome>(doc, "TOutcome", &of("TOutcome")),
        ),
        (
            "Actions",
            via::<halo_api::Action>(doc, "Actions", &of("Actions")),
        ),
    ]
}

/// Drives every call the client has against the simulator, then checks each
/// recorded request against the document.
#[tokio::test]
async fn every_endpoint_parameter_and_body_field_the_client_sends_is_in_the_document() {
    let sim = halo_sim::start(SimConfig::default()).await.expect("starts");
    let id = sim.create_ticket(NewTicket {
        summary: "Fidelity".to_owned(),
        ..NewTicket::default()
    });
    let client: HaloClient = client_with(
        settings_for(&sim.base_url()),
        Arc::new(ManualClock::starting_now()),
        quick_retries(),
    );
    let query = TicketQuery {
        team_ids: vec![1],
        agent_id: Some(1),
        status_id: Some(1),
        open_only: true,
        order: Some("last_update".to_owned()),
        order_desc: true,
        ..TicketQuery::default()
    };
    client.list_tickets(&query).await.expect("list");
    client
        .tickets_changed_since(&query, chrono::Utc::now())
        .await
        .expect("delta");
    client.ticket(id).await.expect("ticket");
    client.teams().await.expect("teams");
    client.priorities().await.expect("priorities");
    client.me().await.expect("me");
    client.actions(id).await.expect("actions");
    client.assign_ticket(id, 1).await.expect("assign");
    client.add_private_note(id, "note").await.expect("note");
    let catalog = client.status_catalog(&[]).await.expect("statuses");
    client
        .close_ticket(id, "done", &catalog)
        .await
        .expect("close");

    let doc = openapi();
    let paths = doc["paths"].as_object().expect("paths");
    let mut problems = Vec::new();
    let mut checked = 0;
    for request in sim.requests() {
        let Some(api_path) = request.path.strip_prefix("/api") else {
            assert!(
                request.path.eq_ignore_ascii_case("/auth/token"),
                "unexpected path {}",
                request.path
            );
            continue;
        };
        checked += 1;
        let shape: Vec<String> = api_path
            .split('/')
            .map(|s| {
                if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                    "{id}".to_owned()
                } else {
                    s.to_owned()
                }
            })
            .collect();
        let shape = shape.join("/");
        let Some((_, item)) = paths.iter().find(|(p, _)| p.eq_ignore_ascii_case(&shape)) else {
            problems.push(format!(
                "{} {} is not in the document",
                request.method, request.path
            ));
            continue;
        };
        let Some(operation) = item.get(request.method.to_ascii_lowercase()) else {
            problems.push(format!("{} is not allowed on {shape}", request.method));
            continue;
        };
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (key, value) in &request.query {
            let Some(parameter) = parameters
                .iter()
                .find(|p| p["name"] == key.as_str() && p["in"] == "query")
            else {
                problems.push(format!(
                    "query parameter {key} is not documented for {shape}"
                ));
                continue;
            };
            let declared = parameter["schema"]["type"].as_str().unwrap_or("string");
            let compatible = match declared {
                "int" | "integer" => value.parse::<i64>().is_ok(),
                "bool" | "boolean" if DATE_TYPED_AS_BOOL.contains(&key.as_str()) => {
                    halo_api::dates::parse_halo_date(value).is_some()
                }
                "bool" | "boolean" => value == "true" || value == "false",
                "double" | "number" => value.parse::<f64>().is_ok(),
                _ => true,
            };
            if !compatible {
                problems.push(format!(
                    "{shape}?{key}={value} does not fit the declared type {declared}"
                ));
            }
        }
        if request.method == "POST" {
            let body_schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            let item_schema = resolve(&doc, &body_schema["items"]);
            let properties = &item_schema["properties"];
            let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
            let Value::Array(items) = body else {
                problems.push(format!("POST {shape} body is not an array"));
                continue;
            };
            for item in items {
                for (field, value) in item.as_object().cloned().unwrap_or_default() {
                    match properties.get(&field) {
                        Some(property) if json_type_matches(property, &value) => {}
                        Some(property) => problems.push(format!(
                            "POST {shape} {field}={value}: document says {}",
                            property["type"]
                        )),
                        None => problems
                            .push(format!("POST {shape} field {field} is not in the document")),
                    }
                }
            }
        }
    }
    assert!(checked >= 11, "only {checked} API requests were checked");
    assert!(problems.is_empty(), "{problems:#?}");
}
