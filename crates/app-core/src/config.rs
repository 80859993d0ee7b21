//! The config file: its structure ([`Config`], the same as TOML and as JSON
//! for the settings window), loading with errors that name the file, the
//! line and the key, and resolving it into what the engine runs with.
//! Secrets are refused here; they live in the OS keyring or the environment.

mod file;
mod locate;
mod save;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alert_engine::{EngineSettings, PollSettings};
use alert_policy::GroupingRule;
use halo_api::{ConnectionSettings, InstanceUrl};

pub use file::{
    Config, DEFAULT_WEBHOOK_BIND, GroupingSection, HaloSection, LogSection, WatchSection,
    WebhookSection,
};
pub use locate::Located;
pub use validate::{Limits, Problem, Problems, command_duration};

use crate::env::Env;

/// Why a config cannot be used. Messages say what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// One line per problem: `file:line: section.key: message`.
    #[error("{}", display_located(.0))]
    Invalid(Vec<Located>),
    #[error(
        "{path}: cannot save the config file: {source}; check the folder exists and is writable"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the config as TOML: {0}")]
    Serialize(String),
}

impl ConfigError {
    /// Field path (`halo.url`) to message, for a settings form.
    pub fn fields(&self) -> std::collections::BTreeMap<String, String> {
        match self {
            ConfigError::Invalid(problems) => problems
                .iter()
                .map(|p| (p.key.clone(), p.message.clone()))
                .collect(),
            _ => Default::default(),
        }
    }
}

fn display_located(problems: &[Located]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where Halo is and how to sign in (the secret comes from elsewhere).
#[derive(Debug, Clone)]
pub struct HaloConfig {
    pub url: InstanceUrl,
    pub tenant: Option<String>,
    pub client_id: String,
    pub scope: String,
    pub auth_server: Option<String>,
    pub allow_insecure_http: bool,
}

impl HaloConfig {
    pub fn connection(&self) -> Result<ConnectionSettings, halo_api::HaloError> {
        let mut settings = ConnectionSettings::new(self.url.clone(), self.client_id.clone());
        settings.tenant = self.tenant.clone();
        settings.scope = self.scope.clone();
        settings.allow_insecure_http = self.allow_insecure_http;
        if let Some(auth) = &self.auth_server {
            settings = settings.with_auth_server(auth)?;
        }
        Ok(settings)
    }
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub enabled: bool,
    pub bind: SocketAddr,
    /// The address Halo posts to when it differs from `bind` (a tunnel or
    /// reverse proxy in front).
    pub public_url: Option<String>,
}

/// A loaded, validated configuration, resolved for the engine.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The file read, if there was one.
    pub source: Option<PathBuf>,
    /// Where the file was looked for (also when it was missing).
    pub looked_at: Option<PathBuf>,
    /// The file's structure as written (before environment overrides).
    pub file: Config,
    /// The same with `HALO_URL`, `HALO_CLIENT_ID`, `HALO_TENANT` applied.
    pub effective: Config,
    /// `None` when no Halo URL is configured anywhere.
    pub halo: Option<HaloConfig>,
    pub webhook: WebhookConfig,
    pub engine: EngineSettings,
}

/// The platform's config file (`~/.config/halo-notifier/config.toml` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The platform's data dir (`~/.local/share/halo-notifier` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "halo-notifier")
}

/// `config --example`: every key with its default and why.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// Loads `path` (or the default file, which may be missing), applies the
/// environment overrides, and validates everything.
pub fn load(path: Option<&Path>, env: &Env) -> Result<LoadedConfig, ConfigError> {
    let looked_at = path.map(Path::to_path_buf).or_else(default_config_path);
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
            path: p.to_path_buf(),
            source,
        })
    };
    let (text, source) = match (path, &looked_at) {
        (Some(p), _) => (read(p)?, Some(p.to_path_buf())),
        (None, Some(p)) if p.exists() => (read(p)?, Some(p.clone())),
        _ => (String::new(), None),
    };
    let mut loaded = parse(&text, source.as_deref(), env)?;
    loaded.looked_at = looked_at;
    Ok(loaded)
}

/// Parses config text; `source` names it in errors.
pub fn parse(text: &str, source: Option<&Path>, env: &Env) -> Result<LoadedConfig, ConfigError> {
    let name = source.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let doc = locate::Doc { text, name: &name };
    doc.refuse_secrets()?;
    let file: Config = toml::from_str(text).map_err(|e| doc.toml_error(&e))?;
    resolve(file, env, &doc).map(|mut loaded| {
        loaded.source = source.map(Path::to_path_buf);
        loaded
    })
}

/// Applies the environment overrides, validates, and builds the engine's
/// settings. Every problem is reported, each located in `doc`.
fn resolve(file: Config, env: &Env, doc: &locate::Doc<'_>) -> Result<LoadedConfig, ConfigError> {
    let mut effective = file.clone();
    let overrides = [
        ("HALO_URL", "halo.url"),
        ("HALO_CLIENT_ID", "halo.client_id"),
        ("HALO_TENANT", "halo.tenant"),
    ];
    let mut from_env = Vec::new();
    for (var, key) in overrides {
        if let Some(value) = env.get(var) {
            match key {
                "halo.url" => effective.halo.url = Some(value),
                "halo.client_id" => effective.halo.client_id = Some(value),
                _ => effective.halo.tenant = Some(value),
            }
            from_env.push((key, var));
        }
    }
    if let Err(problems) = effective.validate() {
        return Err(ConfigError::Invalid(
            problems
                .0
                .into_iter()
                .map(|p| match from_env.iter().find(|(key, _)| *key == p.field) {
                    Some((_, var)) => Located {
                        location: format!("environment variable {var}"),
                        key: p.field,
                        message: p.message,
                    },
                    None => doc.locate(p),
                })
                .collect(),
        ));
    }
    let halo = effective.halo_config();
    let watch = &effective.watch;
    let grouping = effective.grouping.enabled.then_some(GroupingRule {
        threshold: effective.grouping.threshold,
        window: effective.grouping.window,
    });
    let engine = EngineSettings {
        instance: halo.as_ref().map(|h| h.url.web()).unwrap_or_default(),
        teams: watch.teams.clone(),
        assigned_to_me: watch.assigned_to_me,
        triggers: effective.triggers.clone(),
        filters: effective.filters.clone(),
        policies: effective.escalation.clone().unwrap_or_default(),
        schedule: effective.schedule.clone(),
        grouping,
        templates: effective.templates.clone(),
        acknowledge: effective.acknowledge,
        poll: PollSettings {
            interval: watch.poll_interval.as_std(),
            reconcile_every: watch.reconcile_every.as_std(),
            overlap: watch.overlap.as_std(),
            ..PollSettings::default()
        },
        inbound_retention: Duration::from_secs(
            u64::from(effective.log.retention_days.max(1)) * 86_400,
        ),
        closed_status_ids: effective.halo.closed_status_ids.clone(),
        display_name: effective.halo.display_name.clone(),
    };
    let webhook = WebhookConfig {
        enabled: effective.webhook.enabled,
        // Validated above; the fallback is never used.
        bind: effective
            .webhook
            .bind
            .trim()
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8787))),
        public_url: effective
            .webhook
            .public_url
            .clone()
            .filter(|u| !u.trim().is_empty()),
    };
    Ok(LoadedConfig {
        source: None,
        looked_at: None,
        file,
        effective,
        halo,
        webhook,
        engine,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
