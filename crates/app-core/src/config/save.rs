//! Saving the config from the settings window: validated first (nothing is
//! written when any field is wrong), then written to a temporary file in the
//! same folder and renamed over the old one, so a crash or a full disk never
//! leaves a half-written config. Secrets have no field in [`Config`], so
//! they cannot be written.

use std::io::Write;
use std::path::Path;

use super::file::Config;
use super::{ConfigError, Located};

impl Config {
    /// The config as TOML text, the shape `config --example` documents.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string_pretty(self).map_err(|e| ConfigError::Serialize(e.to_string()))
    }

    /// Validates, then replaces `path` atomically. Comments in an existing
    /// file are not kept (the window owns the file once it saves).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        if let Err(problems) = self.validate() {
            let name = path.display().to_string();
            return Err(ConfigError::Invalid(
                problems
                    .0
                    .into_iter()
                    .map(|p| Located {
                        location: name.clone(),
                        key: p.field,
                        message: p.message,
                    })
                    .collect(),
            ));
        }
        let text = self.to_toml()?;
        let write_err = |source| ConfigError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".config.toml.")
            .tempfile_in(dir)
            .map_err(write_err)?;
        temp.write_all(text.as_bytes()).map_err(write_err)?;
        // On disk before the rename, so the new name never points at an
        // empty file after a power cut.
        temp.as_file().sync_all().map_err(write_err)?;
        temp.persist(path).map_err(|e| write_err(e.error))?;
        Ok(())
    }
}
