#!/usr/bin/env bash
# Installs what building and testing Halo Notifier needs on Debian/Ubuntu,
# skipping what is already there. Sourced by run.sh and test.sh.
set -euo pipefail

need_apt=()
# Build: a C compiler and pkg-config for -sys crates (SQLite is bundled).
command -v cc >/dev/null || need_apt+=(build-essential)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
# The OS keyring (Secret Service over D-Bus) links libdbus.
dpkg -s libdbus-1-dev >/dev/null 2>&1 || need_apt+=(libdbus-1-dev)

apt_install() {
  (($#)) || return 0
  echo "Installing: $*"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}
apt_install "${need_apt[@]}"

# A throw-away desktop session for the tests that need one (see
# scripts/desktop-session.sh): D-Bus, X display, notification daemon,
# Secret Service and a client to inspect it.
install_desktop_test_tools() {
  local need=() pkg
  for pkg in dbus xvfb xauth dunst gnome-keyring libsecret-tools; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  apt_install "${need[@]}"
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
