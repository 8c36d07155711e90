#!/bin/sh
# A buyer on Redis that knows nothing of ticketrush: redis-cli GETs the count, then SETs it
# less one. No lock, no script, no WATCH. Usage: buy_redis.sh URL KEY, URL as the runner
# gives it ({url}: unix:///SOCKET for its private server).
case "$1" in
    unix://*) server="-s ${1#unix://}" ;;
    *) server="-u $1" ;;
esac
# $server is two words on purpose.
count=$(redis-cli $server GET "$2") || exit 1
if [ "$count" -gt 0 ]; then
    redis-cli $server SET "$2" $((count - 1)) >/dev/null || exit 1
    echo bought
else
    echo "sold out"
fi
