#!/usr/bin/env bash
# Issue 24's figures, one after another, each paired where it is a ratio:
#   1. schedules/s against the C prototype (benchmarks/schedules-vs-proto.sh)
#   1b. warm buyers against fresh forks per schedule (benchmarks/schedules-warm.sh)
#   2. --jobs 2 against --jobs 1 on one random cell (benchmarks/schedules-jobs.sh) and on
#      exhaustive cells (benchmarks/exhaustive-jobs.sh)
#   2b. fewer schedules for the same proof: exhaustive searches' schedules and times
#      (benchmarks/schedules.sh: the 3-buyer race with preemptions: 2, 3 and 4 buyers unbounded)
#   2c. controlled programs in virtual time: the gate's µs per held call and the tutorial's
#      200 schedules (benchmarks/syscalls/run.sh)
#   3. the forking goals kept from issue 14 (benchmarks/table.py: 1,000 / 10,000 buyers
#      against the simple C floor, peak RSS, --help)
#   4. the shipped suite's wall and CPU time (`ticketrush run scenarios --require-engines
#      --jobs 2`, as .ci/run runs it; SUITE_JOBS=1 for one at a time), once, with its ten
#      slowest cells (SUITE=0 skips it: it takes minutes)
#   5. CI's phases, wall and CPU each (goal: .ci/run ≤ 10 minutes), read from a .ci/run log:
#      CI_LOG=path
# Usage: benchmarks/issue24.sh [PAIRS]   (default 7; BIN=path skips the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
if [ -z "${BIN:-}" ]; then
    echo "building (release)..." >&2
    swift build -c release >&2
    BIN=.build/release/ticketrush
fi
export BIN
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## schedules/s against the C prototype (ratio of wall times: ≤ 1.0 is the goal)"
benchmarks/schedules-vs-proto.sh "$pairs"
echo "## warm buyers against a fresh fork per schedule (ratio of wall times)"
benchmarks/schedules-warm.sh "$pairs"
echo "## every core explores (ratio of wall times: ≤ 0.59, i.e. ≥ 1.7× schedules/s)"
benchmarks/schedules-jobs.sh "$pairs" 2
benchmarks/exhaustive-jobs.sh "$pairs" 2
echo "## fewer schedules for the same proof (exhaustive searches, median of $pairs runs each)"
benchmarks/schedules.sh "$pairs"
echo "## controlled programs in virtual time (goals: ≤ 20 µs a held call, ≤ 0.3 s a tutorial schedule)"
benchmarks/syscalls/run.sh "$BIN" 3
echo "## forking goals (issue 14)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O2 -o "$out/simple" benchmarks/floor/simple.c
python3 benchmarks/table.py "$pairs" "$BIN" "$out/simple"
if [ "${SUITE:-1}" != 0 ]; then
    echo "## the shipped suite, --jobs ${SUITE_JOBS:-2} (goal ≤ 60 s), load $(cut -d' ' -f1 /proc/loadavg)"
    start=$(date +%s.%N)
    /usr/bin/time -f "CPU %U s user, %S s system" -o "$out/suite.time" \
        "$BIN" run scenarios --require-engines --jobs "${SUITE_JOBS:-2}" --reports "$out/suite" --quiet > "$out/suite.log" 2>&1 || true
    end=$(date +%s.%N)
    tail -1 "$out/suite.log"
    cat "$out/suite.time"
    python3 - "$out/suite/trials.json" "$start" "$end" <<'PY'
import json, sys, collections
doc = json.load(open(sys.argv[1]))
cost = collections.Counter()
for t in doc["trials"]:
    cost[t["scenario"]] += t.get("durationNs", 0) / 1e9
print(f"suite wall {float(sys.argv[3]) - float(sys.argv[2]):.1f} s; slowest cells by summed trial time:")
for name, s in cost.most_common(10):
    print(f"  {s:7.2f} s  {name}")
PY
fi
if [ -n "${CI_LOG:-}" ]; then
    echo "## .ci/run's phases, wall and CPU (goal ≤ 600 s in all), from $CI_LOG"
    sed -n '/^== where the time went/,/in all$/p' "$CI_LOG" | tail -n +2
    grep -E "^Executed [0-9]+ tests|Executed [0-9]+ tests" "$CI_LOG" | tail -1 || true
fi
