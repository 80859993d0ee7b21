//! Secrets in the OS keyring: the Halo API client secret (per instance and
//! client id) and the webhook token. Calls block (D-Bus, Keychain): async
//! callers wrap them in `spawn_blocking`.

use halo_api::ClientSecret;
use keyring::Entry;

const SERVICE: &str = "halo-notifier";
const WEBHOOK_USER: &str = "webhook-token";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the OS keyring is not reachable ({0}): on Linux a Secret Service (GNOME Keyring, \
         KWallet) must be running and unlocked in your session; or set HALO_CLIENT_SECRET \
         (and HALO_WEBHOOK_TOKEN) in the environment instead"
    )]
    Unavailable(String),
    #[error("the OS keyring refused access ({0}): unlock it and try again")]
    Denied(String),
    #[error("the OS keyring failed: {0}")]
    Other(String),
}

impl From<keyring::Error> for SecretError {
    fn from(e: keyring::Error) -> Self {
        // The message of a keyring error never contains the secret.
        match e {
            keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
            keyring::Error::NoStorageAccess(inner) => SecretError::Denied(inner.to_string()),
            other => SecretError::Other(other.to_string()),
        }
    }
}

/// Where Halo Notifier keeps its secrets.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl Default for SecretStore {
    fn default() -> Self {
        SecretStore::new()
    }
}

impl SecretStore {
    pub fn new() -> Self {
        SecretStore::with_service(SERVICE)
    }

    /// A separate namespace (tests use their own).
    pub fn with_service(service: impl Into<String>) -> Self {
        SecretStore {
            service: service.into(),
        }
    }

    fn client_entry(&self, instance: &str, client_id: &str) -> Result<Entry, SecretError> {
        Ok(Entry::new(
            &self.service,
            &format!("{client_id}@{}", host_of(instance)),
        )?)
    }

    pub fn client_secret(
        &self,
        instance: &str,
        client_id: &str,
    ) -> Result<Option<ClientSecret>, SecretError> {
        read(&self.client_entry(instance, client_id)?).map(|v| v.map(ClientSecret::new))
    }

    pub fn set_client_secret(
        &self,
        instance: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<(), SecretError> {
        Ok(self
            .client_entry(instance, client_id)?
            .set_password(secret)?)
    }

    pub fn delete_client_secret(
        &self,
        instance: &str,
        client_id: &str,
    ) -> Result<bool, SecretError> {
        delete(&self.client_entry(instance, client_id)?)
    }

    pub fn webhook_token(&self) -> Result<Option<String>, SecretError> {
        read(&Entry::new(&self.service, WEBHOOK_USER)?)
    }

    pub fn set_webhook_token(&self, token: &str) -> Result<(), SecretError> {
        Ok(Entry::new(&self.service, WEBHOOK_USER)?.set_password(token)?)
    }

    pub fn delete_webhook_token(&self) -> Result<bool, SecretError> {
        delete(&Entry::new(&self.service, WEBHOOK_USER)?)
    }
}

fn read(entry: &Entry) -> Result<Option<String>, SecretError> {
    match entry.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn delete(entry: &Entry) -> Result<bool, SecretError> {
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// "https://acme.halopsa.com/" → "acme.halopsa.com": the user name stays
/// readable in the OS keyring's UI.
fn host_of(instance: &str) -> &str {
    let rest = instance.split("://").nth(1).unwrap_or(instance);
    rest.split('/').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_user_names_show_the_host() {
        assert_eq!(host_of("https://acme.halopsa.com/"), "acme.halopsa.com");
        assert_eq!(host_of("http://127.0.0.1:8089"), "127.0.0.1:8089");
    }
}
