#!/usr/bin/env bash
# Fetch the WebAssembly core spec suite that gearbox is tested against, for
# machines outside CI (CI finds it at ../shared/wasm-testsuite already).
#
#   scripts/get-spec-tests.sh [DIR]     (default: ../shared/wasm-testsuite,
#                                        beside the clone, where CMake and
#                                        `gearbox wasm spec` look)
#
# What it does: a git clone of the public WebAssembly/testsuite repository,
# checked out at the pinned commit below (the suite's own test vectors for
# WebAssembly 2.0; see ../shared/wasm-testsuite/README.md), then the same
# selection the shared copy holds: the top-level core .wast files minus
# simd_* (128-bit SIMD is outside gearbox's deterministic subset), plus
# LICENSE.  Proposal folders are left out.  The clone itself is kept in
# DIR/.git-src so that a later run can check the commit without network.
#
# The pin: commit 7ef86dd (2023-03-08), the one the shared copy was taken
# from (its README).  Only the abbreviated id is recorded there; git
# resolves it after the clone, and the script refuses an ambiguous or
# missing one rather than test against something else.  To move the pin,
# change PIN and PIN_DATE together and rerun the spec test.
#
# Needs git and network access to github.com.  Exit status: 0 fetched (or
# already present at the pin), 1 on any failure (nothing half-written is
# left at DIR: the files are assembled in a temporary directory first).
set -euo pipefail

# GB_SPEC_REPO: a mirror (or a local clone) to fetch from instead.
REPO=${GB_SPEC_REPO:-https://github.com/WebAssembly/testsuite.git}
PIN=7ef86dd
PIN_DATE=2023-03-08

here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-"$here/../shared/wasm-testsuite"}

die() { echo "get-spec-tests: $*" >&2; exit 1; }
command -v git >/dev/null 2>&1 || die "git not found (apt-get install git)"

if [ -d "$dest/.git-src" ]; then
  have=$(git -C "$dest/.git-src" rev-parse HEAD 2>/dev/null || true)
  case $have in
    "$PIN"*) echo "get-spec-tests: $dest is at $PIN already"; exit 0 ;;
  esac
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  die "$dest exists and is not a fetch of $PIN: move it away first"
fi

parent=$(dirname "$dest")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.wasm-testsuite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "get-spec-tests: cloning $REPO"
git clone --quiet --no-checkout "$REPO" "$tmp/.git-src" \
  || die "git clone $REPO failed"
full=$(git -C "$tmp/.git-src" rev-parse --verify --quiet "$PIN^{commit}") \
  || die "commit $PIN not found (or ambiguous) in $REPO"
git -C "$tmp/.git-src" -c advice.detachedHead=false checkout --quiet "$full" \
  || die "checkout of $full failed"

n=0
for f in "$tmp/.git-src"/*.wast; do
  [ -e "$f" ] || continue
  case $(basename "$f") in simd_*) continue ;; esac
  cp "$f" "$tmp/"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || die "no .wast files at $full"
cp "$tmp/.git-src/LICENSE" "$tmp/" 2>/dev/null || true
cat > "$tmp/README.md" <<README
# WebAssembly core test suite (data)

Fetched by gearbox's scripts/get-spec-tests.sh from $REPO,
commit $full ($PIN_DATE): the top-level core .wast files without simd_*
($n files).  License: Apache 2.0, see LICENSE.  The clone is in .git-src.
README

rmdir "$dest" 2>/dev/null || true
mv "$tmp" "$dest"
trap - EXIT
echo "get-spec-tests: $n .wast files at $dest (commit $full)"
