#!/bin/sh
# One buyer in POSIX shell, in the tutorial's style.
#
#   sh buy.sh NAME            # the race: read, sleep, write back, no lock
#   sh buy.sh NAME --lock     # the fix: flock(1) (util-linux) around the purchase, atomic write
#
# Run by ticketrush per buyer in the trial folder, where db.json holds {"count": N}
# (scenarios/programs/shell-*.yaml), judged by the lines it prints.

DB=db.json

count() { tr -cd '0-9' < "$DB"; }

search() {
    n=$(count)
    sleep 0.1
    echo "<$1>用户 查看剩余票数为 [$n]"
}

buy() {
    n=$(count)
    sleep 0.1
    if [ "${n:-0}" -gt 0 ]; then
        n=$((n - 1))
        sleep 0.1
        if [ "$LOCK" = --lock ]; then
            # The fix also writes a temp file and renames it over the document: the lock
            # covers the purchase, not the search, and an unlocked search that met the
            # redirection's truncated file would read no count (a torn read).
            printf '{"count": %d}\n' "$n" > "$DB.tmp" && mv "$DB.tmp" "$DB"
        else
            printf '{"count": %d}\n' "$n" > "$DB"
        fi
        echo "<$1> 购票成功"
    else
        echo "<$1> 没票了"
    fi
}

LOCK=$2
search "$1"
if [ "$LOCK" = "--lock" ]; then
    # flock waits for an exclusive lock on descriptor 9 (the lock file), held until the
    # subshell exits: every buyer's purchase runs alone.
    ( flock 9 && buy "$1" ) 9>"$DB.lock"
else
    buy "$1"
fi
