#ifndef CTICKETRUSH_H
#define CTICKETRUSH_H

#include <stdint.h>
#include <semaphore.h>

/// Takes (lock != 0) or drops an open-file-description write lock on the whole file,
/// blocking while another description holds it. Returns 0 or -1 with errno set.
int tr_ofd_lock(int fd, int lock);

/// Takes an open-file-description write lock on the whole file only if it is free now
/// (F_OFD_SETLK). Returns 0, or -1 with errno EAGAIN/EACCES when another description holds it.
int tr_ofd_trylock(int fd);

/// Pins the calling process to the CPU it is running on (children forked after inherit it),
/// remembering the previous mask; returns 0, or -1 when the kernel refuses (then nothing changed).
int tr_pin_begin(void);

/// Restores the mask `tr_pin_begin` saved.
void tr_pin_end(void);

/// Keeps this process (and what it forks) on the `index`-th CPU it may run on, modulo
/// their count: --jobs schedule workers each on their own CPU, since `tr_pin_begin` pins to
/// whichever CPU the process happens to be on. 0, or -1 when the mask cannot be set.
int tr_pin_process(int index);

/// Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal number,
/// so the runner can tear down its buyers and exit on its own terms.
void tr_install_interrupt_handlers(void);

/// The last interrupting signal received, or 0.
int tr_interrupted(void);

/// Restores default dispositions in a freshly forked buyer.
void tr_reset_signal_handlers(void);

/// Creates the named POSIX semaphore `name` with `value`, failing if it exists
/// (sem_open is variadic and does not import into Swift). Returns 0 or -1 with errno set.
int tr_sem_create(const char *name, unsigned value);

/// Opens the existing named semaphore `name`; NULL with errno set on failure.
sem_t *tr_sem_open(const char *name);

/// How many interrupting signals arrived so far: a second one makes teardown immediate.
int tr_interrupt_count(void);

/// Ignores SIGPIPE (a closed terminal pipe is EPIPE, "stop printing", never death) and
/// opens /dev/null onto any of fds 0-2 that is closed, so no later open() lands there.
void tr_prepare_standard_streams(void);

/// A malloc'd buffer with room for "PATH INFIX TAG" ("db.json.tmp.3"), NULL when out of memory.
char *tr_tagged_path_buffer(const char *path, const char *infix);
/// Writes "PATH INFIX TAG" into a buffer from tr_tagged_path_buffer(path, infix): no Swift
/// strings and no allocation, for the forked buyer.
void tr_tag_path(char *out, const char *path, const char *infix, long tag);

/// fcntl(fd, F_SETPIPE_SZ, bytes) (a GNU name): the new size, or -1 (beyond pipe-max-size).
int tr_set_pipe_size(int fd, int bytes);

/// Before a fork loop (single-threaded): drops the page-table entries of pages that are
/// present in a private, non-executable file mapping and were never written (checked in
/// /proc/self/pagemap), so fork copies and every child tears down fewer of them. A dropped
/// page faults back in unchanged. Returns the pages dropped, 0 off Linux, -1 with errno set
/// when /proc cannot be read. Never touches a written page (pagedrop.c says why).
long tr_drop_clean_file_pages(void);

/// The same, only for pages in [from, to) (a test drops its own mapping alone).
long tr_drop_clean_file_pages_in(const void *from, const void *to);

/// Whether this process is a subreaper now: 1, 0, or -1 with errno set (PR_GET_CHILD_SUBREAPER).
int tr_subreaper_state(void);

/// Turns the subreaper flag on (1) or off (0). Returns 0 or -1 with errno set.
int tr_set_subreaper_to(int on);

/// A descriptor that poll() reports readable when process `pid` (a child) exits
/// (pidfd_open, close-on-exec), so the runner sees a program's exit at once, whatever its
/// descendants keep open. -1 with errno set where the kernel has none (before Linux 5.3).
int tr_pidfd_open(int pid);

