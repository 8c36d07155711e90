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

#endif
