#!/usr/bin/env bash
# Memory, start-up and idle CPU of the desktop app against a bare Tauri tray
# app, release builds of both, in a throw-away desktop session (Xvfb).
# BENCH_IDLE_SECS shortens the idle CPU minute for a quick look.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_desktop_test_tools

cargo build --release --locked -p bare-tray --features custom-protocol
cargo build --release --locked -p halo-notifier
scripts/desktop-session.sh cargo bench --locked -p halo-notifier-e2e --bench memory
