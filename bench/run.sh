#!/usr/bin/env bash
# bench/run.sh BUILD_DIR — the engine benchmark (`make bench`).
#
# Builds every workload in bench/wasm/*.c twice with the same clang: to
# wasm32 (no libc, no imports) and natively (-O2, vectorisation off, so
# both are scalar code).  Builds bench/bench_wasm.c against
# BUILD_DIR/libgearbox.a.  Then, for each workload, takes the best of
# GB_BENCH_REPS (default 3) interleaved rounds of runs of:
#
#   native             the native build, timing only run()
#   gearbox metered    bench_wasm --interp, gas metering on (limit
#                      UINT64_MAX), in the interpreter
#   gearbox compiled   bench_wasm --jit: metered as "metered", compiled to
#                      machine code (the compiled tier, x86-64); its load
#                      time (decode, validate, compile to machine code) is
#                      reported next to the interpreter's load time
#   node               V8 with TurboFan only (--no-liftoff: run() is called
#                      once, so with tiering most of it would run in the
#                      baseline compiler), timing only run(); if node exists
#   wasm3              $GB_PEER_WASM3 --func run, if that variable names a
#                      wasm3 binary; timed as a whole process (load and
#                      compile included: the CLI has no timer)
#
# and then, for each workload, one `bench_wasm --interp --pair
# GB_BENCH_PAIR_ROUNDS` (default 5): the interpreter unmetered and metered
# with Vara's schedule and Gear's metered blocks (as the chain runs
# programs), run alternately in one process, the order swapped each round,
# the best of each kept:
#
#   gearbox unmetered  the interpreter, --no-metering
#   gearbox gear       the interpreter, --gear; reported against unmetered
#                      (target: <= 5% slower) by CPU time whatever the
#                      clock: the median of the rounds' ratios (each round's
#                      two runs are next to each other in time, so a burst
#                      of load moves both), next to the ratio of the bests
#                      and each workload's lowest and highest round
#
# Times are wall-clock (CLOCK_MONOTONIC) unless GB_BENCH_CLOCK=cpu, which
# uses the process's CPU time over the call instead: on a shared, loaded
# machine that is the steadier measure.
#
# Every engine's result must equal the native checksum; a mismatch or a
# failed run is printed loudly and makes the script exit 1.  Everything
# printed is measured on this machine.  Outputs go to BUILD_DIR/bench.
#
# Environment: GB_BENCH_REPS (runs per measurement), GB_BENCH_PAIR_ROUNDS
# (rounds of the unmetered/gear pair), GB_BENCH_WORKLOADS
# (space-separated subset, e.g. "fib sort"), GB_BENCH_TIMEOUT (seconds per
# run, default 600), GB_BENCH_CLOCK (wall or cpu), GB_PEER_WASM3, CLANG
# (default clang), CC (default cc).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: bench/run.sh BUILD_DIR" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
OUT=$BUILD/bench
mkdir -p "$OUT"

REPS=${GB_BENCH_REPS:-3}
PAIR_ROUNDS=${GB_BENCH_PAIR_ROUNDS:-5}
TIMEOUT=${GB_BENCH_TIMEOUT:-600}
CLOCK=${GB_BENCH_CLOCK:-wall}
case $CLOCK in
wall) MS_FIELD=ms ;;
cpu) MS_FIELD=cpu_ms ;;
*) echo "bench: GB_BENCH_CLOCK must be wall or cpu" >&2; exit 2 ;;
esac
CLANG=${CLANG:-clang}
CC=${CC:-cc}
if [ -n "${GB_BENCH_WORKLOADS:-}" ]; then
    read -r -a WORKLOADS <<<"$GB_BENCH_WORKLOADS"
