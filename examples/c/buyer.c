/* A small compiled buyer speaking the protocol (clients/c/ticketrush.h): search, then buy
 * under flock(2). Used to measure exec cost per buyer (benchmarks/README.md):
 *   cc -O2 -I clients/c -o /tmp/tr-buyer examples/c/buyer.c
 */
#include "ticketrush.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

static long read_count(const char *path) {
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    long count = -1;
    if (n > 0) sscanf(buf, "{\"count\": %ld}", &count);
    return count;
}

int main(int argc, char **argv) {
    const char *db = argc > 1 ? argv[1] : "db.json";
    long count = read_count(db);
    if (count < 0) { tr_report("search.torn", 0); tr_report_error("torn read"); return 0; }
    tr_report("search.read", count);
    int lock = open("db.json.lock", O_CREAT | O_RDWR, 0644);
    tr_report("lock.wait", 0);
    flock(lock, LOCK_EX);
    tr_report("lock.acquired", 0);
    count = read_count(db);
    tr_report("purchase.read", count);
    if (count > 0) {
        char text[64];
        int n = snprintf(text, sizeof text, "{\"count\": %ld}\n", count - 1);
        tr_report("purchase.write", count - 1);
        int fd = open(db, O_WRONLY | O_TRUNC);
        (void)!write(fd, text, (size_t)n);
        close(fd);
        tr_report("bought", count - 1);
    } else {
        tr_report("sold-out", 0);
    }
    flock(lock, LOCK_UN);
    tr_report("lock.released", 0);
    return 0;
}
