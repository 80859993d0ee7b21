#!/usr/bin/env bash
# Installs what building and testing Halo Notifier needs on Debian/Ubuntu,
# skipping what is already there. Sourced by run.sh and test.sh.
set -euo pipefail

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

# Build: a C compiler and pkg-config for -sys crates (SQLite is bundled), the
# OS keyring (Secret Service over D-Bus) links libdbus, and the desktop app
# links GTK 3 and WebKitGTK 4.1. The tray library is loaded at run time (and
# the .deb bundler asks pkg-config for it).
build_packages=(build-essential pkg-config libdbus-1-dev libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev libayatana-appindicator3-1)
mapfile -t need_apt < <(missing_packages "${build_packages[@]}")
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

# The front end's build tools and the Tauri CLI (for bundles), from npm.
install_node_tools() {
  if ! command -v npm >/dev/null; then
    echo "npm is missing: install Node.js 20 (https://nodejs.org), then run this again." >&2
    exit 1
  fi
  local dir
  for dir in . ui; do
    if [[ -f $dir/package-lock.json && ! -d $dir/node_modules ]]; then
      (cd "$dir" && npm ci --no-audit --no-fund)
    fi
  done
}

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
