#define _GNU_SOURCE
#include "CTicketRushEngines.h"
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <time.h>
#include <sqlite3.h>

static void reset(tr_db_result *out) {
    memset(out, 0, sizeof(*out));
    out->changes = -1;
}

static void copy_message(char *dst, int size, const char *src) {
    if (size <= 0) return;
    snprintf(dst, (size_t)size, "%s", src ? src : "");
    // One line: libpq's messages end in a newline.
    for (char *p = dst; *p; p++) if (*p == '\n' || *p == '\r') *p = ' ';
    size_t n = strlen(dst);
    while (n > 0 && dst[n - 1] == ' ') dst[--n] = 0;
}

int tr_fully_static(void) {
    // No program interpreter (ld.so): a fully static executable.
    return getauxval(AT_BASE) == 0;
}

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/// Whether the bound's check (or, with stop_on_signal, a signal) ends the call now.
static int stopped(const tr_db_bound *b, int signalled) {
    return (b->interrupted && b->interrupted()) || (signalled && b->stop_on_signal);
}

// Waits until `fd` is ready for `events`: 0 (ready, or an error the library reports next),
// TR_DB_UNANSWERED past the deadline, TR_DB_INTERRUPTED when the check says so. Slices of
// 50 ms: a signal landing between the check and poll() is seen at the next slice.
static int await_fd(int fd, short events, const tr_db_bound *b) {
    if (fd < 0) return 0;
    for (;;) {
        if (stopped(b, 0)) return TR_DB_INTERRUPTED;
        int wait_ms = 50;
        if (b->deadline_ns) {
            unsigned long long now = now_ns();
            if (now >= b->deadline_ns) return TR_DB_UNANSWERED;
            unsigned long long left = (b->deadline_ns - now + 999999ull) / 1000000ull;
            if (left < (unsigned long long)wait_ms) wait_ms = (int)left;
        }
        struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
        int n = poll(&p, 1, wait_ms);
        if (n > 0) return 0;
        if (n < 0 && errno == EINTR && stopped(b, 1)) return TR_DB_INTERRUPTED;
        if (n < 0 && errno != EINTR) return 0;
    }
}

// A fully static glibc program that dlopens a library gets a second libc inside it (its
// own malloc, TLS and locale; threads crash): refuse, the run belongs in ticketrush-engines.
static int refuse_static(const char *lib, char *message, int message_size) {
    if (!tr_fully_static()) return 0;
    char text[240];
    snprintf(text, sizeof text, "this ticketrush is fully static and cannot load %s; ticketrush-engines, built beside it, can", lib);
    copy_message(message, message_size, text);
    return 1;
}

// ---------------------------------------------------------------- SQLite

// The client libraries are loaded when a scenario first needs them, like hiredis: linked
// in, libpq alone maps 20 more libraries (TLS, Kerberos, LDAP) into the runner, and every
// fork copies and every buyer's exit tears down their page tables (benchmarks/README.md).
#define TR_SYM(lib, name) (p_##name = (__typeof__(p_##name))dlsym(lib, #name)) != NULL
static __typeof__(&sqlite3_open_v2) p_sqlite3_open_v2;
static __typeof__(&sqlite3_errmsg) p_sqlite3_errmsg;
static __typeof__(&sqlite3_errstr) p_sqlite3_errstr;
static __typeof__(&sqlite3_close) p_sqlite3_close;
static __typeof__(&sqlite3_extended_result_codes) p_sqlite3_extended_result_codes;
static __typeof__(&sqlite3_busy_timeout) p_sqlite3_busy_timeout;
static __typeof__(&sqlite3_prepare_v2) p_sqlite3_prepare_v2;
static __typeof__(&sqlite3_step) p_sqlite3_step;
static __typeof__(&sqlite3_column_int64) p_sqlite3_column_int64;
static __typeof__(&sqlite3_column_count) p_sqlite3_column_count;
static __typeof__(&sqlite3_changes) p_sqlite3_changes;
static __typeof__(&sqlite3_extended_errcode) p_sqlite3_extended_errcode;
static __typeof__(&sqlite3_finalize) p_sqlite3_finalize;
static __typeof__(&sqlite3_close_v2) p_sqlite3_close_v2;
static void *sqlite_lib;

