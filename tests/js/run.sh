#!/usr/bin/env bash
# The JavaScript tests: polkadot.js (the pinned @polkadot/api and
# @polkadot/types of package.json / package-lock.json) against a dev node.
# The packages are installed with `npm ci` into BUILD_DIR/js (the source
# tree stays clean), once per lock file.  Exits 77 (skipped) when node or
# npm is missing or the registry cannot be reached: never a silent pass.
# usage: run.sh GEARBOX BUILD_DIR [SCRIPT [ARGS...]]  (SCRIPT: metadata.mjs
# by default; gear.mjs takes the path of ping.wasm)
set -uo pipefail
GEARBOX=$1 build=$2
script=${3:-metadata.mjs}
shift $(( $# < 3 ? $# : 3 ))
src=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "skip: node or npm not found (scripts/deps.sh installs them)"
  exit 77
fi
major=$(node -e 'console.log(process.versions.node.split(".")[0])')
if [ "$major" -lt 18 ]; then
  echo "skip: node $major is too old (polkadot.js 16 needs 18 or later)"
  exit 77
fi
work=$build/js
mkdir -p "$work"
cp "$src/package.json" "$src/package-lock.json" "$src/.npmrc" "$src"/*.mjs "$work/"
stamp=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$work/node_modules/.gearbox-lock" 2>/dev/null)" != "$stamp" ]; then
  if ! (cd "$work" && timeout 600 npm ci --no-audit --no-fund --loglevel=error); then
    echo "skip: npm ci failed (is the npm registry reachable?)"
    exit 77
  fi
  echo "$stamp" > "$work/node_modules/.gearbox-lock"
fi

DIR=$(mktemp -d)
. "$src/../node/node_lib.sh"
node_start
(cd "$work" && timeout 120 node "$script" "$ADDR" "$@")
rc=$?
[ $rc -eq 0 ] || { cat "$DIR/log" | tail -20; fail "$script: exit $rc"; }
echo "ok: $script"
