# A buyer on MariaDB that knows nothing of ticketrush: PyMySQL, the server and table the
# runner made ({url}, {table}; TICKETRUSH_URL, TICKETRUSH_TABLE). It reads the count, then
# writes back what it read minus one, in one transaction at the isolation level named on its
# command line. Two buyers at READ COMMITTED (or InnoDB's REPEATABLE READ) can both read the
# last ticket and both sell it (a lost update); at SERIALIZABLE InnoDB's SELECT takes a shared
# lock, the two UPDATEs wait on each other, InnoDB kills one (deadlock, 1213) and that buyer
# starts its transaction again.
import os
import sys
from urllib.parse import unquote, urlsplit, parse_qs

import pymysql

url = sys.argv[1] if len(sys.argv) > 1 else os.environ["TICKETRUSH_URL"]
table = sys.argv[2] if len(sys.argv) > 2 else os.environ["TICKETRUSH_TABLE"]
level = sys.argv[3] if len(sys.argv) > 3 else "read committed"

# mariadb://USER[:PASSWORD]@HOST[:PORT]/DB[?socket=PATH]
u = urlsplit(url)
query = parse_qs(u.query)
conn = pymysql.connect(
    user=unquote(u.username or ""),
    password=unquote(u.password or ""),
    host=u.hostname or "localhost",
    port=u.port or 3306,
    unix_socket=query["socket"][0] if "socket" in query else None,
    database=u.path.lstrip("/"),
)
with conn.cursor() as cur:
    cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL " + level.upper())
    while True:
        try:
            cur.execute("SELECT count FROM %s WHERE id = 1" % table)
            (count,) = cur.fetchone()
            if count > 0:
                cur.execute("UPDATE %s SET count = %%s WHERE id = 1" % table, (count - 1,))
            conn.commit()
            break
        except pymysql.err.OperationalError as e:
            # 1213 deadlock, 1205 lock wait timeout: InnoDB rolled the statement (1213: the
            # transaction) back; start again.
            if e.args[0] not in (1213, 1205):
                raise
            conn.rollback()
            print("retry: %d" % e.args[0], flush=True)
conn.close()

print("bought" if count > 0 else "sold out")
