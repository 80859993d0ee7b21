#!/usr/bin/env bash
# Runs Halo Notifier. On a desktop (X11 or Wayland) it builds the windows
# and the tray app and starts it; with no Halo configured it runs the
# built-in demo (a simulated Halo logging a ticket every few seconds).
# With no display (a server, a container) it runs the headless binary
# instead. Extra arguments go to the app (e.g. --open alerts) or, headless,
# to `halo-notifier-cli run`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
  cargo build --locked --release -p halo-notifier
  exec ./target/release/halo-notifier "$@"
fi
echo "No desktop here (neither DISPLAY nor WAYLAND_DISPLAY is set): running headless." >&2
echo "For the tray app in a throw-away desktop: scripts/desktop-session.sh bash scripts/run.sh" >&2
cargo build --locked --release -p halo-notifier-cli
exec ./target/release/halo-notifier-cli run "$@"
