/*
 * The job floor for the benchmark: a pre-receive hook in plain C that does the work PushGuard's
 * hook cannot avoid for a 1-ref, in-sync, accepted push on a SQLite store, and nothing else:
 *
 *   1. the git floor's work (bench/floor-hook.c): open the repository from git's environment,
 *      quarantine included, and read app.json from each pushed commit;
 *   2. open the SQLite store as PushGuard opens it (SQLiteConnection.swift, SQLStore.swift):
 *      the same flags, busy timeout, WAL kept on close, no checkpoint on close, the WAL hook,
 *      SQLite's defences, and the check of the schema version;
 *   3. read the environment's state as a push reads it (SQLStore.decisionState): versions,
 *      instances and the keys that matter, in one read transaction; and, for a new ref, the
 *      environment's last deploy (SQLStore.lastDeploy, what the scan compares a new ref with);
 *   4. write the hand-over file for post-receive as PushHandoff.begin does: in
 *      $GIT_DIR/pushguard-push/, named by the push's FNV-1a key, created exclusively (never
 *      through a link), mode 0600, one write, not synced; an identical earlier push's file is
 *      replaced;
 *   5. append one audit row per ref in one write transaction (BEGIN IMMEDIATE ... COMMIT) with
 *      synchronous = NORMAL, as PushGuard commits a batch of plain accepted decisions;
 *   6. exit with _exit, without closing the connection (closing the last connection would
 *      checkpoint the WAL; PushGuard's hook ends with _exit too).
 *
 * What it leaves out is PushGuard's own: settings, parsing the manifest, the decision, the
 * scan, messages. The app, the environment and the keys the manifest names are its arguments:
 *
 *     job-floor-hook APP ENVIRONMENT [KEY ...] < hook-input      (store: $PUSHGUARD_BENCH_DB)
 *
 * bench/run compiles it like the floor (libgit2.a with Sources/CLibgit2's stubs and fence) and
 * links SQLite as PushGuard does (libsqlite3.a, Sources/CSQLite3), then checks that its audit
 * rows are in the store: a yardstick that wrote nothing would measure nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "git-floor.h"

/* The busy timeout: nothing contends in the benchmark, so any bound will do (PushGuard gives
 * SQLite what is left of pushguard.timeout). */
#define BUSY_TIMEOUT_MS 10000
/* The WAL is checkpointed and truncated after a commit that leaves this many pages (shim.h). */
#define WAL_PAGES 100
#define MAX_REFS 64

static int sql_fail(sqlite3 *db, const char *what) {
    fprintf(stderr, "job-floor-hook: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
    return 1;
}

/* The WAL hook PushGuard installs (Sources/CSQLite3/shim.h): past WAL_PAGES, a checkpoint that
 * never waits. With a store in sync and one row a push, it rarely fires; it is there because
 * PushGuard pays for it when it does. */
static int checkpoint_hook(void *unused, sqlite3 *db, const char *name, int pages) {
    (void)unused;
    if (pages < WAL_PAGES) return SQLITE_OK;
    sqlite3_busy_timeout(db, 0);
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    return SQLITE_OK;
}

/* Runs a statement that returns no rows. */
static int exec(sqlite3 *db, const char *sql) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) return sql_fail(db, sql);
    return 0;
}

/* Prepares `sql`; binds app and environment as ?1 and ?2. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, const char *app, const char *environment) {
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(statement, 1, app, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, environment, -1, SQLITE_STATIC);
    return statement;
}

/* PushHandoff.key: 64-bit FNV-1a over the pusher, the push options and the ref lines, each
 * field followed by 0xff. */
