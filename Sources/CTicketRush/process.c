#define _GNU_SOURCE
#include "CTicketRush.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int tr_subreaper_state(void) {
    int on = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) != 0) return -1;
    return on ? 1 : 0;
}

int tr_set_subreaper_to(int on) {
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0);
}

int tr_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int tr_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int tr_close_range(unsigned low, unsigned high) {
#ifdef SYS_close_range
    return (int)syscall(SYS_close_range, low, high, 0u);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int tr_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig); }

int tr_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0); }

int tr_bytes_waiting(int fd) {
    int waiting = 0;
    return ioctl(fd, FIONREAD, &waiting) == 0 ? waiting : -1;
}

int tr_execvpe(const char *file, char *const argv[], char *const envp[]) { return execvpe(file, argv, envp); }
