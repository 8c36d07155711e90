#ifndef CTICKETRUSH_SESSIONS_H
#define CTICKETRUSH_SESSIONS_H

/// Session cases (docs/isolation.md) on engines other than PostgreSQL, whose calls live in
/// CTicketRushEngines.h: one connection per session, one statement per step, every row
/// returned as text.
struct tr_db_result;

// SQLite (sqlite_sessions.c), on the libsqlite3 tr_sqlite_load loaded.
/// Resolves the extra functions sessions call: 0, or -1 with the reason.
int tr_sqls_load(char *message, int message_size);
/// Opens (creating) `path` with NO busy timeout, so a lock conflict returns SQLITE_BUSY at
/// once; with shared_cache != 0 in shared-cache mode (PRAGMA read_uncommitted needs it).
void *tr_sqls_open(const char *path, int shared_cache, char *message, int message_size);
/// Runs one statement to its end; its rows as text into `rows` (fields joined by '|', rows
/// ended by '\n', NULL as "null"). Returns the rows' length, or -1 when they did not fit.
/// status 2 with the extended result code in `code` when it failed.
int tr_sqls_exec(void *db, const char *sql, struct tr_db_result *out, char *rows, int rows_size);
/// 1 while a transaction is open on the connection (not autocommit).
int tr_sqls_in_transaction(void *db);
void tr_sqls_close(void *db);

// MariaDB (mariadb_sessions.c), on the libmariadb tr_maria_load loaded, over connections
// tr_maria_connect_bounded made (non-blocking): a statement is sent, the socket polled,
// and its result read when it is in — a step that waits on a lock never blocks the runner.
/// Resolves the non-blocking calls from the libmariadb already loaded (found among the
/// loaded objects, whatever its name): 0, or -1.
int tr_mars_load(char *message, int message_size);
/// Starts `sql` on `conn`; NULL (out filled) when it could not be sent. The step is freed by tr_mars_take.
void *tr_mars_send(void *conn, const char *sql, struct tr_db_result *out);
/// Waits up to timeout_ms for the step: 1 finished (result or error), 0 not yet.
int tr_mars_ready(void *step, int timeout_ms);
/// The finished step's result (status 2: the MariaDB error number in code, SQLSTATE, message)
/// and its rows as tr_sqls_exec writes them; frees the step. -1 when the rows did not fit.
int tr_mars_take(void *step, struct tr_db_result *out, char *rows, int rows_size);
/// Drops an unfinished step (its connection is then unusable: close it).
void tr_mars_drop(void *step);

#endif
