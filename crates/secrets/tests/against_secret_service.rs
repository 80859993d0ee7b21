//! Secrets in a real Secret Service (GNOME Keyring over D-Bus). They need a
//! desktop session, so a plain `cargo test` ignores them; `scripts/test.sh`
//! runs them inside `scripts/desktop-session.sh ... -- --ignored`.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use secrets::SecretStore;

/// What `secret-tool` (another Secret Service client) finds.
fn lookup(service: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
#[ignore = "needs a desktop session"]
fn a_client_secret_is_kept_in_the_keyring_per_instance_and_client() {
    let service = "halo-notifier-test-client";
    let store = SecretStore::with_service(service);
    let acme = "https://acme.halopsa.com";
    assert!(store.client_secret(acme, "api-client").unwrap().is_none());

    store
        .set_client_secret(acme, "api-client", "s3cr3t-ünï")
        .unwrap();
    store
        .set_client_secret("https://globex.haloitsm.com", "api-client", "other")
        .unwrap();
    assert_eq!(
        store
            .client_secret(acme, "api-client")
            .unwrap()
            .unwrap()
            .expose(),
        "s3cr3t-ünï"
    );
    // Stored where other keyring tools see it, labelled by client and host.
    assert_eq!(
        lookup(service, "api-client@acme.halopsa.com").as_deref(),
        Some("s3cr3t-ünï")
    );
    // Replacing keeps one entry with the new value.
    store
        .set_client_secret(acme, "api-client", "rotated")
        .unwrap();
    assert_eq!(
        lookup(service, "api-client@acme.halopsa.com").as_deref(),
        Some("rotated")
    );

    assert!(store.delete_client_secret(acme, "api-client").unwrap());
    assert!(!store.delete_client_secret(acme, "api-client").unwrap());
    assert!(store.client_secret(acme, "api-client").unwrap().is_none());
    assert_eq!(lookup(service, "api-client@acme.halopsa.com"), None);
    // The other instance's secret is untouched.
    assert_eq!(
        lookup(service, "api-client@globex.haloitsm.com").as_deref(),
        Some("other")
    );
}

#[test]
#[ignore = "needs a desktop session"]
fn the_webhook_token_is_kept_in_the_keyring() {
    let service = "halo-notifier-test-webhook";
    let store = SecretStore::with_service(service);
    assert_eq!(store.webhook_token().unwrap(), None);
    store.set_webhook_token("0123456789abcdef0123").unwrap();
    assert_eq!(
        store.webhook_token().unwrap().as_deref(),
        Some("0123456789abcdef0123")
    );
    assert_eq!(
        lookup(service, "webhook-token").as_deref(),
        Some("0123456789abcdef0123")
    );
    assert!(store.delete_webhook_token().unwrap());
    assert_eq!(store.webhook_token().unwrap(), None);
}