// Which file to load is the engine descriptor's (Swift) choice; C only loads it.
static int load(void **lib, const char *name, const char *library, char *message, int message_size) {
    if (*lib) return 0;
    if (refuse_static(name, message, message_size)) return -1;
    if (!library) { copy_message(message, message_size, "the client library was not loaded"); return -1; }
    *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!*lib) { const char *e = dlerror(); copy_message(message, message_size, e ? e : library); return -1; }
    return 0;
}

/// Loads libsqlite3 from `library` once; 0, or -1 with the reason in `message`.
int tr_sqlite_load(const char *library, char *message, int message_size) {
    if (sqlite_lib) return 0;
    void *h = NULL;
    if (load(&h, "libsqlite3", library, message, message_size) != 0) return -1;
    if (!(TR_SYM(h, sqlite3_open_v2) && TR_SYM(h, sqlite3_errmsg) && TR_SYM(h, sqlite3_errstr) && TR_SYM(h, sqlite3_close) && TR_SYM(h, sqlite3_extended_result_codes) && TR_SYM(h, sqlite3_busy_timeout) && TR_SYM(h, sqlite3_prepare_v2) && TR_SYM(h, sqlite3_step) && TR_SYM(h, sqlite3_column_int64) && TR_SYM(h, sqlite3_column_count) && TR_SYM(h, sqlite3_changes) && TR_SYM(h, sqlite3_extended_errcode) && TR_SYM(h, sqlite3_finalize) && TR_SYM(h, sqlite3_close_v2))) {
        copy_message(message, message_size, "the libsqlite3 found lacks a function ticketrush calls");
        dlclose(h);
        return -1;
    }
    sqlite_lib = h;
    return 0;
}


void *tr_sqlite_open(const char *path, int create, int busy_ms, char *message, int message_size) {
    if (tr_sqlite_load(NULL, message, message_size) != 0) return NULL;
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = p_sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        copy_message(message, message_size, db ? p_sqlite3_errmsg(db) : p_sqlite3_errstr(rc));
        if (db) p_sqlite3_close(db);
        return NULL;
    }
    p_sqlite3_extended_result_codes(db, 1);
    p_sqlite3_busy_timeout(db, busy_ms);
    return db;
}

void tr_sqlite_exec(void *handle, const char *sql, tr_db_result *out) {
    sqlite3 *db = handle;
    reset(out);
    sqlite3_stmt *stmt = NULL;
    int rc = p_sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        while ((rc = p_sqlite3_step(stmt)) == SQLITE_ROW) {
            if (!out->has_row) {
                out->has_row = 1;
                out->v0 = p_sqlite3_column_int64(stmt, 0);
                if (p_sqlite3_column_count(stmt) > 1) out->v1 = p_sqlite3_column_int64(stmt, 1);
            }
        }
    }
    if (rc == SQLITE_DONE || rc == SQLITE_OK) {
        out->changes = p_sqlite3_changes(db);
    } else {
        out->code = p_sqlite3_extended_errcode(db);
        copy_message(out->message, sizeof(out->message), p_sqlite3_errmsg(db));
        out->status = 2;  // which codes are retried is the engine descriptor's (Swift)
    }
    p_sqlite3_finalize(stmt);
}

void tr_sqlite_close(void *db) { if (sqlite_lib) p_sqlite3_close_v2(db); }

void *tr_sqlite_library(void) { return sqlite_lib; }

