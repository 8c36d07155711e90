#define _GNU_SOURCE
#include "CTicketRushEngines.h"
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// MariaDB through libmariadb (MariaDB Connector/C), loaded with dlopen like libpq: its
// few declarations are here, so libmariadb-dev is not a build need. The runner's calls
// use the connector's non-blocking API (MYSQL_OPT_NONBLOCK, *_start/*_cont) and poll in
// 50 ms slices, so a deadline or an interrupt ends them; buyers' calls block, with the
// connector's own connect, read and write timeouts.

typedef struct st_mysql MYSQL;
typedef struct st_mysql_res MYSQL_RES;
typedef char **MYSQL_ROW;
#define TR_MYSQL_OPT_CONNECT_TIMEOUT 0
#define TR_MYSQL_OPT_READ_TIMEOUT 11
#define TR_MYSQL_OPT_WRITE_TIMEOUT 12
#define TR_MYSQL_OPT_NONBLOCK 6000
#define TR_MYSQL_WAIT_READ 1
#define TR_MYSQL_WAIT_WRITE 2
#define TR_MYSQL_WAIT_EXCEPT 4
#define TR_MYSQL_WAIT_TIMEOUT 8
// CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, as PostgreSQL and SQLite do
// (optimistic's "no row changed" means "the version moved", not "same values").
#define TR_CLIENT_FOUND_ROWS 2

static MYSQL *(*p_init)(MYSQL *);
static int (*p_options)(MYSQL *, int, const void *);
static MYSQL *(*p_real_connect)(MYSQL *, const char *, const char *, const char *, const char *, unsigned int, const char *, unsigned long);
static int (*p_real_query)(MYSQL *, const char *, unsigned long);
static MYSQL_RES *(*p_store_result)(MYSQL *);
static unsigned int (*p_field_count)(MYSQL *);
static unsigned int (*p_num_fields)(MYSQL_RES *);
static MYSQL_ROW (*p_fetch_row)(MYSQL_RES *);
static void (*p_free_result)(MYSQL_RES *);
static unsigned long long (*p_affected_rows)(MYSQL *);
static unsigned int (*p_errno)(MYSQL *);
static const char *(*p_sqlstate)(MYSQL *);
static const char *(*p_error)(MYSQL *);
static void (*p_close)(MYSQL *);
static unsigned long (*p_thread_id)(MYSQL *);
static int (*p_get_socket)(MYSQL *);
static unsigned int (*p_get_timeout_value_ms)(const MYSQL *);
static int (*p_real_connect_start)(MYSQL **, MYSQL *, const char *, const char *, const char *, const char *, unsigned int, const char *, unsigned long);
static int (*p_real_connect_cont)(MYSQL **, MYSQL *, int);
static int (*p_real_query_start)(int *, MYSQL *, const char *, unsigned long);
static int (*p_real_query_cont)(int *, MYSQL *, int);
static int (*p_store_result_start)(MYSQL_RES **, MYSQL *);
static int (*p_store_result_cont)(MYSQL_RES **, MYSQL *, int);
static void *maria_lib;

static void m_reset(tr_db_result *out) {
    memset(out, 0, sizeof(*out));
    out->changes = -1;
}

static void m_message(char *dst, int size, const char *src) {
    if (size <= 0) return;
    snprintf(dst, (size_t)size, "%s", src ? src : "");
    for (char *p = dst; *p; p++) if (*p == '\n' || *p == '\r') *p = ' ';
}

static unsigned long long m_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

#define M_SYM(name, sym) ((*(void **)&name = dlsym(maria_lib, sym)) != NULL)

int tr_maria_load(const char *library, char *message, int message_size) {
    if (maria_lib) return 0;
    if (tr_fully_static()) {
        m_message(message, message_size, "this ticketrush is fully static and cannot load libmariadb; ticketrush-engines, built beside it, can");
        return -1;
    }
    if (!library) { m_message(message, message_size, "the client library was not loaded"); return -1; }
    maria_lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!maria_lib) { const char *e = dlerror(); m_message(message, message_size, e ? e : library); return -1; }
    int ok = M_SYM(p_init, "mysql_init") && M_SYM(p_options, "mysql_options") && M_SYM(p_real_connect, "mysql_real_connect")
        && M_SYM(p_real_query, "mysql_real_query") && M_SYM(p_store_result, "mysql_store_result")
        && M_SYM(p_field_count, "mysql_field_count") && M_SYM(p_num_fields, "mysql_num_fields")
        && M_SYM(p_fetch_row, "mysql_fetch_row") && M_SYM(p_free_result, "mysql_free_result")
        && M_SYM(p_affected_rows, "mysql_affected_rows") && M_SYM(p_errno, "mysql_errno") && M_SYM(p_sqlstate, "mysql_sqlstate")
        && M_SYM(p_error, "mysql_error") && M_SYM(p_close, "mysql_close") && M_SYM(p_thread_id, "mysql_thread_id")
        && M_SYM(p_get_socket, "mysql_get_socket") && M_SYM(p_get_timeout_value_ms, "mysql_get_timeout_value_ms")
        && M_SYM(p_real_connect_start, "mysql_real_connect_start") && M_SYM(p_real_connect_cont, "mysql_real_connect_cont")
        && M_SYM(p_real_query_start, "mysql_real_query_start") && M_SYM(p_real_query_cont, "mysql_real_query_cont")
        && M_SYM(p_store_result_start, "mysql_store_result_start") && M_SYM(p_store_result_cont, "mysql_store_result_cont");
    if (!ok) {
        m_message(message, message_size, "the libmariadb found lacks MariaDB Connector/C's calls (mysql_real_connect_start …): is it MySQL's libmysqlclient?");
        dlclose(maria_lib);
        maria_lib = NULL;
        return -1;
    }
    return 0;
}

