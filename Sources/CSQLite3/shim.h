#ifndef PUSHGUARD_CSQLITE3_SHIM_H
#define PUSHGUARD_CSQLITE3_SHIM_H
#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro Swift cannot import. */
static inline void (*pushguard_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
/* sqlite3_db_config is variadic, which Swift cannot call. */
static inline int pushguard_sqlite_no_checkpoint_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}
/* SQLite's defences for a database file someone else may have written (SQLiteConnection.harden):
 * defensive mode (no writable_schema, no journal_mode=OFF, no writes to shadow tables or
 * sqlite_dbpage: ordinary SQL cannot corrupt the file), functions not marked innocuous are not run
 * from the schema, and no trigger or view in the file is run (PushGuard's schema has neither).
 * Each is a flag on the connection: no statement is parsed, nothing is read. */
static inline int pushguard_sqlite_harden(sqlite3 *db) {
    int code = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
    if (code == SQLITE_OK) code = sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
    if (code == SQLITE_OK) code = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0);
    if (code == SQLITE_OK) code = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)0);
    return code;
}
/* The WAL is checkpointed into the database and truncated after a commit that leaves this many
 * pages in it (see SQLiteConnection). The checkpoint never waits: while another connection
 * reads or writes, it does what it can and is tried again after the next commit. */
#define PUSHGUARD_SQLITE_WAL_PAGES 100
static int pushguard_sqlite_checkpoint_hook(void *busy_milliseconds, sqlite3 *db, const char *name, int pages) {
    if (pages < PUSHGUARD_SQLITE_WAL_PAGES) return SQLITE_OK;
    sqlite3_busy_timeout(db, 0);
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, (int *)0, (int *)0);
    sqlite3_busy_timeout(db, (int)(long)busy_milliseconds);
    return SQLITE_OK;
}
static inline void pushguard_sqlite_checkpoint_often(sqlite3 *db, int busy_milliseconds) {
    sqlite3_wal_hook(db, pushguard_sqlite_checkpoint_hook, (void *)(long)busy_milliseconds);
}
/* Before the first connection: page-cache buffers are allocated as pages are read, not 20 at a
 * time up front (a hook reads about ten pages; each buffer laid out in advance is a page fault
 * for nothing). No memory statistics: with them every allocation and free of SQLite's took a
 * global mutex and updated counters (800 allocations a hook; nothing here reads the counters or
 * sets a heap limit, which need them). Returns SQLITE_MISUSE if SQLite was already initialised,
 * which changes nothing. */
static inline int pushguard_sqlite_configure(void) {
    int code = sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
    if (code != SQLITE_OK) return code;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