// ---------------------------------------------------------------- PostgreSQL
// libpq's header lives outside the default include path; these few declarations are its ABI.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
extern PGconn *PQconnectdb(const char *conninfo);
extern int PQstatus(const PGconn *conn);
extern char *PQerrorMessage(const PGconn *conn);
extern void PQfinish(PGconn *conn);
extern PGresult *PQexec(PGconn *conn, const char *query);
extern int PQresultStatus(const PGresult *res);
extern char *PQresultErrorField(const PGresult *res, int fieldcode);
extern char *PQresultErrorMessage(const PGresult *res);
extern int PQntuples(const PGresult *res);
extern int PQnfields(const PGresult *res);
extern char *PQgetvalue(const PGresult *res, int tup, int field);
extern int PQgetisnull(const PGresult *res, int tup, int field);
extern char *PQcmdTuples(PGresult *res);
extern void PQclear(PGresult *res);
extern int PQping(const char *conninfo);
extern int PQsetnonblocking(PGconn *conn, int arg);
extern PGconn *PQconnectStart(const char *conninfo);
extern int PQconnectPoll(PGconn *conn);
extern int PQsocket(const PGconn *conn);
extern int PQsendQuery(PGconn *conn, const char *query);
extern int PQflush(PGconn *conn);
extern int PQconsumeInput(PGconn *conn);
extern int PQisBusy(PGconn *conn);
extern PGresult *PQgetResult(PGconn *conn);
extern int PQbackendPID(const PGconn *conn);
#define TR_CONNECTION_OK 0
#define TR_CONNECTION_BAD 1
#define TR_PGRES_POLLING_FAILED 0
#define TR_PGRES_POLLING_READING 1
#define TR_PGRES_POLLING_OK 3
#define TR_PGRES_FATAL_ERROR 7
#define TR_PGRES_EMPTY_QUERY 0
#define TR_PGRES_COMMAND_OK 1
#define TR_PGRES_TUPLES_OK 2
#define TR_PG_DIAG_SQLSTATE 'C'
#define TR_PG_DIAG_MESSAGE_PRIMARY 'M'

static __typeof__(&PQconnectdb) p_PQconnectdb;
static __typeof__(&PQstatus) p_PQstatus;
static __typeof__(&PQerrorMessage) p_PQerrorMessage;
static __typeof__(&PQfinish) p_PQfinish;
static __typeof__(&PQexec) p_PQexec;
static __typeof__(&PQresultStatus) p_PQresultStatus;
static __typeof__(&PQresultErrorField) p_PQresultErrorField;
static __typeof__(&PQresultErrorMessage) p_PQresultErrorMessage;
static __typeof__(&PQntuples) p_PQntuples;
static __typeof__(&PQnfields) p_PQnfields;
static __typeof__(&PQgetvalue) p_PQgetvalue;
static __typeof__(&PQgetisnull) p_PQgetisnull;
static __typeof__(&PQcmdTuples) p_PQcmdTuples;
static __typeof__(&PQclear) p_PQclear;
static __typeof__(&PQping) p_PQping;
static __typeof__(&PQsetnonblocking) p_PQsetnonblocking;
static __typeof__(&PQconnectStart) p_PQconnectStart;
static __typeof__(&PQconnectPoll) p_PQconnectPoll;
static __typeof__(&PQsocket) p_PQsocket;
static __typeof__(&PQsendQuery) p_PQsendQuery;
static __typeof__(&PQflush) p_PQflush;
static __typeof__(&PQconsumeInput) p_PQconsumeInput;
static __typeof__(&PQisBusy) p_PQisBusy;
static __typeof__(&PQgetResult) p_PQgetResult;
static __typeof__(&PQbackendPID) p_PQbackendPID;
static void *pq_lib;

/// Loads libpq from `library` once; 0, or -1 with the reason in `message`.
int tr_pg_load(const char *library, char *message, int message_size) {
    if (pq_lib) return 0;
    void *h = NULL;
    if (load(&h, "libpq", library, message, message_size) != 0) return -1;
    if (!(TR_SYM(h, PQconnectdb) && TR_SYM(h, PQstatus) && TR_SYM(h, PQerrorMessage) && TR_SYM(h, PQfinish) && TR_SYM(h, PQexec) && TR_SYM(h, PQresultStatus) && TR_SYM(h, PQresultErrorField) && TR_SYM(h, PQresultErrorMessage) && TR_SYM(h, PQntuples) && TR_SYM(h, PQnfields) && TR_SYM(h, PQgetvalue) && TR_SYM(h, PQgetisnull) && TR_SYM(h, PQcmdTuples) && TR_SYM(h, PQclear) && TR_SYM(h, PQping) && TR_SYM(h, PQsetnonblocking)
          && TR_SYM(h, PQconnectStart) && TR_SYM(h, PQconnectPoll) && TR_SYM(h, PQsocket) && TR_SYM(h, PQsendQuery) && TR_SYM(h, PQflush)
          && TR_SYM(h, PQconsumeInput) && TR_SYM(h, PQisBusy) && TR_SYM(h, PQgetResult) && TR_SYM(h, PQbackendPID))) {
        copy_message(message, message_size, "the libpq found lacks a function ticketrush calls");
        dlclose(h);
        return -1;
    }
    pq_lib = h;
    return 0;
}

