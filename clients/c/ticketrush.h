/* ticketrush.h — report buyer steps to ticketrush from C (docs/programs.md).
 *
 *   #include "ticketrush.h"
 *   tr_report("search.read", count);
 *   tr_report("bought", count - 1);
 *   tr_report_error("could not write");
 *
 * One JSON line per call, one write(2), to the descriptor in TICKETRUSH_EVENTS_FD.
 * Outside ticketrush (no such variable) every call does nothing. Under a controlled
 * schedule (TICKETRUSH_GATE_FD) each call then waits for the runner's grant. Header only.
 */
#ifndef TICKETRUSH_CLIENT_H
#define TICKETRUSH_CLIENT_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int tr_fd_(const char *name) {
    const char *s = getenv(name);
    return s && *s ? atoi(s) : -1;
}

/* Controlled schedules: when the runner passes a gate, wait for its grant after each
 * report, so one program runs at a time. EOF: the schedule ended; stop at once. */
static void tr_wait_gate_(void) {
    static int gate = -2;
    if (gate == -2) gate = tr_fd_("TICKETRUSH_GATE_FD");
    if (gate < 0) return;
    char c;
    ssize_t got;
    do { got = read(gate, &c, 1); } while (got < 0 && errno == EINTR);
    if (got != 1) _exit(4);
}

static void tr_send_(const char *line, int n) {
    static int fd = -2;
    if (fd == -2) fd = tr_fd_("TICKETRUSH_EVENTS_FD");
    if (fd < 0 || n <= 0) return;
    (void)!write(fd, line, (size_t)n);
    tr_wait_gate_();
}

/* An event of docs/events.md with its value (the count read or written, else 0). */
static void tr_report(const char *event, long long value) {
    char line[256];
    tr_send_(line, snprintf(line, sizeof line, "{\"event\":\"%s\",\"value\":%lld}\n", event, value));
}

/* An `error` outcome; `reason` must not contain quotes or backslashes. */
static void tr_report_error(const char *reason) {
    char line[512];
    tr_send_(line, snprintf(line, sizeof line, "{\"event\":\"error\",\"reason\":\"%s\"}\n", reason));
}
#endif
