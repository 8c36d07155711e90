#!/usr/bin/env bash
# Every core explores, exhaustive (issue 24): `--jobs N` against `--jobs 1` on exhaustive
# cells, the same binary, paired (A B A B …, benchmarks/paired.py). A bounded cell
# (`preemptions: K`) splits its tree across the workers (docs/schedules.md); the unbounded
# 4-buyer search (DPOR) stays in one process, so its ratio shows only what --jobs costs it.
# Usage: benchmarks/exhaustive-jobs.sh [PAIRS] [JOBS]   (default 5 pairs, 2 jobs; BIN=path skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}
jobs=${2:-2}
bin=${BIN:-}
if [ -z "$bin" ]; then
    echo "building (release)..." >&2
    swift build -c release >&2
    bin=.build/release/ticketrush
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/exhaustive-jobs.XXXXXX")
work=/tmp
if [ -w /dev/shm ]; then work=/dev/shm; fi
mkdir -p "$work/exhaustive-jobs.$$"
trap 'rm -rf "$out" "$work/exhaustive-jobs.$$"' EXIT
for cell in race3-exhaustive-p2 race4-exhaustive-p3 race4-exhaustive; do
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    # Trial folders on tmpfs (TMPDIR), not kept: --work would keep one folder per schedule.
    TMPDIR=$work/exhaustive-jobs.$$ python3 benchmarks/paired.py "$pairs" \
        "$bin run benchmarks/schedules/$cell.yaml --jobs $jobs --reports $out/a --quiet" \
        "$bin run benchmarks/schedules/$cell.yaml --jobs 1 --reports $out/b --quiet" \
        "$cell: --jobs $jobs / --jobs 1"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
