"""Times whole commands: timeit.py RUNS LABEL COMMAND [LABEL COMMAND ...].

Prints a Markdown table of wall time (median, min, max) and the peak RSS of the
command's own process, as GNU time reports it (measured through /usr/bin/time, since
a rusage taken here would count the memory of this Python process from before exec)."""
import shlex
import statistics
import subprocess
import sys
import time


def measure(command, runs):
    times, rss = [], []
    for _ in range(runs):
        started = time.monotonic()
        proc = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M"] + shlex.split(command),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.monotonic() - started)
        if proc.returncode != 0:
            raise SystemExit(f"{command!r} exited {proc.returncode}: {proc.stderr[-500:]}")
        rss.append(int(proc.stderr.rsplit("maxrss=", 1)[1].split()[0]))
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
