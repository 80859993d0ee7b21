//! The webhook listener in front of the engine, with its token from the
//! environment or the keyring.

use std::sync::Arc;

use alert_engine::EngineHandle;
use webhook_receiver::{DEFAULT_BODY_LIMIT, Receiver, ReceiverConfig, WebhookToken};

use crate::config::WebhookConfig;
use crate::credentials;
use crate::env::Env;
use crate::error::AppError;

/// Starts the receiver on `config.bind`; fails when no token is set.
pub async fn start_webhooks(
    config: &WebhookConfig,
    env: &Env,
    handle: EngineHandle,
) -> Result<Receiver, AppError> {
    let token = credentials::webhook_token(env)
        .await?
        .ok_or(AppError::NoWebhookToken)?;
    let receiver = webhook_receiver::bind(
        ReceiverConfig {
            bind: config.bind,
            token: WebhookToken::new(token)?,
            body_limit: DEFAULT_BODY_LIMIT,
        },
        Arc::new(handle),
    )
    .await?;
    tracing::info!(
        "receiving webhooks on http://{}/webhook/<token>",
        receiver.local_addr()
    );
    Ok(receiver)
}