void *tr_pg_connect(const char *conninfo, char *message, int message_size) {
    if (tr_pg_load(NULL, message, message_size) != 0) return NULL;
    PGconn *conn = p_PQconnectdb(conninfo);
    if (!conn) { copy_message(message, message_size, "out of memory"); return NULL; }
    if (p_PQstatus(conn) != TR_CONNECTION_OK) {
        copy_message(message, message_size, p_PQerrorMessage(conn));
        p_PQfinish(conn);
        return NULL;
    }
    PGresult *r = p_PQexec(conn, "SET client_min_messages = warning");
    if (r) p_PQclear(r);
    return conn;
}

// One statement's result into `out`.
static void pg_fill(PGconn *conn, PGresult *r, tr_db_result *out) {
    if (!r) {
        out->status = 2;
        copy_message(out->message, sizeof(out->message), p_PQerrorMessage(conn));
        snprintf(out->sqlstate, sizeof(out->sqlstate), "08006");
        return;
    }
    int st = p_PQresultStatus(r);
    if (st == TR_PGRES_COMMAND_OK || st == TR_PGRES_TUPLES_OK || st == TR_PGRES_EMPTY_QUERY) {
        const char *n = p_PQcmdTuples(r);
        out->changes = (n && *n) ? atoll(n) : -1;
        if (st == TR_PGRES_TUPLES_OK && p_PQntuples(r) > 0) {
            out->has_row = 1;
            if (p_PQnfields(r) > 0 && !p_PQgetisnull(r, 0, 0)) out->v0 = atoll(p_PQgetvalue(r, 0, 0));
            if (p_PQnfields(r) > 1 && !p_PQgetisnull(r, 0, 1)) out->v1 = atoll(p_PQgetvalue(r, 0, 1));
        }
    } else {
        const char *state = p_PQresultErrorField(r, TR_PG_DIAG_SQLSTATE);
        const char *primary = p_PQresultErrorField(r, TR_PG_DIAG_MESSAGE_PRIMARY);
        snprintf(out->sqlstate, sizeof(out->sqlstate), "%s", state ? state : "XX000");
        copy_message(out->message, sizeof(out->message), primary ? primary : p_PQresultErrorMessage(r));
        out->status = 2;  // which SQLSTATEs are retried is the engine descriptor's (Swift)
    }
}

void tr_pg_exec(void *handle, const char *sql, tr_db_result *out) {
    reset(out);
    PGresult *r = p_PQexec((PGconn *)handle, sql);
    pg_fill((PGconn *)handle, r, out);
    if (r) p_PQclear(r);
}

