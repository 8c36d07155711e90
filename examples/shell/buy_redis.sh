#!/bin/sh
# A shell buyer on the runner's Redis store (storage.kind: redis), through redis-cli,
# judged by what it prints (outcomes patterns in scenarios/programs/redis-cli-atomic.yaml).
#
#   sh buy_redis.sh NAME
#
# The server is TICKETRUSH_URL ({url}): `unix:///PATH` for the runner's private server (the
# socket, redis-cli -s), else the storage.url as given (redis-cli -u); the count is the
# string at key TICKETRUSH_TABLE ({table}). One Lua script reads and decrements: Redis runs
# a script alone, so the purchase is atomic.

case "$TICKETRUSH_URL" in
    unix://*) server="-s ${TICKETRUSH_URL#unix://}" ;;
    *) server="-u $TICKETRUSH_URL" ;;
esac
script='local c = tonumber(redis.call("GET", KEYS[1])); if c > 0 then return redis.call("DECR", KEYS[1]) end; return -1'
# $server is two words on purpose.
left=$(redis-cli $server --no-raw EVAL "$script" 1 "$TICKETRUSH_TABLE") || exit 1
left=${left#(integer) }
if [ "$left" -ge 0 ]; then echo "<$1> bought, $left left"; else echo "<$1> sold out"; fi
