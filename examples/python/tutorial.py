"""The tutorial's whole program: __main__ starts N multiprocessing.Process buyers.

    python3 tutorial.py            # the race: every buyer buys the one ticket
    python3 tutorial.py --lock     # the fix: a multiprocessing.Lock around buy()

Here the lock works because one parent creates it and hands it to every child it starts.
Run by ticketrush in program mode (scenarios/programs/python-tutorial*.yaml): it starts
TICKETRUSH_BUYERS buyers named from TICKETRUSH_NAME_TEMPLATE (default 10, "路人{n}"), and
every line it prints names its buyer, so `outcomes` patterns attribute lines by name.
"""
import json
import os
import sys
import time
from multiprocessing import Lock, Process

DB = "db.txt"


def say(line):
    # One write per whole line: all buyers share one stdout pipe, and print() may write the
    # text and its newline separately (python3 -u, PYTHONUNBUFFERED), cutting lines apart.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def search(user):
    with open(DB) as f:
        dic = json.load(f)
    time.sleep(0.1)
    say("<%s>用户 查看剩余票数为 [%s]" % (user, dic["count"]))


def buy(user):
    with open(DB) as f:
        dic = json.load(f)
    time.sleep(0.1)
    if dic["count"] > 0:
        dic["count"] -= 1
        time.sleep(0.1)
        with open(DB, "w") as f:
            json.dump(dic, f)
        say("<%s> 购票成功" % user)
    else:
        say("<%s> 没票了" % user)


def task(user, lock):
    search(user)
    if lock is None:
        buy(user)
    else:
        with lock:
            buy(user)


if __name__ == "__main__":
    n = int(os.environ.get("TICKETRUSH_BUYERS", "10"))
    template = os.environ.get("TICKETRUSH_NAME_TEMPLATE", "路人{n}")
    lock = Lock() if "--lock" in sys.argv else None
    buyers = [Process(target=task, args=(template.replace("{n}", str(i)), lock)) for i in range(1, n + 1)]
    for p in buyers:
        p.start()
    for p in buyers:
        p.join()
