#!/usr/bin/env bash
# Runs every check: formatting, lints, and all tests (unit, property and
# integration tests against the Halo simulator over real HTTP), then the
# tests that need a desktop (notifications through dunst, secrets in GNOME
# Keyring, the app's real windows through WebDriver) inside a throw-away
# desktop session; then builds the .deb, installs it with apt, starts the
# installed app and removes it again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_desktop_test_tools
install_fuzz_tools

step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }

# (setup.sh has built the windows' pages, which the app embeds.)
if [[ -f ui/package.json ]]; then
  step "ui: unit tests"
  (cd ui && npm test)
fi

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The fuzz targets are their own workspace (not --locked: their lock follows
# the product's crates, see scripts/fuzz.sh).
cargo fmt --manifest-path fuzz/Cargo.toml --all --check
cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings

if [[ -d src-tauri ]]; then
  step "the Windows build: clippy for x86_64-pc-windows-gnu"
  # Code behind cfg(windows) (the window host's named pipe) never compiles
  # on Linux otherwise. Needs rustup's download server; said when skipped.
  if install_windows_check_tools; then
    cargo clippy --locked --target x86_64-pc-windows-gnu -p halo-notifier -- -D warnings
  else
    echo "SKIPPED: the Windows standard library could not be installed (rustup target add x86_64-pc-windows-gnu)"
  fi
fi

step "the macOS build: clippy for aarch64-apple-darwin"
# The app's macOS code (a click on a popup and its buttons, the tray in the
# menu bar) never compiles on Linux otherwise. Build scripts' C and
# Objective-C go to a stand-in compiler (no Apple SDK here; clippy does not
# link), so this checks the Rust only. Needs rustup's download server;
# said when skipped.
if install_macos_check_tools; then
  fake_cc=$PWD/scripts/fake-apple-cc.sh
  mac_packages=(-p desktop-notify)
  [[ -d src-tauri ]] && mac_packages+=(-p halo-notifier)
  CC_aarch64_apple_darwin=$fake_cc CXX_aarch64_apple_darwin=$fake_cc \
    AR_aarch64_apple_darwin=$fake_cc MACOSX_DEPLOYMENT_TARGET=11.0 \
    cargo clippy --locked --target aarch64-apple-darwin "${mac_packages[@]}" -- -D warnings
else
  echo "SKIPPED: the macOS standard library could not be installed (rustup target add aarch64-apple-darwin)"
fi

step "tests"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

# The build is ~5 CPU-minutes (measured on a busy machine; an estimated
# 2.5-3 minutes on a fresh 2-core one), the runs 10 s per target;
# FUZZ_SECONDS=0 skips it.
if [[ ${FUZZ_SECONDS:-10} != 0 ]]; then
  step "fuzz smoke run (every target in fuzz/, ${FUZZ_SECONDS:-10} s each)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash scripts/fuzz.sh
fi

step "desktop tests (dunst, GNOME Keyring, the app's windows through WebDriver)"
# The end-to-end tests start the app binary themselves.
cargo build --locked -p bare-tray
if [[ -d src-tauri ]]; then cargo build --locked -p halo-notifier; fi
# The tests marked `#[ignore = "needs a desktop session"]`.
scripts/desktop-session.sh cargo test --workspace --tests --locked -- --ignored

if [[ -d src-tauri ]]; then
  step "the .deb: build, install with apt, start, remove"
  bash scripts/check-deb.sh
fi
