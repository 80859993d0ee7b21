#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for FUZZ_SECONDS each (default 20: the CI
# smoke run) and prints each target's executions and crashes; exits
# non-zero on a crash. A longer local run (optimised build), or some
# targets only:
#   FUZZ_SECONDS=600 FUZZ_PROFILE=release bash scripts/fuzz.sh [target...]
#
# The targets are cargo-fuzz targets (`cargo fuzz run -s none <target>`
# works too, see fuzz/README.md). This script builds them with plain cargo
# and the instrumentation flags cargo-fuzz passes, all of which stable
# Rust accepts as long as no sanitizer is asked for, so CI needs neither a
# nightly toolchain nor cargo-fuzz itself. Crash inputs land in
# fuzz/artifacts/<target>/; what a run adds to the corpus stays under
# fuzz/target/corpus/ (fuzz/corpus/ holds the committed seeds only).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-20}
# `smoke` (fuzz/Cargo.toml) takes about two thirds of the CPU time of
# `release` to build (4.9 against ~7.5 CPU minutes here), for slower runs.
profile=${FUZZ_PROFILE:-smoke}
triple=$(rustc -vV | sed -n 's/^host: //p')

# cargo-fuzz's flags for libFuzzer's coverage feedback (SanitizerCoverage),
# with debug assertions and overflow checks on: an overflow is a crash.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions"
# Not --locked: fuzz/ builds the product's crates, so its lock must follow
# every dependency they gain (cargo adds only what is missing and keeps
# the versions it has); run `cargo metadata` in fuzz/ and commit the lock
# when a crate's dependencies change.
cargo build --profile "$profile" --target "$triple" --bins
bin=target/$triple/$profile

if (($#)); then
  targets=("$@")
else
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | tail -n +2)
fi
failed=0
summary=()
for target in "${targets[@]}"; do
  grown=target/corpus/$target
  mkdir -p "$grown" "artifacts/$target"
  log=target/fuzz-$target.log
  echo "== fuzz $target for ${seconds}s"
  touch "$log.start"
  status=0
  "$bin/$target" -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" \
    -timeout=10 -print_final_stats=1 "$grown" "corpus/$target" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "artifacts/$target" -type f -newer "$log.start" | wc -l)
  summary+=("$target: ${runs:-?} executions, $crashes crashes (exit $status)")
  if ((status != 0 || crashes != 0)); then
    failed=1
    tail -40 "$log"
  fi
done
printf '%s\n' "${summary[@]}"
exit "$failed"
