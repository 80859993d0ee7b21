//! The TOML config file: every key, its default, and errors that name the
//! file, the line and the key. A bad file stops the program: it never runs
//! half-configured. Secrets are refused here; they live in the OS keyring
//! (`login`) or the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alert_engine::{
    AcknowledgeWriteBack, EngineSettings, FilterConfig, Filters, PollSettings, TeamRef, Triggers,
};
use alert_policy::{DutySchedule, GroupingRule, HumanDuration, PolicySet, Templates};
use halo_api::{ConnectionSettings, InstanceUrl};
use serde::Deserialize;

/// Halo asks integrations to stay under 300 requests per 5 minutes per
/// tenant; polling faster than this would spend a large share of it.
const MIN_POLL_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{location}: {key}: {message}")]
    Invalid {
        location: String,
        key: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    halo: HaloSection,
    watch: WatchSection,
    triggers: Triggers,
    filters: FilterConfig,
    acknowledge: AcknowledgeWriteBack,
    webhook: WebhookSection,
    escalation: Option<PolicySet>,
    schedule: Option<DutySchedule>,
    grouping: GroupingSection,
    templates: Templates,
    log: LogSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct HaloSection {
    url: Option<String>,
    tenant: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    auth_server: Option<String>,
    allow_insecure_http: bool,
    closed_status_ids: Vec<i32>,
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WatchSection {
    teams: Vec<TeamRef>,
    assigned_to_me: bool,
    poll_interval: HumanDuration,
    reconcile_every: HumanDuration,
    overlap: HumanDuration,
}

impl Default for WatchSection {
    fn default() -> Self {
        let poll = PollSettings::default();
        WatchSection {
            teams: Vec::new(),
            assigned_to_me: true,
            poll_interval: HumanDuration::from(poll.interval),
            reconcile_every: HumanDuration::from(poll.reconcile_every),
            overlap: HumanDuration::from(poll.overlap),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WebhookSection {
    enabled: bool,
    bind: String,
    allow_remote: bool,
}

impl Default for WebhookSection {
    fn default() -> Self {
        WebhookSection {
            enabled: false,
            bind: DEFAULT_WEBHOOK_BIND.to_owned(),
            allow_remote: false,
        }
    }
}

pub const DEFAULT_WEBHOOK_BIND: &str = "127.0.0.1:8787";

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct GroupingSection {
    enabled: bool,
    threshold: usize,
    window: HumanDuration,
}

impl Default for GroupingSection {
    fn default() -> Self {
        let rule = GroupingRule::default();
        GroupingSection {
            enabled: true,
            threshold: rule.threshold,
            window: rule.window,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LogSection {
    retention_days: u32,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection { retention_days: 14 }
    }
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
}

/// A loaded, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, if there was one.
    pub source: Option<PathBuf>,
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

/// Loads `path` (or the default file, which may be missing), applies the
/// environment overrides, and validates everything.
pub fn load(
    path: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let (text, source) = match path {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.to_path_buf(),
                source,
            })?,
            Some(p.to_path_buf()),
        ),
        None => match default_config_path() {
            Some(p) if p.exists() => (
                std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?,
                Some(p),
            ),
            _ => (String::new(), None),
        },
    };
    parse(&text, source.as_deref(), env)
}

/// Parses config text; `source` names it in errors.
pub fn parse(
    text: &str,
    source: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let name = source.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let doc = Doc { text, name: &name };
    refuse_secrets(&doc)?;
    let file: File = toml::from_str(text).map_err(|e| doc.toml_error(&e))?;

    let url = env("HALO_URL")
        .or(file.halo.url.clone())
        .filter(|u| !u.trim().is_empty());
    let halo = match url {
        None => None,
        Some(url) => {
            let parsed = InstanceUrl::parse(&url, file.halo.allow_insecure_http)
                .map_err(|e| doc.invalid("halo", "url", e.to_string()))?;
            let client_id = env("HALO_CLIENT_ID")
                .or(file.halo.client_id.clone())
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| {
                    doc.invalid(
                        "halo",
                        "client_id",
                        "is missing: create an API application in Halo (Configuration > \
                         Integrations > Halo API, authentication \"Client ID and Secret\") \
                         and put its client ID here or in HALO_CLIENT_ID"
                            .to_owned(),
                    )
                })?;
            Some(HaloConfig {
                url: parsed,
                tenant: env("HALO_TENANT")
                    .or(file.halo.tenant.clone())
                    .filter(|t| !t.is_empty()),
                client_id,
                scope: file.halo.scope.clone().unwrap_or_else(|| "all".to_owned()),
                auth_server: file.halo.auth_server.clone().filter(|a| !a.is_empty()),
                allow_insecure_http: file.halo.allow_insecure_http,
            })
        }
    };

    let watch = &file.watch;
    if watch.poll_interval.as_std() < MIN_POLL_INTERVAL {
        return Err(doc.invalid(
            "watch",
            "poll_interval",
            format!(
                "{} is too often: at least 10s, to stay well under Halo's 300 requests per 5 minutes",
                watch.poll_interval
            ),
        ));
    }
    Filters::compile(file.filters.clone())
        .map_err(|e| doc.invalid("filters", e.field, e.to_string()))?;

    let bind: SocketAddr = file.webhook.bind.trim().parse().map_err(|_| {
        doc.invalid(
            "webhook",
            "bind",
            format!(
                "{:?} is not an address:port such as {DEFAULT_WEBHOOK_BIND}",
                file.webhook.bind
            ),
        )
    })?;
    if !bind.ip().is_loopback() && !file.webhook.allow_remote {
        return Err(doc.invalid(
            "webhook",
            "bind",
            format!(
                "{bind} accepts webhooks from other machines: set allow_remote = true if that \
                 is intended (and put TLS in front), or bind 127.0.0.1"
            ),
        ));
    }
    let grouping = if file.grouping.enabled {
        let rule = GroupingRule {
            threshold: file.grouping.threshold,
            window: file.grouping.window,
        };
        rule.validate()
            .map_err(|e| doc.invalid("grouping", "window", e.to_string()))?;
        Some(rule)
    } else {
        None
    };

    let engine = EngineSettings {
        instance: halo.as_ref().map(|h| h.url.web()).unwrap_or_default(),
        teams: watch.teams.clone(),
        assigned_to_me: watch.assigned_to_me,
        triggers: file.triggers.clone(),
        filters: file.filters.clone(),
        policies: file.escalation.clone().unwrap_or_default(),
        schedule: file.schedule.clone(),
        grouping,
        templates: file.templates.clone(),
        acknowledge: file.acknowledge,
        poll: PollSettings {
            interval: watch.poll_interval.as_std(),
            reconcile_every: watch.reconcile_every.as_std(),
            overlap: watch.overlap.as_std(),
            ..PollSettings::default()
        },
        inbound_retention: Duration::from_secs(u64::from(file.log.retention_days.max(1)) * 86_400),
        closed_status_ids: file.halo.closed_status_ids.clone(),
        display_name: file.halo.display_name.clone(),
    };
    Ok(Config {
        source: source.map(Path::to_path_buf),
        halo,
        webhook: WebhookConfig {
            enabled: file.webhook.enabled,
            bind,
        },
        engine,
    })
}

/// The config text with its name, for locating keys in errors.
struct Doc<'a> {
    text: &'a str,
    name: &'a str,
}

impl Doc<'_> {
    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let (line, col) = e
            .span()
            .map_or((1, 1), |span| line_col(self.text, span.start));
        let key = toml_key_at(self.text, line).unwrap_or_else(|| "(file)".to_owned());
        ConfigError::Invalid {
            location: format!("{}:{line}:{col}", self.name),
            key,
            message: e.message().trim().to_owned(),
        }
    }

    fn invalid(&self, section: &str, key: &str, message: String) -> ConfigError {
        let line = find_key(self.text, section, key);
        ConfigError::Invalid {
            location: match line {
                Some(line) => format!("{}:{line}", self.name),
                None => self.name.to_owned(),
            },
            key: format!("{section}.{key}"),
            message,
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, col)
}

/// "section.key" for the key on a 1-based line, from the nearest header.
fn toml_key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.checked_sub(1)?)?.trim();
    let key = here
        .split('=')
        .next()
        .map(str::trim)
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let section = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    match (section, key) {
        (Some(s), Some(k)) => Some(format!("{s}.{k}")),
        (None, Some(k)) => Some(k.to_owned()),
        (Some(s), None) => Some(s),
        (None, None) => None,
    }
}

