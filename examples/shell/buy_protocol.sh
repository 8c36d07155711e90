#!/bin/sh
# The buyer of buy.sh, reporting its steps over the ticketrush protocol
# (clients/sh/ticketrush.sh) instead of being judged by what it prints.
#
#   sh buy_protocol.sh NAME            # the race: read, write back, no lock
#   sh buy_protocol.sh NAME --lock     # the fix: flock(1) (util-linux) around the purchase
#
# Under a controlled schedule (scenarios/programs/shell-*-controlled.yaml) each tr_report
# waits for the runner's grant after its line, so the runner decides which buyer moves
# next at every report. The lock is announced with lock.wait before flock takes it: a
# buyer that blocked in flock unannounced would just look like a hang (the timeout).

. "${0%/*}/../../clients/sh/ticketrush.sh"

DB=db.json

# The tutorial's sleeps open the race window under real timing; under a controlled
# schedule the runner chooses the interleaving and they only cost time.
pause() { [ -n "${TICKETRUSH_GATE_FD:-}" ] || sleep 0.1; }

# The count in the document, read with built-ins only (no process per read); a read
# that finds no count (an empty file) is torn.
read_count() {
    text=
    IFS= read -r text < "$DB"
    n=${text#*\"count\": }
    n=${n%%[!0-9]*}
    if [ -z "$n" ]; then
        tr_report "$1.torn" 0
        tr_report error "" "torn read"
        exit 1
    fi
    tr_report "$1.read" "$n"
}

buy() {
    read_count purchase
    pause
    if [ "$n" -gt 0 ]; then
        n=$((n - 1))
        pause
        printf '{"count": %d}\n' "$n" > "$DB"
        tr_report bought "$n"
    else
        tr_report sold-out
    fi
}

read_count search
pause
if [ "$2" = "--lock" ]; then
    exec 9>"$DB.lock"
    tr_report lock.wait
    flock 9
    tr_report lock.acquired
    buy
    flock -u 9
    tr_report lock.released
else
    buy
fi
