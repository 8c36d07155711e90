#!/bin/sh
# Gate cost of control: syscalls (benchmarks/README.md, "Syscall control").
# Usage: benchmarks/syscalls/run.sh [BINARY] [REPEATS]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/.build/debug/ticketrush}"
repeats="${2:-5}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/flood" "$here/flood.c"
scenario() {  # NAME MODE N CONTROL
    control=""
    schedule="timing"
    if [ "$4" = syscalls ]; then control=", control: syscalls"; schedule="{strategy: random, runs: 1, shrink: 0}"; fi
    cat > "$tmp/$1.yaml" <<YAML
name: $1
tickets: 1
buyers: {count: 1, command: ["$tmp/flood", $2, "$3", "{storage}"]$control}
outcomes: {sold-out: '^sold out$'}
schedule: $schedule
trials: 1
invariants: [no-oversell]
YAML
}
median() {  # FILE: prints the median wall seconds of REPEATS runs
    for i in $(seq "$repeats"); do
        s=$(date +%s.%N)
        "$bin" run "$1" --reports "$tmp/r" --work "$tmp/w" --quiet >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        rm -rf "$tmp/r" "$tmp/w"
        echo "$e - $s" | bc -l
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
n=20000
for mode in pass held step; do
    scenario "$mode-0" "$mode" 0 syscalls
    scenario "$mode-n" "$mode" "$n" syscalls
    scenario "$mode-t" "$mode" "$n" timing
    z=$(median "$tmp/$mode-0.yaml"); f=$(median "$tmp/$mode-n.yaml"); t=$(median "$tmp/$mode-t.yaml")
    echo "$mode: $n calls: controlled $f s, controlled with 0 calls $z s, timing $t s: $(echo "($f - $z) * 1000000 / $n" | bc -l | cut -c1-6) µs per call under control"
done
# One unmodified Python buyer (examples/unmodified/python/buy.py), a whole run, paired:
# controlled (every store call a step, start-up calls let through) against timing.
for c in timing syscalls; do
    if [ "$c" = syscalls ]; then extra=", control: syscalls"; schedule="{strategy: random, runs: 1, shrink: 0}"; else extra=""; schedule=timing; fi
    cat > "$tmp/py-$c.yaml" <<YAML
name: py-$c
tickets: 1
buyers: {count: 1, command: [python3, "$root/examples/unmodified/python/buy.py", "{storage}"]$extra}
storage: {kind: json, path: db.json}
outcomes: {bought: '^bought$', sold-out: '^sold out$'}
schedule: $schedule
trials: 1
invariants: [no-oversell]
YAML
done
python3 "$root/benchmarks/paired.py" "$repeats" "$bin run $tmp/py-syscalls.yaml --quiet --reports $tmp/pr --work $tmp/pw1" \
    "$bin run $tmp/py-timing.yaml --quiet --reports $tmp/pr2 --work $tmp/pw2" "one Python buyer: syscalls / timing"
# The tutorial's ten-buyer program (scenarios/programs/python-tutorial-race-syscalls.yaml,
# unchanged but for the schedule): TUTORIAL_RUNS (default 200) random schedules with seed 1,
# no shrinking; wall and CPU of the whole run. With BEFORE=BINARY also paired.py REPEATS
# pairs of 20 schedules, this binary against BEFORE (the same schedules on both).
runs="${TUTORIAL_RUNS:-200}"
tutorial() {  # RUNS FILE
    sed -e "s#{dir}/../..#$root#" -e "s#schedule: {strategy: random, runs: 20}#schedule: {strategy: random, runs: $1, shrink: 0}#" \
        "$root/scenarios/programs/python-tutorial-race-syscalls.yaml" > "$2"
}
tutorial "$runs" "$tmp/tutorial.yaml"
/usr/bin/time -f "tutorial: $runs schedules: %e s wall, %U s user, %S s system (runner and every program process)" \
    "$bin" run "$tmp/tutorial.yaml" --quiet --reports "$tmp/tr" --work "$tmp/tw" >/dev/null
if [ -n "${BEFORE:-}" ]; then
    tutorial 20 "$tmp/tutorial20.yaml"
    python3 "$root/benchmarks/paired.py" "$repeats" "$bin run $tmp/tutorial20.yaml --quiet --reports $tmp/tr1 --work $tmp/tw1" \
        "$BEFORE run $tmp/tutorial20.yaml --quiet --reports $tmp/tr2 --work $tmp/tw2" "tutorial, 20 schedules: this / before"
fi
