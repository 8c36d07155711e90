# buy.py with its fix: the whole read-decide-write under an exclusive flock on the
# document itself, which the kernel drops when the file closes.
import fcntl
import json
import sys

path = sys.argv[1]
with open(path, "r+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    count = json.load(f)["count"]
    if count > 0:
        f.seek(0)
        f.truncate()
        json.dump({"count": count - 1}, f)
        f.flush()
        print("bought")
    else:
        print("sold out")
