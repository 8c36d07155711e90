"""The classic tutorial's locked program, at N buyers and no sleeps: the Python baseline.

Each process searches (reads db.json unlocked), then purchases under a
multiprocessing.Lock (reads, decrements if > 0, writes with open("w")).
Prints how many buyers lost their purchase to a JSON parse error: the torn read."""
import json
import multiprocessing
import os
import sys
import tempfile
import time


def search(db):
    with open(db) as f:
        return json.load(f)["count"]


def purchase(db):
    with open(db) as f:
        count = json.load(f)["count"]
    if count > 0:
        count -= 1
        with open(db, "w") as f:
            json.dump({"count": count}, f)
        return True
    return False


def task(db, lock, errors):
    try:
        search(db)
        with lock:
            purchase(db)
    except json.JSONDecodeError:
        with errors.get_lock():
            errors.value += 1


def main():
    buyers = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    tickets = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    folder = tempfile.mkdtemp()
    db = os.path.join(folder, "db.json")
    with open(db, "w") as f:
        json.dump({"count": tickets}, f)
    lock = multiprocessing.Lock()
    errors = multiprocessing.Value("i", 0)
    started = time.monotonic()
    processes = [multiprocessing.Process(target=task, args=(db, lock, errors)) for _ in range(buyers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    elapsed = time.monotonic() - started
    print(f"buyers {buyers} elapsed {elapsed:.3f}s torn-read losses {errors.value} ({100 * errors.value / buyers:.0f}%) final {search(db)}")
    os.unlink(db)
    os.rmdir(folder)


if __name__ == "__main__":
    main()
