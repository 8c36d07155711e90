"""One buyer in the tutorial's style: search, then buy, with the tutorial's sleeps.

    python3 buy.py NAME            # the race: no lock, ten of these oversell one ticket
    python3 buy.py NAME --lock     # the fix: fcntl.flock around the purchase, atomic writes

ticketrush runs one process per buyer in the trial folder, where db.txt holds
{"count": N}, and judges what it prints through `outcomes` patterns
(scenarios/programs/python-race.yaml). It never changes a line of this script.

Why not multiprocessing.Lock: such a lock lives in memory the processes share because
one parent created it before starting them (tutorial.py). These buyers are independent
processes started by ticketrush, so they share nothing but the file system: a lock on a
file (fcntl.flock) is the lock they can all see.
"""
import fcntl
import json
import os
import sys
import time

DB = "db.txt"


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


def search(user):
    with open(DB) as f:
        dic = json.load(f)
    time.sleep(0.1)  # the tutorial's network delay
    print("<%s>用户 查看剩余票数为 [%s]" % (user, dic["count"]))


def write(dic):
    """The race writes in place, as the tutorial does. The fix also writes a temp file and
    renames it over db.txt: the lock covers the purchase, not the search, and an unlocked
    search that meets open("w")'s truncated file dies on a JSON error (a torn read)."""
    if "--lock" not in sys.argv:
        with open(DB, "w") as f:
            json.dump(dic, f)
        return
    with open(DB + ".tmp", "w") as f:
        json.dump(dic, f)
    os.replace(DB + ".tmp", DB)


def buy(user):
    with open(DB) as f:
        dic = json.load(f)
    rendezvous(user)
    time.sleep(0.1)
    if dic["count"] > 0:
        dic["count"] -= 1
        time.sleep(0.1)
        write(dic)
        print("<%s> 购票成功" % user)
    else:
        print("<%s> 没票了" % user)


def main():
    user = sys.argv[1]
    search(user)
    if "--lock" in sys.argv:
        with open(DB + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            buy(user)
    else:
        buy(user)


if __name__ == "__main__":
    main()