// Opens a connection without blocking past the bound: PQconnectStart, then PQconnectPoll
// whenever the socket is ready. NULL with `out` saying why.
static PGconn *pg_open(const char *conninfo, const tr_db_bound *b, tr_db_result *out) {
    reset(out);
    snprintf(out->sqlstate, sizeof(out->sqlstate), "08006");
    out->status = 2;
    if (tr_pg_load(NULL, out->message, sizeof(out->message)) != 0) return NULL;
    PGconn *conn = p_PQconnectStart(conninfo);
    if (!conn) { copy_message(out->message, sizeof(out->message), "out of memory"); return NULL; }
    // As the manual says: before the first PQconnectPoll, act as if it asked to write.
    int st = p_PQstatus(conn) == TR_CONNECTION_BAD ? TR_PGRES_POLLING_FAILED : 2;
    while (st != TR_PGRES_POLLING_OK && st != TR_PGRES_POLLING_FAILED) {
        int w = await_fd(p_PQsocket(conn), st == TR_PGRES_POLLING_READING ? POLLIN : POLLOUT, b);
        if (w) { out->status = w; p_PQfinish(conn); return NULL; }
        st = p_PQconnectPoll(conn);
    }
    if (st == TR_PGRES_POLLING_FAILED) {
        copy_message(out->message, sizeof(out->message), p_PQerrorMessage(conn));
        p_PQfinish(conn);
        return NULL;
    }
    p_PQsetnonblocking(conn, 1);
    reset(out);
    return conn;
}

void *tr_pg_connect_bounded(const char *conninfo, const tr_db_bound *bound, tr_db_result *out) {
    PGconn *conn = pg_open(conninfo, bound, out);
    if (!conn) return NULL;
    tr_pg_exec_bounded(conn, "SET client_min_messages = warning", bound, out);
    if (out->status >= TR_DB_UNANSWERED) { p_PQfinish(conn); return NULL; }
    reset(out);
    return conn;
}

void tr_pg_exec_bounded(void *handle, const char *sql, const tr_db_bound *b, tr_db_result *out) {
    PGconn *conn = handle;
    reset(out);
    if (stopped(b, 0)) { out->status = TR_DB_INTERRUPTED; return; }
    if (!p_PQsendQuery(conn, sql)) { pg_fill(conn, NULL, out); return; }
    int f, w;
    while ((f = p_PQflush(conn)) == 1) {
        if ((w = await_fd(p_PQsocket(conn), POLLIN | POLLOUT, b))) { out->status = w; return; }
        if (!p_PQconsumeInput(conn)) { pg_fill(conn, NULL, out); return; }
    }
    if (f < 0) { pg_fill(conn, NULL, out); return; }
    // Every result until NULL, as PQexec: the last one, but an error wins.
    PGresult *kept = NULL;
    for (;;) {
        while (p_PQisBusy(conn)) {
            if ((w = await_fd(p_PQsocket(conn), POLLIN, b)) || !p_PQconsumeInput(conn)) {
                if (kept) p_PQclear(kept);
                if (w) out->status = w; else pg_fill(conn, NULL, out);
                return;
            }
        }
        PGresult *r = p_PQgetResult(conn);
        if (!r) break;
        if (kept && p_PQresultStatus(kept) == TR_PGRES_FATAL_ERROR) { p_PQclear(r); continue; }
        if (kept) p_PQclear(kept);
        kept = r;
    }
    pg_fill(conn, kept, out);
    if (kept) p_PQclear(kept);
}

void tr_pg_close(void *conn) { if (pq_lib) p_PQfinish((PGconn *)conn); }

// Sessions (docs/isolation.md): a statement is sent, and the runner asks whether it has
// finished or is blocked, as PostgreSQL's isolation tester does, instead of waiting on it.

int tr_pg_backend_pid(void *conn) { return p_PQbackendPID((PGconn *)conn); }

/// Sends `sql` without waiting for its result: 0, or -1 with the reason in `out`.
int tr_pg_send(void *handle, const char *sql, tr_db_result *out) {
    PGconn *conn = handle;
    reset(out);
    if (!p_PQsendQuery(conn, sql)) { pg_fill(conn, NULL, out); return -1; }
    int f;
    while ((f = p_PQflush(conn)) == 1) {
        struct pollfd p = { .fd = p_PQsocket(conn), .events = POLLIN | POLLOUT };
        if (poll(&p, 1, 1000) < 0 && errno != EINTR) break;
        if (!p_PQconsumeInput(conn)) { pg_fill(conn, NULL, out); return -1; }
    }
    if (f < 0) { pg_fill(conn, NULL, out); return -1; }
    return 0;
}

