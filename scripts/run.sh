#!/usr/bin/env bash
# Runs Halo Notifier. With no Halo configured (HALO_URL unset) it starts the
# built-in Halo simulator and runs against that.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --locked --release -p halo-sim -p halo-api --examples --bins
if [[ -z "${HALO_URL:-}" ]]; then
  port=${HALO_SIM_PORT:-8089}
  ./target/release/halo-sim serve --bind "127.0.0.1:$port" --generate-every 20s &
  sim=$!
  trap 'kill $sim 2>/dev/null' EXIT
  for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  export HALO_URL="http://127.0.0.1:$port" HALO_TENANT=demo HALO_CLIENT_ID=demo-client HALO_CLIENT_SECRET=demo-secret
  echo "No Halo configured: using the built-in simulator at $HALO_URL"
fi
./target/release/examples/smoke
