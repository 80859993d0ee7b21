//! The environment variables the app reads (`HALO_URL`, `HALO_CLIENT_SECRET`,
//! …), behind a value so tests and the settings window can supply their own
//! instead of the process's.

use std::collections::HashMap;
use std::sync::Arc;

/// A source of environment variables; empty values count as unset.
#[derive(Clone)]
pub struct Env(Arc<Lookup>);

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

impl Env {
    /// The process's environment.
    pub fn process() -> Self {
        Env(Arc::new(|key| std::env::var(key).ok()))
    }

    /// No variables at all (the settings window tests a form, not the shell).
    pub fn none() -> Self {
        Env(Arc::new(|_| None))
    }

    /// Exactly these variables.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Env(Arc::new(move |key| map.get(key).cloned()))
    }

    pub fn get(&self, key: &str) -> Option<String> {
        (self.0)(key).filter(|v| !v.trim().is_empty())
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::process()
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print values: HALO_CLIENT_SECRET may be among them.
        f.write_str("Env(..)")
    }
}
