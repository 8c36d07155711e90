"""A buyer on the runner's SQLite store (storage.kind: sqlite), reporting its steps over
the ticketrush protocol (clients/python/ticketrush_client.py). Python's own sqlite3 module:
nothing to install.

    python3 buy_sqlite.py NAME [--immediate]

The database is TICKETRUSH_STORAGE (or {storage}), its table TICKETRUSH_TABLE (or {table}):
one row, `id = 1`, with the ticket `count`. Without a flag the buyer reads, then updates
in a second statement (autocommit): two buyers can read the same count and both sell
it. With --immediate both statements run in one `BEGIN IMMEDIATE` transaction, which
takes SQLite's write lock before the read: one buyer at a time.

Judged by scenarios/programs/sqlite-race-controlled.yaml and sqlite-immediate*.yaml.
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))
from ticketrush_client import report  # noqa: E402


def buy(db, table, immediate):
    if immediate:
        report("lock.wait")
        db.execute("BEGIN IMMEDIATE")
        report("lock.acquired")
    (count,) = db.execute("SELECT count FROM %s WHERE id = 1" % table).fetchone()
    report("purchase.read", value=count)
    if count > 0:
        report("purchase.write", value=count - 1)
        db.execute("UPDATE %s SET count = ? WHERE id = 1" % table, (count - 1,))
    if immediate:
        db.execute("COMMIT")
    report("bought" if count > 0 else "sold-out", value=max(count - 1, 0))
    if immediate:
        report("lock.released")


def main():
    immediate = "--immediate" in sys.argv
    # isolation_level=None: autocommit, so BEGIN and COMMIT are the script's own; a long
    # busy timeout, so a buyer that finds the write lock taken waits for it.
    db = sqlite3.connect(os.environ["TICKETRUSH_STORAGE"], isolation_level=None, timeout=30)
    try:
        buy(db, os.environ.get("TICKETRUSH_TABLE", "tickets"), immediate)
    except Exception as e:  # any failure ends the task in error, with its reason
        report("error", reason="%s: %s" % (type(e).__name__, e))
        raise
    finally:
        db.close()


if __name__ == "__main__":
    main()