else
    WORKLOADS=()
    for f in "$ROOT"/bench/wasm/*.c; do WORKLOADS+=("$(basename "$f" .c)"); done
fi

FAIL=0
ERRORS=()
fail() { # loud now, repeated at the end, and remembered for the exit status
    echo "!!! ERROR: $*" >&2
    ERRORS+=("$*")
    FAIL=1
}

# ---- toolchain -----------------------------------------------------------
command -v "$CLANG" >/dev/null || { echo "bench: $CLANG not found" >&2; exit 1; }
COMMON_CFLAGS=(-O2 -fno-builtin -Wall -Wextra -std=c11)
WASM_FLAGS=(--target=wasm32 -nostdlib -Wl,--no-entry -Wl,-z,stack-size=1048576)
# clang finds wasm-ld on PATH; Debian also ships it versioned or under
# /usr/lib/llvm-N/bin, in which case point clang at it.
if ! command -v wasm-ld >/dev/null; then
    LD=$(ls /usr/bin/wasm-ld-* /usr/lib/llvm-*/bin/wasm-ld 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$LD" ] || { echo "bench: wasm-ld not found (apt-get install lld)" >&2; exit 1; }
    WASM_FLAGS+=(--ld-path="$LD")
fi
NATIVE_FLAGS=(-fno-vectorize -fno-slp-vectorize)

echo "== building workloads into $OUT"
for w in "${WORKLOADS[@]}"; do
    src=$ROOT/bench/wasm/$w.c
    [ -f "$src" ] || { echo "bench: no workload $src" >&2; exit 1; }
    "$CLANG" "${COMMON_CFLAGS[@]}" "${WASM_FLAGS[@]}" -o "$OUT/$w.wasm" "$src"
    "$CLANG" "${COMMON_CFLAGS[@]}" "${NATIVE_FLAGS[@]}" -o "$OUT/$w.native" \
        "$src" "$ROOT/bench/native_main.c"
done

HAVE_ENGINE=0
if [ -f "$BUILD/libgearbox.a" ]; then
    if "$CC" -O2 -std=c11 -Wall -Wextra -I"$ROOT/include" -I"$ROOT/src" \
        -o "$OUT/bench_wasm" "$ROOT/bench/bench_wasm.c" "$BUILD/libgearbox.a" -lm -lpthread \
        2>"$OUT/bench_wasm.log"; then
        HAVE_ENGINE=1
    else
        sed -n 1,15p "$OUT/bench_wasm.log" >&2
        fail "bench_wasm did not build against $BUILD/libgearbox.a (log: $OUT/bench_wasm.log)"
    fi
else
    fail "$BUILD/libgearbox.a not found: build the engine first (make build)"
fi

HAVE_NODE=0
command -v node >/dev/null && HAVE_NODE=1
HAVE_WASM3=0
if [ -n "${GB_PEER_WASM3:-}" ]; then
    if [ -x "$GB_PEER_WASM3" ]; then HAVE_WASM3=1; else fail "GB_PEER_WASM3=$GB_PEER_WASM3 is not executable"; fi
fi

# ---- measuring -----------------------------------------------------------
TO=()
command -v timeout >/dev/null && TO=(timeout "$TIMEOUT")

now_ns() { date +%s%N; }

# run_once NAME CMD... : one run of CMD, which prints
# "ms=<t> cpu_ms=<t> result=<r> [gas=<g>]".  Sets MS, R, G; on failure reports it
# and returns 1.
run_once() {
    local name=$1; shift
    local line to=("${TO[@]}")
    declare -F "$1" >/dev/null && to=() # a shell function applies its own
    if ! line=$("${to[@]}" "$@" 2>"$OUT/last.err"); then
        fail "$name: run failed: $(tr '\n' ' ' <"$OUT/last.err" | cut -c1-300)"
        return 1
    fi
    MS=$(sed -n "s/.*\\b$MS_FIELD=\\([0-9.]*\\).*/\\1/p" <<<"$line")
    LMS=$(sed -n 's/.*load_ms=\([0-9.]*\).*/\1/p' <<<"$line")
    R=$(sed -n 's/.*result=\([0-9]*\).*/\1/p' <<<"$line")
    G=$(sed -n 's/.*gas=\([0-9]*\).*/\1/p' <<<"$line")
    if [ -z "$MS" ] || [ -z "$R" ]; then
        fail "$name: unreadable output: $line"
        return 1
    fi
}

