# ticketrush.sh — report buyer steps to ticketrush from POSIX shell (docs/programs.md).
#
#   . /path/to/clients/sh/ticketrush.sh
#   tr_report search.read "$count"
#   tr_report bought
#   tr_report error "" "could not write"
#
# Writes one JSON line per call to the descriptor in TICKETRUSH_EVENTS_FD (one printf,
# one write: lines from many buyers never interleave). Outside ticketrush it does nothing.

# tr_report EVENT [VALUE] [REASON] [TASK] [BUYER]
tr_report() {
    [ -n "${TICKETRUSH_EVENTS_FD:-}" ] || return 0
    _tr_line="{\"event\":\"$1\""
    [ -n "${2:-}" ] && _tr_line="$_tr_line,\"value\":$2"
    [ -n "${3:-}" ] && _tr_line="$_tr_line,\"reason\":\"$(printf '%s' "$3" | sed 's/[\\"]/\\&/g')\""
    [ -n "${4:-}" ] && _tr_line="$_tr_line,\"task\":$4"
    [ -n "${5:-}" ] && _tr_line="$_tr_line,\"buyer\":\"$(printf '%s' "$5" | sed 's/[\\"]/\\&/g')\""
    printf '%s}\n' "$_tr_line" >&"$TICKETRUSH_EVENTS_FD"
    if [ -n "${TICKETRUSH_GATE_FD:-}" ]; then
        # Controlled schedules: after the report, wait for the runner's grant (a newline,
        # so the read built-in takes it without starting a process). EOF: the schedule
        # ended; stop at once.
        read -r _tr_go <&"$TICKETRUSH_GATE_FD" || exit 4
    fi
}
