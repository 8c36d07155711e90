#define _GNU_SOURCE
#include "CTicketRushEngines.h"
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Session cases on MariaDB: MariaDB Connector/C's non-blocking calls (mysql_real_query_start
// / _cont, mysql_store_result_start / _cont) on a connection made with MYSQL_OPT_NONBLOCK
// (tr_maria_connect_bounded). Declared here, as mariadb.c does: libmariadb-dev is no build need.
typedef struct st_mysql MYSQL;
typedef struct st_mysql_res MYSQL_RES;
typedef char **MYSQL_ROW;
#define S_WAIT_READ 1
#define S_WAIT_WRITE 2
#define S_WAIT_EXCEPT 4
#define S_WAIT_TIMEOUT 8

static int (*q_real_query_start)(int *, MYSQL *, const char *, unsigned long);
static int (*q_real_query_cont)(int *, MYSQL *, int);
static int (*q_store_result_start)(MYSQL_RES **, MYSQL *);
static int (*q_store_result_cont)(MYSQL_RES **, MYSQL *, int);
static int (*q_get_socket)(MYSQL *);
static unsigned int (*q_get_timeout_value_ms)(const MYSQL *);
static unsigned int (*q_field_count)(MYSQL *);
static unsigned int (*q_num_fields)(MYSQL_RES *);
static MYSQL_ROW (*q_fetch_row)(MYSQL_RES *);
static void (*q_free_result)(MYSQL_RES *);
static unsigned int (*q_errno)(MYSQL *);
static const char *(*q_sqlstate)(MYSQL *);
static const char *(*q_error)(MYSQL *);
static int loaded;

#define Q_SYM(lib, var, name) ((*(void **)&var = dlsym(lib, name)) != NULL)

/// dl_iterate_phdr's visitor: the first loaded object that has MariaDB's non-blocking query call.
static int find_mariadb(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    if (!info->dlpi_name || !*info->dlpi_name) return 0;
    void *h = dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD);
    if (!h) return 0;
    if (dlsym(h, "mysql_real_query_start")) { *(void **)data = h; return 1; }
    dlclose(h);
    return 0;
}

int tr_mars_load(char *message, int message_size) {
    if (loaded) return 0;
    // The library the engine loaded (RTLD_LOCAL, under whichever name its descriptor chose).
    void *lib = NULL;
    dl_iterate_phdr(find_mariadb, &lib);
    if (!lib) { snprintf(message, (size_t)message_size, "libmariadb is not loaded"); return -1; }
    int ok = Q_SYM(lib, q_real_query_start, "mysql_real_query_start") && Q_SYM(lib, q_real_query_cont, "mysql_real_query_cont")
        && Q_SYM(lib, q_store_result_start, "mysql_store_result_start") && Q_SYM(lib, q_store_result_cont, "mysql_store_result_cont")
        && Q_SYM(lib, q_get_socket, "mysql_get_socket") && Q_SYM(lib, q_get_timeout_value_ms, "mysql_get_timeout_value_ms")
        && Q_SYM(lib, q_field_count, "mysql_field_count") && Q_SYM(lib, q_num_fields, "mysql_num_fields")
        && Q_SYM(lib, q_fetch_row, "mysql_fetch_row") && Q_SYM(lib, q_free_result, "mysql_free_result")
        && Q_SYM(lib, q_errno, "mysql_errno") && Q_SYM(lib, q_sqlstate, "mysql_sqlstate") && Q_SYM(lib, q_error, "mysql_error");
    // dlopen with RTLD_NOLOAD took a reference; the library stays loaded for the process anyway.
    dlclose(lib);
    if (!ok) { snprintf(message, (size_t)message_size, "the libmariadb loaded lacks the non-blocking calls sessions use"); return -1; }
    loaded = 1;
    return 0;
}

/// One statement in flight: which phase, what the connector waits for, and the outcome.
typedef struct step {
    MYSQL *m;
    int phase;      // 0 query, 1 store result, 2 done
    int status;     // MYSQL_WAIT_* the connector asked for
    unsigned long long timeout_at;
    int err;
    MYSQL_RES *res;
    int failed;
} step;

