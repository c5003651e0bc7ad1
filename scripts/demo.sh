#!/usr/bin/env bash
# What `make run` shows for now: a C program compiled to WebAssembly and
# run by the gearbox engine, with gas metering.  (Later `make run` starts
# the dev node; this demo stays as scripts/demo.sh.)
#
#   scripts/demo.sh BUILD_DIR
#
# Builds examples/wasm/demo.c into BUILD_DIR/examples/demo.wasm with clang
# and wasm-ld, then runs a few of its functions with BUILD_DIR/gearbox.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
gearbox="$build/gearbox"
src="$here/examples/wasm/demo.c"
wasm="$build/examples/demo.wasm"

if [ ! -x "$gearbox" ]; then
  echo "demo: $gearbox not found; build first (make build)" >&2
  exit 1
fi

mkdir -p "$build/examples"
if [ ! -e "$wasm" ] || [ "$src" -nt "$wasm" ]; then
  clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry \
    -Wl,--export=fib -Wl,--export=checksum -Wl,--export=collatz \
    -o "$wasm" "$src"
fi

say() { printf '\n'; printf '%s\n' "$@"; }
show() {
  # Echo a command, then run it; its output is shown as is.
  printf '  $ %s\n' "$*" | sed "s|$build/|BUILD/|g"
  "$@" 2>&1 | sed 's/^/    /'
  return "${PIPESTATUS[0]}"
}

cat <<TEXT
gearbox demo: a C program compiled to WebAssembly, run by the engine.

  examples/wasm/demo.c  ->  $wasm  ($(wc -c <"$wasm") bytes)
  compiled with: clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export=...
  it exports fib(n), checksum(n) and collatz(n); it imports nothing.
TEXT

say "Each run prints the function's results (integers as signed numbers)" \
    "and, on stderr, the gas it used." \
    "" \
    "1. The 10th and 90th Fibonacci numbers (fib returns an i64):"
show "$gearbox" wasm run "$wasm" fib 10
show "$gearbox" wasm run "$wasm" fib 90

say "2. Adler-32 of 4096 pseudo-random bytes written to linear memory:"
show "$gearbox" wasm run "$wasm" checksum 4096

say "3. Steps of the Collatz sequence from 27 (an i64 argument):"
show "$gearbox" wasm run "$wasm" collatz 27

say "4. Gas: every basic block is charged before it runs.  fib(1000000)" \
    "   with only 10000 gas stops with an out-of-gas trap, at the same" \
    "   instruction on every machine (this trap is expected):"
status=0
out=$(show "$gearbox" wasm run "$wasm" fib 1000000 --gas 10000) || status=$?
printf '%s\n' "$out"
if [ "$status" -eq 0 ]; then
  echo "demo: expected an out-of-gas trap, but the call succeeded" >&2
  exit 1
fi
if ! grep -qi 'out.of.gas' <<<"$out"; then
  echo "demo: the call failed (exit $status) but not with out of gas" >&2
  exit 1
fi
echo "  (trapped as expected, exit status $status)"

say "5. The same call with metering off runs to the end (the result is" \
    "   fib(1000000) modulo 2^64, shown as a signed i64):"
show "$gearbox" wasm run "$wasm" fib 1000000 --no-meter

say "6. Gear programs (examples/, written in C with the SDK in sdk/) on a" \
    "   throw-away chain: upload, init, then messages, each processed in" \
    "   blocks; the replies with Gear's reply codes:"
ex="$build/examples"
show "$gearbox" exec "$ex/ping.wasm" --send PING
show "$gearbox" exec "$ex/counter.wasm" --send inc --send "add 41" --send get
# the transfer is refused on purpose (more than the balance): its error
# reply makes exec exit 3 (docs/cli.md), which is what this shows
rc=0
show "$gearbox" exec "$ex/token.wasm" --init 1000 --send balance \
    --send "transfer 0x1111111111111111111111111111111111111111111111111111111111111111 5000" || rc=$?
if [ "$rc" -ne 3 ]; then
  echo "demo: the token transfer should end in an error reply (exit 3), got exit $rc" >&2
  exit 1
fi

say "Try your own: $gearbox wasm run FILE.wasm FUNC [ARGS...] [--gas N] [--no-meter]" \
    "             $gearbox exec PROGRAM.wasm [--init P] [--send P]... [--json]"
