//! The windows get nothing beyond the app's own commands and its events,
//! and load nothing remote: checked on the shipped config files.

use serde_json::Value;

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn windows_may_only_call_the_apps_own_commands_and_listen() {
    let capability = json("capabilities/windows.json");
    let permissions = capability["permissions"].as_array().expect("a list");
    assert!(permissions.len() > 2);
    for p in permissions {
        let p = p.as_str().expect("a name");
        let own_command = p.starts_with("allow-") && !p.contains(':');
        let listening = matches!(p, "core:event:allow-listen" | "core:event:allow-unlisten");
        assert!(own_command || listening, "the windows must not get {p}");
    }
    assert_eq!(
        capability["windows"],
        serde_json::json!(["alerts", "settings"])
    );
    assert!(
        capability.get("remote").is_none(),
        "no remote page may call commands"
    );
}

#[test]
fn the_content_security_policy_allows_only_the_apps_own_files() {
    let config = json("tauri.conf.json");
    let csp = config["app"]["security"]["csp"].as_str().expect("a CSP");
    assert_eq!(
        csp,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
    );
    assert_eq!(
        config["app"]["windows"],
        serde_json::json!([]),
        "no window at start"
    );
}

#[test]
fn the_deb_depends_on_the_tray_library() {
    let config = json("tauri.conf.json");
    let depends = &config["bundle"]["linux"]["deb"]["depends"];
    assert!(
        depends
            .as_array()
            .is_some_and(|d| d.iter().any(|p| p == "libayatana-appindicator3-1")),
        "{depends}"
    );
}
