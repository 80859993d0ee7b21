//! The simulator over real HTTP, as a Halo client would see it.

use std::time::Duration;

use chrono::Utc;
use halo_sim::{
    Fault, FaultKind, NewTicket, RATE_LIMIT_TEXT, SimConfig, SimHandle, parse_halo_date,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn sim(config: SimConfig) -> SimHandle {
    halo_sim::start(config).await.expect("simulator starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn token_with(sim: &SimHandle, scope: &str) -> String {
    let response = http()
        .post(sim.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
            ("scope", scope),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn token(sim: &SimHandle) -> String {
    token_with(sim, "all").await
}

async fn get(sim: &SimHandle, token: &str, path_and_query: &str) -> reqwest::Response {
    http()
        .get(format!("{}{path_and_query}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn get_json(sim: &SimHandle, token: &str, path_and_query: &str) -> Value {
    let response = get(sim, token, path_and_query).await;
    assert_eq!(response.status(), StatusCode::OK, "{path_and_query}");
    response.json().await.expect("JSON body")
}

#[tokio::test]
async fn authinfo_points_at_the_auth_server_and_tenant() {
    let sim = sim(SimConfig::default()).await;
    let body: Value = http()
        .get(format!("{}/api/authinfo", sim.base_url()))
        .send()
        .await
        .expect("authinfo")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["auth_url"], json!(format!("{}/auth", sim.base_url())));
    assert_eq!(body["tenant_id"], json!("demo"));
}

#[tokio::test]
async fn a_token_opens_the_api_and_its_absence_is_a_401() {
    let sim = sim(SimConfig::default()).await;

    let anonymous = http()
        .get(format!("{}/api/Tickets", sim.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"Message": "Authorization has been denied for this request."})
    );

    let bogus = get(&sim, "not-a-token", "/api/Tickets").await;
    assert_eq!(bogus.status(), StatusCode::UNAUTHORIZED);

    let response = http()
        .post(sim.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
            ("scope", "all"),
        ])
        .send()
        .await
        .expect("token");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["token_type"], json!("Bearer"));
    assert_eq!(body["expires_in"], json!(3600));
    let token = body["access_token"].as_str().expect("token");
    let tickets = get_json(&sim, token, "/api/tickets").await;
    assert_eq!(tickets["record_count"], json!(40));
    assert_eq!(sim.token_requests_count(), 1);
}

#[tokio::test]
async fn token_endpoint_rejects_bad_credentials_grant_and_tenant() {
    let sim = sim(SimConfig::default()).await;
    let post = |url: String, form: Vec<(&'static str, &'static str)>| async move {
        let r = http().post(url).form(&form).send().await.expect("request");
        let status = r.status();
        (status, r.json::<Value>().await.expect("JSON"))
    };
    let good = vec![
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ];

    let mut wrong_secret = good.clone();
    wrong_secret[2] = ("client_secret", "nope");
    let (status, body) = post(sim.token_url(), wrong_secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"error": "invalid_client"}));

    let mut wrong_grant = good.clone();
    wrong_grant[0] = ("grant_type", "password");
    let (status, body) = post(sim.token_url(), wrong_grant).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], json!("unsupported_grant_type"));

    let (status, body) = post(format!("{}/auth/token", sim.base_url()), good.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], json!("invalid_request"));
    assert!(body["error_description"].is_string());

    sim.inject(FaultKind::InvalidClient);
    let (status, body) = post(sim.token_url(), good).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"error": "invalid_client"}));
}

#[tokio::test]
async fn paging_reports_the_total_across_pages() {
    let sim = sim(SimConfig::default().with_seed_tickets(0)).await;
    sim.seed_bulk(237);
    let token = token(&sim).await;

    let page = get_json(
        &sim,
        &token,
        "/api/Tickets?pageinate=true&page_size=100&page_no=3",
    )
    .await;
    assert_eq!(page["record_count"], json!(237));
    assert_eq!(page["tickets"].as_array().map(Vec::len), Some(37));
    assert_eq!(page["page_no"], json!(3));

    let clamped = get_json(&sim, &token, "/api/Tickets?pageinate=true&page_size=5000").await;
    assert_eq!(clamped["tickets"].as_array().map(Vec::len), Some(100));

    let everything = get_json(&sim, &token, "/api/Tickets?page_size=10").await;
    assert_eq!(everything["tickets"].as_array().map(Vec::len), Some(237));

    let row = &page["tickets"][0];
    assert!(row.get("details_html").is_none(), "list rows are lighter");
    assert!(row.get("team_id").is_some());
}