# The wasm3 CLI prints "Result: <i32 as signed>" (to stderr) and has no
# timer: time the whole process (wall, and user + system CPU from bash's
# time keyword) and convert the result to unsigned.
wasm3_once() {
    local t0 t1 out r cpu TIMEFORMAT='%U %S'
    t0=$(now_ns)
    { cpu=$( { time "${TO[@]}" "$GB_PEER_WASM3" --func run "$1" >"$OUT/wasm3.out" 2>&1; } 2>&1 ); } ||
        { cat "$OUT/wasm3.out" >&2; return 1; }
    t1=$(now_ns)
    out=$(cat "$OUT/wasm3.out")
    r=$(sed -n 's/^Result: \(-\{0,1\}[0-9]*\).*/\1/p' <<<"$out" | tail -1)
    [ -n "$r" ] || { echo "wasm3 printed: $out" >&2; return 1; }
    ((r < 0)) && r=$((r + 4294967296))
    awk -v a="$t0" -v b="$t1" -v c="$cpu" -v r="$r" 'BEGIN{ split(c, u, " ")
        printf "ms=%.3f cpu_ms=%.3f result=%s\n", (b-a)/1e6, (u[1]+u[2])*1e3, r }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f", a/b; else print "-" }'; }

# The engines, in the order each round runs them; native first, so its
# checksum is known before any engine's is checked.
ENGINES=(native)
((HAVE_ENGINE)) && ENGINES+=(metered compiled)
((HAVE_NODE)) && ENGINES+=(node)
((HAVE_WASM3)) && ENGINES+=(wasm3)
engine_cmd() { # engine_cmd ENGINE WORKLOAD -> CMD array
    case $1 in
    native) CMD=("$OUT/$2.native") ;;
    metered) CMD=("$OUT/bench_wasm" --interp "$OUT/$2.wasm") ;;
    compiled) CMD=("$OUT/bench_wasm" --jit "$OUT/$2.wasm") ;;
    node) CMD=(node --no-liftoff "$ROOT/bench/node_runner.js" "$OUT/$2.wasm") ;;
    wasm3) CMD=(wasm3_once "$OUT/$2.wasm") ;;
    esac
}

# Runs are interleaved, round by round (native, metered, compiled, node,
# wasm3, then again), so a burst of other load on the machine hits all
# engines alike instead of one engine's three runs.  Best time per engine.
# Native runs are short, so each round runs them three times: one unlucky
# native time would inflate every ratio of that workload.
RUN_ORDER=(native native native "${ENGINES[@]:1}")
declare -A BEST GASU RES DEAD LOADMS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
echo "== running: ${ENGINES[*]}; best of $REPS interleaved rounds"
for w in "${WORKLOADS[@]}"; do
    printf '   %-8s' "$w"
    for ((i = 0; i < REPS; i++)); do
        for e in "${RUN_ORDER[@]}"; do
            k=$w/$e
            [ -z "${DEAD[$k]:-}" ] || continue
            [ "$e" = native ] || [ -n "${RES[$w]:-}" ] || continue
            engine_cmd "$e" "$w"
            if ! run_once "$k" "${CMD[@]}"; then
                DEAD[$k]=1
                continue
            fi
            if [ "$e" = native ]; then
                if [ -n "${RES[$w]:-}" ] && [ "$R" != "${RES[$w]}" ]; then
                    fail "$k: result changed between runs (${RES[$w]} then $R)"
                fi
                RES[$w]=$R
            elif [ "$R" != "${RES[$w]}" ]; then
                fail "CHECKSUM MISMATCH on $w: $e returned $R, native returned ${RES[$w]}"
                DEAD[$k]=1
                continue
            fi
            if [ -z "${BEST[$k]:-}" ] || awk -v a="$MS" -v b="${BEST[$k]}" 'BEGIN{exit !(a<b)}'; then
                BEST[$k]=$MS
            fi
            GASU[$k]=$G
            if [ -n "${LMS:-}" ] && { [ -z "${LOADMS[$k]:-}" ] ||
                awk -v a="$LMS" -v b="${LOADMS[$k]}" 'BEGIN{exit !(a<b)}'; }; then
                LOADMS[$k]=$LMS
            fi
        done
        printf '.'
    done
    for e in "${ENGINES[@]}"; do
        k=$w/$e
        if [ -n "${DEAD[$k]:-}" ]; then unset "BEST[$k]"; fi
        [ -n "${BEST[$k]:-}" ] && printf ' %s %s' "$e" "${BEST[$k]}"
    done
    echo
