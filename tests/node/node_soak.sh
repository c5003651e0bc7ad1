#!/usr/bin/env bash
# The node soak test (tests/node/soak.py): mixed load on loopback for
# GB_SOAK_SECONDS (default 120), then RSS, latency and accepted-vs-applied
# checks.  Long: it runs only under `make test-long` (GB_LONG=1) or when
# GB_SOAK_SECONDS is set; otherwise it is reported as skipped.
# usage: node_soak.sh GEARBOX EXAMPLES_DIR
set -uo pipefail
if [ -z "${GB_LONG:-}" ] && [ -z "${GB_SOAK_SECONDS:-}" ]; then
  echo "skip: the soak test runs in make test-long (GB_LONG=1) or with GB_SOAK_SECONDS"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "skip: python3 not found"
  exit 77
fi
exec python3 "$(dirname "$0")/soak.py" "$1" "$2"
