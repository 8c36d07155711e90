"""Paired timing of two whole commands: paired.py RUNS 'A COMMAND' 'B COMMAND' [LABEL].

Runs A and B in turn (A B A B …, one warm-up pair first) and prints a Markdown row with
A's and B's median wall time and the median, min and max of the per-pair ratios A/B:
a ratio taken pair by pair holds when the machine's speed drifts between pairs. The same
for CPU time (user + system of the command and every process it waited for: the runner
and its buyers), which a busy machine disturbs far less than wall time."""
import resource
import shlex
import statistics
import subprocess
import sys
import time


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def once(command):
    """(wall seconds, CPU seconds) of one run."""
    before = cpu()
    started = time.monotonic()
    proc = subprocess.run(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command!r} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    return elapsed, cpu() - before


def row(label, ta, tb):
    """Markdown cells: medians, median per-pair ratio, its min–max."""
    ratios = [x / y for x, y in zip(ta, tb)]
    return (f"{statistics.median(ta):.3f} s | {statistics.median(tb):.3f} s "
            f"| {statistics.median(ratios):.2f}× | {min(ratios):.2f}–{max(ratios):.2f}×")


def main():
    runs, a, b = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    label = sys.argv[4] if len(sys.argv) > 4 else a
    once(a), once(b)
    ra, rb = [], []
    for _ in range(runs):
        ra.append(once(a))
        rb.append(once(b))
    wall = row(label, [x[0] for x in ra], [y[0] for y in rb])
    cpus = row(label, [x[1] for x in ra], [y[1] for y in rb])
    print(f"| {label} | wall {wall} | CPU {cpus} | {runs} |", flush=True)


if __name__ == "__main__":
    main()
