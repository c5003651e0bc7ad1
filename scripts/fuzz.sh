#!/usr/bin/env bash
# Bounded fuzz run of the module loader and interpreter.
#
#   scripts/fuzz.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build made with -DGB_FUZZ=ON (see `make fuzz`).  The seed
# corpus is every module of the WebAssembly spec suite
# (../shared/wasm-testsuite/*.wast, converted with wast2json): valid,
# invalid and malformed binaries alike.  The run starts from a fresh copy of
# those seeds in BUILD_DIR/fuzz-corpus, so runs are reproducible; crash
# inputs land in BUILD_DIR/fuzz-artifacts.  Exits nonzero when libFuzzer
# finds a crash, a leak, a timeout or an out-of-memory.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "$0")/.." && pwd)
suite="$here/../shared/wasm-testsuite"
target="$build/fuzz_module"

if [ ! -x "$target" ]; then
  echo "fuzz: $target not found (configure with -DGB_FUZZ=ON)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
rm -rf "$corpus"
mkdir -p "$corpus" "$artifacts"

# ---- seeds -----------------------------------------------------------
if [ ! -d "$suite" ]; then
  echo "fuzz: no spec suite at $suite; starting from an empty corpus"
elif ! command -v wast2json >/dev/null; then
  echo "fuzz: wast2json not installed (package wabt); starting from an empty corpus"
else
  converted=0 failed=0
  for wast in "$suite"/*.wast; do
    [ -e "$wast" ] || continue
    name=$(basename "$wast" .wast)
    mkdir -p "$tmp/$name"
    if wast2json --no-check "$wast" -o "$tmp/$name/$name.json" \
         >/dev/null 2>"$tmp/$name.err"; then
      converted=$((converted + 1))
    else
      failed=$((failed + 1))
      echo "fuzz: skipping $name.wast (wast2json: $(head -n1 "$tmp/$name.err"))"
    fi
  done
  # Name each seed by its content hash: duplicates collapse, names are stable.
  while IFS= read -r -d '' f; do
    h=$(sha1sum "$f" | cut -c1-40)
    cp "$f" "$corpus/$h"
  done < <(find "$tmp" -name '*.wasm' -type f -print0)
  echo "fuzz: $converted .wast files converted, $failed skipped," \
       "$(find "$corpus" -type f | wc -l) distinct seed modules"
fi

# ---- run -------------------------------------------------------------
echo "fuzz: running $target for $seconds s"
log="$build/fuzz.log"
status=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
  >"$log" 2>&1 || status=$?

runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1 || true)
[ -n "$runs" ] || runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -n1 || true)
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (libFuzzer exit $status) after ${runs:-?} executions; last lines of $log:" >&2
  tail -n 60 "$log" >&2 || true
  echo "fuzz: crash inputs in $artifacts:" >&2
  ls -l "$artifacts" >&2 || true
  exit 1
fi
echo "fuzz: ok, ${runs:-?} executions in $seconds s, corpus now" \
     "$(find "$corpus" -type f | wc -l) inputs (log: $log)"

# ---- the signed-transaction decoder: a quarter of the time, no seeds ----
if [ -x "$build/fuzz_tx" ]; then
  tx_seconds=$(( seconds / 4 > 5 ? seconds / 4 : 5 ))
  mkdir -p "$build/fuzz-corpus-tx"
  echo "fuzz: running $build/fuzz_tx for $tx_seconds s"
  status=0
  "$build/fuzz_tx" -max_total_time="$tx_seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$build/fuzz-corpus-tx" \
    >"$build/fuzz-tx.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "fuzz: fuzz_tx FAILED (libFuzzer exit $status):" >&2
    tail -n 60 "$build/fuzz-tx.log" >&2 || true
    exit 1
  fi
  echo "fuzz: fuzz_tx ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-tx.log" | grep -o '[0-9]*$' | tail -n1) executions"
fi

# ---- the two tiers against each other: a third of the time, seeded with
# the module corpus (fuzz/fuzz_jit.c) ----
if [ -x "$build/fuzz_jit" ]; then
  jit_seconds=$(( seconds / 3 > 5 ? seconds / 3 : 5 ))
  mkdir -p "$build/fuzz-corpus-jit"
  echo "fuzz: running $build/fuzz_jit for $jit_seconds s"
  status=0
  "$build/fuzz_jit" -max_total_time="$jit_seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$build/fuzz-corpus-jit" \
    "$corpus" >"$build/fuzz-jit.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "fuzz: fuzz_jit FAILED (libFuzzer exit $status):" >&2
    tail -n 60 "$build/fuzz-jit.log" >&2 || true
    exit 1
  fi
  echo "fuzz: fuzz_jit ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-jit.log" | grep -o '[0-9]*$' | tail -n1) executions"
fi
