#!/bin/sh
# A shell buyer on the runner's PostgreSQL store (storage.kind: postgres), through psql,
# reporting its steps over the ticketrush protocol (clients/sh/ticketrush.sh).
#
#   sh buy_psql.sh              # the race: SELECT, then UPDATE with the count it read
#   sh buy_psql.sh --atomic     # the fix: one UPDATE … WHERE count > 0 RETURNING count
#
# The server is TICKETRUSH_URL ({url}: a libpq conninfo or URL, psql takes either), the
# trial's table TICKETRUSH_TABLE ({table}): one row, id = 1, with the ticket count.
# Each psql call is one autocommit statement.

. "${0%/*}/../../clients/sh/ticketrush.sh"

sql() { psql "$TICKETRUSH_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

if [ "${1:-}" = "--atomic" ]; then
    tr_report purchase.write
    left=$(sql "UPDATE $TICKETRUSH_TABLE SET count = count - 1 WHERE id = 1 AND count > 0 RETURNING count") || exit 1
    if [ -n "$left" ]; then tr_report bought "$left"; else tr_report sold-out; fi
    exit 0
fi

n=$(sql "SELECT count FROM $TICKETRUSH_TABLE WHERE id = 1") || exit 1
tr_report purchase.read "$n"
if [ "$n" -gt 0 ]; then
    n=$((n - 1))
    tr_report purchase.write "$n"
    sql "UPDATE $TICKETRUSH_TABLE SET count = $n WHERE id = 1" || exit 1
    tr_report bought "$n"
else
    tr_report sold-out
fi
