#define _GNU_SOURCE
#include "CTicketRushEngines.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int tr_spawn(const char *path, char *const argv[], const char *log_path, int uid, int gid) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    // Child: only async-signal-safe calls from here to exec.
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || log < 0) _exit(126);
    dup2(in, 0);
    dup2(log, 1);
    dup2(log, 2);
    if (in > 2) close(in);
    if (log > 2) close(log);
    if (gid >= 0) {
        if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0) _exit(126);
    }
    if (uid >= 0 && setuid((uid_t)uid) != 0) _exit(126);
    // Set after the credentials change (which clears it).
    prctl(PR_SET_PDEATHSIG, SIGINT);  // postgres: fast shutdown; redis: shutdown
    if (getppid() != parent) _exit(0);
    execv(path, argv);
    _exit(127);
}

int tr_user_ids(const char *name, int *uid, int *gid) {
    struct passwd *pw = getpwnam(name);
    if (!pw) return -1;
    *uid = (int)pw->pw_uid;
    *gid = (int)pw->pw_gid;
    return 0;
}
