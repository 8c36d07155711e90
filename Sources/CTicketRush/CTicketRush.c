#define _GNU_SOURCE
#include "CTicketRush.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int tr_ofd_lock(int fd, int lock) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = lock ? F_WRLCK : F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
    int rc;
    do {
        rc = fcntl(fd, F_OFD_SETLKW, &fl);
    } while (rc == -1 && errno == EINTR);
    return rc;
}

int tr_ofd_trylock(int fd) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    int rc;
    do {
        rc = fcntl(fd, F_OFD_SETLK, &fl);
    } while (rc == -1 && errno == EINTR);
    return rc;
}

#include <sched.h>

static cpu_set_t tr_saved_mask;
static int tr_pinned = 0;

int tr_pin_begin(void) {
    if (sched_getaffinity(0, sizeof tr_saved_mask, &tr_saved_mask) != 0) return -1;
    int cpu = sched_getcpu();
    if (cpu < 0) return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) return -1;
    tr_pinned = 1;
    return 0;
}

void tr_pin_end(void) {
    if (tr_pinned) sched_setaffinity(0, sizeof tr_saved_mask, &tr_saved_mask);
    tr_pinned = 0;
}

int tr_pin_process(int index) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    int count = CPU_COUNT(&allowed);
    if (count <= 0 || index < 0) return -1;
    int want = index % count;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        if (want-- > 0) continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        return sched_setaffinity(0, sizeof one, &one) == 0 ? 0 : -1;
    }
    return -1;
}

static volatile sig_atomic_t tr_signal = 0;

static volatile sig_atomic_t tr_signals = 0;

static void tr_record(int sig) {
    tr_signal = sig;
    tr_signals = tr_signals + 1;
}

void tr_install_interrupt_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tr_record;
    sigemptyset(&sa.sa_mask);
    // No SA_RESTART: poll() must return EINTR so the runner notices at once.
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int tr_interrupted(void) { return tr_signal; }

int tr_interrupt_count(void) { return tr_signals; }

void tr_prepare_standard_streams(void) {
    signal(SIGPIPE, SIG_IGN);
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0 && null != fd) {
                dup2(null, fd);
                close(null);
            }
        }
    }
}

void tr_reset_signal_handlers(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}


char *tr_tagged_path_buffer(const char *path, const char *infix) {
    return malloc(strlen(path) + strlen(infix) + 24);
}

void tr_tag_path(char *out, const char *path, const char *infix, long tag) {
    snprintf(out, strlen(path) + strlen(infix) + 24, "%s%s%ld", path, infix, tag);
}

int tr_set_pipe_size(int fd, int bytes) { return fcntl(fd, F_SETPIPE_SZ, bytes); }
