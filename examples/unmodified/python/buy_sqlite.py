# A buyer on SQLite that knows nothing of ticketrush: Python's own sqlite3 module, the
# database and table the runner made ({storage}, {table}). Without a flag it reads, then
# updates in a second statement (autocommit): two buyers can read the same count and both
# sell it. With --immediate both run in one BEGIN IMMEDIATE transaction, which takes the
# write lock before the read: one buyer at a time; a buyer that finds it taken retries
# (SQLite's busy handler; under control its sleeps return at once) and may give up with
# "database is locked".
import sqlite3
import sys

path, table = sys.argv[1], sys.argv[2]
immediate = "--immediate" in sys.argv
# isolation_level=None: the statements below are all there is; a short busy timeout keeps
# a controlled search's retries few.
db = sqlite3.connect(path, isolation_level=None, timeout=0.05)
if immediate:
    db.execute("BEGIN IMMEDIATE")
(count,) = db.execute("SELECT count FROM %s WHERE id = 1" % table).fetchone()
if count > 0:
    db.execute("UPDATE %s SET count = ? WHERE id = 1" % table, (count - 1,))
if immediate:
    db.execute("COMMIT")
db.close()
print("bought" if count > 0 else "sold out")