static uint64_t mix(uint64_t hash, const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;
    return hash * 0x100000001b3ULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: job-floor-hook APP ENVIRONMENT [KEY ...] < hook-input\n");
        return 2;
    }
    const char *app = argv[1], *environment = argv[2];
    const char *store = getenv("PUSHGUARD_BENCH_DB");
    const char *git_dir = getenv("GIT_DIR");
    if (!store || !git_dir) {
        fprintf(stderr, "job-floor-hook: PUSHGUARD_BENCH_DB and GIT_DIR must be set\n");
        return 2;
    }
    const char *pusher = getenv("USER");
    if (!pusher || !*pusher) pusher = "unknown";

    /* 1. The git floor's work (git-floor.h). */
    static struct update updates[MAX_REFS];
    int count = read_pushed_manifests("job-floor-hook", updates, MAX_REFS);
    if (count < 0) return 1;
    int creations = 0;
    for (int i = 0; i < count; i++)
        if (strspn(updates[i].old_id, "0") == strlen(updates[i].old_id)) creations++;

    /* 2. Open the store as PushGuard does. First SQLite's process-wide settings (shim.h):
     * page-cache buffers allocated as pages are read, no memory statistics. Then the file:
     * it must exist (a hook never creates a store), without links when root. */
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    struct stat info;
    if (lstat(store, &info) != 0 || !S_ISREG(info.st_mode)) return sql_fail(NULL, "the store is not a file");
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (geteuid() == 0 ? SQLITE_OPEN_NOFOLLOW : 0);
    if (sqlite3_open_v2(store, &db, flags, NULL) != SQLITE_OK) return sql_fail(db, "open the store");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int keep_wal = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &keep_wal);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
    sqlite3_wal_hook(db, checkpoint_hook, NULL);
    /* SQLite's defences (SQLiteConnection.harden): flags on the connection. */
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0) != SQLITE_OK
        || sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0) != SQLITE_OK
        || sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0) != SQLITE_OK
        || sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)0) != SQLITE_OK)
        return sql_fail(db, "sqlite3_db_config");
    /* The schema version (SQLStore.migrateSQLite): a store of PushGuard's schema version 1. */
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, NULL) != SQLITE_OK
        || sqlite3_step(statement) != SQLITE_ROW || sqlite3_column_int(statement, 0) != 1)
        return sql_fail(db, "not a PushGuard store of schema version 1");
    sqlite3_finalize(statement);

    /* 3. The environment's state, in one read transaction (SQLStore.readState, for a decision). */
    if (exec(db, "BEGIN")) return 1;
    statement = prepare(db, "SELECT desired_version, applied_version FROM environments WHERE app = ?1 AND environment = ?2",
                        app, environment);
    if (!statement || sqlite3_step(statement) != SQLITE_ROW) return sql_fail(db, "the environment is not registered");
    long long desired = sqlite3_column_int64(statement, 0), applied = sqlite3_column_int64(statement, 1);
    sqlite3_finalize(statement);
    /* The instances' applied versions and states; the oldest active one is what is live. */
    statement = prepare(db, "SELECT '' AS id, applied_version, state FROM instances WHERE app = ?1 AND environment = ?2",
                        app, environment);
    if (!statement) return sql_fail(db, "instances");
    long long live = -1;
    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        const unsigned char *state = sqlite3_column_text(statement, 2);
        long long version = sqlite3_column_int64(statement, 1);
        if (state && strcmp((const char *)state, "active") == 0 && (live < 0 || version < live)) live = version;
    }
    if (code != SQLITE_DONE) return sql_fail(db, "instances");
    sqlite3_finalize(statement);
    if (live < 0) live = applied;
    /* The keys that are not live everywhere, or that the manifest names (argv[3...]). */
    char sql[4096];
    int length = snprintf(sql, sizeof sql,
                          "SELECT key, version, '' AS digest, deleted, '' AS changed_at, '' AS changed_by FROM config "
                          "WHERE app = ?1 AND environment = ?2 AND (version > ?3");
    for (int i = 3; i < argc && length < (int)sizeof sql - 32; i++)
        length += snprintf(sql + length, sizeof sql - length, "%s?%d", i == 3 ? " OR key IN (" : ", ", i + 1);
    snprintf(sql + length, sizeof sql - length, "%s) ORDER BY key", argc > 3 ? ")" : "");
    statement = prepare(db, sql, app, environment);
    if (!statement) return sql_fail(db, "config");
    sqlite3_bind_int64(statement, 3, live);
    for (int i = 3; i < argc; i++) sqlite3_bind_text(statement, i + 1, argv[i], -1, SQLITE_STATIC);
    int keys = 0;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) keys++;
    if (code != SQLITE_DONE) return sql_fail(db, "config");
    sqlite3_finalize(statement);
    if (exec(db, "COMMIT")) return 1;
    /* A new ref is compared with the environment's last deploy (LiveReadScanner.lastDeploy). */
    if (creations > 0) {
        statement = prepare(db, "SELECT id, at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, "
                                "config_version FROM audit WHERE app = ?1 AND environment = ?2 AND decision = 'deployed' "
                                "ORDER BY id DESC LIMIT 1", app, environment);
        if (!statement) return sql_fail(db, "last deploy");
        while ((code = sqlite3_step(statement)) == SQLITE_ROW) {}
        if (code != SQLITE_DONE) return sql_fail(db, "last deploy");
        sqlite3_finalize(statement);
    }
    if (keys < argc - 3) return sql_fail(NULL, "a key the manifest names is not set: the push is not in sync");

    char timestamp[32];
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%SZ", &utc);

    /* 4. The hand-over file (PushHandoff.begin): the directory, the removal of stale records,
     * then the record, created exclusively and written in one call. */
    char directory[4096], path[4400];
    snprintf(directory, sizeof directory, "%s/pushguard-push", git_dir);
    if (lstat(directory, &info) != 0) {
        if (mkdir(directory, 0700) != 0 && errno != EEXIST) return sql_fail(NULL, "create pushguard-push");
    } else if (!S_ISDIR(info.st_mode)) {
        return sql_fail(NULL, "pushguard-push is not a directory");
    }
    DIR *entries = opendir(directory);
    if (entries) {
        struct dirent *entry;
        while ((entry = readdir(entries))) {
            if (!strstr(entry->d_name, ".push")) continue;
            snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
            if (lstat(path, &info) == 0 && now - info.st_mtime > 24 * 3600) unlink(path);
        }
        closedir(entries);
    }
    uint64_t hash = 0xcbf29ce484222325ULL;
    hash = mix(hash, pusher);
    hash = mix(hash, "0"); /* no push options */
    for (int i = 0; i < count; i++) {
        hash = mix(hash, updates[i].old_id);
        hash = mix(hash, updates[i].new_id);
        hash = mix(hash, updates[i].ref);
    }
    snprintf(path, sizeof path, "%s/%016llx.push", directory, (unsigned long long)hash);
    static char record[MAX_REFS * 9000];
    int size = snprintf(record, sizeof record, "{\"app\":\"%s\",\"pusher\":\"%s\",\"options\":null,\"updates\":%d}\n",
                        app, pusher, count);
    for (int i = 0; i < count; i++)
        size += snprintf(record + size, sizeof record - size, "%s %s %s\n", updates[i].old_id, updates[i].new_id, updates[i].ref);
    for (int i = 0; i < count; i++)
        size += snprintf(record + size, sizeof record - size,
                         "{\"app\":\"%s\",\"environment\":\"%s\",\"newId\":\"%s\",\"refs\":[\"%s\"],\"time\":\"%s\","
                         "\"pusher\":\"%s\",\"decision\":\"accepted\",\"findings\":[],\"reason\":\"\",\"configVersion\":%lld}\n",
                         app, environment, updates[i].new_id, updates[i].ref, timestamp, pusher, desired);
    int descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (descriptor < 0 && errno == EEXIST) {
        unlink(path);
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (descriptor < 0 || fchmod(descriptor, 0600) != 0 || write(descriptor, record, (size_t)size) != size)
        return sql_fail(NULL, "write the hand-over record");
    close(descriptor);

    /* 5. The audit rows, in one write transaction, committed without a sync to disk: a batch of
     * plain accepted decisions (SQLStore.appendAudit; SQLiteConnection.transaction). */
    if (exec(db, "PRAGMA synchronous = NORMAL") || exec(db, "BEGIN IMMEDIATE")) return 1;
    statement = prepare(db, "INSERT INTO audit (at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, "
                            "config_version) VALUES (?3, ?1, ?2, ?4, ?5, ?6, ?7, 'accepted', '[]', '', ?8)", app, environment);
    if (!statement) return sql_fail(db, "insert into audit");
    for (int i = 0; i < count; i++) {
        sqlite3_reset(statement);
        sqlite3_bind_text(statement, 3, timestamp, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 4, updates[i].ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 5, updates[i].old_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 6, updates[i].new_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 7, pusher, -1, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 8, desired);
        if (sqlite3_step(statement) != SQLITE_DONE) {
            exec(db, "ROLLBACK");
            return sql_fail(db, "insert into audit");
        }
    }
    sqlite3_finalize(statement);
    if (exec(db, "COMMIT")) return 1;

    /* 6. Exit without closing the connection or freeing the repository, as PushGuard does. */
    _exit(0);
}
