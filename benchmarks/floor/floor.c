/* The C floor: what `ticketrush run` is measured against. N forked children, one
 * JSON document, flock around the purchase, in-place writes, one 32-byte event per
 * step over one pipe, a pipe barrier, every child reaped. No checking, no report. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int events_fd;

static void emit(int buyer, int kind, long value) {
    struct { uint64_t t; int64_t v; uint32_t b, task; uint16_t k, pad; int32_t aux; } e;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    e.t = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
    e.v = value; e.b = buyer; e.task = 0; e.k = kind; e.pad = 0; e.aux = 0;
    if (write(events_fd, &e, sizeof e) != sizeof e) _exit(3);
}

static long read_count(const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -2;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    long count;
    return sscanf(buf, "{\"count\": %ld}", &count) == 1 ? count : -1;
}

int main(int argc, char **argv) {
    int buyers = argc > 1 ? atoi(argv[1]) : 1000;
    int tickets = argc > 2 ? atoi(argv[2]) : 100;
    char dir[] = "/tmp/floor.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char db[64], lockp[64];
    snprintf(db, sizeof db, "%s/db.json", dir);
    snprintf(lockp, sizeof lockp, "%s/db.json.lock", dir);
    FILE *f = fopen(db, "w"); fprintf(f, "{\"count\": %d}\n", tickets); fclose(f);
    close(open(lockp, O_CREAT | O_WRONLY, 0644));

    int ev[2], bar[2];
    pipe(ev); pipe(bar);
    for (int i = 0; i < buyers; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(ev[0]); close(bar[1]);
            events_fd = ev[1];
            int lfd = open(lockp, O_RDWR);
            char c; read(bar[0], &c, 1);
            emit(i, 1, 0);
            emit(i, 2, read_count(db));
            emit(i, 4, 0);
            flock(lfd, LOCK_EX);
            emit(i, 5, 0);
            long count = read_count(db);
            emit(i, 6, count);
            if (count > 0) {
                emit(i, 8, count - 1);
                int fd = open(db, O_WRONLY | O_TRUNC);
                char text[64];
                int len = snprintf(text, sizeof text, "{\"count\": %ld}\n", count - 1);
                write(fd, text, len);
                close(fd);
                emit(i, 9, count - 1);
            } else {
                emit(i, 10, 0);
            }
            flock(lfd, LOCK_UN);
            emit(i, 12, 0);
            emit(i, 13, 0);
            _exit(0);
        }
    }
    close(ev[1]); close(bar[0]); close(bar[1]);
    char buf[65536];
    long events = 0;
    ssize_t n;
    while ((n = read(ev[0], buf, sizeof buf)) > 0) events += n / 32;
    int status, reaped = 0;
    while (wait(&status) > 0) reaped++;
    printf("buyers %d reaped %d events %ld final %ld\n", buyers, reaped, events, read_count(db));
    unlink(db); unlink(lockp); rmdir(dir);
    return 0;
}
