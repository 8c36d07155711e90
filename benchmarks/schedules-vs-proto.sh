#!/usr/bin/env bash
# Schedules/s against the design's C prototype of the gate protocol (issue 24), side by
# side: the 2-buyer seed race, 2,000 random schedules, A (ticketrush) and B (proto) run in
# turn, the ratio taken pair by pair (benchmarks/paired.py). A ratio below 1 is ticketrush
# faster. ticketrush's trial folders on tmpfs when there is one (proto uses /tmp/trialXXXXXX).
# Usage: benchmarks/schedules-vs-proto.sh [PAIRS]   (default 7; BIN=path skips the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
proto_src=../shared/design/schedules/proto.c
[ -f "$proto_src" ] || { echo "schedules-vs-proto: $proto_src is absent (the shared design folder)" >&2; exit 1; }
bin=${BIN:-}
if [ -z "$bin" ]; then
    echo "building (release)..." >&2
    swift build -c release >&2
    bin=.build/release/ticketrush
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/schedules-vs-proto.XXXXXX")
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/proto" "$proto_src"
work=/tmp
if [ -w /dev/shm ]; then work=/dev/shm; fi
mkdir -p "$work/schedules-vs-proto.$$"
trap 'rm -rf "$out" "$work/schedules-vs-proto.$$"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benchmarks/paired.py "$pairs" \
    "$bin run benchmarks/schedules/race2-random.yaml --reports $out/reports --work $work/schedules-vs-proto.$$ --quiet" \
    "$out/proto race 2 1 2000 random" \
    "2,000 random schedules of the 2-buyer race, ticketrush / C prototype"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