/// 1 when the statement sent last has its whole result (tr_pg_take will not wait), 0 when
/// not within `timeout_ms`, -1 when the connection failed.
int tr_pg_ready(void *handle, int timeout_ms) {
    PGconn *conn = handle;
    unsigned long long end = now_ns() + (unsigned long long)timeout_ms * 1000000ull;
    for (;;) {
        if (!p_PQconsumeInput(conn)) return -1;
        if (!p_PQisBusy(conn)) return 1;
        unsigned long long t = now_ns();
        if (t >= end) return 0;
        struct pollfd p = { .fd = p_PQsocket(conn), .events = POLLIN };
        int ms = (int)((end - t + 999999ull) / 1000000ull);
        if (poll(&p, 1, ms) < 0 && errno != EINTR) return -1;
    }
}

/// Every result of the statement sent last (it must be ready): status and error as
/// tr_pg_exec, and the last result's rows as text into `rows` — fields joined by '|', rows
/// ended by '\n', NULL as "null" — truncated to `rows_size`; returns the rows' length, or
/// -1 when they did not fit.
int tr_pg_take(void *handle, tr_db_result *out, char *rows, int rows_size) {
    PGconn *conn = handle;
    reset(out);
    PGresult *kept = NULL;
    for (;;) {
        while (p_PQisBusy(conn)) {
            struct pollfd p = { .fd = p_PQsocket(conn), .events = POLLIN };
            if ((poll(&p, 1, 1000) < 0 && errno != EINTR) || !p_PQconsumeInput(conn)) { if (kept) p_PQclear(kept); pg_fill(conn, NULL, out); return 0; }
        }
        PGresult *r = p_PQgetResult(conn);
        if (!r) break;
        if (kept && p_PQresultStatus(kept) == TR_PGRES_FATAL_ERROR) { p_PQclear(r); continue; }
        if (kept) p_PQclear(kept);
        kept = r;
    }
    pg_fill(conn, kept, out);
    int n = 0, fits = 1;
    if (rows_size > 0) rows[0] = 0;
    if (kept && p_PQresultStatus(kept) == TR_PGRES_TUPLES_OK) {
        for (int t = 0; t < p_PQntuples(kept) && fits; t++) {
            for (int f = 0; f < p_PQnfields(kept) && fits; f++) {
                const char *v = p_PQgetisnull(kept, t, f) ? "null" : p_PQgetvalue(kept, t, f);
                int w = snprintf(rows + n, (size_t)(rows_size - n), "%s%s", f ? "|" : "", v);
                if (w < 0 || w >= rows_size - n) fits = 0; else n += w;
            }
            if (fits) { if (n + 1 < rows_size) { rows[n++] = '\n'; rows[n] = 0; } else fits = 0; }
        }
    }
    if (kept) p_PQclear(kept);
    return fits ? n : -1;
}

int tr_pg_ping(const char *conninfo) {
    // At most 2 s, and a signal ends it: the caller checks its interrupt flag between pings.
    tr_db_bound b = { .deadline_ns = now_ns() + 2000000000ull, .interrupted = NULL, .stop_on_signal = 1 };
    tr_db_result out;
    // PQPING_NO_ATTEMPT (3) when libpq cannot be loaded: the caller reports no server.
    if (tr_pg_load(NULL, out.message, sizeof(out.message)) != 0) return 3;
    PGconn *conn = pg_open(conninfo, &b, &out);
    if (conn) { p_PQfinish(conn); return 0; }
    if (out.status != 2) return 2;
    // As PQping: a server that answered, even with an error or a password request, is up,
    // unless it cannot take connections yet (SQLSTATE 57P03's messages).
    static const char *not_yet[] = { "starting up", "shutting down", "not yet accepting", "recovery mode" };
    for (size_t i = 0; i < sizeof not_yet / sizeof *not_yet; i++) if (strstr(out.message, not_yet[i])) return 1;
    return strstr(out.message, "FATAL:") || strstr(out.message, "fe_sendauth") ? 0 : 2;
}

