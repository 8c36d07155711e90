"""The same buyer as buy.py, reporting its steps over the ticketrush protocol
(clients/python/ticketrush_client.py) instead of being judged by what it prints.

    python3 buy_protocol.py NAME [--lock]

Judged by scenarios/programs/python-race-protocol.yaml: the same verdicts as buy.py
judged by patterns, from the same steps.
"""
import fcntl
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
from ticketrush_client import report  # noqa: E402

DB = "db.txt"


def pause(seconds):
    """The tutorial's sleeps open the race window under real timing. Under a controlled
    schedule (TICKETRUSH_GATE_FD) the runner chooses the interleaving at every report, so
    they would only cost time."""
    if "TICKETRUSH_GATE_FD" not in os.environ:
        time.sleep(seconds)


def rendezvous(user):
    """--rendezvous (tests only): after its purchase read, each buyer waits until every
    buyer (TICKETRUSH_BUYERS) has read too, so the race happens whatever the scheduler
    does. Without it the race relies on the tutorial's sleeps outlasting the spread of
    Python's start-up, which a loaded machine can stretch past 0.2 s. Race only: under
    --lock the others cannot read while one waits, and it waits out its 20 s."""
    if "--rendezvous" not in sys.argv:
        return
    open("read-%s" % user, "w").close()
    deadline = time.monotonic() + 20
    want = int(os.environ.get("TICKETRUSH_BUYERS", "1"))
    while len([f for f in os.listdir(".") if f.startswith("read-")]) < want and time.monotonic() < deadline:
        time.sleep(0.01)


def read_count(step):
    with open(DB) as f:
        text = f.read()
    try:
        count = json.loads(text)["count"]
    except ValueError:
        report(step.replace(".read", ".torn"), value=len(text))
        raise
    report(step, value=count)
    return count


def search(user):
    count = read_count("search.read")
    pause(0.1)
    print("<%s>用户 查看剩余票数为 [%s]" % (user, count))


def write(count):
    """As buy.py: the race writes in place; the fix writes a temp file and renames it, so
    an unlocked search never reads a truncated file."""
    if "--lock" not in sys.argv:
        with open(DB, "w") as f:
            json.dump({"count": count}, f)
        return
    with open(DB + ".tmp", "w") as f:
        json.dump({"count": count}, f)
    os.replace(DB + ".tmp", DB)


def buy(user):
    count = read_count("purchase.read")
    rendezvous(user)
    pause(0.1)
    if count > 0:
        pause(0.1)
        report("purchase.write", value=count - 1)
        write(count - 1)
        report("bought", value=count - 1)
        print("<%s> 购票成功" % user)
    else:
        report("sold-out")
        print("<%s> 没票了" % user)


def main():
    user = sys.argv[1]
    try:
        search(user)
        if "--lock" in sys.argv:
            with open(DB + ".lock", "a") as lock:
                report("lock.wait")
                fcntl.flock(lock, fcntl.LOCK_EX)
                report("lock.acquired")
                buy(user)
            report("lock.released")
        else:
            buy(user)
    except Exception as e:  # any failure ends the task in error, with its reason
        report("error", reason="%s: %s" % (type(e).__name__, e))
        raise


if __name__ == "__main__":
    main()
