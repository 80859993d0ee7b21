//! The tray idles all day, so it must not even link the web engine: WebKit's
//! libraries alone are about half a bare Tauri tray's memory
//! (docs/memory-benchmark.md). Only the window host may.

#[cfg(target_os = "linux")]
#[test]
fn the_tray_links_no_web_engine_and_the_window_host_does() {
    fn needs(binary: &str, library: &str) -> bool {
        let bytes = std::fs::read(binary).unwrap_or_else(|e| panic!("{binary}: {e}"));
        // The dynamic section names each library by its soname.
        bytes
            .windows(library.len())
            .any(|w| w == library.as_bytes())
    }
    let tray = env!("CARGO_BIN_EXE_halo-notifier");
    let host = env!("CARGO_BIN_EXE_halo-notifier-windows");
    for library in ["libwebkit2gtk-4.1.so", "libjavascriptcoregtk-4.1.so"] {
        assert!(!needs(tray, library), "the tray links {library}");
        assert!(
            needs(host, library),
            "the window host should need {library}"
        );
    }
}
