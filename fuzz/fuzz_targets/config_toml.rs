//! Any text as the config file: never a panic; a config that loads saves
//! (as the settings window does) and the saved text loads back to the same
//! config.
#![no_main]

use app_core::Env;
use app_core::config::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let Ok(loaded) = parse(text, None, &Env::none()) else {
        return;
    };
    let saved = loaded.file.to_toml().expect("a loaded config serialises");
    let reloaded = match parse(&saved, None, &Env::none()) {
        Ok(reloaded) => reloaded,
        Err(e) => panic!("a saved config does not load: {e}\n--- saved:\n{saved}"),
    };
    assert_eq!(reloaded.file, loaded.file, "saved:\n{saved}");
});
