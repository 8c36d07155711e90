"""A Python protocol buyer with no sleeps: flock, read, write, report. Its cost is
Python's start-up (benchmarks/README.md)."""
import fcntl
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
from ticketrush_client import report  # noqa: E402

with open("db.json.lock", "a") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    with open("db.json") as f:
        count = json.load(f)["count"]
    report("purchase.read", value=count)
    if count > 0:
        report("purchase.write", value=count - 1)
        with open("db.json", "w") as f:
            json.dump({"count": count - 1}, f)
        report("bought", value=count - 1)
    else:
        report("sold-out")
