use std::path::Path;
use std::time::Duration;

use alert_engine::TeamRef;

use super::*;

fn no_env() -> Env {
    Env::none()
}

fn error(text: &str) -> String {
    parse(text, Some(Path::new("/etc/hn.toml")), &no_env())
        .unwrap_err()
        .to_string()
}

#[test]
fn the_example_config_loads() {
    let config = parse(EXAMPLE, None, &no_env()).unwrap();
    assert!(config.halo.is_some());
    assert_eq!(config.engine.teams.len(), 2);
}

#[test]
fn an_empty_file_means_defaults_and_no_halo() {
    let config = parse("", None, &no_env()).unwrap();
    assert!(config.halo.is_none());
    assert!(!config.webhook.enabled);
    assert_eq!(config.engine.poll.interval, Duration::from_secs(30));
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let e = error(
        "[halo]\nurl = \"https://a.halopsa.com\"\nclient_id = \"x\"\n\n[watch]\ntems = [1]\n",
    );
    assert!(e.starts_with("/etc/hn.toml:6:1: watch.tems:"), "{e}");
    assert!(e.contains("unknown field"), "{e}");
}

#[test]
fn semantic_errors_name_the_line_too() {
    let e = error("[watch]\nteams = [1]\npoll_interval = \"2s\"\n");
    assert!(e.starts_with("/etc/hn.toml:3: watch.poll_interval:"), "{e}");
    let e = error("[filters]\nsummary_regex = \"(unclosed\"\n");
    assert!(
        e.starts_with("/etc/hn.toml:2: filters.summary_regex:"),
        "{e}"
    );
    let e = error("[halo]\nurl = \"http://halo.example.com\"\nclient_id = \"x\"\n");
    assert!(e.starts_with("/etc/hn.toml:2: halo.url:"), "{e}");
    let e = error("[webhook]\nenabled = true\nbind = \"0.0.0.0:8787\"\n");
    assert!(e.starts_with("/etc/hn.toml:3: webhook.bind:"), "{e}");
}

#[test]
fn secrets_in_the_file_are_refused_without_echoing_them() {
    let e =
        error("[halo]\nurl = \"https://a.halopsa.com\"\nclient_secret = \"hunter2-very-secret\"\n");
    assert!(e.starts_with("/etc/hn.toml:3: halo.client_secret:"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
}

#[test]
fn the_environment_overrides_the_file() {
    let env = Env::from_pairs(&[
        ("HALO_URL", "https://b.halopsa.com"),
        ("HALO_CLIENT_ID", "from-env"),
    ]);
    let config = parse(
        "[halo]\nurl = \"https://a.halopsa.com\"\nclient_id = \"x\"\n",
        None,
        &env,
    )
    .unwrap();
    let halo = config.halo.unwrap();
    assert_eq!(halo.url.web(), "https://b.halopsa.com");
    assert_eq!(halo.client_id, "from-env");
}

#[test]
fn a_bad_url_from_the_environment_names_the_variable() {
    let env = Env::from_pairs(&[("HALO_URL", "http://insecure.example.com")]);
    let e = parse("[halo]\nclient_id = \"x\"\n", None, &env)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("environment variable HALO_URL: halo.url:"),
        "{e}"
    );
}

#[test]
fn teams_mix_names_and_ids() {
    let config = parse("[watch]\nteams = [\"Service Desk\", 3]\n", None, &no_env()).unwrap();
    assert_eq!(
        config.engine.teams,
        vec![TeamRef::Name("Service Desk".into()), TeamRef::Id(3)]
    );
}

#[test]
fn a_missing_explicit_file_is_an_error_naming_it() {
    let e = load(Some(Path::new("/nonexistent/hn.toml")), &no_env()).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/hn.toml"), "{e}");
}

#[test]
fn the_example_round_trips_through_json_with_the_toml_structure() {
    let file: Config = toml::from_str(EXAMPLE).unwrap();
    let json = serde_json::to_value(&file).unwrap();
    // Same sections and keys as the TOML, for the settings window.
    assert_eq!(json["halo"]["url"], "https://yourcompany.halopsa.com");
    assert!(json["watch"]["poll_interval"].is_string(), "{json}");
    let back: Config = serde_json::from_value(json).unwrap();
    assert_eq!(back, file);
    // And back to TOML, which loads to the same thing.
    let text = back.to_toml().unwrap();
    let again: Config = toml::from_str(&text).unwrap();
    assert_eq!(again, file);
}

#[test]
fn validate_reports_every_problem_by_field_path() {
    let mut config = Config::default();
    config.halo.url = Some("http://halo.example.com".into());
    config.watch.poll_interval = "2s".parse().unwrap();
    config.webhook.bind = "not an address".into();
    config.log.retention_days = 0;
    let fields = config.validate().unwrap_err().fields();
    for key in [
        "halo.url",
        "halo.client_id",
        "watch.poll_interval",
        "webhook.bind",
        "log.retention_days",
    ] {
        assert!(fields.contains_key(key), "{key} missing from {fields:?}");
    }
    assert!(fields["halo.url"].contains("https"), "{fields:?}");
}

#[test]
fn a_form_carrying_a_secret_is_refused() {
    let json = serde_json::json!({ "halo": { "url": "https://a.halopsa.com", "client_secret": "s3cr3t" } });
    let e = serde_json::from_value::<Config>(json)
        .unwrap_err()
        .to_string();
    assert!(e.contains("client_secret"), "{e}");
    assert!(!e.contains("s3cr3t"), "{e}");
}

#[test]
fn saving_writes_toml_that_loads_back_and_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("config.toml");
    let mut config: Config = toml::from_str(EXAMPLE).unwrap();
    config.watch.poll_interval = "45s".parse().unwrap();
    config.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = load(Some(&path), &Env::none()).unwrap();
    assert_eq!(loaded.file, config);
    assert_eq!(loaded.engine.poll.interval, Duration::from_secs(45));
    assert!(
        !text.lines().any(|l| l
            .split('=')
            .next()
            .is_some_and(|k| locate::is_secret_key(k.trim()))),
        "{text}"
    );
    // Only the config is left in the folder: no temporary files.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("config.toml")]);
}

