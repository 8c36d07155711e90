#!/bin/sh
# A buyer that knows nothing of ticketrush: sed reads the count, the shell writes it back
# less one. No lock. Usage: buy.sh DOCUMENT
doc="$1"
count=$(sed 's/[^0-9]//g' "$doc")
if [ -n "$count" ] && [ "$count" -gt 0 ]; then
    echo "{\"count\": $((count - 1))}" > "$doc"
    echo bought
elif [ -n "$count" ]; then
    echo "sold out"
else
    echo "error: empty document" >&2
    exit 1
fi