// ---------------------------------------------------------------- Redis (hiredis, dlopen)
// Two reply layouts exist: hiredis 0.x and 1.x (which added dval and vtype). The loader
// tells them apart by a symbol only 1.x has.
struct reply_v0 { int type; long long integer; size_t len; char *str; size_t elements; void **element; };
struct reply_v1 { int type; long long integer; double dval; size_t len; char *str; char vtype[4]; size_t elements; void **element; };
#define TR_REPLY_STRING 1
#define TR_REPLY_ARRAY 2
#define TR_REPLY_INTEGER 3
#define TR_REPLY_NIL 4
#define TR_REPLY_STATUS 5
#define TR_REPLY_ERROR 6

static void *hiredis;
static int hiredis_v1;
static void *(*p_connect_unix)(const char *);
static void *(*p_connect)(const char *, int);
static void *(*p_command_argv)(void *, int, const char **, const size_t *);
static void (*p_free_reply)(void *);
static void (*p_free)(void *);
static void *(*p_connect_unix_nb)(const char *);
static void *(*p_connect_nb)(const char *, int);
static int (*p_append_argv)(void *, int, const char **, const size_t *);
static int (*p_buffer_write)(void *, int *);
static int (*p_buffer_read)(void *);
static int (*p_get_reply)(void *, void **);

int tr_redis_load(const char *library, char *message, int message_size) {
    if (hiredis) return 0;
    void *h = NULL;
    if (load(&h, "hiredis", library, message, message_size) != 0) return -1;
    p_connect_unix = (void *(*)(const char *))dlsym(h, "redisConnectUnix");
    p_connect = (void *(*)(const char *, int))dlsym(h, "redisConnect");
    p_command_argv = (void *(*)(void *, int, const char **, const size_t *))dlsym(h, "redisCommandArgv");
    p_free_reply = (void (*)(void *))dlsym(h, "freeReplyObject");
    p_free = (void (*)(void *))dlsym(h, "redisFree");
    p_connect_unix_nb = (void *(*)(const char *))dlsym(h, "redisConnectUnixNonBlock");
    p_connect_nb = (void *(*)(const char *, int))dlsym(h, "redisConnectNonBlock");
    p_append_argv = (int (*)(void *, int, const char **, const size_t *))dlsym(h, "redisAppendCommandArgv");
    p_buffer_write = (int (*)(void *, int *))dlsym(h, "redisBufferWrite");
    p_buffer_read = (int (*)(void *))dlsym(h, "redisBufferRead");
    p_get_reply = (int (*)(void *, void **))dlsym(h, "redisGetReply");
    if (!p_connect_unix || !p_connect || !p_command_argv || !p_free_reply || !p_free || !p_connect_unix_nb || !p_connect_nb
        || !p_append_argv || !p_buffer_write || !p_buffer_read || !p_get_reply) {
        copy_message(message, message_size, "the hiredis library found lacks redisConnectUnix/redisCommandArgv");
        dlclose(h);
        return -1;
    }
    hiredis_v1 = dlsym(h, "redisConnectWithOptions") != NULL;
    hiredis = h;
    return 0;
}

/// The context's err and errstr: the first fields in 0.x, after a funcs pointer in 1.x.
static int context_error(void *ctx, char *message, int size) {
    char *base = ctx;
    if (hiredis_v1) base += sizeof(void *);
    int err = *(int *)base;
    if (err) copy_message(message, size, base + sizeof(int));
    return err;
}

/// The context's fd: after err and errstr[128] (and, in 1.x, the funcs pointer).
static int context_fd(void *ctx) {
    char *base = ctx;
    if (hiredis_v1) base += sizeof(void *);
    return *(int *)(base + sizeof(int) + 128);
}

void *tr_redis_connect(const char *where, int port, char *message, int message_size) {
    if (tr_redis_load(NULL, message, message_size) != 0) return NULL;
    void *ctx = where[0] == '/' ? p_connect_unix(where) : p_connect(where, port);
    if (!ctx) { copy_message(message, message_size, "cannot allocate a redis context"); return NULL; }
    if (context_error(ctx, message, message_size)) { p_free(ctx); return NULL; }
    return ctx;
}

