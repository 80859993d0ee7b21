//! Finding the secrets: the environment first (`HALO_CLIENT_SECRET`,
//! `HALO_WEBHOOK_TOKEN`, for headless machines), then the OS keyring. The
//! one place both are looked up, for every command and front end.

use halo_api::ClientSecret;
use secrets::SecretStore;

use crate::config::HaloConfig;
use crate::env::Env;
use crate::error::{AppError, blocking};

/// The client secret for `halo`: `HALO_CLIENT_SECRET`, else the keyring.
pub async fn client_secret(halo: &HaloConfig, env: &Env) -> Result<ClientSecret, AppError> {
    if let Some(secret) = env.get("HALO_CLIENT_SECRET") {
        return Ok(ClientSecret::new(secret));
    }
    let (instance, client_id) = (halo.url.web(), halo.client_id.clone());
    blocking(move || SecretStore::new().client_secret(&instance, &client_id))
        .await??
        .ok_or(AppError::NoSecret)
}

/// Whether a client secret is stored in the keyring for `halo` (the
/// environment does not count: the settings window shows the keyring).
pub async fn client_secret_stored(halo: &HaloConfig) -> Result<bool, AppError> {
    let (instance, client_id) = (halo.url.web(), halo.client_id.clone());
    Ok(
        blocking(move || SecretStore::new().client_secret(&instance, &client_id))
            .await??
            .is_some(),
    )
}

/// Stores the client secret for `halo` in the keyring.
pub async fn store_client_secret(halo: &HaloConfig, secret: String) -> Result<(), AppError> {
    let (instance, client_id) = (halo.url.web(), halo.client_id.clone());
    blocking(move || SecretStore::new().set_client_secret(&instance, &client_id, &secret))
        .await??;
    Ok(())
}

/// The webhook token: `HALO_WEBHOOK_TOKEN`, else the keyring (`None` if
/// neither has one).
pub async fn webhook_token(env: &Env) -> Result<Option<String>, AppError> {
    if let Some(token) = env.get("HALO_WEBHOOK_TOKEN") {
        return Ok(Some(token));
    }
    Ok(blocking(|| SecretStore::new().webhook_token()).await??)
}

/// Stores the webhook token in the keyring, refusing one too short to guess.
pub async fn store_webhook_token(token: String) -> Result<(), AppError> {
    if token.len() < webhook_receiver::MIN_TOKEN_LEN {
        return Err(AppError::Invalid {
            what: "webhook token".to_owned(),
            message: format!(
                "too short: use at least {} random characters (e.g. `openssl rand -hex 24`)",
                webhook_receiver::MIN_TOKEN_LEN
            ),
        });
    }
    blocking(move || SecretStore::new().set_webhook_token(&token)).await??;
    Ok(())
}

/// A new random webhook token (24 bytes from the OS, hex), stored in the
/// keyring in place of the old one, which stops working.
pub async fn regenerate_webhook_token() -> Result<String, AppError> {
    let token = random_token()?;
    store_webhook_token(token.clone()).await?;
    Ok(token)
}

fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Invalid {
        what: "webhook token".to_owned(),
        message: format!("the system gave no random numbers ({e}); try again"),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_is_long_enough_for_the_receiver_and_never_repeats() {
        let (a, b) = (
            random_token().expect("a token"),
            random_token().expect("a token"),
        );
        assert!(a.len() >= webhook_receiver::MIN_TOKEN_LEN, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
