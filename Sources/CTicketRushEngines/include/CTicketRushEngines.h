#ifndef CTICKETRUSH_ENGINES_H
#define CTICKETRUSH_ENGINES_H

/// The database clients, called from a forked buyer (after fork, before the barrier) and
/// from the runner before its first fork or after reaping: SQLite (libsqlite3),
/// PostgreSQL (libpq) and Redis (hiredis), each loaded with dlopen when first needed.
/// One statement or command per call; every outcome lands in a `tr_db_result`.

/// What one statement did.
typedef struct tr_db_result {
    /// 0 ok; 2 an error (code, sqlstate, message): the engine's descriptor says which to retry.
    int status;
    /// Rows the statement changed (UPDATE), or -1.
    long long changes;
    /// 1 when a row (or an integer/string reply) came back: v0 and v1 are its first two columns.
    int has_row;
    long long v0;
    long long v1;
    /// 1 when the reply was nil (redis: EXEC aborted by WATCH, GET of a missing key, SET NX that lost).
    int is_nil;
    /// The engine's code: SQLite's extended result code; PostgreSQL's SQLSTATE in sqlstate.
    int code;
    char sqlstate[6];
    /// The engine's own message, truncated.
    char message[240];
} tr_db_result;

/// A bound on one call of the runner's (buyers call the unbounded functions; teardown
/// bounds them): the CLOCK_MONOTONIC time in ns it must end by (0: none), a check that ends
/// it early when it returns non-zero (NULL: none), and whether any signal ends it.
typedef struct tr_db_bound {
    unsigned long long deadline_ns;
    int (*interrupted)(void);
    int stop_on_signal;
} tr_db_bound;

/// tr_db_result.status of a bounded call the server did not answer by the deadline, and
/// of one the bound's check ended. The connection is then unusable: close it.
#define TR_DB_UNANSWERED 3
#define TR_DB_INTERRUPTED 4

/// 1 in a fully static executable (no ld.so), which must not dlopen the clients below.
int tr_fully_static(void);

// SQLite.
/// Opens `path` (creating it when create != 0) with a busy timeout; NULL with `message` filled on failure.
/// Loads libsqlite3 from `library` (dlopen; NULL: only if already loaded) once: 0, or -1
/// with the reason. Which file is the engine descriptor's choice (Swift).
int tr_sqlite_load(const char *library, char *message, int message_size);
void *tr_sqlite_open(const char *path, int create, int busy_ms, char *message, int message_size);
/// Runs one statement; reads the first row's first two integer columns.
void tr_sqlite_exec(void *db, const char *sql, tr_db_result *out);
void tr_sqlite_close(void *db);
/// The dlopen handle tr_sqlite_load got, or NULL: sessions resolve more functions from it.
void *tr_sqlite_library(void);

// PostgreSQL (libpq).
/// Connects with a conninfo string or URL; NULL with `message` filled on failure.
/// Loads libpq from `library` (as tr_sqlite_load) once: 0, or -1 with the reason.
int tr_pg_load(const char *library, char *message, int message_size);
void *tr_pg_connect(const char *conninfo, char *message, int message_size);
void tr_pg_exec(void *conn, const char *sql, tr_db_result *out);
void tr_pg_close(void *conn);
/// As tr_pg_connect and tr_pg_exec, never blocking past `bound` (non-blocking libpq and poll).
void *tr_pg_connect_bounded(const char *conninfo, const tr_db_bound *bound, tr_db_result *out);
void tr_pg_exec_bounded(void *conn, const char *sql, const tr_db_bound *bound, tr_db_result *out);
/// As PQping, within 2 s, and a signal ends it: 0 accepting, 1 rejecting (starting up), 2 no response, 3 no attempt.
int tr_pg_ping(const char *conninfo);
/// Sessions: send one statement, ask whether its result is in, take it with its rows.
int tr_pg_send(void *conn, const char *sql, tr_db_result *out);
int tr_pg_ready(void *conn, int timeout_ms);
int tr_pg_take(void *conn, tr_db_result *out, char *rows, int rows_size);
int tr_pg_backend_pid(void *conn);

// Redis (hiredis via dlopen).
/// Loads hiredis from `library` (as tr_sqlite_load) once: 0, or -1 with the reason.
int tr_redis_load(const char *library, char *message, int message_size);
/// Connects to a Unix socket (path starting with '/') or host:port; NULL with `message` on failure.
void *tr_redis_connect(const char *where, int port, char *message, int message_size);
/// Runs one command given as argv; integer replies land in v0, string replies are parsed
/// as integers into v0 when they are numbers (has_row), nil in is_nil, errors in message.
void tr_redis_command(void *ctx, int argc, const char **argv, tr_db_result *out);
void tr_redis_close(void *ctx);
/// As tr_redis_connect and tr_redis_command on a non-blocking context, never blocking past `bound`.
void *tr_redis_connect_bounded(const char *where, int port, const tr_db_bound *bound, tr_db_result *out);
void tr_redis_command_bounded(void *ctx, int argc, const char **argv, const tr_db_bound *bound, tr_db_result *out);

// MariaDB (libmariadb, MariaDB Connector/C, via dlopen): mariadb.c.
/// Where to connect: a Unix socket when `socket` is non-empty (host is then ignored), else host and port.
typedef struct tr_maria_where {
    const char *host;
    int port;
    const char *socket;
    const char *user;
    const char *password;
    const char *db;
} tr_maria_where;
/// Loads libmariadb from `library` (as tr_sqlite_load) once: 0, or -1 with the reason.
int tr_maria_load(const char *library, char *message, int message_size);
/// Connects, blocking at most `connect_timeout_s` for the connection and `rw_timeout_s` for
/// each read or write of a statement later (0: the connector's defaults); NULL with `out`
/// filled (code = the MariaDB error number, sqlstate, message) on failure.
void *tr_maria_connect(const tr_maria_where *where, int connect_timeout_s, int rw_timeout_s, tr_db_result *out);
/// Runs one statement: status 0, or 2 with the error number in code, its SQLSTATE and message;
/// the first row's first two columns as integers in v0/v1; changes = rows matched (UPDATE).
void tr_maria_exec(void *conn, const char *sql, tr_db_result *out);
/// As tr_maria_exec, and every row as text into `rows` (fields joined by '|', rows ended by
/// '\n', NULL as "null"): the rows' length, or -1 when they did not fit in `rows_size`.
int tr_maria_query(void *conn, const char *sql, tr_db_result *out, char *rows, int rows_size);
/// As tr_maria_connect and tr_maria_exec on a non-blocking connection, never blocking past `bound`.
void *tr_maria_connect_bounded(const tr_maria_where *where, const tr_db_bound *bound, tr_db_result *out);
void tr_maria_exec_bounded(void *conn, const char *sql, const tr_db_bound *bound, tr_db_result *out);
/// The server's id of this connection (CONNECTION_ID()).
unsigned long tr_maria_thread_id(void *conn);
void tr_maria_close(void *conn);
/// Connects within 2 s (a signal ends it): 0 accepting, 2 no connection, 3 libmariadb not loaded.
int tr_maria_ping(const tr_maria_where *where);

// Private servers (started by TicketRushProcess's Spawn.server).
int tr_user_ids(const char *name, int *uid, int *gid);

#include "sessions.h"

#endif
