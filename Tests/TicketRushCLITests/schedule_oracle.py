"""Counts from the design's executable model of the buyer (../shared/design/schedules/model.py),
read by path, never copied: the test oracle for the exhaustive strategy.

usage: python3 schedule_oracle.py SHARED_DESIGN_SCHEDULES_DIR   -> JSON on stdout
"""
import json, sys
sys.path.insert(0, sys.argv[1])
from model import Cfg, analyse, classes  # noqa: E402


def bounded(c, k):
    return sum(analyse(c, maxpre=k)['bounded'][k].values())


race2, race3 = Cfg(2, 1), Cfg(3, 1)
mutex2 = Cfg(2, 1, lock='flock')
lost2 = Cfg(2, 2, write='atomic')
out = {
    'race2_total': analyse(race2)['total'],
    'race2_classes': classes(race2)[1],
    'race2_bounded1': bounded(race2, 1),
    'race3_bounded2': bounded(race3, 2),
    'mutex2_classes': classes(mutex2)[1],
    'lost2_classes': classes(lost2)[1],
}
print(json.dumps(out))