#[tokio::test]
async fn ten_thousand_tickets_seed_and_page_quickly() {
    let sim = sim(SimConfig::default().with_seed_tickets(0)).await;
    let started = std::time::Instant::now();
    let ids = sim.seed_bulk(10_000);
    assert_eq!(ids.len(), 10_000);
    let token = token(&sim).await;
    let page = get_json(
        &sim,
        &token,
        "/api/Tickets?pageinate=true&page_size=100&open_only=true&orderdesc=true&order=last_update",
    )
    .await;
    assert!(page["record_count"].as_u64().unwrap_or(0) > 1000);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn missing_permissions_are_named_in_the_403() {
    let sim = sim(SimConfig::default().with_scopes(["read:tickets"])).await;
    let token = token_with(&sim, "all").await;

    let teams = get(&sim, &token, "/api/Team").await;
    assert_eq!(teams.status(), StatusCode::FORBIDDEN);
    let body: Value = teams.json().await.expect("JSON");
    assert!(
        body["Message"].as_str().unwrap_or("").contains("all:teams"),
        "{body}"
    );

    let id = sim.tickets()[0].id;
    let write = http()
        .post(format!("{}/api/Actions", sim.base_url()))
        .bearer_auth(&token)
        .json(&json!([{ "ticket_id": id, "outcome": "Private Note", "note": "hi" }]))
        .send()
        .await
        .expect("request");
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    let body: Value = write.json().await.expect("JSON");
    assert_eq!(body["ClassName"], json!("HaloApiPermissionException"));
    assert!(
        body["Message"]
            .as_str()
            .unwrap_or("")
            .contains("edit:tickets")
    );

    // Reading is granted.
    get_json(&sim, &token, "/api/Tickets").await;
}

#[tokio::test]
async fn injected_429_with_and_without_retry_after() {
    let sim = sim(SimConfig::default()).await;
    let token = token(&sim).await;

    sim.inject(FaultKind::RateLimited { retry_after: None });
    let r = get(&sim, &token, "/api/Tickets").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(r.text().await.expect("text"), RATE_LIMIT_TEXT);

    sim.inject(FaultKind::RateLimited {
        retry_after: Some(7),
    });
    let r = get(&sim, &token, "/api/Tickets").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("7")
    );

    // Spent: the next call is normal again.
    assert_eq!(
        get(&sim, &token, "/api/Tickets").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn configured_rate_limit_rolls_over_a_window() {
    let sim = sim(SimConfig::default().with_rate_limit(Some((3, Duration::from_secs(300))))).await;
    let token = token(&sim).await;
    for _ in 0..3 {
        assert_eq!(
            get(&sim, &token, "/api/Status").await.status(),
            StatusCode::OK
        );
    }
    let r = get(&sim, &token, "/api/Status").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.text()
            .await
            .expect("text")
            .starts_with("Rate Limit Reached - 3 Requests")
    );
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error_not_a_response() {
    let sim = sim(SimConfig::default()).await;
    let token = token(&sim).await;
    sim.inject(Fault::once(FaultKind::DropConnection).on_path("/api/tickets"));
    let result = http()
        .get(format!("{}/api/Tickets", sim.base_url()))
        .bearer_auth(&token)
        .send()
        .await;
    let error = result.expect_err("no response must arrive");
    assert!(error.status().is_none());
    let last = sim.requests().pop().expect("recorded");
    assert_eq!(last.status, None);
    assert_eq!(
        get(&sim, &token, "/api/Tickets").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn other_faults_answer_as_halo_would() {
    let sim = sim(SimConfig::default()).await;
    let token = token(&sim).await;

    sim.inject(FaultKind::ServerError);
    let r = get(&sim, &token, "/api/Tickets").await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["ClassName"], json!("System.Exception"));

    sim.inject(FaultKind::MalformedJson);
    let r = get(&sim, &token, "/api/Tickets").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.expect("text");
    assert!(serde_json::from_str::<Value>(&text).is_err());

    sim.inject(FaultKind::ExpireTokens);
    assert_eq!(
        get(&sim, &token, "/api/Tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = self::token(&sim).await;
    assert_eq!(
        get(&sim, &fresh, "/api/Tickets").await.status(),
        StatusCode::OK
    );
    sim.expire_tokens();
    assert_eq!(
        get(&sim, &fresh, "/api/Tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn closing_through_an_action_closes_the_ticket() {
    let sim = sim(SimConfig::default().with_closed_status_id(23)).await;
    let token = token(&sim).await;
    let id = sim.create_ticket(NewTicket::new("Server room too hot"));

    let r = http()
        .post(format!("{}/api/Actions", sim.base_url()))
        .bearer_auth(&token)
        .json(&json!([{
            "ticket_id": id,
            "outcome": "Close Ticket",
            "note": "Aircon fixed.",
            "new_status": 23,
            "hiddenfromuser": false,
        }]))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let action: Value = r.json().await.expect("JSON");
    assert_eq!(action["ticket_id"], json!(id));
    assert_eq!(action["new_status"], json!(23));
    assert_eq!(action["who"], json!("Alex Tech"));

    let ticket = get_json(&sim, &token, &format!("/api/Tickets/{id}")).await;
    assert_eq!(ticket["status_id"], json!(23));
    assert_eq!(ticket["status_name"], json!("Closed"));
    assert_eq!(ticket["hasbeenclosed"], json!(true));
    assert!(parse_halo_date(ticket["dateclosed"].as_str().unwrap_or("")).is_some());

    let statuses = get_json(&sim, &token, "/api/Status").await;
    let nine = statuses
        .as_array()
        .and_then(|l| l.iter().find(|s| s["id"] == json!(9)))
        .expect("status 9 exists");
    assert_ne!(nine["name"], json!("Closed"), "9 is not closed here");

    let actions = get_json(&sim, &token, &format!("/api/Actions?ticket_id={id}")).await;
    assert_eq!(actions["record_count"], json!(2));
}

#[tokio::test]
async fn ticket_updates_go_through_the_array_post() {
    let sim = sim(SimConfig::default()).await;
    let token = token(&sim).await;
    let id = sim.create_ticket(NewTicket::new("Take me"));
    let url = format!("{}/API/tickets", sim.base_url());

    let r = http()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!([{ "id": id, "agent_id": 3 }]))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.expect("JSON");
    assert_eq!(t["agent_id"], json!(3));
    assert_eq!(sim.ticket(id).and_then(|t| t.agent_id), Some(3));

    for (body, status) in [
        ("{not json", StatusCode::BAD_REQUEST),
        (r#"{"id": 1}"#, StatusCode::BAD_REQUEST),
        (r#"[{"id": "x1", "agent_id": 3}]"#, StatusCode::BAD_REQUEST),
        (r#"[{"id": 999999, "agent_id": 3}]"#, StatusCode::NOT_FOUND),
    ] {
        let r = http()
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), status, "{body}");
        let v: Value = r.json().await.expect("error bodies are JSON");
        assert!(v.is_object(), "{body}");
    }
}

#[tokio::test]
async fn dates_come_in_all_three_halo_forms() {
    let sim = sim(SimConfig::default()).await;
    let token = token(&sim).await;
    let list = get_json(&sim, &token, "/api/Tickets").await;
    let dates: Vec<String> = list["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter_map(|t| t["last_update"].as_str().map(str::to_owned))
        .collect();
    let utc = dates.iter().any(|d| d.ends_with('Z') && d.len() == 28);
    let offset = dates
        .iter()
        .any(|d| d.ends_with("-04:00") || d.ends_with("+05:30"));
    let bare = dates.iter().any(|d| d.len() == 19);
    assert!(utc && offset && bare, "{dates:?}");
    assert!(dates.iter().all(|d| parse_halo_date(d).is_some()));

    let open = list["tickets"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["hasbeenclosed"] == json!(false)))
        .expect("an open ticket");
    assert_eq!(open["dateclosed"], json!("1900-01-01T00:00:00"));
}

#[tokio::test]
async fn delta_filter_sees_replies_and_closures() {
    let sim = sim(SimConfig::default()).await;
    let token = token(&sim).await;
    let old = Utc::now() - chrono::Duration::days(30);
    for t in sim.tickets() {
        sim.set_last_update(t.id, old).expect("known ticket");
    }
    let ids: Vec<i32> = sim.tickets().iter().take(2).map(|t| t.id).collect();
    let since = (Utc::now() - chrono::Duration::minutes(2))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    sim.add_customer_reply(ids[0], "Still broken \"again\"\nplease help")
        .expect("reply");
    sim.close(ids[1], "Done").expect("close");

    let delta = get_json(
        &sim,
        &token,
        &format!("/api/Tickets?lastupdatefromdate={since}"),
    )
    .await;
    let mut seen: Vec<i64> = delta["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, vec![i64::from(ids[0]), i64::from(ids[1])]);

    let bad = get(&sim, &token, "/api/Tickets?lastupdatefromdate=yesterday").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn lookups_have_halo_shapes() {
    let sim = sim(SimConfig::default().with_wrapped_teams(true)).await;
    let token = token(&sim).await;
    let teams = get_json(&sim, &token, "/api/Team").await;
    assert!(teams["teams"].as_array().is_some_and(|t| t.len() >= 4));
    let me = get_json(&sim, &token, "/api/Agent/me").await;
    assert_eq!(me["id"], json!(1));
    assert_eq!(me["name"], json!("Alex Tech"));
    let priorities = get_json(&sim, &token, "/api/Priority").await;
    assert!(priorities[0]["id"].is_string());
    assert_eq!(priorities[0]["priorityid"], json!(1));
    let outcomes = get_json(&sim, &token, "/api/Outcome").await;
    assert!(
        outcomes
            .as_array()
            .is_some_and(|l| l.iter().any(|o| o["outcome"] == json!("Close Ticket")))
    );
    let missing = get(&sim, &token, "/api/Tickets/424242").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn filters_narrow_the_list_and_unknown_parameters_are_ignored() {
    let sim = sim(SimConfig::default().with_seed_tickets(0)).await;
    let token = token(&sim).await;
    let mine = sim.create_ticket(NewTicket {
        summary: "Mine, infrastructure".into(),
        team_id: 2,
        agent_id: Some(1),
        priority_id: 1,
        ..NewTicket::default()
    });
    let other = sim.create_ticket(NewTicket {
        summary: "Someone else's".into(),
        team_id: 1,
        agent_id: Some(2),
        ..NewTicket::default()
    });
    let closed = sim.create_ticket(NewTicket {
        summary: "Done already".into(),
        team_id: 2,
        ..NewTicket::default()
    });
    sim.close(closed, "fixed").expect("close");

    let ids = |v: Value| -> Vec<i64> {
        v["tickets"]
            .as_array()
            .map(|l| l.iter().filter_map(|t| t["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let as_i64 = i64::from;
    assert_eq!(
        ids(get_json(&sim, &token, "/api/Tickets?team=2&open_only=true").await),
        vec![as_i64(mine)]
    );
    assert_eq!(
        ids(get_json(&sim, &token, "/api/Tickets?team=1,2&closed_only=true").await),
        vec![as_i64(closed)]
    );
    assert_eq!(
        ids(get_json(&sim, &token, "/api/Tickets?MINE=true&tem=99").await),
        vec![as_i64(mine)]
    );
    assert_eq!(
        ids(get_json(&sim, &token, "/api/Tickets?search=ELSE").await),
        vec![as_i64(other)]
    );
    assert_eq!(
        ids(get_json(&sim, &token, "/api/Tickets?agent_id=0").await),
        vec![as_i64(closed)]
    );
    assert_eq!(
        ids(get_json(&sim, &token, "/api/Tickets?order=id&orderdesc=true").await),
        vec![as_i64(closed), as_i64(other), as_i64(mine)]
    );
    let bad = get(&sim, &token, "/api/Tickets?agent_id=abc").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.expect("JSON");
    assert!(body["errors"]["agent_id"].is_array(), "{body}");

    let history = sim.actions(closed);
    let closing = history.last().expect("closing action");
    assert_eq!(closing.old_status, 1);
    assert_eq!(closing.new_status, Some(9));
}
