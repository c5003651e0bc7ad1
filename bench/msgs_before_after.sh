#!/usr/bin/env bash
# bench/msgs_before_after.sh BUILD_DIR — the message path's msgs/s before
# and after Vara's gas (`make bench` runs it last).
#
# "Before" is a base revision (GB_BENCH_BASE; default: where this branch
# left main, `git merge-base HEAD main`, or on main itself dad6e2d^, the
# last commit before Vara's schedule and the gas tree), checked out in a temporary
# worktree and built in BUILD_DIR/bench-base (bench_chain, bench_savina and
# their programs); "after" is BUILD_DIR.  Both run the same workloads with
# the same sizes: bench_chain (GB_BENCH_PP_N, GB_BENCH_PAIRS,
# GB_BENCH_PAIR_N; defaults here 5,000 / 200 / 20) and bench_savina's
# pingpong, ring and pairs (GB_SAVINA_SCALE, default here 0.1), taking turns
# (base, new, base, new, ...: GB_BENCH_REPS rounds, default 2) so that
# other load on the machine hits both alike; the best msgs/s of each is
# compared.  Target: after >= 90% of before.  Everything printed is
# measured on this run.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bench/msgs_before_after.sh BUILD_DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
BASE_REF=${GB_BENCH_BASE:-$(git -C "$ROOT" merge-base HEAD main)}
if [ -z "${GB_BENCH_BASE:-}" ] && [ "$(git -C "$ROOT" rev-parse "$BASE_REF")" = "$(git -C "$ROOT" rev-parse HEAD)" ]; then
    BASE_REF=dad6e2d^   # before Vara's gas (issue #13)
fi
BASE_BUILD=$BUILD/bench-base
REPS=${GB_BENCH_REPS:-2}
export GB_BENCH_PP_N=${GB_BENCH_PP_N:-5000}
export GB_BENCH_PAIRS=${GB_BENCH_PAIRS:-200}
export GB_BENCH_PAIR_N=${GB_BENCH_PAIR_N:-20}
export GB_SAVINA_SCALE=${GB_SAVINA_SCALE:-0.1}
export GB_SAVINA_ONLY=${GB_SAVINA_ONLY:-pingpong,ring,pairs}
export GB_SAVINA_THREADS=${GB_SAVINA_THREADS:-2}

echo "== msgs/s before ($(git -C "$ROOT" rev-parse --short "$BASE_REF")) and after ($(git -C "$ROOT" rev-parse --short HEAD))"
SRC=$(mktemp -d)
cleanup() { git -C "$ROOT" worktree remove --force "$SRC" >/dev/null 2>&1 || rm -rf "$SRC"; }
trap cleanup EXIT
git -C "$ROOT" worktree add --detach "$SRC" "$BASE_REF" >/dev/null 2>&1
cmake -S "$SRC" -B "$BASE_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BASE_BUILD" -j 2 --target bench_chain bench_savina gear_examples >/dev/null
cmake --build "$BUILD" -j 2 --target bench_chain bench_savina gear_examples >/dev/null

# run DIR OUT: the chain and Savina benchmarks of the build in DIR
run() {
    "$1/bench_chain" "$1/examples/pingpong.wasm" "$1" >"$2.chain" 2>&1
    "$1/bench_savina" "$1/savina" "$1" >"$2.savina" 2>&1
}
# rates FILE: "label rate" lines: bench_chain's parts, bench_savina's
# workload + threads
rates() {
    sed -n 's/^   \(([abc])\).* \([0-9][0-9]*\) msgs\/s.*/chain\1 \2/p' "$1.chain"
    sed -n 's/^   \([a-z]*\) *\([0-9]\) threads\{0,1\} .* \([0-9][0-9]*\) msgs\/s.*/savina-\1-t\2 \3/p' "$1.savina"
}
declare -A BEFORE AFTER
OUT=$BUILD/bench/msgs
mkdir -p "$OUT"
for ((i = 0; i < REPS; i++)); do
    for side in before after; do
        dir=$BASE_BUILD
        [ $side = after ] && dir=$BUILD
        run "$dir" "$OUT/$side.$i" || { echo "!!! $side run $i failed (see $OUT/$side.$i.*)"; exit 1; }
        while read -r k v; do
            if [ $side = before ]; then
                [ -z "${BEFORE[$k]:-}" ] || [ "$v" -gt "${BEFORE[$k]}" ] && BEFORE[$k]=$v
            else
                [ -z "${AFTER[$k]:-}" ] || [ "$v" -gt "${AFTER[$k]}" ] && AFTER[$k]=$v
            fi
        done < <(rates "$OUT/$side.$i")
        printf '.'
    done
done
echo
printf '   %-22s %12s %12s %8s\n' "workload" "before msg/s" "after msg/s" "after/before"
worst=""
for k in $(printf '%s\n' "${!BEFORE[@]}" | sort); do
    b=${BEFORE[$k]}; a=${AFTER[$k]:-}
    [ -n "$a" ] || { printf '   %-22s %12s %12s\n' "$k" "$b" "-"; continue; }
    r=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", a/b}')
    printf '   %-22s %12s %12s %8s\n' "$k" "$b" "$a" "$r"
    if [ -z "$worst" ] || awk -v r="$r" -v w="$worst" 'BEGIN{exit !(r<w)}'; then worst=$r; fi
done
echo "   (gas per message after, from the runs: see $OUT/after.*)"
echo "target: after >= 0.90 x before for every workload"
if [ -n "$worst" ] && awk -v w="$worst" 'BEGIN{exit !(w >= 0.9)}'; then
    echo "        worst measured ${worst}: met"
else
    echo "        worst measured ${worst:-?}: NOT met"
fi
