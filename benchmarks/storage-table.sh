#!/usr/bin/env bash
# Regenerates the measured table at the end of docs/storage.md from real runs of the tool:
# every engine × lock mode at 2 buyers (1 ticket) and 50 buyers (25 tickets)
# (benchmarks/storage/*.yaml: 1ms search and write delays, 5 trials), and each mode that holds a lock with its
# first holder killed at lock.acquired (10 buyers). Verdicts come from trials.json,
# retries from the event logs (--events): store.retry and purchase.retry per purchase.
# Usage: benchmarks/storage-table.sh [--update]   (--update rewrites the table in docs/storage.md)
# BIN=path picks the binary (default: a debug build, as `swift build` makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -z "${BIN:-}" ]; then
    swift build >&2
    BIN=.build/debug/ticketrush
fi
# Exit 1 (an expectation unmet) still leaves a report to read; 2 and 3 do not.
"$BIN" run benchmarks/storage --reports "$out/reports" --events "$out/events" --quiet --require-engines >&2 || [ $? -eq 1 ]

python3 - "$out" "$BIN" "${1:-}" <<'PY'
import json, os, re, subprocess, sys
out, binary, update = sys.argv[1:4]
results = json.load(open(os.path.join(out, "reports", "trials.json")))
cells = {c["scenario"]["name"]: c for c in results["cells"]}
by_cell = {}
for t in results["trials"]:
    by_cell.setdefault(t["scenario"], []).append(t)

def slug(name):
    # As Sources/TicketRushModel/Support/Slug.swift names a cell's events folder: unsafe
    # and glob characters become "_", and a changed name gets FNV-1a's top 32 bits.
    out, changed = [], False
    for i, ch in enumerate(name):
        if ch in '/\\: []*?' or ord(ch) < 0x20 or ord(ch) == 0x7F or (i == 0 and ch == "."):
            out.append("_"); changed = True
        else:
            out.append(ch)
    text = "".join(out) or "_"
    if not changed:
        return text
    h = 0xcbf29ce484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{text}-{h >> 32:08x}"

def retries(name):
    folder = os.path.join(out, "events", slug(name))
    n = 0
    if os.path.isdir(folder):
        for f in os.listdir(folder):
            for line in open(os.path.join(folder, f)):
                if '"event":"store.retry"' in line or '"event":"purchase.retry"' in line:
                    n += 1
    return n

def verdicts(trials, inv):
    bad = sum(1 for t in trials for r in t["results"] if r["invariant"] == inv and r["verdict"] == "violated")
    return "holds" if bad == 0 else f"violated {bad}/{len(trials)}"

def p99(trials):
    lat = sorted(x for t in trials for x in t["latenciesNs"])
    if not lat:
        return "-"
    return f"{lat[min(len(lat) - 1, int(0.99 * len(lat)))] / 1e6:.1f}"

engines = ["sqlite", "postgres", "redis", "mariadb"]
modes = ["none", "transaction", "transaction (repeatable-read)", "transaction (serializable)", "row-lock", "atomic", "optimistic", "advisory"]
rows = []
for engine in engines:
    for shown in modes:
        mode = shown.split(" ")[0]
        for buyers in (2, 50):
            if "(" in shown:
                name = f"bench-{engine}-iso-{buyers}[storage.isolation={shown.split('(')[1].rstrip(')')}]"
            else:
                name = f"bench-{engine}-{buyers}[lock.mode={mode}]"
            trials = by_cell.get(name)
            if not trials:
                continue
            sold = sum(t["sold"] for t in trials)
            seconds = sum(t["durationNs"] for t in trials) / 1e9
            rate = f"{sold / seconds:,.0f}" if seconds else "-"
            killed_name = f"bench-{engine}-killed[lock.mode={mode}]"
            kt = by_cell.get(killed_name)
            if buyers != 2 or "(" in shown:
                killed = ""
            elif kt is None:
                killed = "n/a (holds no lock)"
            else:
                # Recovers: the ticket still sells and nobody waits for the dead holder forever.
                dead = [t for t in kt if any(r["verdict"] == "violated" and r["invariant"] in ("no-deadlock", "no-undersell") for r in t["results"])]
                killed = f"yes ({len(kt)}/{len(kt)} trials)" if not dead else f"no: deadlock or unsold in {len(dead)}/{len(kt)} trials"
            rpp = retries(name) / sold if sold else 0
            rows.append((engine, shown, buyers, verdicts(trials, "no-oversell"), verdicts(trials, "conservation"),
                         killed, rate, p99(trials), f"{rpp:.2f}"))

version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
table = ["| engine | mode | buyers | no-oversell | conservation | holder killed: recovers? | purchases/s | p99 ms | retries per purchase |",
         "|---|---|---|---|---|---|---|---|---|"]
table += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
table.append("")
table.append(f"Measured by `benchmarks/storage-table.sh` (ticketrush {version}, debug build, a 2-core machine shared with other work) "
             "on private servers; 5 trials per row, 2 buyers for 1 ticket and 50 buyers for 25 tickets, 1 ms search and write delays, "
             "postgres and mariadb at read committed unless the row says otherwise; "
             "purchases/s = purchases / summed trial time; p99 = the 99th percentile of a purchase's latency (task start to bought); "
             "retries per purchase = store.retry (or purchase.retry) events / purchases; holder killed = the first buyer to reach "
             "lock.acquired is SIGKILLed (10 buyers, 1 ticket, 5 trials): yes when the ticket still sells and no buyer waits "
             "for the dead holder until the timeout (postgres transaction under read committed still oversells there, as it does without the kill).")
text = "\n".join(table)
print(text)
if update == "--update":
    path = "docs/storage.md"
    doc = open(path).read()
    begin, end = "<!-- storage-table:begin -->", "<!-- storage-table:end -->"
    a, b = doc.index(begin) + len(begin), doc.index(end)
    open(path, "w").write(doc[:a] + "\n" + text + "\n" + doc[b:])
PY
