// Seccomp user notification for `control: syscalls` (docs/programs.md): the filter a
// program's process installs before exec, and the calls the runner answers it with.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "CTicketRush.h"

#define NOTIFY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF)
#define LOAD_ARG(k) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[k]))
// Call `nr` goes to the runner only when its argument k (a descriptor: the kernel reads its
// low 32 bits, as this does) is in the reserved range. Six instructions.
#define IN_RANGE(nr, k) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 5), LOAD_ARG(k), \
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, TR_FD_RANGE_LOW, 0, 2), BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, TR_FD_RANGE_HIGH, 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
// dup2/dup3: either descriptor in the range (a copy out of it, or one over a store descriptor).
#define EITHER_IN_RANGE(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 9), LOAD_ARG(0), \
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, TR_FD_RANGE_LOW, 0, 2), BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, TR_FD_RANGE_HIGH, 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF), LOAD_ARG(1), \
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, TR_FD_RANGE_LOW, 0, 2), BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, TR_FD_RANGE_HIGH, 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
// sendmsg/sendmmsg (SCM_RIGHTS can carry a store descriptor), except on the hand-over socket.
#define NOT_HANDOVER(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4), LOAD_ARG(0), \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TR_FD_HANDOVER, 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

#if defined(__x86_64__) && defined(SECCOMP_RET_USER_NOTIF) && defined(SECCOMP_FILTER_FLAG_NEW_LISTENER)
// Another architecture's calls (x32, i386 int 0x80) would pass unseen: they are killed.
#define ARCH_ONLY \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)), \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)), \
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

// Every descriptor call is held: the runner tells a store descriptor by its path.
static struct sock_filter full_filter[] = {
    ARCH_ONLY,
    NOTIFY(__NR_open), NOTIFY(__NR_openat), NOTIFY(__NR_creat),
    NOTIFY(__NR_read), NOTIFY(__NR_pread64), NOTIFY(__NR_readv), NOTIFY(__NR_preadv),
    NOTIFY(__NR_write), NOTIFY(__NR_pwrite64), NOTIFY(__NR_writev), NOTIFY(__NR_pwritev),
    NOTIFY(__NR_ftruncate), NOTIFY(__NR_truncate), NOTIFY(__NR_rename), NOTIFY(__NR_renameat),
    NOTIFY(__NR_renameat2), NOTIFY(__NR_unlink), NOTIFY(__NR_unlinkat), NOTIFY(__NR_fsync),
    NOTIFY(__NR_fdatasync), NOTIFY(__NR_close), NOTIFY(__NR_flock),
    // A network store (postgres): connect names the server's socket, a send is a statement.
    // Not sendmsg: the process hands its listener over by it, after this filter is in.
    NOTIFY(__NR_connect), NOTIFY(__NR_sendto),
    NOTIFY(__NR_io_uring_setup), NOTIFY(__NR_nanosleep), NOTIFY(__NR_clock_nanosleep),
    // Let through at once: they tell the runner a whole program's tree grew.
    NOTIFY(__NR_clone), NOTIFY(__NR_clone3), NOTIFY(__NR_fork), NOTIFY(__NR_vfork),
    // fcntl only as a lock (F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW): a shell's
    // descriptor juggling (F_DUPFD, F_GETFL …) is no step and costs no round trip.
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, 7),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETLK, 4, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETLKW, 3, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 37, 2, 0),  // F_OFD_SETLK
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 38, 1, 0),  // F_OFD_SETLKW
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    // mmap of a file (fd not -1): the runner refuses the store mapped past the gates.
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[4])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

