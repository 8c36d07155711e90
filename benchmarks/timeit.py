"""Times whole commands: timeit.py RUNS LABEL COMMAND [LABEL COMMAND ...].

Prints a Markdown table of wall time (median, min, max) and the peak RSS of the
command's own process, measured by wait4's rusage of each run."""
import os
import shlex
import statistics
import subprocess
import sys
import time


def measure(command, runs):
    times, rss = [], []
    for _ in range(runs):
        started = time.monotonic()
        proc = subprocess.Popen(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.monotonic() - started)
        rss.append(usage.ru_maxrss)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{command!r} exited {code}: {proc.stderr.read().decode()[-500:]}")
    return times, rss


def main():
    runs = int(sys.argv[1])
    pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
    print(f"| what | median | min | max | peak RSS | runs |")
    print(f"|---|---|---|---|---|---|")
    for label, command in pairs:
        times, rss = measure(command, runs)
        print(f"| {label} | {statistics.median(times):.3f} s | {min(times):.3f} s | {max(times):.3f} s "
              f"| {max(rss) / 1024:.1f} MiB | {runs} |", flush=True)


if __name__ == "__main__":
    main()