#[test]
fn an_invalid_form_is_not_saved_and_the_old_file_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "# mine\n[watch]\nteams = [1]\n").unwrap();
    let mut config = Config::default();
    config.watch.poll_interval = "1s".parse().unwrap();
    let e = config.save(&path).unwrap_err();
    assert!(e.fields().contains_key("watch.poll_interval"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# mine\n[watch]\nteams = [1]\n"
    );
}

#[test]
fn a_save_that_cannot_replace_the_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the file should go: the rename must fail.
    let path = dir.path().join("config.toml");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), "x").unwrap();
    assert!(Config::default().save(&path).is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("config.toml")]);
    assert!(path.join("keep").exists());
}

#[test]
fn absurd_durations_are_refused_with_their_line_never_a_panic() {
    let e = error("[watch]\npoll_interval = \"100000000d\"\n");
    assert!(e.starts_with("/etc/hn.toml:2: watch.poll_interval:"), "{e}");
    assert!(e.contains("too long: at most 1h"), "{e}");
    let e = error("[watch]\nreconcile_every = \"5000000000000d\"\n");
    assert!(
        e.starts_with("/etc/hn.toml:2: watch.reconcile_every:"),
        "{e}"
    );
    let e = error("[watch]\noverlap = \"30d\"\n");
    assert!(e.starts_with("/etc/hn.toml:2: watch.overlap:"), "{e}");
    let e = error("[log]\nretention_days = 4294967295\n");
    assert!(e.starts_with("/etc/hn.toml:2: log.retention_days:"), "{e}");
    // Beyond what a duration can hold at all: the parser's own message.
    let e = error("[watch]\npoll_interval = \"99999999999999999999999d\"\n");
    assert!(e.contains("watch.poll_interval"), "{e}");
}

#[test]
fn command_durations_beyond_the_limit_are_refused() {
    let e = command_duration("snooze", "100000000d", Limits::MAX_SNOOZE).unwrap_err();
    assert!(e.to_string().contains("too long: at most 30d"), "{e}");
    assert_eq!(
        command_duration("snooze", "15m", Limits::MAX_SNOOZE).unwrap(),
        Duration::from_secs(900)
    );
}
