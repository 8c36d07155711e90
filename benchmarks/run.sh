#!/usr/bin/env bash
# Reruns the speed table of benchmarks/README.md (issue 14): ticketrush against the simple
# C floor, paired (A B A B …, medians of per-pair ratios). Usage: benchmarks/run.sh [PAIRS]
# (default 7). `benchmarks/run.sh PAIRS --more` also times the heavier C floor and Python.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "building: swift build -c release (what the README installs)..." >&2
swift build -c release --product ticketrush >&2
gcc -O2 -o "$out/simple" benchmarks/floor/simple.c
bin=.build/release/ticketrush
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $("$bin" --version 2>/dev/null || true)" >&2

python3 benchmarks/table.py "$pairs" "$bin" "$out/simple"

if [ "${2:-}" = "--more" ]; then
    gcc -O2 -o "$out/floor" benchmarks/floor/floor.c
    echo
    python3 benchmarks/timeit.py "$pairs" \
        "C floor (barrier, events per step), 1000 buyers" "$out/floor 1000 100" \
        "ticketrush run, 1000 buyers" "$bin run benchmarks/scenarios/b1000-flock.yaml --quiet --reports $out/r1" \
        "Python multiprocessing, 1000 buyers" "python3 benchmarks/python/tutorial.py 1000 100"
fi
