#!/usr/bin/env bash
# Install the Debian packages gearbox needs, if any is missing; otherwise do
# nothing.  Used by every make target, and by .ci/run on a fresh machine.
set -euo pipefail

# package -> a file that proves it is installed
declare -A probe=(
  [cmake]=/usr/bin/cmake
  [make]=/usr/bin/make
  [gcc]=/usr/bin/gcc
  [clang]=/usr/bin/clang
  [lld]=/usr/bin/wasm-ld
  [pkg-config]=/usr/bin/pkg-config
  [wabt]=/usr/bin/wast2json
  [libjansson-dev]=/usr/include/jansson.h
  [liblmdb-dev]=/usr/include/lmdb.h
  [libsodium-dev]=/usr/include/sodium.h
  [libjemalloc-dev]=/usr/include/jemalloc/jemalloc.h
  [libmicrohttpd-dev]=/usr/include/microhttpd.h
  [nettle-dev]=/usr/include/nettle/sha1.h
  [libnats-dev]=/usr/include/nats/nats.h  # replicas (src/node/cluster.c)
  [liblz4-dev]=/usr/include/lz4.h         # their log compressed (cluster.c)
  [nats-server]=/usr/sbin/nats-server     # the cluster test (tests/node)
  [curl]=/usr/bin/curl
  [nodejs]=/usr/bin/node  # tests/js (polkadot.js against the node)
  [npm]=/usr/bin/npm
  [chromium]=/usr/bin/chromium # the explorer's browser test (tests/node)
  [libclang-rt-14-dev]=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
)

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
