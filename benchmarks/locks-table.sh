#!/usr/bin/env bash
# Regenerates the table at the end of docs/locks.md from real runs of the tool:
# scenarios/locks/ (holds under race, survives holder death) and
# benchmarks/locks/throughput.yaml (buyers per second at 1000 buyers), both judged by
# `ticketrush run`; the table is read from their JUnit reports.
# Usage: benchmarks/locks-table.sh [--update]   (--update rewrites the table in docs/locks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "building (release, as the README builds it)..." >&2
swift build -c release >&2
bin=.build/release/ticketrush

# Exit 1 (an expectation unmet) still leaves a report to read; 2 and 3 do not.
"$bin" run scenarios/locks --junit "$out/locks.xml" --quiet >&2 || [ $? -eq 1 ]
# Trial folders on tmpfs: the fsync of atomic writes would otherwise dominate (see the yaml).
TMPDIR=/dev/shm "$bin" run benchmarks/locks/throughput.yaml --junit "$out/throughput.xml" --quiet >&2 || [ $? -eq 1 ]

python3 - "$out/locks.xml" "$out/throughput.xml" "$bin" "${1:-}" <<'PY'
import re, subprocess, sys
import xml.etree.ElementTree as ET

locks_xml, throughput_xml, binary, update = sys.argv[1:5]

def suites(path):
    return {s.get("name"): s for s in ET.parse(path).getroot().iter("testsuite")}

def trials(suite):
    """Per-trial lines of the suite's <system-out>: (duration ms, timed out, non-holding verdicts)."""
    out = suite.find("system-out").text or ""
    rows = []
    for line in out.splitlines():
        m = re.match(r"trial \d+ seed \d+: .*, ([\d.]+) ms(, TIMED OUT)?(?:; (.*))?$", line)
        if m:
            rows.append((float(m.group(1)), bool(m.group(2)), dict(v.split("=") for v in (m.group(3) or "").split())))
    return rows

locks, throughput = suites(locks_xml), suites(throughput_xml)
modes = [m.group(1) for n in locks for m in [re.match(r"locks-(.+)-race$", n)] if m]
order = ["flock", "fcntl", "semaphore", "mutex", "lockfile", "optimistic"]  # as LockMode lists them
modes.sort(key=lambda m: (order.index(m) if m in order else len(order), m))
rows = []
for mode in modes:
    race = trials(locks[f"locks-{mode}-race"])
    bad = [t for t in race if t[2]]
    held = f"yes ({len(race)}/{len(race)} trials)" if not bad else f"no ({len(bad)}/{len(race)} trials violated)"

    killed = trials(locks[f"locks-{mode}-holder-killed"])
    dead = [t for t in killed if "no-deadlock" in t[2] or "no-undersell" in t[2]]
    if not dead:
        survived = f"yes ({len(killed)}/{len(killed)} trials sold out, no deadlock)"
    else:
        survived = f"no: deadlock in {sum(t[1] for t in dead)}/{len(killed)} trials, diagnosed"

    suite = throughput[f"throughput-{mode}"]
    tp = trials(suite)
    buyers = int(next(p.get("value") for p in suite.iter("property") if p.get("name") == "buyers"))
    seconds = sum(t[0] for t in tp) / 1000
    rate = f"{buyers * len(tp) / seconds:,.0f}" if seconds > 0 else "-"
    if int(suite.get("failures")) or int(suite.get("errors")):
        rate += " (invariants failed)"
    rows.append((mode, held, survived, rate))

version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
table = ["| mode | holds under race | survives holder death | buyers per second at 1000 buyers |",
         "|---|---|---|---|"]
table += [f"| {m} | {h} | {s} | {r} |" for m, h, s, r in rows]
table.append("")
table.append(f"Measured by `benchmarks/locks-table.sh` (ticketrush {version}, release build); "
             f"buyers per second = 1000 × trials / summed trial time (fork to last reap), {len(tp)} trials each, "
             "atomic writes, trial folders on tmpfs; survives holder death = the first holder killed at lock.acquired "
             "and the ticket still sold without a timeout.")
text = "\n".join(table)
print(text)
if update == "--update":
    path = "docs/locks.md"
    doc = open(path).read()
    begin, end = "<!-- locks-table:begin -->", "<!-- locks-table:end -->"
    head, rest = doc.split(begin)
    _, tail = rest.split(end)
    open(path, "w").write(f"{head}{begin}\n{text}\n{end}{tail}")
    print(f"updated {path}", file=sys.stderr)
PY
