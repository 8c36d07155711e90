#!/usr/bin/env python3
"""render-trace.py PAGE.html [BROWSER]: one headless Chromium screenshot of PAGE with a trace,
then the renderer main thread's CPU time (thread time, not wall time) per phase: parse,
style, layout, pre-paint, paint. Thread time barely moves with machine load, so a
before/after comparison holds on a busy machine where wall times do not."""
import json, os, subprocess, sys, tempfile
from collections import defaultdict

page = os.path.abspath(sys.argv[1])
browser = sys.argv[2] if len(sys.argv) > 2 else "chromium"
with tempfile.TemporaryDirectory() as tmp:
    trace = os.path.join(tmp, "trace.json")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1200,2000", "--screenshot=" + os.path.join(tmp, "shot.png"),
                    "--trace-startup=devtools.timeline,blink", "--trace-startup-format=json",
                    "--trace-startup-file=" + trace, "--trace-startup-duration=30",
                    "--user-data-dir=" + os.path.join(tmp, "profile"), "file://" + page],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    events = json.load(open(trace))["traceEvents"]
threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
phases = {"ParseHTML": "parse", "UpdateLayoutTree": "style", "Layout": "layout", "PrePaint": "pre-paint", "Paint": "paint"}
cpu = defaultdict(float)
for e in events:
    if e.get("ph") != "X" or threads.get((e["pid"], e["tid"])) != "CrRendererMain":
        continue
    if e["name"] in phases:
        cpu[phases[e["name"]]] += e.get("tdur", 0) / 1000
names = ["parse", "style", "layout", "pre-paint", "paint"]
print("renderer main thread CPU ms: " + ", ".join(f"{k} {cpu[k]:.0f}" for k in names) + f"; together {sum(cpu[k] for k in names):.0f}")
