#!/usr/bin/env bash
# Embedding as docs/testkit.md says (issue #15): `cmake --install` into a
# temporary prefix gives bin/gearbox, lib/libgearbox.a, the public headers
# and lib/pkgconfig/gearbox.pc; a harness test (docs/testkit_ping.c) built
# with pkg-config from another directory runs, finding ping.wasm from the
# test (its argument, $GB_EXAMPLES_WASM, or next to its executable); and
# a program using the public chain and processor headers alone
# (tests/cli/embed_public.c) builds and runs the same way.
# usage: embed_pkgconfig.sh BUILD_DIR TEST_SOURCE EXAMPLES_DIR
set -u
build=$(realpath "$1") src=$(realpath "$2") ex=$(realpath "$3")
command -v pkg-config >/dev/null || { echo "pkg-config not found"; exit 77; }
# the compiler the library was built with (a sanitizer runtime must match)
CC=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
CC=${CC:-cc}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0 pass=0
check() { # name, output, expected substring
  if grep -qF -- "$3" <<<"$2"; then pass=$((pass + 1))
  else echo "FAIL $1: expected '$3' in:"; echo "$2"; fail=$((fail + 1)); fi
}
out=$(cmake --install "$build" --prefix "$DIR/prefix" 2>&1) || { echo "FAIL install: $out"; exit 1; }
for f in bin/gearbox lib/libgearbox.a include/gearbox/testkit.h include/gearbox/err.h include/gearbox/chain.h include/gearbox/processor.h lib/pkgconfig/gearbox.pc; do
  [ -e "$DIR/prefix/$f" ] && pass=$((pass + 1)) || { echo "FAIL installed: $f"; fail=$((fail + 1)); }
done
export PKG_CONFIG_PATH="$DIR/prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs gearbox 2>&1)
check pc-libs "$flags" "-lgearbox"
check pc-cflags "$flags" "-I$DIR/prefix/include"
mkdir -p "$DIR/elsewhere" "$DIR/run"
# a sanitizer build's library needs the sanitizer at link time too
extra=$(grep -q 'GB_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && echo "-fsanitize=address,undefined")
extra="$extra $(grep -q 'GB_TSAN:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && echo "-fsanitize=thread")"
cp "$src" "$DIR/elsewhere/ping_test.c"
if ! out=$(cd "$DIR/elsewhere" && $CC -std=c11 -o ping_test ping_test.c $extra \
             $(pkg-config --cflags --libs gearbox) -Wl,-rpath,"$DIR/prefix/lib" 2>&1); then
  echo "FAIL build: $out"; exit 1
fi
pass=$((pass + 1))
out=$(cd "$DIR/run" && "$DIR/elsewhere/ping_test" "$ex/ping.wasm" 2>&1)
check run-arg "$out" "ok: PING -> PONG"
out=$(cd "$DIR/run" && GB_EXAMPLES_WASM=$ex "$DIR/elsewhere/ping_test" 2>&1)
check run-env "$out" "ok: PING -> PONG"
cp "$ex/ping.wasm" "$DIR/elsewhere/"
out=$(cd "$DIR/run" && "$DIR/elsewhere/ping_test" 2>&1)
check run-beside "$out" "ok: PING -> PONG"
cp "$(dirname "$0")/embed_public.c" "$DIR/elsewhere/"
if ! out=$(cd "$DIR/elsewhere" && $CC -std=c11 -Wall -Wextra -Werror -o embed_public embed_public.c $extra \
             $(pkg-config --cflags --libs gearbox) -Wl,-rpath,"$DIR/prefix/lib" 2>&1); then
  echo "FAIL build embed_public: $out"; fail=$((fail + 1))
else
  pass=$((pass + 1))
  out=$(cd "$DIR/run" && "$DIR/elsewhere/embed_public" "$ex/ping.wasm" 2>&1)
  check public-headers "$out" "ok: public headers"
fi
out=$("$DIR/prefix/bin/gearbox" version 2>&1)
check installed-cli "$out" "gearbox "
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
