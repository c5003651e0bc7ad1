#!/usr/bin/env bash
# `gearbox exec` as a Gear developer relies on it (issue #15): a row per
# message with the inits, the --json keys, --as any account, options before
# --init for the init, --code before the main init, exit statuses, the
# whole line checked before anything runs, always-valid JSON, and Sails
# calls through an IDL (encoded, replies and events decoded, gr_debug).
# usage: exec_rows.sh GEARBOX EXAMPLES_DIR IDL_DIR
set -u
gb=$1 ex=$2 idl=$3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0 pass=0
check() { # name, output, expected substring
  if grep -qF -- "$3" <<<"$2"; then pass=$((pass + 1))
  else echo "FAIL $1: expected '$3' in:"; echo "$2"; fail=$((fail + 1)); fi
}
check_not() { # name, output, unexpected substring
  if grep -qF -- "$3" <<<"$2"; then echo "FAIL $1: did not expect '$3' in:"; echo "$2"; fail=$((fail + 1))
  else pass=$((pass + 1)); fi
}
check_rc() { # name, rc, expected
  if [ "$2" -eq "$3" ]; then pass=$((pass + 1))
  else echo "FAIL $1: exit $2, expected $3"; fail=$((fail + 1)); fi
}
# every stdout line is a JSON object; prints "kind" of each, one a line
kinds() {
  python3 -c '
import sys, json
for l in sys.stdin:
    if l.strip():
        print(json.loads(l)["kind"])' 2>&1
}

# rows: the init first, with the program id; every documented key
out=$("$gb" exec "$ex/ping.wasm" --send PING --json 2>/dev/null); rc=$?
check_rc ping-rc $rc 0
check ping-kinds "$(kinds <<<"$out" | tr '\n' ' ')" "init handle "
for key in kind program message_id reply_code reply reply_payload reply_text outcome gas_burned mailbox debug; do
  check "ping-key-$key" "$(sed -n 2p <<<"$out")" "\"$key\":"
done
check ping-init-program "$(sed -n 1p <<<"$out")" '"program":"0x'
check ping-init-code "$(sed -n 1p <<<"$out")" '"kind":"init"'
# text rows name the init and the program
out=$("$gb" exec "$ex/token.wasm" --init 1000 --send balance 2>&1)
check token-init-row "$out" "init main 0x"
# an init's panic text, and the error exit status
out=$("$gb" exec "$ex/proxy.wasm" --send PING --json 2>/dev/null); rc=$?
check_rc proxy-rc $rc 3
check proxy-init-panic "$(sed -n 1p <<<"$out")" '"panic":"proxy: init payload must be the 32-byte target id"'
check proxy-init-code "$(sed -n 1p <<<"$out")" '"reply_code":"01000300"'
check proxy-send "$(sed -n 2p <<<"$out")" '"reply_code":"01020100"'
out=$("$gb" exec "$ex/token.wasm" --init 1000 \
      --send "transfer 0x1111111111111111111111111111111111111111111111111111111111111111 2000" 2>&1); rc=$?
check_rc token-panic-rc $rc 3
check token-panic "$out" "panic       insufficient balance"
# --as any account, funded on the throw-away chain
out=$("$gb" exec "$ex/ping.wasm" --as 0xabababababababababababababababababababababababababababababababab \
      --send PING --as sr:bob --send PING --json 2>&1); rc=$?
check_rc as-any-rc $rc 0
check as-any "$out" '"reply_text":"PONG"'
check_not as-any-balance "$out" "not enough balance"
# options before --init apply to the init: too little gas makes it fail
out=$("$gb" exec "$ex/token.wasm" --gas 1000 --init 1000 --json 2>&1); rc=$?
check_rc init-gas-rc $rc 3
check init-gas "$out" '"reply":"error: execution: ran out of gas"'
out=$("$gb" exec "$ex/token.wasm" --init 1000 --gas 1000 --json 2>&1); rc=$?
check_rc init-gas-after-rc $rc 0
# --code is uploaded before the main init, wherever it is on the line;
# --value before --init goes with the init (the factory pays its children)
out=$("$gb" exec "$ex/factory.wasm" --value 10000000000000 --init @child --value 0 \
      --code child="$ex/ping.wasm" --send spawn --send call --json 2>&1); rc=$?
check_rc code-first-rc $rc 0
check code-first-kinds "$(kinds <<<"$out" | tr '\n' ' ')" "code init handle handle "
check code-first-pong "$out" '"reply_text":"PONG"'
# --reply: a program waits for its sender's answer (examples/ask); the
# reply row, the answer it leads to, a failed handle_reply exits 3
out=$("$gb" exec "$ex/ask.wasm" --send hi --reply Ada --json 2>&1); rc=$?
check_rc reply-rc $rc 0
check reply-kinds "$(kinds <<<"$out" | tr '\n' ' ')" "init handle reply "
check reply-question "$(sed -n 2p <<<"$out")" '"text":"what is your name?"'
check reply-waiting "$(sed -n 2p <<<"$out")" '"outcome":"waiting"'
check reply-row "$(sed -n 3p <<<"$out")" '"outcome":"success"'
check reply-answer "$(sed -n 3p <<<"$out")" '"text":"hello, Ada"'
out=$("$gb" exec "$ex/ask.wasm" --send hi --reply panic --json 2>&1); rc=$?
check_rc reply-panic-rc $rc 3
check reply-panic "$(sed -n 3p <<<"$out")" '"outcome":"failed"'
out=$("$gb" exec "$ex/ask.wasm" --send hi --as bob --reply x 2>&1); rc=$?
check_rc reply-none-rc $rc 1
check reply-none "$out" "no message in the mailbox of"
# gr_debug lines of the message
out=$("$gb" exec "$ex/alloc_bomb.wasm" --send go --json 2>&1)
check debug-key "$out" '"debug":["'

