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

if ((${#need_apt[@]})); then
  echo "Installing: ${need_apt[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

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
