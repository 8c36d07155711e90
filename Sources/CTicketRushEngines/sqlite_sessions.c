#define _GNU_SOURCE
#include "CTicketRushEngines.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

// Resolved from the library engines.c loaded (the descriptor chose which file).
static __typeof__(&sqlite3_open_v2) s_open_v2;
static __typeof__(&sqlite3_errmsg) s_errmsg;
static __typeof__(&sqlite3_errstr) s_errstr;
static __typeof__(&sqlite3_close_v2) s_close_v2;
static __typeof__(&sqlite3_extended_result_codes) s_extended_result_codes;
static __typeof__(&sqlite3_prepare_v2) s_prepare_v2;
static __typeof__(&sqlite3_step) s_step;
static __typeof__(&sqlite3_finalize) s_finalize;
static __typeof__(&sqlite3_column_count) s_column_count;
static __typeof__(&sqlite3_column_text) s_column_text;
static __typeof__(&sqlite3_column_type) s_column_type;
static __typeof__(&sqlite3_extended_errcode) s_extended_errcode;
static __typeof__(&sqlite3_get_autocommit) s_get_autocommit;

static void put(char *dst, int size, const char *src) {
    if (size <= 0) return;
    snprintf(dst, (size_t)size, "%s", src ? src : "");
}

#define S_SYM(lib, var, name) (var = (__typeof__(var))dlsym(lib, #name)) != NULL

int tr_sqls_load(char *message, int message_size) {
    if (s_open_v2) return 0;
    if (tr_sqlite_load(NULL, message, message_size) != 0) return -1;
    void *lib = tr_sqlite_library();
    if (!(lib && S_SYM(lib, s_errmsg, sqlite3_errmsg) && S_SYM(lib, s_errstr, sqlite3_errstr) && S_SYM(lib, s_close_v2, sqlite3_close_v2)
          && S_SYM(lib, s_extended_result_codes, sqlite3_extended_result_codes) && S_SYM(lib, s_prepare_v2, sqlite3_prepare_v2)
          && S_SYM(lib, s_step, sqlite3_step) && S_SYM(lib, s_finalize, sqlite3_finalize) && S_SYM(lib, s_column_count, sqlite3_column_count)
          && S_SYM(lib, s_column_text, sqlite3_column_text) && S_SYM(lib, s_column_type, sqlite3_column_type)
          && S_SYM(lib, s_extended_errcode, sqlite3_extended_errcode) && S_SYM(lib, s_get_autocommit, sqlite3_get_autocommit)
          && S_SYM(lib, s_open_v2, sqlite3_open_v2))) {
        s_open_v2 = NULL;
        put(message, message_size, "the libsqlite3 found lacks a function session cases call");
        return -1;
    }
    return 0;
}

void *tr_sqls_open(const char *path, int shared_cache, char *message, int message_size) {
    if (tr_sqls_load(message, message_size) != 0) return NULL;
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (shared_cache ? SQLITE_OPEN_SHAREDCACHE : SQLITE_OPEN_PRIVATECACHE);
    int rc = s_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        put(message, message_size, db ? s_errmsg(db) : s_errstr(rc));
        if (db) s_close_v2(db);
        return NULL;
    }
    // No busy timeout (the default): a conflict is SQLITE_BUSY at once, the runner's "blocked".
    s_extended_result_codes(db, 1);
    return db;
}

/// Appends `text` to rows at *used; 0, or -1 when it does not fit.
static int append(char *rows, int size, int *used, const char *text) {
    size_t n = strlen(text);
    if ((size_t)*used + n + 1 > (size_t)size) return -1;
    memcpy(rows + *used, text, n);
    *used += (int)n;
    rows[*used] = 0;
    return 0;
}

int tr_sqls_exec(void *handle, const char *sql, tr_db_result *out, char *rows, int rows_size) {
    sqlite3 *db = handle;
    memset(out, 0, sizeof(*out));
    out->changes = -1;
    int used = 0, overflow = 0;
    if (rows_size > 0) rows[0] = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = s_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK && stmt) {
        while ((rc = s_step(stmt)) == SQLITE_ROW) {
            int n = s_column_count(stmt);
            for (int i = 0; i < n && !overflow; i++) {
                const char *v = s_column_type(stmt, i) == SQLITE_NULL ? "null" : (const char *)s_column_text(stmt, i);
                if ((i > 0 && append(rows, rows_size, &used, "|") != 0) || append(rows, rows_size, &used, v ? v : "") != 0) overflow = 1;
            }
            if (!overflow && append(rows, rows_size, &used, "\n") != 0) overflow = 1;
        }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
        out->status = 2;
        out->code = s_extended_errcode(db);
        put(out->message, sizeof(out->message), s_errmsg(db));
    }
    // Finalizing a statement that failed ends its statement-level rollback; its own
    // transaction (if any) stays open, as SQLite leaves it.
    s_finalize(stmt);
    return overflow ? -1 : used;
}

int tr_sqls_in_transaction(void *db) { return s_get_autocommit(db) ? 0 : 1; }

void tr_sqls_close(void *db) { if (s_open_v2 && db) s_close_v2(db); }
