#!/usr/bin/env bash
# Runs every check: formatting, lints, and all tests (unit, property and
# integration tests against the Halo simulator over real HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
