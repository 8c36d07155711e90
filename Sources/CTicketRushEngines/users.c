#define _GNU_SOURCE
#include "CTicketRushEngines.h"
#include <pwd.h>

int tr_user_ids(const char *name, int *uid, int *gid) {
    struct passwd *pw = getpwnam(name);
    if (!pw) return -1;
    *uid = (int)pw->pw_uid;
    *gid = (int)pw->pw_gid;
    return 0;
}