/// The process layer's primitives (Sources/TicketRushProcess) that do not import into Swift:
/// GNU-only names and variadic calls. Each is the bare call; retrying and policy are in Swift.

/// pipe2(fds, flags). Returns 0 or -1 with errno set.
int tr_pipe2(int fds[2], int flags);

/// close_range(low, high, 0) (the raw system call). Returns 0 or -1 with errno set (ENOSYS
/// before Linux 5.9).
int tr_close_range(unsigned low, unsigned high);

/// prctl(PR_SET_PDEATHSIG, sig). Returns 0 or -1 with errno set.
int tr_set_pdeathsig(int sig);

/// prctl(PR_SET_DUMPABLE, on): 0 also means no core dump. Returns 0 or -1 with errno set.
int tr_set_dumpable(int on);

/// ioctl(fd, FIONREAD): bytes waiting in a pipe, or -1 with errno set.
int tr_bytes_waiting(int fd);

/// execvpe(file, argv, envp). Returns only on failure (-1, errno set).
int tr_execvpe(const char *file, char *const argv[], char *const envp[]);


/// One seccomp user notification (docs/programs.md, "Three kinds of control"): which thread,
/// which call, its raw arguments.
struct tr_notif {
    uint64_t id;
    uint32_t pid;
    int32_t nr;
    uint64_t args[6];
};

/// The descriptor numbers reserved for the store under `control: syscalls` with a ranged
/// filter (docs/programs.md, "Which calls are held"): the runner installs every store
/// descriptor from TR_FD_STORE_TOP down; TR_FD_HANDOVER carries the listener to the runner.
#define TR_FD_RANGE_LOW 768
#define TR_FD_RANGE_HIGH 1023
#define TR_FD_STORE_TOP 1000
#define TR_FD_HANDOVER 1023

/// In the program's process before exec: PR_SET_NO_NEW_PRIVS, then a filter that sends the
/// store's file calls, mmap, io_uring_setup and sleeps to a new listener. `ranged`: calls on
/// a descriptor are sent only when it is in TR_FD_RANGE_LOW...HIGH, and the calls that copy
/// one out of it (dup, sendmsg, pidfd_getfd) are sent too. Returns the listener fd, or -1
/// with errno set (ENOSYS where the kernel or build has none).
int tr_seccomp_install(int ranged);
/// Sends / receives one descriptor over a Unix socket (SCM_RIGHTS). 0 / the fd, or -1.
int tr_send_fd(int sock, int fd);
int tr_recv_fd(int sock);
/// SECCOMP_IOCTL_NOTIF_RECV into `out`; 0 or -1 with errno (ENOENT: the caller is gone).
int tr_notif_recv(int listener, struct tr_notif *out);
/// SECCOMP_IOCTL_NOTIF_SEND: `proceed` lets the call run (FLAG_CONTINUE); else it returns
/// `value`, or fails with `error` (a positive errno) when that is not 0.
int tr_notif_send(int listener, uint64_t id, int64_t value, int error, int proceed);
/// SECCOMP_IOCTL_NOTIF_ADDFD with SETFD | SEND: installs `fd` as number `newfd` of the caller
/// of notification `id` (close-on-exec when `cloexec`) and answers the call with it, at once.
/// newfd, or -1 with errno (EBADF: at or above the caller's RLIMIT_NOFILE; ENOENT: it is gone).
int tr_notif_addfd(int listener, uint64_t id, int fd, int newfd, int cloexec);
/// SECCOMP_IOCTL_NOTIF_ID_VALID: 1 while the caller still waits on notification `id`.
int tr_notif_id_valid(int listener, uint64_t id);
// Same-CPU hand-over of notifications and answers (Linux 6.6); -1 with errno where unknown.
int tr_notif_sync_wake_up(int listener);
// Bytes of another process's memory in one call (process_vm_readv): the count read, or -1.
long tr_read_memory(int pid, uint64_t address, void *buffer, size_t count);

#endif
