#!/usr/bin/env bash
# Builds the .deb with the Tauri CLI, installs it with apt as a user would,
# starts the installed app in a throw-away desktop session and checks that it
# stays up and reports its tray ready, then removes the package again.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run bundle:deb -- --ci
deb=$(ls -t target/release/bundle/deb/*.deb | head -n1)
echo "built $deb ($(du -h "$deb" | cut -f1))"

sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "./$deb"
trap 'DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq halo-notifier >/dev/null' EXIT

installed=$(command -v halo-notifier)
echo "installed at $installed"
scripts/desktop-session.sh bash -c '
  set -euo pipefail
  log=$(mktemp)
  home=$(mktemp -d)
  # Its own folders: the demo mode starts (no Halo configured).
  XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state \
    XDG_CACHE_HOME=$home/cache MESA_SHADER_CACHE_DISABLE=true \
    "$1" --open alerts >"$log" 2>&1 &
  app=$!
  ready=""
  for _ in $(seq 300); do
    if grep -q "tray ready" "$log"; then ready=yes; break; fi
    kill -0 "$app" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $ready ]]; then
    echo "the installed app did not report its tray ready:" >&2; cat "$log" >&2; exit 1
  fi
  # It stays up with its window open.
  window=""
  for _ in $(seq 300); do
    if xwininfo -root -tree | grep -q "Halo Notifier"; then window=yes; break; fi
    sleep 0.1
  done
  [[ -n $window ]] || { echo "the installed app shows no window:" >&2; cat "$log" >&2; exit 1; }
  sleep 5
  kill -0 "$app" 2>/dev/null || { echo "the installed app ended:" >&2; cat "$log" >&2; exit 1; }
  echo "the installed app is up: tray ready, window \"$(xwininfo -root -tree | grep -o "\"Halo Notifier[^\"]*\"" | head -n1)\""
  kill "$app"; wait "$app" 2>/dev/null || true
' check-deb "$installed"
