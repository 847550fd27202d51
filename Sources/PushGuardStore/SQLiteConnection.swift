import CSQLite3
import Glibc
import PushGuardCore
import PushGuardSystem

/// One SQLite connection; owns the handle, `close()` is explicit and safe twice.
final class SQLiteConnection: SQLConnection {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let busyTimeoutMilliseconds: Int
    /// When set, the next write transaction commits without syncing to disk (see `transaction`).
    var nextCommitUnsynced = false
    /// The connection's `synchronous` setting: FULL, SQLite's default (`CommitCostTests` checks
    /// it), until an unsynced commit. Changed only before a commit that needs the other one.
    private var synchronousFull = true

    /// Opens the file; `create` also creates it when absent (SQLStore creates store files
    /// itself, with their mode and owner, and passes false). `noFollow` refuses a path with a
    /// symbolic link in it (SQLITE_OPEN_NOFOLLOW); root passes true. SQLite itself opens
    /// `-wal` and `-shm` with O_NOFOLLOW, creates them with the database file's mode and, as
    /// root, gives them the database file's owner.
    init(path: String, create: Bool, noFollow: Bool = false, busyTimeoutMilliseconds: Int) throws(SQLError) {
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        _ = SQLiteConnection.configured
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        if noFollow { flags |= SQLITE_OPEN_NOFOLLOW }
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        if code != SQLITE_OK {
            var message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let handle, sqlite3_extended_errcode(handle) == cantOpenSymlink {
                message = "refusing to open it as root through a symbolic link in its path (SQLITE_OPEN_NOFOLLOW); "
                    + "name the store by its real path, without links"
            }
            sqlite3_close_v2(handle)
            handle = nil
            throw SQLError(message: message)
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(clamping: busyTimeoutMilliseconds))
        // What a commit costs (docs/security.md, "What a power cut can lose"). Commits are synced to disk
        // (FULL, SQLite's default) unless one asks otherwise. Closing does not checkpoint and the
        // WAL file stays, so a hook does not create, sync and delete the WAL and its index on
        // every run. A process that opens the store reads the WAL back (SQLite cannot know what
        // earlier processes copied out of it), so the WAL is kept short: once a commit leaves
        // 100 pages in it, they are checkpointed into the database and the WAL is truncated
        // (shim.h).
        var keepWAL: Int32 = 1
        sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &keepWAL)
        pushguard_sqlite_no_checkpoint_on_close(handle)
        pushguard_sqlite_checkpoint_often(handle, Int32(clamping: busyTimeoutMilliseconds))
    }

    /// SQLite's defences for a file another account can write (shim.h): defensive mode
    /// (`SQLITE_DBCONFIG_DEFENSIVE`: no `writable_schema`, no `journal_mode=OFF`, no writes
    /// to shadow tables), `trusted_schema` off (functions not marked innocuous are not run from
    /// the schema), and triggers and views off, so nothing planted in the schema runs when
    /// PushGuard writes (its own schema has no trigger and no view). Flags on the connection,
    /// set without a statement to parse.
    func harden() throws(SQLError) {
        let code = pushguard_sqlite_harden(handle)
        if code != SQLITE_OK { throw failure(code, String(cString: sqlite3_errmsg(handle)), "sqlite3_db_config (defensive)") }
    }

    /// SQLite's process-wide settings, applied once before the first connection (shim.h).
    private static let configured: Void = { _ = pushguard_sqlite_configure() }()

    deinit { close() }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs statements that take no parameters and return no rows (schema scripts, pragmas).
    func execute(_ sql: String) throws(SQLError) {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        if code != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw failure(code, message, sql)
        }
    }

    @discardableResult
    func query(_ sql: String, _ values: [SQLValue]) throws(SQLError) -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql, values) { (row: SQLRow) throws(SQLError) in rows.append(row) }
        return rows
    }

    /// Steps through the rows, reading each into one reused array of values: a row handed to
    /// `body` and not kept costs no allocation of its own.
    func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(SQLError) -> Void) throws(SQLError) {
        let statement = try prepared(sql)
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        defer { sqlite3_reset(statement) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
            case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, pushguard_sqlite_transient())
            }
            if code != SQLITE_OK { throw failure(code, String(cString: sqlite3_errmsg(handle)), sql) }
        }
        let count = sqlite3_column_count(statement)
        let columns = SQLColumns((0..<count).map { column in
            sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""
        })
        var row: [SQLValue] = []
        row.reserveCapacity(Int(count))
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code, String(cString: sqlite3_errmsg(handle)), sql) }
            row.removeAll(keepingCapacity: true)
            for column in 0..<count {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_NULL: row.append(.null)
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                default:
                    // The text and its length in bytes (asked for after the text, as SQLite says).
                    guard let text = sqlite3_column_text(statement, column) else {
                        row.append(.text(""))
                        continue
                    }
                    let length = Int(sqlite3_column_bytes(statement, column))
                    row.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)))
                }
            }
            try body(SQLRow(columns: columns, values: row))
        }
    }

    /// BEGIN IMMEDIATE takes the write lock up front, so a writer waits (bounded by the busy
    /// timeout) at BEGIN instead of failing half-way. `lock` is not needed: SQLite has one
    /// writer at a time for the whole file anyway.
    ///
    /// After `nextCommitUnsynced`, a write commits with `synchronous = NORMAL`: in WAL mode the
    /// commit survives a crash of the process, and is on disk after the next synced commit or
    /// checkpoint; a power cut before that loses it. Every other write commits with FULL.
    /// (SQLite refuses the change inside a transaction, so it is made before; a hook's one
    /// unsynced commit costs one statement, not a change there and back.)
    func transaction<T>(write: Bool, lock: String, _ body: () throws(SQLError) -> T) throws(SQLError) -> T {
        if write {
            let full = !nextCommitUnsynced
            nextCommitUnsynced = false
            if full != synchronousFull {
                try execute(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                synchronousFull = full
            }
        }
        try execute(write ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Statements are prepared once per connection; `$N` becomes SQLite's `?N`.
    private func prepared(_ sql: String) throws(SQLError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql.replacingDollarPlaceholders(), -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, String(cString: sqlite3_errmsg(handle)), sql) }
        statements[sql] = statement
        return statement
    }

    private func failure(_ code: Int32, _ message: String, _ sql: String?) -> SQLError {
        // SQLite's own words ("database is locked") say nothing a pusher can act on.
        if code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED {
            return SQLError(message: "another process kept the store locked for longer than pushguard.timeout (\(busyTimeoutMilliseconds) ms)",
                            sql: nil, timedOut: true)
        }
        var error = SQLError(message: message, sql: sql)
        error.notADatabase = code & 0xff == SQLITE_NOTADB
        return error
    }
}

/// SQLITE_CANTOPEN_SYMLINK: SQLITE_OPEN_NOFOLLOW met a link (SQLite 3.31+).
private let cantOpenSymlink: Int32 = SQLITE_CANTOPEN | (6 << 8)

extension String {
    /// `$1` → `?1` (SQLite's numbered parameter). Every `$` is replaced: the store's SQL has
    /// none in identifiers or literals.
    fileprivate func replacingDollarPlaceholders() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "$") ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}
