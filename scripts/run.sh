#!/usr/bin/env bash
# Runs Halo Notifier headless. With no Halo configured (no config file, no
# HALO_URL) it runs the built-in demo: a simulated Halo generating tickets.
# Extra arguments go to `halo-notifier-cli run` (e.g. --no-desktop).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --locked --release -p halo-notifier-cli
exec ./target/release/halo-notifier-cli run "$@"