# the whole line is checked before anything runs: nothing on stdout
out=$("$gb" exec "$ex/ping.wasm" --send PING --bogus 1 2>"$DIR/err"); rc=$?
check_rc bogus-rc $rc 2
check bogus-quiet "[$out]" "[]"
check bogus-why "$(cat "$DIR/err")" "unknown option '--bogus'"
out=$("$gb" exec "$ex/ping.wasm" --send 0x123 2>&1); rc=$?
check_rc odd-hex-rc $rc 2
check odd-hex "$out" "odd number of hex digits (3)"
out=$("$gb" exec "$ex/ping.wasm" --send 0x12zz 2>&1); rc=$?
check bad-hex "$out" "'z' (at 4) is not a hex digit"
out=$("$gb" exec "$ex/ping.wasm" --send @nobody 2>&1); rc=$?
check_rc unknown-name-rc $rc 2
check unknown-name "$out" "no program or code is named 'nobody'"
out=$("$gb" exec "$ex/ping.wasm" --to nowhere --send PING 2>&1); rc=$?
check_rc unknown-to-rc $rc 2
check unknown-to "$out" "no program named 'nowhere'"
out=$("$gb" exec "$ex/ping.wasm" --gas lots 2>&1); rc=$?
check_rc bad-gas-rc $rc 2
out=$("$gb" exec "$ex/ping.wasm" --send PING --init x 2>&1); rc=$?
check_rc send-before-init-rc $rc 2
check send-before-init "$out" "before --init"
out=$("$gb" exec "$ex/ping.wasm" --send PING --as nobody-at-all 2>&1); rc=$?
check_rc bad-as-rc $rc 2
check bad-as "$out" "unknown account 'nobody-at-all'"
out=$("$gb" exec /nonexistent.wasm --send PING 2>&1); rc=$?
check_rc missing-rc $rc 1
check missing "$out" "cannot read /nonexistent.wasm"
# JSON output stays JSON whatever the names: a file with a quote
cp "$ex/ping.wasm" "$DIR/we\"ird.wasm"
out=$("$gb" exec "$ex/ping.wasm" --code "w\"x=$DIR/we\"ird.wasm" --send "a\"b" --json 2>/dev/null)
check weird-json "$(kinds <<<"$out" | tr '\n' ' ')" "code init handle "
out=$("$gb" exec "$ex/ping.wasm" --code 'we"ird.wasm' --json 2>/dev/null); rc=$?
check_rc weird-missing-rc $rc 1
check weird-missing-quiet "[$out]" "[]"

# Sails: the constructor and calls from the IDL, replies and events decoded
I="$idl/sails_counter.idl"
out=$("$gb" exec "$ex/sails_counter.wasm" --idl "$I" --init 'New [40, "label"]' \
      --send 'Counter/Add [2]' --send 'Counter/Sub [50]' --send 'Counter/Value' --json 2>&1); rc=$?
check_rc sails-rc $rc 0
check sails-kinds "$(kinds <<<"$out" | tr '\n' ' ')" "init handle handle handle "
check sails-init-debug "$(sed -n 1p <<<"$out")" '"debug":["new counter at 40"]'
check sails-add "$(sed -n 2p <<<"$out")" '"reply_decoded":42'
check sails-event "$(sed -n 2p <<<"$out")" '"event":{"service":"Counter","event":"Added","data":2}'
check sails-sub "$(sed -n 3p <<<"$out")" '"reply_decoded":{"err":"below zero"}'
check sails-value "$(sed -n 4p <<<"$out")" '"reply_decoded":42'
out=$("$gb" exec "$ex/sails_counter.wasm" --idl "$I" --init 'New [1]' 2>&1); rc=$?
check_rc sails-argc-rc $rc 2
check sails-argc "$out" "New takes 2 arguments, given 1"
out=$("$gb" exec "$ex/sails_counter.wasm" --idl "$I" --init 'New [1, null]' --send 'Counter/Add [-5]' 2>&1); rc=$?
check_rc sails-range-rc $rc 2
check sails-range "$out" "argument value of Add: -5 does not fit u32"
# --scale: a SCALE value as the payload, the reply decoded as the type
out=$("$gb" exec "$ex/ping.wasm" --scale '[u8; 4]' --send '[80, 73, 78, 71]' --json 2>&1); rc=$?
check_rc scale-rc $rc 0
check scale-decoded "$out" '"reply_decoded":"0x504f4e47"'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
