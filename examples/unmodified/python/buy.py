# A buyer that knows nothing of ticketrush: read the count, and if a ticket is left,
# write the count less one. No lock: two of these can both buy the last ticket.
import json
import sys

path = sys.argv[1]
with open(path) as f:
    count = json.load(f)["count"]
if count > 0:
    with open(path, "w") as f:
        json.dump({"count": count - 1}, f)
    print("bought")
else:
    print("sold out")
