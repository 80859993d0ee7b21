#!/usr/bin/env bash
# Installs what building and testing Halo Notifier needs on Debian/Ubuntu,
# skipping what is already there. Sourced by run.sh and test.sh.
set -euo pipefail

need_apt=()
# Build: a C compiler and pkg-config for -sys crates (SQLite is bundled).
command -v cc >/dev/null || need_apt+=(build-essential)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
# The OS keyring (Secret Service over D-Bus) links libdbus; the desktop app
# links GTK 3 and WebKitGTK 4.1, loads the tray library at run time (it
# panics at start without it), and the bundler asks pkg-config for the
# tray library's -dev package. Node builds the windows (ui/) and runs the
# Tauri CLI that makes the bundles.
for pkg in libdbus-1-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-1 \
  libayatana-appindicator3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
command -v npm >/dev/null || need_apt+=(nodejs npm)

apt_install() {
  (($#)) || return 0
  echo "Installing: $*"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"
  done
}
apt_install "${need_apt[@]}"

# A throw-away desktop session for the tests that need one (see
# scripts/desktop-session.sh): D-Bus, X display, notification daemon,
# Secret Service and a client to inspect it; WebKitWebDriver for the
# end-to-end tests of the windows; ImageMagick for their screenshots.
install_desktop_test_tools() {
  local need
  mapfile -t need < <(missing_packages dbus xvfb xauth dunst gnome-keyring libsecret-tools \
    webkit2gtk-driver imagemagick x11-utils)
  apt_install "${need[@]}"
  if ! command -v tauri-driver >/dev/null && [[ ! -x ${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver ]]; then
    cargo install tauri-driver --locked
  fi
}

# The fuzz targets (scripts/fuzz.sh, run by test.sh): libfuzzer-sys
# compiles libFuzzer, which needs a C++ compiler. cargo-fuzz itself is not
# needed (fuzz/README.md); install it for `cargo fuzz` by hand.
install_fuzz_tools() {
  command -v c++ >/dev/null || apt_install g++
}

# The Windows build is checked here (the window host's named-pipe
# transport, the notifier's Windows path): Rust's standard library for
# Windows from rustup, and MinGW for the C the -sys crates compile. Fails
# (returns 1) when rustup cannot download it.
install_windows_check_tools() {
  local need
  mapfile -t need < <(missing_packages gcc-mingw-w64-x86-64)
  apt_install "${need[@]}"
  rustup target list --installed | grep -qx x86_64-pc-windows-gnu ||
    rustup target add x86_64-pc-windows-gnu
}

# The macOS build of the notifier (desktop-notify's cfg(target_os =
# "macos") code) is checked here too: Rust's standard library for macOS
# from rustup. There is no Apple SDK: the C and Objective-C that build
# scripts compile go to scripts/fake-apple-cc.sh, which makes empty
# objects, as clippy never links. Fails (returns 1) when rustup cannot
# download it.
install_macos_check_tools() {
  rustup target list --installed | grep -qx aarch64-apple-darwin ||
    rustup target add aarch64-apple-darwin
}

# The windows' pages: the app embeds ui/dist when it compiles (so cargo
# build, clippy and test of the workspace need it), and the Tauri CLI.
prepare_front_end() {
  if [[ -f ui/package.json ]]; then
    (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  elif [[ ! -f ui/dist/index.html ]]; then
    echo "ui/ is missing: the app is built with a placeholder page" >&2
    mkdir -p ui/dist
    printf '<!doctype html><title>Halo Notifier</title><p>The windows were not built.</p>\n' >ui/dist/index.html
  fi
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}
prepare_front_end

if ! command -v cargo >/dev/null; then
  echo "Rust is missing: install it from https://rustup.rs, then run this again." >&2
  exit 1
fi
for tool in rustfmt cargo-clippy; do
  if ! command -v "$tool" >/dev/null && ! rustup which "$tool" >/dev/null 2>&1; then
    rustup component add rustfmt clippy
    break
  fi
done
