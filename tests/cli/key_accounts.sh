#!/usr/bin/env bash
# `gearbox key` with sr25519 keys and SS58 addresses: Substrate's dev
# accounts, conversions between hex and SS58, an sr25519 key file made and
# shown, and the refusals (mistyped address, another network, unknown name).
set -euo pipefail
gb=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

alice=0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d
alice137=kGkLEU3e3XXkJp2WK4eNpVmSab5xUNL9QtmLPh8QfCL2EgotW
alice42=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY

out=$("$gb" key dev --sr25519)
[ "$(echo "$out" | wc -l)" -eq 6 ] || fail "key dev --sr25519: six accounts"
echo "$out" | grep -q "^sr:alice .*$alice $alice137 $alice42\$" || fail "sr:alice line: $out"
echo "$out" | grep -q "^sr:ferdie .*0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c" \
  || fail "sr:ferdie"
# gearbox's own dev accounts are unchanged (ed25519) and gain SS58
"$gb" key dev | grep -q "^alice .*0xa8c7a3332391dc1e6683dd39b674b96441e19161fc15d5608855b6615b5b5ed2 kG" \
  || fail "key dev (ed25519)"

for spec in sr:alice SR://Alice "$alice" "$alice137" "$alice42"; do
  "$gb" key show "$spec" --json | grep -q "\"account\":\"$alice\",\"ss58\":\"$alice137\",\"ss58_42\":\"$alice42\"" \
    || fail "key show $spec"
done

"$gb" key new --sr25519 --out "$tmp/k" --json > "$tmp/new.json"
grep -q '"scheme":"sr25519"' "$tmp/new.json" || fail "key new --sr25519"
head -c 10 "$tmp/k" | grep -q '^sr25519:0x' || fail "sr25519 key file form"
acc=$(grep -o '"account":"0x[0-9a-f]*"' "$tmp/new.json")
"$gb" key show "$tmp/k" --json | grep -q "$acc" || fail "key show of the sr25519 file"

if "$gb" key show kGkLEU3e3XXkJp2WK4eNpVmSab5xUNL9QtmLPh8QfCL2Egotw 2> "$tmp/err"; then
  fail "a mistyped address was accepted"
fi
grep -q checksum "$tmp/err" || fail "checksum error: $(cat "$tmp/err")"
if "$gb" key show EK1bFgKm2FsghcttHT7TB7rNyXApFgs9fCbijMGQNyFGBQm 2> "$tmp/err"; then
  fail "a Kusama address was accepted"
fi
grep -q "network 2" "$tmp/err" || fail "network error: $(cat "$tmp/err")"
if "$gb" key show sr:george 2> "$tmp/err"; then fail "sr:george accepted"; fi
grep -q "not one of Substrate's dev accounts" "$tmp/err" || fail "sr:george error"
echo "ok key_accounts"
