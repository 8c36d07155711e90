#define _GNU_SOURCE
#include "CTicketRush.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int tr_set_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int tr_subreaper_state(void) {
    int on = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) != 0) return -1;
    return on ? 1 : 0;
}

int tr_set_subreaper_to(int on) {
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0);
}

/// Closes every descriptor >= `low`: close_range(2) where the kernel has it, else one by one.
static void close_from(int low) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)low, ~0U, 0) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1 << 20) max = 1 << 20;
    for (int fd = low; fd < max; fd++) close(fd);
}

int tr_exec_program(char *const argv[], char *const envp[], int out_fd, int err_fd, int events_fd, int gate_fd) {
    // Move the sources above every target first, so no dup2 overwrites a source still needed.
    int src[4] = {out_fd, err_fd, events_fd, gate_fd};
    int high[4] = {-1, -1, -1, -1};
    for (int i = 0; i < 4; i++) {
        if (src[i] >= 0) high[i] = fcntl(src[i], F_DUPFD, 10);
    }
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0 && null_fd != 0) { dup2(null_fd, 0); close(null_fd); }
    if (high[0] >= 0) dup2(high[0], 1);
    if (high[1] >= 0) dup2(high[1], 2);
    if (high[2] >= 0) dup2(high[2], 3);
    if (high[3] >= 0) dup2(high[3], 4);
    close_from(high[3] >= 0 ? 5 : 4);

    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    execvpe(argv[0], argv, envp);
    int code = errno;
    char line[256];
    int n = snprintf(line, sizeof line, "{\"event\":\"error\",\"reason\":\"exec failed\",\"value\":%d}\n", code);
    if (n > 0) { ssize_t w = write(3, line, (size_t)n); (void)w; }
    dprintf(2, "ticketrush: exec failed: %s: %s\n", argv[0], strerror(code));
    return code;
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
