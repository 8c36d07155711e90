/* The simplest C program doing the rush: the headline yardstick of benchmarks/README.md.
 * Fork N children; each reads {"count": N}, takes flock, reads, decrements, writes in
 * place, unlocks, and writes one line to a shared pipe; the parent drains and reaps.
 * No start barrier, no events per step, no checks, no report.
 * Usage: simple BUYERS TICKETS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static long read_count(const char *path) {
    char buf[128];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strchr(buf, ':');
    return p ? strtol(p + 1, NULL, 10) : -1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000, tickets = argc > 2 ? atoi(argv[2]) : 100;
    char dir[] = "/tmp/simple-floor-XXXXXX", path[64], lock[64];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/db.json", dir);
    snprintf(lock, sizeof lock, "%s/db.lock", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"count\": %d}\n", tickets);
    fclose(f);
    close(open(lock, O_CREAT | O_WRONLY, 0644));
    int fds[2];
    if (pipe(fds)) return 1;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            close(fds[0]);
            read_count(path);
            int lfd = open(lock, O_RDWR);
            flock(lfd, LOCK_EX);
            long c = read_count(path);
            char line[64];
            int len;
            if (c > 0) {
                int fd = open(path, O_WRONLY | O_TRUNC);
                char doc[64];
                int m = snprintf(doc, sizeof doc, "{\"count\": %ld}\n", c - 1);
                if (write(fd, doc, m) != m) _exit(2);
                close(fd);
                len = snprintf(line, sizeof line, "%d bought\n", i);
            } else {
                len = snprintf(line, sizeof line, "%d sold out\n", i);
            }
            flock(lfd, LOCK_UN);
            if (write(fds[1], line, len) != len) _exit(3);
            _exit(0);
        }
    }
    close(fds[1]);
    char buf[65536];
    long bytes = 0;
    ssize_t r;
    while ((r = read(fds[0], buf, sizeof buf)) > 0) bytes += r;
    while (wait(NULL) > 0) {}
    unlink(path);
    unlink(lock);
    rmdir(dir);
    return bytes > 0 ? 0 : 1;
}
