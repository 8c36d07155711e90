#!/usr/bin/env bash
# Every core explores (issue 24): 2,000 random schedules of the 2-buyer seed race with
# `--jobs N` against `--jobs 1`, the same binary, paired (A B A B …, benchmarks/paired.py).
# The wall ratio A/B is the inverse of the schedules/s speed-up (goal: ≤ 1/1.7 = 0.59 with
# 2 workers on 2 cores). Trial folders on tmpfs when there is one.
# Usage: benchmarks/schedules-jobs.sh [PAIRS] [JOBS]   (default 7 pairs, 2 jobs; BIN=path skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
jobs=${2:-2}
bin=${BIN:-}
if [ -z "$bin" ]; then
    echo "building (release)..." >&2
    swift build -c release >&2
    bin=.build/release/ticketrush
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/schedules-jobs.XXXXXX")
work=/tmp
if [ -w /dev/shm ]; then work=/dev/shm; fi
mkdir -p "$work/schedules-jobs.$$/a" "$work/schedules-jobs.$$/b"
trap 'rm -rf "$out" "$work/schedules-jobs.$$"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benchmarks/paired.py "$pairs" \
    "$bin run benchmarks/schedules/race2-random.yaml --jobs $jobs --reports $out/a --work $work/schedules-jobs.$$/a --quiet" \
    "$bin run benchmarks/schedules/race2-random.yaml --jobs 1 --reports $out/b --work $work/schedules-jobs.$$/b --quiet" \
    "2,000 random schedules of the 2-buyer race, --jobs $jobs / --jobs 1"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
