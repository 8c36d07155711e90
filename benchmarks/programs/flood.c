/* Writes N protocol events as fast as it can (one write(2) per line), then one outcome:
 * the load for measuring the runner's own cost per protocol event (benchmarks/README.md).
 *   flood N
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    const char *e = getenv("TICKETRUSH_EVENTS_FD");
    int fd = e ? atoi(e) : 1;
    char line[64];
    for (long i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "{\"event\":\"search.read\",\"value\":%ld}\n", i);
        if (write(fd, line, (size_t)len) != len) return 1;
    }
    int len = snprintf(line, sizeof line, "{\"event\":\"sold-out\"}\n");
    return write(fd, line, (size_t)len) == len ? 0 : 1;
}
