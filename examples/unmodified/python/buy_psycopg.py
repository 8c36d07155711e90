# A buyer on PostgreSQL that knows nothing of ticketrush: psycopg 3, the server and table
# the runner made ({url}, {table}; TICKETRUSH_URL, TICKETRUSH_TABLE). It reads the count,
# then writes back what it read minus one, in one transaction at the isolation level named
# on its command line (psycopg's own BEGIN). Two buyers at READ COMMITTED can both read the
# last ticket and both sell it (a lost update); at REPEATABLE READ the second UPDATE fails
# with a serialization failure, and the buyer starts its transaction again.
import os
import sys

import psycopg
from psycopg import errors

url = sys.argv[1] if len(sys.argv) > 1 else os.environ["TICKETRUSH_URL"]
table = sys.argv[2] if len(sys.argv) > 2 else os.environ["TICKETRUSH_TABLE"]
level = sys.argv[3] if len(sys.argv) > 3 else "read committed"
levels = {
    "read committed": psycopg.IsolationLevel.READ_COMMITTED,
    "repeatable read": psycopg.IsolationLevel.REPEATABLE_READ,
    "serializable": psycopg.IsolationLevel.SERIALIZABLE,
}

with psycopg.connect(url) as conn:
    conn.isolation_level = levels[level]
    while True:
        try:
            (count,) = conn.execute("SELECT count FROM %s WHERE id = 1" % table).fetchone()
            if count > 0:
                conn.execute("UPDATE %s SET count = %%s WHERE id = 1" % table, (count - 1,))
            conn.commit()
            break
        except (errors.SerializationFailure, errors.DeadlockDetected) as e:
            conn.rollback()
            print("retry: %s" % e.sqlstate, flush=True)

print("bought" if count > 0 else "sold out")
