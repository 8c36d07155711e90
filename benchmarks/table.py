"""The speed table of issue 14, with paired ratios: table.py PAIRS TICKETRUSH SIMPLE_FLOOR.

Each row alternates the two commands it compares (A B A B …, one warm-up pair first) and
reports the median of the per-pair ratios A/B with their min–max, so a machine whose speed
drifts between pairs (a shared machine) moves both sides of a pair alike. Peak RSS is GNU
time's maxrss of the runner process. Per-child fork cost is the runner's fork loop (printed
with TICKETRUSH_FORK_TIMING=1) divided by the buyers. The last line says how noisy the
machine was: the load average, and how far the C floor's own times spread."""
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

FORK_ENV = dict(os.environ, TICKETRUSH_FORK_TIMING="1")


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def once(command, env=None):
    """Wall seconds, maxrss KiB, fork-loop ns per buyer (or None), CPU seconds (the command
    and every process it waited for: the runner and its buyers)."""
    before = cpu()
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M"] + shlex.split(command),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{command!r} exited {proc.returncode}: {proc.stderr[-800:]}")
    rss = int(proc.stderr.rsplit("maxrss=", 1)[1].split()[0])
    per_child = None
    for line in proc.stderr.splitlines():
        if line.startswith("fork-loop "):
            f = dict(kv.split("=") for kv in line.split()[1:])
            per_child = int(f["ns"]) / max(1, int(f["buyers"]))
    return elapsed, rss, per_child, cpu() - before


def paired(pairs, a, b, env_a=None):
    once(a, env_a), once(b)
    ra, rb = [], []
    for _ in range(pairs):
        ra.append(once(a, env_a))
        rb.append(once(b))
    return ra, rb


def spread(values):
    return f"{min(values):.2f}–{max(values):.2f}"


def main():
    pairs, bin_, simple = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    out = tempfile.mkdtemp(prefix="ticketrush-bench-")
    load = os.getloadavg()[0]
    run = f"{bin_} run --quiet --reports {out}/reports"
    rows, floor_spread = [], []

    def ratio_row(label, ra, rb, goal):
        ratios = [x[0] / y[0] for x, y in zip(ra, rb)]
        cpu_ratios = [x[3] / y[3] for x, y in zip(ra, rb)]
        rows.append(f"| {label} | {statistics.median(x[0] for x in ra):.3f} s vs {statistics.median(y[0] for y in rb):.3f} s "
                    f"| **{statistics.median(ratios):.2f}×** | {spread(ratios)}× "
                    f"| {statistics.median(cpu_ratios):.2f}× ({spread(cpu_ratios)}×) | {goal} | {len(ratios)} |")
        cs = [y[0] for y in rb]
        floor_spread.append(max(cs) / min(cs))

    r1a, r1b = paired(pairs, f"{run} benchmarks/scenarios/b1000-flock.yaml", f"{simple} 1000 100", FORK_ENV)
    ratio_row("1,000 buyers vs simple C floor", r1a, r1b, "≤ 2.0× (goal 1.5×)")
    r2a, r2b = paired(pairs, f"{run} benchmarks/scenarios/b10000-flock.yaml", f"{simple} 10000 1000", FORK_ENV)
    ratio_row("10,000 buyers vs simple C floor at 10,000", r2a, r2b, "≤ 2.0× (goal 1.3×)")
    rss = [x[1] / 1024 for x in r2a]
    rows.append(f"| runner peak RSS at 10,000 buyers | {statistics.median(rss):.1f} MiB | | {min(rss):.1f}–{max(rss):.1f} MiB "
                f"| | ≤ 32 MiB (goal 24) | {len(rss)} |")
    # Start-up: --help minus /bin/true, pair by pair (the process start both pay).
    ha, hb = paired(pairs * 3, f"{bin_} --help", "/bin/true")
    diffs = [(x[0] - y[0]) * 1000 for x, y in zip(ha, hb)]
    cpu_ms = [x[3] * 1000 for x in ha]
    rows.append(f"| `ticketrush --help` start-up (wall minus `/bin/true`'s, pair by pair) | {statistics.median(diffs):.1f} ms | | "
                f"{min(diffs):.1f}–{max(diffs):.1f} ms | CPU {statistics.median(cpu_ms):.1f} ms ({min(cpu_ms):.1f}–{max(cpu_ms):.1f}) "
                f"| ≤ 3 ms (goal 2) | {len(diffs)} |")
    # Per-child fork cost at 100 / 1,000 / 10,000 buyers.
    b100 = os.path.join(out, "b100-flock.yaml")
    with open("benchmarks/scenarios/b1000-flock.yaml") as f:
        text = f.read().replace("name: b1000-flock", "name: b100-flock").replace("buyers: 1000", "buyers: 100").replace("tickets: 100", "tickets: 10")
    with open(b100, "w") as f:
        f.write(text)
    r0 = [once(f"{run} {b100}", FORK_ENV) for _ in range(pairs * 2)]
    cost = []
    for n, rs in (("100", r0), ("1,000", r1a), ("10,000", r2a)):
        us = [x[2] / 1000 for x in rs if x[2] is not None]
        cost.append(f"{n}: {statistics.median(us):.0f} µs ({min(us):.0f}–{max(us):.0f})" if us else f"{n}: not printed by this binary")
    rows.append(f"| per-child fork cost (fork loop ÷ buyers) | {' · '.join(cost)} | | | | | |")

    print("| work | runner vs floor (wall medians) | wall ratio (median of pairs) | min–max | CPU ratio (min–max) | bar (goal) | pairs |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)
    print(f"\nNoise: load average {load:.1f} before the first row (2 cores; the 10,000-buyer rows raise it themselves); "
          f"the C floor's own wall times spread {min(floor_spread):.2f}–{max(floor_spread):.2f}× (max/min within a row).")


if __name__ == "__main__":
    main()
