"""Paired timing of two whole commands: paired.py RUNS 'A COMMAND' 'B COMMAND' [LABEL].

Runs A and B in turn (A B A B …, one warm-up pair first) and prints a Markdown row with
A's and B's median wall time and the median, min and max of the per-pair ratios A/B:
a ratio taken pair by pair holds when the machine's speed drifts between pairs."""
import shlex
import statistics
import subprocess
import sys
import time


def once(command):
    started = time.monotonic()
    proc = subprocess.run(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command!r} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    return elapsed


def main():
    runs, a, b = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    label = sys.argv[4] if len(sys.argv) > 4 else a
    once(a), once(b)
    ta, tb = [], []
    for _ in range(runs):
        ta.append(once(a))
        tb.append(once(b))
    ratios = [x / y for x, y in zip(ta, tb)]
    print(f"| {label} | {statistics.median(ta):.3f} s | {statistics.median(tb):.3f} s "
          f"| {statistics.median(ratios):.2f}× | {min(ratios):.2f}–{max(ratios):.2f}× | {runs} |", flush=True)


if __name__ == "__main__":
    main()
