#include "CTicketRush.h"
#include <fcntl.h>
#include <semaphore.h>
#include <stddef.h>

int tr_sem_create(const char *name, unsigned value) {
    sem_t *sem = sem_open(name, O_CREAT | O_EXCL, 0600, value);
    if (sem == SEM_FAILED) return -1;
    sem_close(sem);
    return 0;
}

sem_t *tr_sem_open(const char *name) {
    sem_t *sem = sem_open(name, 0);
    return sem == SEM_FAILED ? NULL : sem;
}