done

# The unmetered/gear pair: one process a workload, the two alternated in
# it (bench_wasm --pair), so both see the same machine; its line is
# "unm_ms= unm_cpu_ms= gear_ms= gear_cpu_ms= ratio_med= result= gas=".
declare -A PAIR_CPU PAIR_MED PAIR_LO PAIR_HI
field() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }
if ((HAVE_ENGINE)); then
    ENGINES+=(unmetered gear)
    echo "== the unmetered/gear pair: $PAIR_ROUNDS alternated rounds in one process"
    for w in "${WORKLOADS[@]}"; do
        [ -n "${RES[$w]:-}" ] || continue
        printf '   %-8s' "$w"
        line=""
        if ! line=$("${TO[@]}" "$OUT/bench_wasm" --interp --pair "$PAIR_ROUNDS" \
            "$OUT/$w.wasm" 2>"$OUT/last.err"); then
            fail "$w/pair: run failed: $(tr '\n' ' ' <"$OUT/last.err" | cut -c1-300)"
            DEAD[$w/unmetered]=1 DEAD[$w/gear]=1
            echo
            continue
        fi
        R=$(field result "$line")
        if [ "$R" != "${RES[$w]}" ]; then
            fail "CHECKSUM MISMATCH on $w: the pair returned $R, native returned ${RES[$w]}"
            DEAD[$w/unmetered]=1 DEAD[$w/gear]=1
            echo
            continue
        fi
        uc=$(field unm_cpu_ms "$line") gc=$(field gear_cpu_ms "$line")
        if [ "$CLOCK" = cpu ]; then
            BEST[$w/unmetered]=$uc BEST[$w/gear]=$gc
        else
            BEST[$w/unmetered]=$(field unm_ms "$line") BEST[$w/gear]=$(field gear_ms "$line")
        fi
        GASU[$w/gear]=$(field gas "$line")
        PAIR_CPU[$w]="$gc $uc"
        PAIR_MED[$w]=$(field ratio_med "$line")
        PAIR_LO[$w]=$(field ratio_min "$line") PAIR_HI[$w]=$(field ratio_max "$line")
        echo " unmetered ${BEST[$w/unmetered]} gear ${BEST[$w/gear]} (CPU $uc / $gc; rounds' ratios ${PAIR_LO[$w]}-${PAIR_HI[$w]}, median ${PAIR_MED[$w]})"
    done
fi

declare -A T_NAT T_MET T_UNM T_GEAR T_JIT T_NODE T_W3 G_MET
for w in "${WORKLOADS[@]}"; do
    [ -n "${BEST[$w/native]:-}" ] && T_NAT[$w]=${BEST[$w/native]}
    [ -n "${BEST[$w/metered]:-}" ] && T_MET[$w]=${BEST[$w/metered]} G_MET[$w]=${GASU[$w/metered]}
    [ -n "${BEST[$w/unmetered]:-}" ] && T_UNM[$w]=${BEST[$w/unmetered]}
    [ -n "${BEST[$w/gear]:-}" ] && T_GEAR[$w]=${BEST[$w/gear]}
    [ -n "${BEST[$w/compiled]:-}" ] && T_JIT[$w]=${BEST[$w/compiled]}
    [ -n "${BEST[$w/node]:-}" ] && T_NODE[$w]=${BEST[$w/node]}
    [ -n "${BEST[$w/wasm3]:-}" ] && T_W3[$w]=${BEST[$w/wasm3]}
done

# ---- report --------------------------------------------------------------
cell() { # cell TIME NATIVE [KEY] -> "123.4 (5.6x)", "FAILED" or "-"
    if [ -n "${3:-}" ] && [ -n "${DEAD[$3]:-}" ]; then
        printf 'FAILED'
    elif [ -n "$1" ] && [ -n "$2" ]; then
        printf '%.1f (%sx)' "$1" "$(ratio "$1" "$2")"
    else
        printf -- '-'
    fi
}