// A file store whose descriptors the runner installed in the reserved range: a descriptor
// call is held only there. Sound while no store descriptor lives below the range: every
// open by any name is held (the runner opens a store file itself), and so is every call
// that could copy a store descriptor out of the range (dup, dup2, dup3, fcntl, sendmsg's
// SCM_RIGHTS, pidfd_getfd) or give a store file another name (link).
static struct sock_filter ranged_filter[] = {
    ARCH_ONLY,
    NOTIFY(__NR_open), NOTIFY(__NR_openat), NOTIFY(__NR_creat), NOTIFY(__NR_openat2), NOTIFY(__NR_open_by_handle_at),
    NOTIFY(__NR_truncate), NOTIFY(__NR_rename), NOTIFY(__NR_renameat), NOTIFY(__NR_renameat2),
    NOTIFY(__NR_unlink), NOTIFY(__NR_unlinkat), NOTIFY(__NR_link), NOTIFY(__NR_linkat),
    NOTIFY(__NR_io_uring_setup), NOTIFY(__NR_nanosleep), NOTIFY(__NR_clock_nanosleep),
    NOTIFY(__NR_clone), NOTIFY(__NR_clone3), NOTIFY(__NR_fork), NOTIFY(__NR_vfork), NOTIFY(__NR_pidfd_getfd),
    NOT_HANDOVER(__NR_sendmsg), NOT_HANDOVER(__NR_sendmmsg),
    IN_RANGE(__NR_read, 0), IN_RANGE(__NR_pread64, 0), IN_RANGE(__NR_readv, 0), IN_RANGE(__NR_preadv, 0),
    IN_RANGE(__NR_preadv2, 0), IN_RANGE(__NR_write, 0), IN_RANGE(__NR_pwrite64, 0), IN_RANGE(__NR_writev, 0),
    IN_RANGE(__NR_pwritev, 0), IN_RANGE(__NR_pwritev2, 0), IN_RANGE(__NR_ftruncate, 0), IN_RANGE(__NR_fsync, 0),
    IN_RANGE(__NR_fdatasync, 0), IN_RANGE(__NR_close, 0), IN_RANGE(__NR_flock, 0), IN_RANGE(__NR_fcntl, 0),
    IN_RANGE(__NR_dup, 0), IN_RANGE(__NR_mmap, 4),
    EITHER_IN_RANGE(__NR_dup2), EITHER_IN_RANGE(__NR_dup3),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
#endif

int tr_seccomp_install(int ranged) {
#if defined(__x86_64__) && defined(SECCOMP_RET_USER_NOTIF) && defined(SECCOMP_FILTER_FLAG_NEW_LISTENER)
    struct sock_fprog prog = ranged
        ? (struct sock_fprog){.len = sizeof ranged_filter / sizeof ranged_filter[0], .filter = ranged_filter}
        : (struct sock_fprog){.len = sizeof full_filter / sizeof full_filter[0], .filter = full_filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
#else
    (void)ranged;
    errno = ENOSYS;
    return -1;
#endif
}

int tr_notif_addfd(int listener, uint64_t id, int fd, int newfd, int cloexec) {
#if defined(SECCOMP_IOCTL_NOTIF_ADDFD) && defined(SECCOMP_ADDFD_FLAG_SEND)
    struct seccomp_notif_addfd add;
    memset(&add, 0, sizeof add);
    add.id = id;
    add.flags = SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND;
    add.srcfd = (uint32_t)fd;
    add.newfd = (uint32_t)newfd;
    add.newfd_flags = cloexec ? O_CLOEXEC : 0;
    int r;
    do { r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add); } while (r < 0 && errno == EINTR);
    return r;
#else
    (void)listener; (void)id; (void)fd; (void)newfd; (void)cloexec;
    errno = ENOSYS;
    return -1;
#endif
}

int tr_send_fd(int sock, int fd) {
    char byte = 'x';
    struct iovec io = {&byte, 1};
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct msghdr msg = {0};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    ssize_t r;
    do { r = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

int tr_recv_fd(int sock) {
    char byte;
    struct iovec io = {&byte, 1};
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct msghdr msg = {0};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t r;
    do { r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (r < 0 && errno == EINTR);
    if (r <= 0) { if (r == 0) errno = EPIPE; return -1; }
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) { errno = EPROTO; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

int tr_notif_recv(int listener, struct tr_notif *out) {
#ifdef SECCOMP_IOCTL_NOTIF_RECV
    // The kernel's size is asked once (the runner is single-threaded): a call saved per
    // notification, and every call of the program's start-up comes through here.
    static size_t size;
    if (size == 0) {
        struct seccomp_notif_sizes sizes;
        if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) return -1;
        size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
    }
    struct seccomp_notif *n = calloc(1, size);
    if (n == NULL) return -1;
    int r;
    do { r = ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n); } while (r < 0 && errno == EINTR);
    if (r == 0) {
        out->id = n->id;
        out->pid = n->pid;
        out->nr = n->data.nr;
        for (int i = 0; i < 6; i++) out->args[i] = n->data.args[i];
    }
    int saved = errno;
    free(n);
    errno = saved;
    return r;
#else
    errno = ENOSYS;
    return -1;
#endif
}

int tr_notif_send(int listener, uint64_t id, int64_t value, int error, int proceed) {
#ifdef SECCOMP_IOCTL_NOTIF_SEND
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = id;
    if (proceed) {
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
        resp.val = value;
        resp.error = error ? -error : 0;
    }
    int r;
    do { r = ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp); } while (r < 0 && errno == EINTR);
    return r;
#else
    errno = ENOSYS;
    return -1;
#endif
}

int tr_notif_id_valid(int listener, uint64_t id) {
#ifdef SECCOMP_IOCTL_NOTIF_ID_VALID
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
#else
    return 0;
#endif
}

// Linux 6.6: the kernel hands a notification and its answer over on the current CPU (the
// caller yields to the runner and back), not by waking the other side wherever it sleeps.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int tr_notif_sync_wake_up(int listener) {
#ifdef SECCOMP_IOW
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (__u64)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
#else
    errno = ENOSYS;
    return -1;
#endif
}

long tr_read_memory(int pid, uint64_t address, void *buffer, size_t count) {
    struct iovec local = {buffer, count};
    struct iovec remote = {(void *)(uintptr_t)address, count};
    return (long)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}
