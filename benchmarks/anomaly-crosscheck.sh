#!/usr/bin/env bash
# Issue 21's cross-check, re-runnable: every shipped counter scenario (scenarios/first, locks,
# schedules, storage, sweep-locks) run once more with `lost-update` judged beside its own
# invariants, then every trial compared: conservation violated exactly when the Adya checker
# names a lost update. Prints the (conservation, lost-update) verdict pairs and any trial
# where they disagree; exits 1 on a disagreement. Needs the engines (--require-engines).
# Usage: benchmarks/anomaly-crosscheck.sh [ticketrush binary]   (a few minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/ticketrush}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import glob, re, sys
out = sys.argv[1]
files = sorted(glob.glob("scenarios/first/*.yaml") + glob.glob("scenarios/locks/*.yaml") + glob.glob("scenarios/schedules/*.yaml")
               + glob.glob("scenarios/storage/*.yaml") + ["scenarios/sweep-locks.yaml"])
default = ["no-oversell", "conservation", "one-outcome", "no-torn-read", "all-finished", "no-undersell", "no-deadlock"]
for f in files:
    docs = []
    for d in open(f).read().split("\n---\n"):
        m = re.search(r"^invariants: \[(.*)\]\s*$", d, re.M)
        if m:
            inv = [x.strip() for x in m.group(1).split(",")]
            if "lost-update" not in inv and "serializable" not in inv:
                inv.append("lost-update")
            d = d[:m.start()] + "invariants: [" + ", ".join(inv) + "]" + d[m.end():]
        else:
            d = d.rstrip("\n") + "\ninvariants: [" + ", ".join(default + ["lost-update"]) + "]\n"
        docs.append(d)
    open(f"{out}/{f.replace('/', '_')}", "w").write("\n---\n".join(docs))
PY
# The copies expect lost-update to hold where it is violated: the run's exit code is not the point.
"$bin" run "$tmp" --reports "$tmp/reports" --require-engines --quiet || true
python3 - "$tmp/reports/trials.json" <<'PY'
import collections, json, sys
pairs, bad = collections.Counter(), []
for t in json.load(open(sys.argv[1]))["trials"]:
    r = {x["invariant"]: x["verdict"] for x in t["results"]}
    if "conservation" in r and "lost-update" in r:
        pairs[(r["conservation"], r["lost-update"])] += 1
        if (r["conservation"] == "violated") != (r["lost-update"] == "violated"):
            bad.append(f'{t["scenario"]} trial {t["trial"] + 1}: conservation {r["conservation"]}, lost-update {r["lost-update"]}')
for (c, l), n in sorted(pairs.items()):
    print(f"conservation {c:9} lost-update {l:9} {n} trials")
print("\n".join(bad) if bad else "agree: every conservation violation is a lost update, and every lost update a conservation violation")
sys.exit(1 if bad else 0)
PY