echo
echo "== machine"
echo "   cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "   nproc:   $(nproc)"
echo "   kernel:  $(uname -sr)"
echo "   load:    $LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after (1/5/15-min averages; other work on the machine skews times)"
echo "   clang:   $("$CLANG" --version | head -1)"
((HAVE_NODE)) && echo "   node:    $(node --version) (--no-liftoff)"
((HAVE_WASM3)) && echo "   wasm3:   $GB_PEER_WASM3 (whole process timed)"
if REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); then
    git -C "$ROOT" diff --quiet HEAD -- src include || REV+=" + uncommitted changes in src/ or include/"
else
    REV="unknown ($ROOT is not a git checkout)"
fi
echo "   gearbox: $REV"
echo
echo "== results: $CLOCK-clock ms, best of $REPS (x = time / native time)"
HDR=$(printf '%-8s | %9s | %-20s | %-20s | %-20s | %-20s | %-15s | %8s' workload "native ms" "gearbox metered" "gearbox unmetered" "gearbox gear" "gearbox compiled" "load ms int/jit" "Mgas")
((HAVE_NODE)) && HDR+=$(printf ' | %-18s' "node")
((HAVE_WASM3)) && HDR+=$(printf ' | %-18s' "wasm3")
echo "$HDR"
echo "${HDR//[^|]/-}"
for w in "${WORKLOADS[@]}"; do
    n=${T_NAT[$w]:-}
    gas=${G_MET[$w]:-}
    [ -n "$gas" ] && gas=$(awk -v g="$gas" 'BEGIN{printf "%.0f", g/1e6}') || gas=-
    row=$(printf '%-8s | %9s | %-20s | %-20s | %-20s | %-20s | %-15s | %8s' "$w" "${n:--}" \
        "$(cell "${T_MET[$w]:-}" "$n" "$w/metered")" \
        "$(cell "${T_UNM[$w]:-}" "$n" "$w/unmetered")" \
        "$(cell "${T_GEAR[$w]:-}" "$n" "$w/gear")" \
        "$(cell "${T_JIT[$w]:-}" "$n" "$w/compiled")" \
        "${LOADMS[$w/metered]:--}/${LOADMS[$w/compiled]:--}" "$gas")
    ((HAVE_NODE)) && row+=$(printf ' | %-18s' "$(cell "${T_NODE[$w]:-}" "$n" "$w/node")")
    ((HAVE_WASM3)) && row+=$(printf ' | %-18s' "$(cell "${T_W3[$w]:-}" "$n" "$w/wasm3")")
    echo "$row"
done

# geomean NAME ASSOC-ARRAY-NAME: geometric mean of time/native over the
# workloads that have both; empty when none do.
geomean() {
    local -n times=$2
    local w pairs=""
    for w in "${WORKLOADS[@]}"; do
        [ -n "${times[$w]:-}" ] && [ -n "${T_NAT[$w]:-}" ] && pairs+="${times[$w]} ${T_NAT[$w]} "
    done
    [ -n "$pairs" ] || return 0
    awk -v p="$pairs" 'BEGIN{ n = split(p, a, " "); s = 0; k = 0
        for (i = 1; i < n; i += 2) { s += log(a[i] / a[i+1]); k++ }
        printf "%.2f %d", exp(s / k), k }'
}

echo
declare -A LABEL=([T_MET]="gearbox metered" [T_UNM]="gearbox unmetered" [T_GEAR]="gearbox gear" [T_JIT]="gearbox compiled" [T_NODE]="node" [T_W3]="wasm3")
GM_MET=""
GM_JIT=""
for arr in T_MET T_UNM T_GEAR T_JIT T_NODE T_W3; do
    g=$(geomean "${LABEL[$arr]}" "$arr")
    [ -n "$g" ] || continue
    read -r gm k <<<"$g"
    printf 'geomean %-18s %6sx native  (over %d of %d workloads)\n' "${LABEL[$arr]}:" "$gm" "$k" "${#WORKLOADS[@]}"
    [ "$arr" = T_MET ] && [ "$k" -eq "${#WORKLOADS[@]}" ] && GM_MET=$gm
    [ "$arr" = T_JIT ] && [ "$k" -eq "${#WORKLOADS[@]}" ] && GM_JIT=$gm
