/* Gate cost under control: syscalls (benchmarks/README.md, "Syscall control").
 *   flood pass N DOC   N close(-1) calls: a descriptor call off the store (held by the full
 *                      filter, seen not to be on the store, let through; not held by the ranged one)
 *   flood held N DOC   N close(900) calls: in the ranged filter's range, so held by both
 *                      filters, seen not to be on the store, let through
 *   flood step N DOC   N pread calls on the document: each one a granted step
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: flood pass|step N DOC\n"); return 2; }
    long n = atol(argv[2]);
    int fd = open(argv[3], O_RDONLY);
    if (fd < 0) { perror(argv[3]); return 1; }
    char buf[64];
    if (strcmp(argv[1], "pass") == 0) {
        for (long i = 0; i < n; i++) close(-1);
    } else if (strcmp(argv[1], "held") == 0) {
        for (long i = 0; i < n; i++) close(900);
    } else {
        for (long i = 0; i < n; i++) if (pread(fd, buf, sizeof buf, 1) < 0) { perror("pread"); return 1; }
    }
    close(fd);
    printf("sold out\n");
    return 0;
}