// The connection's error into `out` (status 2): errno in code, SQLSTATE, message.
static void m_fail(MYSQL *m, tr_db_result *out) {
    out->status = 2;
    out->code = (int)p_errno(m);
    snprintf(out->sqlstate, sizeof(out->sqlstate), "%s", p_sqlstate(m));
    m_message(out->message, sizeof(out->message), p_error(m));
    if (out->code == 0) { out->code = 2013; snprintf(out->sqlstate, sizeof(out->sqlstate), "HY000"); }
}

static MYSQL *m_handle(int connect_s, int rw_s, int nonblocking, tr_db_result *out) {
    m_reset(out);
    out->status = 2;
    out->code = 2002;
    snprintf(out->sqlstate, sizeof(out->sqlstate), "HY000");
    if (tr_maria_load(NULL, out->message, sizeof(out->message)) != 0) return NULL;
    MYSQL *m = p_init(NULL);
    if (!m) { m_message(out->message, sizeof(out->message), "out of memory"); return NULL; }
    unsigned int c = (unsigned int)connect_s, rw = (unsigned int)rw_s;
    if (c) p_options(m, TR_MYSQL_OPT_CONNECT_TIMEOUT, &c);
    if (rw) { p_options(m, TR_MYSQL_OPT_READ_TIMEOUT, &rw); p_options(m, TR_MYSQL_OPT_WRITE_TIMEOUT, &rw); }
    if (nonblocking) p_options(m, TR_MYSQL_OPT_NONBLOCK, NULL);
    return m;
}

// A socket path wins; otherwise host and port (TCP).
static const char *m_host(const tr_maria_where *w) { return w->socket && *w->socket ? "localhost" : w->host; }
static const char *m_socket(const tr_maria_where *w) { return w->socket && *w->socket ? w->socket : NULL; }

void *tr_maria_connect(const tr_maria_where *w, int connect_timeout_s, int rw_timeout_s, tr_db_result *out) {
    MYSQL *m = m_handle(connect_timeout_s, rw_timeout_s, 0, out);
    if (!m) return NULL;
    if (!p_real_connect(m, m_host(w), w->user, w->password, w->db, (unsigned int)w->port, m_socket(w), TR_CLIENT_FOUND_ROWS)) {
        m_fail(m, out);
        p_close(m);
        return NULL;
    }
    m_reset(out);
    return m;
}

// One finished statement's result into `out`: the first row's first two columns as
// integers, the rows it changed; and, when `rows` is given, every row as text (fields
// joined by '|', rows ended by '\n', NULL as "null"). Returns the rows' length, or -1
// when they did not fit in `rows_size`.
static int m_result(MYSQL *m, MYSQL_RES *res, tr_db_result *out, char *rows, int rows_size) {
    int n = 0, fits = 1;
    if (rows && rows_size > 0) rows[0] = 0;
    if (!res) {
        if (p_field_count(m) != 0) { m_fail(m, out); return 0; }
        out->changes = (long long)p_affected_rows(m);
        return 0;
    }
    unsigned int fields = p_num_fields(res);
    MYSQL_ROW row;
    int first = 1;
    while ((row = p_fetch_row(res)) != NULL) {
        if (first) {
            out->has_row = 1;
            if (fields > 0 && row[0]) out->v0 = atoll(row[0]);
            if (fields > 1 && row[1]) out->v1 = atoll(row[1]);
            first = 0;
        }
        if (!rows) break;
        for (unsigned int f = 0; f < fields && fits; f++) {
            int k = snprintf(rows + n, (size_t)(rows_size - n), "%s%s", f ? "|" : "", row[f] ? row[f] : "null");
            if (k < 0 || k >= rows_size - n) fits = 0; else n += k;
        }
        if (fits) { if (n + 1 < rows_size) { rows[n++] = '\n'; rows[n] = 0; } else fits = 0; }
    }
    p_free_result(res);
    return fits ? n : -1;
}