done
echo "target: compiled geomean <= 3x native (first milestone; the goal is 1.5x)"
if [ -n "$GM_JIT" ]; then
    if awk -v g="$GM_JIT" 'BEGIN{exit !(g <= 3)}'; then
        echo "        measured ${GM_JIT}x: met"
    else
        echo "        measured ${GM_JIT}x: NOT met"
    fi
else
    echo "        not measured: the compiled tier did not run every workload"
fi
echo "target: metered geomean <= 10x native"
if [ -n "$GM_MET" ]; then
    if awk -v g="$GM_MET" 'BEGIN{exit !(g <= 10)}'; then
        echo "        measured ${GM_MET}x: met"
    else
        echo "        measured ${GM_MET}x: NOT met"
    fi
else
    echo "        not measured: the engine did not run every workload"
fi

# Gear's schedule against unmetered, from the pairs: the geometric mean,
# over the workloads, of the median of each pair's per-round CPU-time
# ratios (what the target is judged on), and of best gear CPU time / best
# unmetered CPU time; each workload's median with its lowest and highest
# round, so that the noise is in sight.
pct() { awk -v g="$1" 'BEGIN{printf "%+.1f", (g - 1) * 100}'; }
meds=""
bests=""
per=""
for w in "${WORKLOADS[@]}"; do
    [ -n "${PAIR_MED[$w]:-}" ] || continue
    meds+="${PAIR_MED[$w]} 1 "
    bests+="${PAIR_CPU[$w]} "
    per+=" $w $(pct "${PAIR_MED[$w]}") [$(pct "${PAIR_LO[$w]}")..$(pct "${PAIR_HI[$w]}")]"
done
echo "target: gearbox gear (Vara's schedule, Gear's metered blocks) <= 5% slower than unmetered"
if [ -n "$meds" ]; then
    geo() { awk -v p="$1" 'BEGIN{ n = split(p, a, " "); s = 0; k = 0
        for (i = 1; i < n; i += 2) { s += log(a[i] / a[i+1]); k++ }
        printf "%.4f %d", exp(s / k), k }'; }
    read -r gmed k <<<"$(geo "$meds")"
    read -r gbest _ <<<"$(geo "$bests")"
    verdict="NOT met"
    awk -v g="$gmed" 'BEGIN{exit !(g <= 1.05)}' && verdict=met
    echo "        measured $(pct "$gmed")% (geomean over $k workloads of the median of $PAIR_ROUNDS alternated rounds, CPU time; of the best times $(pct "$gbest")%): $verdict"
    echo "        per workload, % (median [lowest..highest round]):$per"
    # The rounds of one workload run the same instructions: a spread of
    # more than 10 points between its lowest and highest round is the
    # machine, and a figure of a few percent is then not to be trusted.
    wide=$(for w in "${WORKLOADS[@]}"; do
        [ -n "${PAIR_MED[$w]:-}" ] && echo "${PAIR_LO[$w]} ${PAIR_HI[$w]}"
    done | awk '{ d = ($2 - $1) * 100; if (d > m) m = d } END{ printf "%.0f", m }')
    if ((wide > 10)); then
        echo "        NOISY: a workload's rounds spread by up to $wide points (load $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')):"
        echo "        this figure is not to be trusted; rerun on a quiet machine, or compare"
        echo "        instructions (valgrind --tool=callgrind $OUT/bench_wasm --interp [--gear|--no-metering] W.wasm)"
    fi
else
    echo "        not measured"
fi

if ((FAIL)); then
    echo
    for e in "${ERRORS[@]}"; do echo "!!! ERROR: $e"; done
    echo "!!! bench FAILED (failed run, checksum mismatch or missing engine)"
    exit 1
fi
