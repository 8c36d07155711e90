#!/usr/bin/env bash
# Warm buyers (docs/schedules.md) against fresh forks per schedule, one binary, paired
# (A B A B …, benchmarks/paired.py): 2,000 random schedules of the 2-buyer race, A warm (the
# default), B with TICKETRUSH_WARM_BUYERS=0. Trial folders on tmpfs when there is one.
# Usage: benchmarks/schedules-warm.sh [PAIRS]   (default 7; BIN=path skips the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
bin=${BIN:-}
if [ -z "$bin" ]; then
    echo "building (release)..." >&2
    swift build -c release >&2
    bin=.build/release/ticketrush
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/schedules-warm.XXXXXX")
work=/tmp
if [ -w /dev/shm ]; then work=/dev/shm; fi
mkdir -p "$work/schedules-warm.$$/a" "$work/schedules-warm.$$/b"
trap 'rm -rf "$out" "$work/schedules-warm.$$"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benchmarks/paired.py "$pairs" \
    "$bin run benchmarks/schedules/race2-random.yaml --reports $out/a --work $work/schedules-warm.$$/a --quiet" \
    "env TICKETRUSH_WARM_BUYERS=0 $bin run benchmarks/schedules/race2-random.yaml --reports $out/b --work $work/schedules-warm.$$/b --quiet" \
    "2,000 random schedules of the 2-buyer race, warm buyers / fresh forks (TICKETRUSH_WARM_BUYERS=0)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
