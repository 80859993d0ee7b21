fn main() {
    // The page is embedded at compile time; rebuild when it changes.
    println!("cargo:rerun-if-changed=dist");
    tauri_build::build();
}
