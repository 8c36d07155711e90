"""Report buyer steps to ticketrush over the program protocol (docs/programs.md).

    from ticketrush_client import report
    report("search.read", value=count)
    report("bought")

One JSON object per line, one write(2) each, to the descriptor in TICKETRUSH_EVENTS_FD.
Outside ticketrush (no TICKETRUSH_EVENTS_FD) every call does nothing, so the same script
runs on its own. The runner stamps the time and records `start` and `done` itself.
Under a controlled schedule (TICKETRUSH_GATE_FD set) each call then waits for the
runner's grant: report `lock.wait` before taking a lock, and only what you did.
"""
import json
import os

_FD = os.environ.get("TICKETRUSH_EVENTS_FD")
_FD = int(_FD) if _FD and _FD.isdigit() else None
_GATE = os.environ.get("TICKETRUSH_GATE_FD")
_GATE = int(_GATE) if _GATE and _GATE.isdigit() else None


def active():
    """True when running under ticketrush with the protocol descriptor open."""
    return _FD is not None


def report(event, value=None, task=None, buyer=None, reason=None):
    """Send one event: a kind of docs/events.md (search.read, lock.acquired, bought, ...).

    value: the count read or written; task: 1-based (default: the runner counts);
    buyer: the buyer's name (program mode, where one process reports for many);
    reason: text for an `error`.
    """
    if _FD is None:
        return
    line = {"event": event}
    if value is not None:
        line["value"] = int(value)
    if task is not None:
        line["task"] = int(task)
    if buyer is not None:
        line["buyer"] = str(buyer)
    if reason is not None:
        line["reason"] = str(reason)
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    os.write(_FD, data)  # well under PIPE_BUF: one atomic write
    if _GATE is not None:
        _wait_gate()


def _wait_gate():
    # Controlled schedules (TICKETRUSH_GATE_FD): after the report, wait for the runner's
    # grant (one byte), so exactly one program runs at a time and a step is the code from
    # one grant to the next report. Waiting before the write instead would let every
    # program run its real file operations at once between reports. EOF: the runner ended
    # the schedule (or is gone): stop at once.
    if not os.read(_GATE, 1):
        os._exit(4)
