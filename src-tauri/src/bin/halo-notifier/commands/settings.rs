//! Settings commands: the form is the config file's structure as JSON plus
//! the write-only secret and a few switches (docs/command-surface.md). The
//! client secret goes to the OS keyring only and is never sent back.

use crate::shell::Shell;
use app_core::{Config, Env, LoadedConfig};
use halo_api::ClientSecret;
use secrets::SecretStore;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::state::blocking;

/// The parts of a form that are not the config file.
struct FormExtras {
    secret: Option<String>,
    start_at_login: Option<bool>,
}

/// Splits the window's form into the config and the extras; the config
/// part must be exactly the file's structure.
fn split_form(mut form: Value) -> CommandResult<(Config, FormExtras)> {
    let mut take = |section: &str, key: &str| {
        form.get_mut(section)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key))
    };
    let secret = take("halo", "secret")
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|s| !s.trim().is_empty());
    let _ = take("halo", "secret_stored");
    let _ = take("webhook", "token_stored");
    let object = form.as_object_mut().ok_or_else(|| {
        CommandError::new(
            ErrorKind::Validation,
            "the settings form is not an object: reload the window",
        )
    })?;
    let start_at_login = object.remove("start_at_login").and_then(|v| v.as_bool());
    let _ = object.remove("demo");
    let config: Config = serde_json::from_value(form).map_err(|e| {
        CommandError::new(
            ErrorKind::Validation,
            format!("the settings form does not fit the config ({e}): reload the window"),
        )
    })?;
    Ok((
        config,
        FormExtras {
            secret,
            start_at_login,
        },
    ))
}

fn validation(problems: std::collections::BTreeMap<String, String>) -> CommandError {
    CommandError {
        fields: Some(problems),
        ..CommandError::new(
            ErrorKind::Validation,
            "some settings need fixing: see the marked fields",
        )
    }
}

fn load_config() -> CommandResult<LoadedConfig> {
    Ok(app_core::config::load(None, &Env::none()).map_err(app_core::AppError::from)?)
}

/// Opens (or brings forward) the settings window, e.g. from the demo
/// banner's "Connect to Halo".
pub async fn open_settings(app: Shell) -> CommandResult<()> {
    crate::window_hosts::show(&app, crate::start_option::WindowKind::Settings, None);
    Ok(())
}

pub async fn get_settings(app: Shell) -> CommandResult<Value> {
    let demo = app
        .state()
        .core()
        .map(|c| c.mode == "demo")
        .unwrap_or(false);
    blocking(move || {
        let start_at_login = crate::autostart::at_login()
            .and_then(|entry| entry.is_enabled().map_err(|e| crate::autostart::failed(&e)))
            .unwrap_or(false);
        let loaded = load_config()?;
        let store = SecretStore::new();
        let secret_stored = match loaded.file.halo_config() {
            Some(h) => store
                .client_secret(&h.url.web(), &h.client_id)
                .map_err(app_core::AppError::from)?
                .is_some(),
            None => false,
        };
        let token_stored = store
            .webhook_token()
            .map_err(app_core::AppError::from)?
            .is_some();
        let mut form = serde_json::to_value(&loaded.file)
            .map_err(|e| CommandError::internal(format!("could not read the settings ({e})")))?;
        form["halo"]["secret"] = Value::Null;
        form["halo"]["secret_stored"] = json!(secret_stored);
        form["webhook"]["token_stored"] = json!(token_stored);
        form["start_at_login"] = json!(start_at_login);
        form["demo"] = json!(demo);
        Ok(form)
    })
    .await
}

/// Validates everything first; then the secret goes to the keyring, then
/// the file is replaced atomically, then the app restarts on it. Nothing is
/// written when a field is wrong.
pub async fn save_settings(app: Shell, form: Value) -> CommandResult<Value> {
    let (config, extras) = split_form(form)?;
    if let Err(problems) = config.validate() {
        return Err(validation(problems.fields()));
    }
    let path = app_core::config::default_config_path().ok_or_else(|| {
        CommandError::new(
            ErrorKind::Store,
            "this system has no config folder: set HOME",
        )
    })?;
    let saved = config.clone();
    blocking(move || {
        if let Some(secret) = extras.secret {
            let halo = saved.halo_config().ok_or_else(|| {
                validation(
                    [(
                        "halo.url".to_owned(),
                        "enter the Halo address before the secret".to_owned(),
                    )]
                    .into(),
                )
            })?;
            SecretStore::new()
                .set_client_secret(&halo.url.web(), &halo.client_id, &secret)
                .map_err(app_core::AppError::from)?;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                CommandError::new(
                    ErrorKind::Store,
                    format!("{}: cannot create the config folder ({e})", dir.display()),
                )
            })?;
        }
        saved.save(&path).map_err(app_core::AppError::from)?;
        Ok(())
    })
    .await?;
    if let Some(on) = extras.start_at_login {
        blocking(move || {
            let entry = crate::autostart::at_login()?;
            if on == entry.is_enabled().unwrap_or(!on) {
                return Ok(());
            }
            let done = if on { entry.enable() } else { entry.disable() };
            done.map_err(|e| {
                CommandError::new(
                    ErrorKind::Internal,
                    format!("settings saved, but start at login could not be changed ({e})"),
                )
            })
        })
        .await?;
    }
    crate::startup::restart_core(app.clone()).await;
    get_settings(app).await
}

