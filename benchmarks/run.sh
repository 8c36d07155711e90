#!/usr/bin/env bash
# Reruns the benchmarks of benchmarks/README.md: ticketrush against a plain C program
# and Python multiprocessing doing the same rush. Usage: benchmarks/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "building (release, static Swift runtime: fewer pages for every fork to copy)..." >&2
swift build -c release --static-swift-stdlib >&2
gcc -O2 -o "$out/floor" benchmarks/floor/floor.c
bin=.build/release/ticketrush

python3 benchmarks/timeit.py "$runs" \
    "C floor, 1000 buyers" "$out/floor 1000 100" \
    "ticketrush run, 1000 buyers" "$bin run benchmarks/scenarios/b1000-flock.yaml --quiet --junit $out/j1.xml" \
    "Python multiprocessing, 1000 buyers" "python3 benchmarks/python/tutorial.py 1000 100" \
    "C floor, 10000 buyers" "$out/floor 10000 1000" \
    "ticketrush run, 10000 buyers" "$bin run benchmarks/scenarios/b10000-flock.yaml --quiet --junit $out/j2.xml"
