#!/usr/bin/env bash
# Controlled schedules: how many schedules per second, how long exhaustive searches take.
# Not a test: numbers for benchmarks/README.md. Trial folders on tmpfs (TMPDIR=/dev/shm)
# when there is one, as the design recommends.
# Usage: benchmarks/schedules.sh [REPEATS]   (median of REPEATS runs each, default 5; BIN=path skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
bin=${BIN:-}
if [ -z "$bin" ]; then
    echo "building (release, as the README builds it)..." >&2
    swift build -c release >&2
    bin=.build/release/ticketrush
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi

python3 - "$bin" "$out" "$repeats" <<'PY'
import json, statistics, subprocess, sys, time
binary, out, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])

def run(name):
    """Wall seconds of one `ticketrush run`, and its summary's first cell."""
    t = time.perf_counter()
    p = subprocess.run([binary, "run", f"benchmarks/schedules/{name}.yaml", "--reports", f"{out}/{name}", "--quiet"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        sys.exit(f"{name}: exit {p.returncode}: {p.stderr}")
    cell = json.load(open(f"{out}/{name}/summary.json"))["cells"][0]
    return wall, cell

def median(name):
    results = [run(name) for _ in range(repeats)]
    walls = sorted(w for w, _ in results)
    return statistics.median(walls), walls[0], walls[-1], results[0][1]

fixed, _, _, _ = median("race2-one")
print(f"fixed cost of a run (start, load, one schedule, reports): {fixed * 1000:.1f} ms")
for name, label in [("race2-random", "random, 2-buyer seed race"), ("race2-exhaustive", "exhaustive, 2-buyer seed race"),
                    ("race3-exhaustive-p2", "exhaustive, 3-buyer seed race, preemptions: 2"),
                    ("race3-exhaustive", "exhaustive, 3-buyer seed race (DPOR + symmetry)"),
                    ("race4-exhaustive", "exhaustive, 4-buyer seed race (DPOR + symmetry)")]:
    med, lo, hi, cell = median(name)
    s = cell["schedule"]
    runs = s["runs"] + s["abandoned"]
    inside = float(cell["duration_ms"]) / 1000  # fork-to-reap time of the schedules themselves (no fork loop)
    print(f"{label}: {s['runs']} schedules (+{s['abandoned']} abandoned), median {med:.3f} s (min {lo:.3f}, max {hi:.3f}), "
          f"{runs / med:.0f} schedules/s whole run, {runs / max(med - fixed, 1e-9):.0f}/s without the fixed cost; "
          f"gates and buyers' steps (barrier to reap) {inside:.3f} s = {inside / med * 100:.0f}% of the wall time; "
          f"complete={s['complete']}; {s['coverage']}")
PY