#[derive(Debug, Serialize)]
pub struct TeamChoice {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct WebhookToken {
    pub url: String,
    pub token_stored: bool,
}

/// The form's secret, else the one stored for the form's Halo.
async fn secret_for(config: &Config, typed: Option<String>) -> CommandResult<Option<ClientSecret>> {
    if let Some(s) = typed {
        return Ok(Some(ClientSecret::new(s)));
    }
    let Some(halo) = config.halo_config() else {
        return Ok(None);
    };
    match app_core::credentials::client_secret(&halo, &Env::process()).await {
        Ok(secret) => Ok(Some(secret)),
        Err(app_core::AppError::NoSecret) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Checks the form against Halo without saving it (app-core's report says
/// what is wrong and how to fix it, or what works).
pub async fn test_connection(
    _app: Shell,
    form: Value,
) -> CommandResult<app_core::ConnectionReport> {
    let (config, extras) = split_form(form)?;
    let secret = secret_for(&config, extras.secret).await?;
    Ok(app_core::test_connection(&config, secret).await)
}

pub async fn list_teams(_app: Shell, form: Value) -> CommandResult<Vec<TeamChoice>> {
    let (config, extras) = split_form(form)?;
    let halo = config.halo_config().ok_or_else(|| {
        validation([("halo.url".to_owned(), "enter your Halo address".to_owned())].into())
    })?;
    let secret = secret_for(&config, extras.secret)
        .await?
        .ok_or(app_core::AppError::NoSecret)?;
    let client = app_core::build_client(&halo, secret)?;
    let teams = client.teams().await.map_err(app_core::AppError::from)?;
    Ok(teams
        .into_iter()
        .filter_map(|t| {
            Some(TeamChoice {
                id: t.id,
                name: t.name?,
            })
        })
        .collect())
}

/// The form's templates rendered on a made-up ticket.
pub async fn preview_template(
    _app: Shell,
    form: Value,
) -> CommandResult<app_core::TemplatePreview> {
    let (config, _) = split_form(form)?;
    Ok(app_core::template_preview::preview(&config))
}

/// A new random webhook token in the keyring (the old one stops working).
pub async fn regenerate_webhook_token(_app: Shell) -> CommandResult<WebhookToken> {
    let token = app_core::credentials::regenerate_webhook_token().await?;
    let config = blocking(|| Ok(load_config()?.file)).await?;
    Ok(WebhookToken {
        url: app_core::webhook_setup(&config, Some(&token)).url,
        token_stored: true,
    })
}

/// What to paste into Halo: the URL, the custom-integration body and the
/// runbook events (app-core's text).
pub async fn webhook_setup(_app: Shell) -> CommandResult<app_core::WebhookSetup> {
    let config = blocking(|| Ok(load_config()?.file)).await?;
    let token = app_core::credentials::webhook_token(&Env::process()).await?;
    Ok(app_core::webhook_setup(&config, token.as_deref()))
}

pub async fn open_log_folder(app: Shell) -> CommandResult<()> {
    let dir = app.dirs().logs.clone();
    blocking(move || {
        std::fs::create_dir_all(&dir)
            .map_err(|e| CommandError::new(ErrorKind::Store, format!("{}: {e}", dir.display())))?;
        open::that_detached(&dir).map_err(|e| {
            CommandError::new(
                ErrorKind::Internal,
                format!("could not open the folder ({e}): it is {}", dir.display()),
            )
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_and_switches_never_reach_the_config() {
        let form = json!({
            "halo": { "url": "https://acme.halopsa.com", "client_id": "abc",
                      "secret": "s3cr3t", "secret_stored": false },
            "webhook": { "token_stored": true },
            "start_at_login": true,
            "demo": false
        });
        let (config, extras) = split_form(form).expect("a valid form");
        assert_eq!(extras.secret.as_deref(), Some("s3cr3t"));
        assert_eq!(extras.start_at_login, Some(true));
        let toml = config.to_toml().expect("toml");
        assert!(!toml.contains("s3cr3t"), "{toml}");
        assert!(toml.contains("acme.halopsa.com"));
    }

    #[test]
    fn an_unknown_field_is_refused_rather_than_dropped() {
        let Err(err) = split_form(json!({ "halo": { "password": "x" } })) else {
            panic!("a field the config does not have was accepted");
        };
        assert_eq!(err.kind, ErrorKind::Validation);
    }
}