// One reply into `out`; frees it.
static void redis_fill(void *r, tr_db_result *out) {
    int type; long long integer; char *str; size_t len;
    if (hiredis_v1) {
        struct reply_v1 *x = r; type = x->type; integer = x->integer; str = x->str; len = x->len;
    } else {
        struct reply_v0 *x = r; type = x->type; integer = x->integer; str = x->str; len = x->len;
    }
    switch (type) {
    case TR_REPLY_INTEGER: out->has_row = 1; out->v0 = integer; break;
    case TR_REPLY_NIL: out->is_nil = 1; break;
    case TR_REPLY_STRING:
    case TR_REPLY_STATUS: {
        char buf[64];
        size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
        memcpy(buf, str, n); buf[n] = 0;
        char *end = NULL;
        long long v = strtoll(buf, &end, 10);
        if (n > 0 && end && *end == 0) { out->has_row = 1; out->v0 = v; }
        copy_message(out->message, sizeof(out->message), buf);
        break;
    }
    case TR_REPLY_ARRAY: out->has_row = 1; out->v0 = 0; break;
    case TR_REPLY_ERROR:
        out->status = 2;
        copy_message(out->message, sizeof(out->message), str);
        break;
    default: break;
    }
    p_free_reply(r);
}


void tr_redis_command(void *ctx, int argc, const char **argv, tr_db_result *out) {
    reset(out);
    void *r = p_command_argv(ctx, argc, argv, NULL);
    if (!r) {
        out->status = 2;
        if (!context_error(ctx, out->message, sizeof(out->message)))
            copy_message(out->message, sizeof(out->message), "no reply");
        return;
    }
    redis_fill(r, out);
}

void *tr_redis_connect_bounded(const char *where, int port, const tr_db_bound *b, tr_db_result *out) {
    reset(out);
    out->status = 2;
    if (tr_redis_load(NULL, out->message, sizeof(out->message)) != 0) return NULL;
    void *ctx = where[0] == '/' ? p_connect_unix_nb(where) : p_connect_nb(where, port);
    if (!ctx) { copy_message(out->message, sizeof(out->message), "cannot allocate a redis context"); return NULL; }
    if (context_error(ctx, out->message, sizeof(out->message))) { p_free(ctx); return NULL; }
    // A TCP connect may still be under way: writable once it is done, SO_ERROR says how.
    int fd = context_fd(ctx), w = await_fd(fd, POLLOUT, b), err = 0;
    socklen_t len = sizeof err;
    if (w) { out->status = w; p_free(ctx); return NULL; }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err) {
        copy_message(out->message, sizeof(out->message), strerror(err));
        p_free(ctx);
        return NULL;
    }
    reset(out);
    return ctx;
}

// A failed call on a non-blocking context: its error, or `fallback`.
static void redis_failed(void *ctx, tr_db_result *out, const char *fallback) {
    out->status = 2;
    if (!context_error(ctx, out->message, sizeof(out->message))) copy_message(out->message, sizeof(out->message), fallback);
}

void tr_redis_command_bounded(void *ctx, int argc, const char **argv, const tr_db_bound *b, tr_db_result *out) {
    reset(out);
    if (stopped(b, 0)) { out->status = TR_DB_INTERRUPTED; return; }
    if (p_append_argv(ctx, argc, argv, NULL) != 0) { redis_failed(ctx, out, "cannot format the command"); return; }
    int fd = context_fd(ctx), done = 0, w;
    while (!done) {
        if (p_buffer_write(ctx, &done) != 0) { redis_failed(ctx, out, "write failed"); return; }
        if (!done && (w = await_fd(fd, POLLOUT, b))) { out->status = w; return; }
    }
    void *r = NULL;
    for (;;) {
        if (p_get_reply(ctx, &r) != 0) { redis_failed(ctx, out, "no reply"); return; }
        if (r) break;
        if ((w = await_fd(fd, POLLIN, b))) { out->status = w; return; }
        if (p_buffer_read(ctx) != 0) { redis_failed(ctx, out, "read failed"); return; }
    }
    redis_fill(r, out);
}

void tr_redis_close(void *ctx) { if (ctx && p_free) p_free(ctx); }
