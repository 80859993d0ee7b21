#!/usr/bin/env bash
# Runs a command inside a throw-away desktop session, the way a technician's
# desktop provides one: a private D-Bus session bus, an unlocked GNOME
# Keyring (Secret Service) with an empty store, an X display (Xvfb) and dunst
# as the notification daemon. Nothing from the real user session is touched.
#
#   scripts/desktop-session.sh cargo test -p desktop-notify -- --ignored
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in dbus-run-session gnome-keyring-daemon Xvfb xauth dunst dunstctl secret-tool; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "desktop-session: missing ${missing[*]}; run: apt-get install xvfb xauth dunst gnome-keyring libsecret-tools dbus" >&2
  exit 1
fi

session_dir=$(mktemp -d)
trap 'rm -rf "$session_dir"' EXIT
export XDG_DATA_HOME="$session_dir/data" XDG_CACHE_HOME="$session_dir/cache" \
  XDG_CONFIG_HOME="$session_dir/config" XDG_RUNTIME_DIR="$session_dir/runtime"
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export DESKTOP_SESSION_DUNSTRC="$PWD/tests/desktop/dunstrc"

dbus-run-session -- bash -c '
  set -euo pipefail
  # Xvfb and dunst go with the session.
  trap "kill \$(jobs -p) 2>/dev/null || true" EXIT
  # The keyring first: a client reaching the Secret Service before it is
  # unlocked would start it locked, and every call would then fail.
  eval "$(printf test-session | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  # Xvfb picks a free display and writes its number once it accepts clients.
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$XDG_RUNTIME_DIR/display" >/dev/null 2>&1 &
  for _ in $(seq 200); do [[ -s $XDG_RUNTIME_DIR/display ]] && break; sleep 0.05; done
  [[ -s $XDG_RUNTIME_DIR/display ]] || { echo "desktop-session: Xvfb did not start" >&2; exit 1; }
  export DISPLAY=":$(head -n1 "$XDG_RUNTIME_DIR/display")"
  # Anything the bus starts on demand gets the display too.
  dbus-update-activation-environment DISPLAY XDG_RUNTIME_DIR
  dunst -config "$DESKTOP_SESSION_DUNSTRC" >"$XDG_RUNTIME_DIR/dunst.log" 2>&1 &
  # Ready once dunst owns the notification service (asked without starting it).
  owned() {
    dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q true
  }
  for _ in $(seq 200); do owned && break; sleep 0.05; done
  owned || { echo "desktop-session: dunst did not start:" >&2; cat "$XDG_RUNTIME_DIR/dunst.log" >&2; exit 1; }
  "$@"
' desktop-session "$@"
