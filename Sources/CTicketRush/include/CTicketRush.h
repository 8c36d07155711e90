#ifndef CTICKETRUSH_H
#define CTICKETRUSH_H

#include <stdint.h>

/// Takes (lock != 0) or drops an open-file-description write lock on the whole file,
/// blocking while another description holds it. Returns 0 or -1 with errno set.
int tr_ofd_lock(int fd, int lock);

/// Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal number,
/// so the runner can tear down its buyers and exit on its own terms.
void tr_install_interrupt_handlers(void);

/// The last interrupting signal received, or 0.
int tr_interrupted(void);

/// Restores default dispositions in a freshly forked buyer.
void tr_reset_signal_handlers(void);

#endif
