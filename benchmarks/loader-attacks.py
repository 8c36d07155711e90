#!/usr/bin/env python3
"""Times `ticketrush validate` on generated hostile scenario files (issue 9, item 10).

Usage: benchmarks/loader-attacks.py [BINARY] [--budget SECONDS] [--keep DIR]

Each attack must end, with exit 2 and a located error (or exit 0 for the plain ones),
within the budget (default 10 s each). Prints one line per attack: name, size, exit
code, seconds, and the first line of output. Exits 1 when an attack overran its budget.
"""
import os, subprocess, sys, tempfile, time

def merge_chain(levels=40):
    # Each level merges the previous one twice: naive merge-key resolution is 2^levels.
    out = ["x-l0: &l0 {tickets: 1}"]
    for i in range(1, levels + 1):
        out.append(f"x-l{i}: &l{i} {{<<: [*l{i-1}, *l{i-1}]}}")
    out.append(f"<<: *l{levels}\nname: chain\nbuyers: 1")
    return "\n".join(out) + "\n"

def billion_laughs(levels=9, width=10):
    out = ["x-a0: &a0 [lol]"]
    for i in range(1, levels + 1):
        out.append(f"x-a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * width) + "]")
    out.append(f"name: laughs\ntickets: 1\nbuyers: 1\ninvariants: *a{levels}")
    return "\n".join(out) + "\n"

def many_documents(n=4000):
    return "".join(f"---\nname: s{i}\ntickets: 1\nbuyers: 1\n" for i in range(n))

def repeated_keys(size=10_000_000, repeats=60):
    filler = "# " + "x" * 98 + "\n"
    body = "name: big\ntickets: 1\nbuyers: 1\n" + "tickets: 2\n" * repeats
    return body + filler * ((size - len(body)) // len(filler))

def deep_nesting(depth=100_000):
    return "name: deep\ntickets: 1\nbuyers: 1\nx-deep: " + "[" * depth + "]" * depth + "\n"

def oversized(size=20 * 1024 * 1024):
    return "name: huge\ntickets: 1\nbuyers: 1\n" + ("# " + "y" * 98 + "\n") * (size // 101)

ATTACKS = [
    ("merge-key chain (40 levels)", merge_chain),
    ("billion laughs (10^9 nodes)", billion_laughs),
    ("4000 documents", many_documents),
    ("10 MB, 60 repeated keys", repeated_keys),
    ("nesting 100000 deep", deep_nesting),
    ("20 MiB file", oversized),
]

def main():
    args = sys.argv[1:]
    binary = ".build/debug/ticketrush"
    budget, keep = 10.0, None
    while args:
        a = args.pop(0)
        if a == "--budget": budget = float(args.pop(0))
        elif a == "--keep": keep = args.pop(0)
        else: binary = a
    folder = keep or tempfile.mkdtemp(prefix="ticketrush-attacks-")
    os.makedirs(folder, exist_ok=True)
    over = False
    runs = [(name, make) for name, make in ATTACKS]
    runs.append(("validate - < /dev/zero", None))
    for name, make in runs:
        if make:
            path = os.path.join(folder, name.split(" (")[0].replace(" ", "-").replace(",", "") + ".yaml")
            with open(path, "w") as f: f.write(make())
            cmd, stdin, size = [binary, "validate", path], subprocess.DEVNULL, os.path.getsize(path)
        else:
            cmd, stdin, size = [binary, "validate", "-"], open("/dev/zero", "rb"), -1
        start = time.monotonic()
        try:
            p = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=budget)
            code, first = p.returncode, (p.stdout + p.stderr).decode(errors="replace").strip().split("\n")[0][:110]
        except subprocess.TimeoutExpired:
            code, first, over = "timeout", f"over the {budget:g} s budget", True
        took = time.monotonic() - start
        print(f"{name:32} {size:>10} B  exit {code!s:7} {took:7.2f} s  {first}")
    sys.exit(1 if over else 0)

if __name__ == "__main__":
    main()
