#!/bin/sh
# Program buyers (docs/programs.md): exec cost per buyer and the runner's cost per protocol
# event. Usage: benchmarks/programs/run.sh [BINARY] [REPEATS]   (default .build/debug/ticketrush, 3)
# Prints one line per measurement; every run gets temporary --reports and --work folders.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/.build/debug/ticketrush}
repeats=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -I "$root/clients/c" -o "$tmp/buyer" "$root/examples/c/buyer.c"
cc -O2 -o "$tmp/flood" "$here/flood.c"

scenario() { # NAME BUYERS WANTS COMMAND...  (COMMAND as a YAML flow list)
    cat > "$tmp/$1.yaml" <<YAML
name: $1
tickets: $2
buyers: {count: $2, wants: $3${4:+, command: $4}}
lock: ${5:-none}
timeout: 10m
invariants: [no-oversell, conservation, one-outcome, all-finished]
YAML
}
# Seconds one `ticketrush run` takes, median of $repeats, and its CPU (user+sys, children included).
measure() {
    python3 - "$bin" "$tmp/$1.yaml" "$repeats" <<'PY'
import os, subprocess, sys, tempfile, time, resource, statistics
binary, scenario, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
walls, cpus = [], []
for _ in range(repeats):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as r, tempfile.TemporaryDirectory() as w:
        p = subprocess.run([binary, "run", scenario, "--quiet", "--reports", r, "--work", w], capture_output=True, text=True)
    walls.append(time.monotonic() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    if p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
print("%.3f %.3f" % (statistics.median(walls), statistics.median(cpus)))
PY
}

scenario builtin-1000 1000 1 "" flock
scenario c-1000 1000 1 "[\"$tmp/buyer\"]"
scenario python-100 100 1 "[python3, \"$here/quick_buyer.py\"]"
scenario c-100 100 1 "[\"$tmp/buyer\"]"
scenario flood-0 1 10000 "[\"$tmp/flood\", \"0\"]"
scenario flood-150k 1 10000 "[\"$tmp/flood\", \"150000\"]"

set -- $(measure builtin-1000); b_wall=$1
set -- $(measure c-1000); c_wall=$1
echo "1000 built-in buyers (flock): ${b_wall} s; 1000 C protocol buyers (exec'd): ${c_wall} s"
python3 -c "print('exec cost per C buyer: %.2f ms (difference / 1000)' % (($c_wall - $b_wall) / 1000 * 1000))"
set -- $(measure c-100); c100=$1
set -- $(measure python-100); p100=$1
echo "100 C buyers: ${c100} s; 100 Python buyers: ${p100} s"
python3 -c "print('Python start-up per buyer: %.1f ms (difference / 100)' % (($p100 - $c100) / 100 * 1000))"
set -- $(measure flood-0); f0=$2
set -- $(measure flood-150k); f1=$2
start=$(python3 -c 'import time; print(time.process_time())')
alone=$(python3 - "$tmp/flood" <<'PY'
import resource, subprocess, sys
before = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run([sys.argv[1], "150000"], stdout=subprocess.DEVNULL, env={"TICKETRUSH_EVENTS_FD": "1"})
after = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)))
PY
)
echo "CPU: run with 0 events ${f0} s, with 150000 events ${f1} s, the flooding program alone ${alone} s"
python3 -c "print('runner overhead per protocol event: %.2f us' % (($f1 - $f0 - $alone) / 150000 * 1e6))"
