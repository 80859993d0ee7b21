//! Pointing at the line of the config file a problem comes from, and
//! refusing secrets written into it before anything else reads it.

use super::ConfigError;
use super::validate::Problem;

/// A problem with where it is: `file:line: section.key: message`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// `path:line[:column]`, the file name alone, or the environment variable.
    pub location: String,
    /// `section.key`.
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.key, self.message)
    }
}

/// The config text with its name, for locating keys in errors.
pub(super) struct Doc<'a> {
    pub text: &'a str,
    pub name: &'a str,
}

impl Doc<'_> {
    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let (line, col) = e
            .span()
            .map_or((1, 1), |span| line_col(self.text, span.start));
        let key = toml_key_at(self.text, line).unwrap_or_else(|| "(file)".to_owned());
        ConfigError::Invalid(vec![Located {
            location: format!("{}:{line}:{col}", self.name),
            key,
            message: e.message().trim().to_owned(),
        }])
    }

    /// Finds the line of `section.key` (the key's own line if it is set,
    /// else nothing but the file's name).
    pub fn locate(&self, problem: Problem) -> Located {
        let (section, key) = problem
            .field
            .rsplit_once('.')
            .unwrap_or(("", problem.field.as_str()));
        Located {
            location: match find_key(self.text, section, key) {
                Some(line) => format!("{}:{line}", self.name),
                None => self.name.to_owned(),
            },
            key: problem.field.clone(),
            message: problem.message,
        }
    }

    /// Secrets in a plain file end up in backups and screenshots: refuse
    /// them, naming the line but never echoing the value.
    pub fn refuse_secrets(&self) -> Result<(), ConfigError> {
        let mut section = String::new();
        for (i, raw) in self.text.lines().enumerate() {
            let line = raw.trim();
            if line.starts_with('[') {
                section = header(line);
                continue;
            }
            let name = key_of(line).to_ascii_lowercase();
            if line.contains('=') && is_secret_key(&name) {
                return Err(ConfigError::Invalid(vec![Located {
                    location: format!("{}:{}", self.name, i + 1),
                    key: if section.is_empty() {
                        name
                    } else {
                        format!("{section}.{name}")
                    },
                    message: "secrets do not belong in the config file: remove it and run \
                              `halo-notifier-cli login` (OS keyring), or set HALO_CLIENT_SECRET \
                              / HALO_WEBHOOK_TOKEN in the environment"
                        .to_owned(),
                }]));
            }
        }
        Ok(())
    }
}

/// Key names that hold secrets, refused on load and never written on save.
pub(super) fn is_secret_key(name: &str) -> bool {
    ["client_secret", "secret", "token", "password"].contains(&name)
}

fn header(line: &str) -> String {
    line.trim_matches(|c| c == '[' || c == ']')
        .trim()
        .to_owned()
}

fn key_of(line: &str) -> &str {
    line.split('=').next().map(str::trim).unwrap_or_default()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
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
    let key = Some(key_of(here)).filter(|k| !k.is_empty() && !k.starts_with('['));
    let section = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(header);
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
            current = header(line);
            continue;
        }
        if current == section && key_of(line) == key {
            return Some(i + 1);
        }
    }
    None
}
