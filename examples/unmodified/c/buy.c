/* A buyer that knows nothing of ticketrush: read the count, write it back less one, in
 * place (O_TRUNC), no lock. Usage: buy DOCUMENT (buy.sh compiles it once). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *doc = argc > 1 ? argv[1] : "db.json";
    char buf[64] = {0};
    int fd = open(doc, O_RDONLY);
    if (fd < 0) { perror(doc); return 1; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    long count = -1;
    if (n <= 0 || sscanf(buf, "{\"count\": %ld}", &count) != 1) { fprintf(stderr, "error: torn read\n"); return 1; }
    if (count <= 0) { printf("sold out\n"); return 0; }
    char out[64];
    int len = snprintf(out, sizeof out, "{\"count\": %ld}\n", count - 1);
    fd = open(doc, O_WRONLY | O_TRUNC);
    if (fd < 0 || write(fd, out, (size_t)len) != len) { perror(doc); return 1; }
    close(fd);
    printf("bought\n");
    return 0;
}