static unsigned long long s_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void s_wait(step *s, int status) {
    s->status = status;
    s->timeout_at = status & S_WAIT_TIMEOUT ? s_now_ns() + q_get_timeout_value_ms(s->m) * 1000000ull : 0;
}

/// Moves the step on once its phase finished (status 0).
static void s_advance(step *s) {
    while (s->status == 0 && s->phase < 2) {
        if (s->phase == 0) {
            if (s->err) { s->failed = 1; s->phase = 2; return; }
            s->phase = 1;
            s_wait(s, q_store_result_start(&s->res, s->m));
        } else {
            s->phase = 2;
            if (!s->res && q_field_count(s->m) != 0) s->failed = 1;
        }
    }
}

void *tr_mars_send(void *conn, const char *sql, tr_db_result *out) {
    memset(out, 0, sizeof(*out));
    out->changes = -1;
    step *s = calloc(1, sizeof(step));
    if (!s) { out->status = 2; snprintf(out->message, sizeof(out->message), "out of memory"); return NULL; }
    s->m = conn;
    s_wait(s, q_real_query_start(&s->err, s->m, sql, (unsigned long)strlen(sql)));
    s_advance(s);
    return s;
}

int tr_mars_ready(void *handle, int timeout_ms) {
    step *s = handle;
    if (s->phase == 2) return 1;
    short events = (s->status & S_WAIT_READ ? POLLIN : 0) | (s->status & S_WAIT_WRITE ? POLLOUT : 0) | (s->status & S_WAIT_EXCEPT ? POLLPRI : 0);
    struct pollfd p = { .fd = q_get_socket(s->m), .events = events, .revents = 0 };
    int n = poll(&p, 1, timeout_ms);
    int r = 0;
    if (n > 0) {
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) r |= S_WAIT_READ;
        if (p.revents & (POLLOUT | POLLHUP | POLLERR)) r |= S_WAIT_WRITE;
        if (p.revents & POLLPRI) r |= S_WAIT_EXCEPT;
    } else if (s->timeout_at && s_now_ns() >= s->timeout_at) {
        r = S_WAIT_TIMEOUT;
    }
    if (!r) return 0;
    if (s->phase == 0) s_wait(s, q_real_query_cont(&s->err, s->m, r));
    else s_wait(s, q_store_result_cont(&s->res, s->m, r));
    s_advance(s);
    return s->phase == 2;
}

int tr_mars_take(void *handle, tr_db_result *out, char *rows, int rows_size) {
    step *s = handle;
    memset(out, 0, sizeof(*out));
    out->changes = -1;
    int n = 0, fits = 1;
    if (rows_size > 0) rows[0] = 0;
    if (s->failed) {
        out->status = 2;
        out->code = (int)q_errno(s->m);
        snprintf(out->sqlstate, sizeof(out->sqlstate), "%s", q_sqlstate(s->m));
        snprintf(out->message, sizeof(out->message), "%s", q_error(s->m));
        for (char *c = out->message; *c; c++) if (*c == '\n' || *c == '\r') *c = ' ';
    } else if (s->res) {
        unsigned int fields = q_num_fields(s->res);
        MYSQL_ROW row;
        while ((row = q_fetch_row(s->res)) != NULL && fits) {
            for (unsigned int f = 0; f < fields && fits; f++) {
                int k = snprintf(rows + n, (size_t)(rows_size - n), "%s%s", f ? "|" : "", row[f] ? row[f] : "null");
                if (k < 0 || k >= rows_size - n) fits = 0; else n += k;
            }
            if (fits) { if (n + 1 < rows_size) { rows[n++] = '\n'; rows[n] = 0; } else fits = 0; }
        }
    }
    if (s->res) q_free_result(s->res);
    free(s);
    return fits ? n : -1;
}

void tr_mars_drop(void *handle) { free(handle); }