int tr_maria_query(void *conn, const char *sql, tr_db_result *out, char *rows, int rows_size) {
    MYSQL *m = conn;
    m_reset(out);
    if (p_real_query(m, sql, (unsigned long)strlen(sql)) != 0) { m_fail(m, out); return 0; }
    return m_result(m, p_store_result(m), out, rows, rows_size);
}

void tr_maria_exec(void *conn, const char *sql, tr_db_result *out) { tr_maria_query(conn, sql, out, NULL, 0); }

// Waits for what the connector asked (`status`, MYSQL_WAIT_*); returns what happened as
// MYSQL_WAIT_* for *_cont, or -TR_DB_UNANSWERED / -TR_DB_INTERRUPTED.
static int m_await(MYSQL *m, int status, const tr_db_bound *b) {
    short events = (status & TR_MYSQL_WAIT_READ ? POLLIN : 0) | (status & TR_MYSQL_WAIT_WRITE ? POLLOUT : 0)
        | (status & TR_MYSQL_WAIT_EXCEPT ? POLLPRI : 0);
    unsigned long long own = status & TR_MYSQL_WAIT_TIMEOUT ? m_now_ns() + p_get_timeout_value_ms(m) * 1000000ull : 0;
    for (;;) {
        if (b->interrupted && b->interrupted()) return -TR_DB_INTERRUPTED;
        unsigned long long now = m_now_ns();
        if (b->deadline_ns && now >= b->deadline_ns) return -TR_DB_UNANSWERED;
        if (own && now >= own) return TR_MYSQL_WAIT_TIMEOUT;
        int wait_ms = 50;
        if (b->deadline_ns) {
            unsigned long long left = (b->deadline_ns - now + 999999ull) / 1000000ull;
            if (left < (unsigned long long)wait_ms) wait_ms = (int)left;
        }
        struct pollfd p = { .fd = p_get_socket(m), .events = events, .revents = 0 };
        int n = poll(&p, 1, wait_ms);
        if (n > 0) {
            int r = 0;
            if (p.revents & (POLLIN | POLLHUP | POLLERR)) r |= TR_MYSQL_WAIT_READ;
            if (p.revents & (POLLOUT | POLLHUP | POLLERR)) r |= TR_MYSQL_WAIT_WRITE;
            if (p.revents & POLLPRI) r |= TR_MYSQL_WAIT_EXCEPT;
            return r ? r : status;
        }
        if (n < 0 && errno == EINTR && b->stop_on_signal) return -TR_DB_INTERRUPTED;
        if (n < 0 && errno != EINTR) return status;
    }
}

void *tr_maria_connect_bounded(const tr_maria_where *w, const tr_db_bound *b, tr_db_result *out) {
    MYSQL *m = m_handle(0, 0, 1, out);
    if (!m) return NULL;
    MYSQL *ret = NULL;
    int st = p_real_connect_start(&ret, m, m_host(w), w->user, w->password, w->db, (unsigned int)w->port, m_socket(w), TR_CLIENT_FOUND_ROWS);
    while (st) {
        int r = m_await(m, st, b);
        if (r < 0) { out->status = -r; p_close(m); return NULL; }
        st = p_real_connect_cont(&ret, m, r);
    }
    if (!ret) { m_fail(m, out); p_close(m); return NULL; }
    m_reset(out);
    return m;
}

void tr_maria_exec_bounded(void *conn, const char *sql, const tr_db_bound *b, tr_db_result *out) {
    MYSQL *m = conn;
    m_reset(out);
    if (b->interrupted && b->interrupted()) { out->status = TR_DB_INTERRUPTED; return; }
    int err = 0;
    int st = p_real_query_start(&err, m, sql, (unsigned long)strlen(sql));
    while (st) {
        int r = m_await(m, st, b);
        if (r < 0) { out->status = -r; return; }
        st = p_real_query_cont(&err, m, r);
    }
    if (err) { m_fail(m, out); return; }
    MYSQL_RES *res = NULL;
    st = p_store_result_start(&res, m);
    while (st) {
        int r = m_await(m, st, b);
        if (r < 0) { out->status = -r; return; }
        st = p_store_result_cont(&res, m, r);
    }
    m_result(m, res, out, NULL, 0);
}

unsigned long tr_maria_thread_id(void *conn) { return p_thread_id((MYSQL *)conn); }

void tr_maria_close(void *conn) { if (maria_lib && conn) p_close((MYSQL *)conn); }

int tr_maria_ping(const tr_maria_where *w) {
    // At most 2 s, and a signal ends it: the caller checks its interrupt flag between pings.
    tr_db_bound b = { .deadline_ns = m_now_ns() + 2000000000ull, .interrupted = NULL, .stop_on_signal = 1 };
    tr_db_result out;
    if (tr_maria_load(NULL, out.message, sizeof(out.message)) != 0) return 3;
    MYSQL *m = tr_maria_connect_bounded(w, &b, &out);
    if (m) { p_close(m); return 0; }
    return 2;
}
