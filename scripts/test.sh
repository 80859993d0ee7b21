#!/usr/bin/env bash
# Runs every check: formatting, lints, and all tests (unit, property and
# integration tests against the Halo simulator over real HTTP), then the
# tests that need a desktop (notifications through dunst, secrets in GNOME
# Keyring) inside a throw-away desktop session.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_desktop_test_tools

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
# The tests marked `#[ignore = "needs a desktop session"]`.
scripts/desktop-session.sh cargo test --workspace --tests --locked -- --ignored