/// The 1-based line where `key` is set inside `[section]`.
fn find_key(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned();
            continue;
        }
        let name = line.split('=').next().map(str::trim).unwrap_or_default();
        if current == section && name == key {
            return Some(i + 1);
        }
    }
    None
}

/// Secrets in a plain file end up in backups and screenshots: refuse them.
fn refuse_secrets(doc: &Doc<'_>) -> Result<(), ConfigError> {
    let mut section = String::new();
    for (i, raw) in doc.text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned();
            continue;
        }
        let name = line
            .split('=')
            .next()
            .map(str::trim)
            .unwrap_or_default()
            .to_ascii_lowercase();
        if line.contains('=')
            && ["client_secret", "secret", "token", "password"].contains(&name.as_str())
        {
            return Err(ConfigError::Invalid {
                location: format!("{}:{}", doc.name, i + 1),
                key: if section.is_empty() {
                    name
                } else {
                    format!("{section}.{name}")
                },
                message: "secrets do not belong in the config file: remove it and run \
                          `halo-notifier-cli login` (OS keyring), or set HALO_CLIENT_SECRET / \
                          HALO_WEBHOOK_TOKEN in the environment"
                    .to_owned(),
            });
        }
    }
    Ok(())
}

/// `config --example`: every key with its default and why.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn error(text: &str) -> String {
        parse(text, Some(Path::new("/etc/hn.toml")), &no_env)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_example_config_loads() {
        let config = parse(EXAMPLE, None, &no_env).unwrap();
        assert!(config.halo.is_some());
        assert_eq!(config.engine.teams.len(), 2);
    }

    #[test]
    fn an_empty_file_means_defaults_and_no_halo() {
        let config = parse("", None, &no_env).unwrap();
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
        let e = error(
            "[halo]\nurl = \"https://a.halopsa.com\"\nclient_secret = \"hunter2-very-secret\"\n",
        );
        assert!(e.starts_with("/etc/hn.toml:3: halo.client_secret:"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let env = |k: &str| match k {
            "HALO_URL" => Some("https://b.halopsa.com".to_owned()),
            "HALO_CLIENT_ID" => Some("from-env".to_owned()),
            _ => None,
        };
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
    fn teams_mix_names_and_ids() {
        let config = parse("[watch]\nteams = [\"Service Desk\", 3]\n", None, &no_env).unwrap();
        assert_eq!(
            config.engine.teams,
            vec![TeamRef::Name("Service Desk".into()), TeamRef::Id(3)]
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error_naming_it() {
        let e = load(Some(Path::new("/nonexistent/hn.toml")), &no_env).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/hn.toml"), "{e}");
    }
}
