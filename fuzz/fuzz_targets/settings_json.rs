//! Any bytes as the settings window's form (the config as JSON): never a
//! panic; a form that validates is saved as TOML that loads back to the
//! same config, and sent back to the window as JSON that reads the same.
#![no_main]

use app_core::config::parse;
use app_core::{Config, Env};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(config) = serde_json::from_slice::<Config>(body) else {
        return;
    };
    let as_json = serde_json::to_value(&config).expect("the form serialises");
    let back: Config = serde_json::from_value(as_json.clone())
        .unwrap_or_else(|e| panic!("the window's own form does not read back: {e}\n{as_json}"));
    assert_eq!(back, config);
    if config.validate().is_err() {
        return;
    }
    let saved = config.to_toml().expect("a valid config serialises");
    match parse(&saved, None, &Env::none()) {
        Ok(loaded) => assert_eq!(loaded.file, config, "saved:\n{saved}"),
        Err(e) => panic!("a saved config does not load: {e}\n--- saved:\n{saved}"),
    }
});
