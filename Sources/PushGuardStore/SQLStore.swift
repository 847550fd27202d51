import Glibc
import PushGuardCore
import PushGuardSystem

/// The stores PushGuard owns: SQLite (the embedded default) and PostgreSQL (one store for a
/// fleet of git servers). One implementation over both; only connections and schema differ.
public final class SQLStore: AdminStore {
    /// How the store is named in messages (never with a password).
    public let name: String
    private let connection: SQLConnection

    private init(name: String, connection: SQLConnection) {
        self.name = name
        self.connection = connection
    }

    /// Opens the SQLite store at `path`. `create` makes the file (and schema) when absent;
    /// hooks pass false so a mistyped or deleted store is an error, not a silently empty state.
    public static func sqlite(path: String, create: Bool, timeoutMilliseconds: Int) throws(StoreError) -> SQLStore {
        let name = "SQLite store " + escapedForTerminal(path)
        if !create && access(path, F_OK) != 0 {
            throw StoreError("\(name) does not exist; create it with `pushguard install` or any `pushguard config` command")
        }
        let existed = access(path, F_OK) == 0
        do {
            let connection = try SQLiteConnection(path: path, create: create, busyTimeoutMilliseconds: timeoutMilliseconds)
            if !existed { Ownership.matchDirectory(of: path) }
            let store = SQLStore(name: name, connection: connection)
            try store.migrateSQLite(connection)
            return store
        } catch {
            throw StoreError("\(name): \(error.description)")
        }
    }

    /// Connects to the PostgreSQL store and brings its schema up to date.
    public static func postgres(url: String, timeoutMilliseconds: Int) throws(StoreError) -> SQLStore {
        let name = "PostgreSQL store " + StoreLocation.redacted(url)
        do {
            let connection = try PostgresConnection(url: url, timeoutMilliseconds: timeoutMilliseconds)
            let store = SQLStore(name: name, connection: connection)
            try store.migratePostgres(connection)
            return store
        } catch {
            throw StoreError("\(name): \(error.description)", timedOut: error.timedOut)
        }
    }

    public func close() { connection.close() }

    public var transmitsConfig: Bool { false }

    // MARK: schema

    /// Version 1, one statement per entry (PostgreSQL runs one statement per call).
    private static func schema(_ dialect: SQLDialect) -> [String] {
        let id = dialect == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"
        let int = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return [
            """
            CREATE TABLE environments (
                app TEXT NOT NULL, environment TEXT NOT NULL,
                desired_version \(int) NOT NULL DEFAULT 0, applied_version \(int) NOT NULL DEFAULT 0,
                PRIMARY KEY (app, environment))
            """,
            """
            CREATE TABLE config (
                app TEXT NOT NULL, environment TEXT NOT NULL, key TEXT NOT NULL,
                version \(int) NOT NULL, digest TEXT NOT NULL, deleted \(int) NOT NULL DEFAULT 0,
                changed_at TEXT NOT NULL, changed_by TEXT NOT NULL,
                PRIMARY KEY (app, environment, key))
            """,
            """
            CREATE TABLE config_changes (
                id \(id), app TEXT NOT NULL, environment TEXT NOT NULL, version \(int) NOT NULL,
                key TEXT NOT NULL, action TEXT NOT NULL, digest TEXT NOT NULL,
                changed_at TEXT NOT NULL, changed_by TEXT NOT NULL)
            """,
            """
            CREATE TABLE instances (
                app TEXT NOT NULL, environment TEXT NOT NULL, id TEXT NOT NULL,
                applied_version \(int) NOT NULL, state TEXT NOT NULL DEFAULT 'active', added_at TEXT NOT NULL,
                PRIMARY KEY (app, environment, id))
            """,
            """
            CREATE TABLE transmits (
                id \(id), app TEXT NOT NULL, environment TEXT NOT NULL, version \(int) NOT NULL,
                instances TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL)
            """,
            """
            CREATE TABLE audit (
                id \(id), at TEXT NOT NULL, app TEXT NOT NULL, environment TEXT NOT NULL,
                ref TEXT NOT NULL, old_id TEXT NOT NULL, new_id TEXT NOT NULL, pusher TEXT NOT NULL,
                decision TEXT NOT NULL, findings TEXT NOT NULL, reason TEXT NOT NULL,
                config_version \(int) NOT NULL)
            """,
            "CREATE INDEX audit_by_environment ON audit (app, environment, id)",
        ]
    }

    /// Schema versions: version N is reached by running `migrations[N-1]`.
    private static func migrations(_ dialect: SQLDialect) -> [[String]] { [schema(dialect)] }

    private func migrateSQLite(_ sqlite: SQLiteConnection) throws(SQLError) {
        let migrations = SQLStore.migrations(.sqlite)
        func userVersion() throws(SQLError) -> Int { Int(try sqlite.query("PRAGMA user_version", []).first?.first?.integer ?? 0) }
        let current = try userVersion()
        if current == migrations.count { return }
        if current > migrations.count { throw newerSchema(current, migrations.count) }
        // WAL lets hooks read while another writes; it is a property of the file, set once.
        try sqlite.execute("PRAGMA journal_mode=WAL")
        try sqlite.transaction(write: true, lock: "schema") { () throws(SQLError) in
            let version = try userVersion()  // another process may have migrated meanwhile
            for index in version..<migrations.count {
                for statement in migrations[index] { try sqlite.execute(statement) }
                try sqlite.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// Safe when several git servers start at once: the version is checked again under a
    /// transaction-scoped advisory lock, and DDL is transactional in PostgreSQL.
    private func migratePostgres(_ postgres: PostgresConnection) throws(SQLError) {
        let migrations = SQLStore.migrations(.postgres)
        let known = try postgres.query("SELECT to_regclass('pushguard_schema') IS NOT NULL", [])
        if known.first?.first?.text == "t" {
            let current = Int(try postgres.query("SELECT version FROM pushguard_schema", []).first?.first?.integer ?? 0)
            if current == migrations.count { return }
            if current > migrations.count { throw newerSchema(current, migrations.count) }
        }
        try postgres.transaction(write: true, lock: "pushguard schema migration") { () throws(SQLError) in
            try postgres.query("CREATE TABLE IF NOT EXISTS pushguard_schema (version INTEGER NOT NULL)", [])
            var version = Int(try postgres.query("SELECT version FROM pushguard_schema", []).first?.first?.integer ?? -1)
            if version < 0 {
                try postgres.query("INSERT INTO pushguard_schema (version) VALUES (0)", [])
                version = 0
            }
            for index in version..<migrations.count {
                for statement in migrations[index] { try postgres.query(statement, []) }
                try postgres.query("UPDATE pushguard_schema SET version = $1", [.integer(Int64(index + 1))])
            }
        }
    }

    private func newerSchema(_ found: Int, _ known: Int) -> SQLError {
        SQLError(message: "schema version \(found) is newer than this pushguard understands (\(known)); upgrade pushguard")
    }

    private func wrap<T>(_ body: () throws(SQLError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw StoreError("\(name): \(error.description)", timedOut: error.timedOut)
        }
    }

    // MARK: StateStore

    public func state(app: String, environment: String) throws -> EnvironmentState {
        try wrap { () throws(SQLError) in
            try connection.transaction(write: false, lock: "") { () throws(SQLError) in try readState(app, environment) }
        }
    }

    private func readState(_ app: String, _ environment: String) throws(SQLError) -> EnvironmentState {
        var state = EnvironmentState(app: app, environment: environment)
        let scope: [SQLValue] = [.text(app), .text(environment)]
        if let row = try connection.query(
            "SELECT desired_version, applied_version FROM environments WHERE app = $1 AND environment = $2", scope).first {
            state.desiredVersion = row[0].integer
            state.appliedVersion = row[1].integer
        }
        state.config = try connection.query("""
            SELECT key, version, digest, deleted, changed_at, changed_by FROM config
            WHERE app = $1 AND environment = $2 ORDER BY key
            """, scope).map { row in
            ConfigEntry(key: row[0].text, version: row[1].integer, digest: row[2].text, deleted: row[3].integer != 0,
                        changedAt: row[4].text, changedBy: row[5].text)
        }
        state.instances = try connection.query(
            "SELECT id, applied_version, state FROM instances WHERE app = $1 AND environment = $2 ORDER BY id", scope).map { row in
            Instance(id: row[0].text, appliedVersion: row[1].integer, state: Instance.State(rawValue: row[2].text) ?? .active)
        }
        return state
    }

    public func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64 {
        var unknown: String?
        let version = try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app + "/" + environment) { () throws(SQLError) -> Int64 in
                let state = try readState(app, environment)
                let version = state.desiredVersion
                let scope: [SQLValue] = [.integer(version), .text(app), .text(environment)]
                if let ids = instances {
                    let known = Set(state.instances.map(\.id))
                    unknown = ids.first { !known.contains($0) }
                    if unknown != nil { return version }
                    for id in ids {
                        try connection.query("UPDATE instances SET applied_version = $1 WHERE app = $2 AND environment = $3 AND id = $4",
                                             scope + [.text(id)])
                    }
                } else {
                    try ensureEnvironment(app, environment)
                    try connection.query("UPDATE instances SET applied_version = $1 WHERE app = $2 AND environment = $3 AND state = 'active'", scope)
                    try connection.query("UPDATE environments SET applied_version = $1 WHERE app = $2 AND environment = $3", scope)
                }
                try connection.query("INSERT INTO transmits (app, environment, version, instances, at, by) VALUES ($1, $2, $3, $4, $5, $6)",
                                     [.text(app), .text(environment), .integer(version),
                                      .text(instances?.joined(separator: ",") ?? "*"), .text(at), .text(by)])
                return version
            }
        }
        if let unknown {
            throw StoreUsageError("no instance \(escapedForTerminal(unknown)) in \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
        return version
    }

    public func appendAudit(_ records: [AuditRecord]) throws {
        guard !records.isEmpty else { return }
        try wrap { () throws(SQLError) -> Void in
            try connection.transaction(write: true, lock: "") { () throws(SQLError) in
                // Up to 50 rows per statement: a push of 1,000 refs is 20 statements, one commit.
                var start = 0
                while start < records.count {
                    let chunk = records[start..<min(start + 50, records.count)]
                    let rows = (0..<chunk.count).map { row in
                        "(" + (1...11).map { "$\(row * 11 + $0)" }.joined(separator: ", ") + ")"
                    }.joined(separator: ", ")
                    var values: [SQLValue] = []
                    values.reserveCapacity(chunk.count * 11)
                    for record in chunk {
                        values += [.text(record.time), .text(record.app), .text(record.environment), .text(record.ref),
                                   .text(record.oldID), .text(record.newID), .text(record.pusher),
                                   .text(record.decision.rawValue), .text(record.findingsJSON), .text(record.reason),
                                   .integer(record.configVersion)]
                    }
                    try connection.query("""
                        INSERT INTO audit (at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version)
                        VALUES \(rows)
                        """, values)
                    start += chunk.count
                }
            }
        }
    }

    // MARK: AdminStore

    private func ensureEnvironment(_ app: String, _ environment: String) throws(SQLError) {
        try connection.query("INSERT INTO environments (app, environment) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                             [.text(app), .text(environment)])
    }

    public func changeConfig(app: String, environment: String, changes: [ConfigChange], by: String, at: String) throws -> Int64? {
        try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app + "/" + environment) { () throws(SQLError) -> Int64? in
                let state = try readState(app, environment)
                let current = Dictionary(state.config.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
                // Later changes to the same key in one command win; no-op changes make no version.
                var effective: [String: ConfigChange] = [:]
                var order: [String] = []
                for change in changes {
                    if effective[change.key] == nil { order.append(change.key) }
                    effective[change.key] = change
                }
                let real = order.compactMap { key -> ConfigChange? in
                    guard let change = effective[key] else { return nil }
                    let entry = current[key]
                    let isSet = entry.map { !$0.deleted } ?? false
                    if let digest = change.digest { return isSet && entry?.digest == digest ? nil : change }
                    return isSet ? change : nil
                }
                if real.isEmpty { return nil }
                let version = state.desiredVersion + 1
                try ensureEnvironment(app, environment)
                for change in real {
                    let digest = change.digest ?? ""
                    try connection.query("""
                        INSERT INTO config (app, environment, key, version, digest, deleted, changed_at, changed_by)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (app, environment, key) DO UPDATE SET version = excluded.version,
                            digest = excluded.digest, deleted = excluded.deleted,
                            changed_at = excluded.changed_at, changed_by = excluded.changed_by
                        """, [.text(app), .text(environment), .text(change.key), .integer(version), .text(digest),
                              .integer(change.digest == nil ? 1 : 0), .text(at), .text(by)])
                    try connection.query("""
                        INSERT INTO config_changes (app, environment, version, key, action, digest, changed_at, changed_by)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        """, [.text(app), .text(environment), .integer(version), .text(change.key),
                              .text(change.digest == nil ? "unset" : "set"), .text(digest), .text(at), .text(by)])
                }
                try connection.query("UPDATE environments SET desired_version = $1 WHERE app = $2 AND environment = $3",
                                     [.integer(version), .text(app), .text(environment)])
                return version
            }
        }
    }

    public func addInstances(app: String, environment: String, ids: [String], at: String) throws {
        try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app + "/" + environment) { () throws(SQLError) in
                try ensureEnvironment(app, environment)
                // A new instance starts with what was last transmitted to the environment.
                for id in ids {
                    try connection.query("""
                        INSERT INTO instances (app, environment, id, applied_version, state, added_at)
                        SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT), applied_version, 'active', CAST($4 AS TEXT)
                        FROM environments WHERE app = $1 AND environment = $2
                        ON CONFLICT DO NOTHING
                        """, [.text(app), .text(environment), .text(id), .text(at)])
                }
            }
        }
    }

    public func removeInstances(app: String, environment: String, ids: [String]) throws {
        try instanceUpdate(app, environment, ids, sql: "DELETE FROM instances WHERE app = $1 AND environment = $2 AND id = $3", extra: [])
    }

    public func setInstanceState(app: String, environment: String, ids: [String], state: Instance.State) throws {
        try instanceUpdate(app, environment, ids,
                           sql: "UPDATE instances SET state = $4 WHERE app = $1 AND environment = $2 AND id = $3",
                           extra: [.text(state.rawValue)])
    }

    /// Runs one statement per instance id; an unknown id fails the whole command unchanged.
    private func instanceUpdate(_ app: String, _ environment: String, _ ids: [String], sql: String, extra: [SQLValue]) throws {
        let unknown: String? = try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app + "/" + environment) { () throws(SQLError) -> String? in
                let known = Set(try readState(app, environment).instances.map(\.id))
                if let unknown = ids.first(where: { !known.contains($0) }) { return unknown }
                for id in ids { try connection.query(sql, [.text(app), .text(environment), .text(id)] + extra) }
                return nil
            }
        }
        if let unknown {
            throw StoreUsageError("no instance \(escapedForTerminal(unknown)) in \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
    }

    public func audit(app: String?, environment: String?, limit: Int) throws -> [AuditRecord] {
        try readAudit(where: "(CAST($1 AS TEXT) IS NULL OR app = $1) AND (CAST($2 AS TEXT) IS NULL OR environment = $2)",
                      [app.map { .text($0) } ?? .null, environment.map { .text($0) } ?? .null], limit: limit)
    }

    public func lastDeploy(app: String, environment: String) throws -> AuditRecord? {
        // Only post-receive's records: a ref PushGuard accepted may still be refused by a later hook.
        try readAudit(where: "app = $1 AND environment = $2 AND decision = 'deployed'",
                      [.text(app), .text(environment)], limit: 1).first
    }

    private func readAudit(where condition: String, _ values: [SQLValue], limit: Int) throws -> [AuditRecord] {
        try wrap { () throws(SQLError) in
            try connection.query("""
                SELECT id, at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version
                FROM audit WHERE \(condition) ORDER BY id DESC LIMIT $3
                """, values + [.integer(Int64(limit))]).map { row in
                AuditRecord(id: row[0].integer, time: row[1].text, app: row[2].text, environment: row[3].text,
                            ref: row[4].text, oldID: row[5].text, newID: row[6].text, pusher: row[7].text,
                            decision: Decision(rawValue: row[8].text) ?? .rejected,
                            findings: AuditRecord.findings(fromJSON: row[9].text), reason: row[10].text,
                            configVersion: row[11].integer)
            }
        }
    }

    public func environments(app: String) throws -> [String] {
        try wrap { () throws(SQLError) in
            try connection.query("SELECT environment FROM environments WHERE app = $1 ORDER BY environment", [.text(app)]).map { $0[0].text }
        }
    }

    public func holdsDigests() throws -> Bool {
        try wrap { () throws(SQLError) in
            !(try connection.query("SELECT 1 FROM config WHERE digest <> '' LIMIT 1", [])).isEmpty
        }
    }

    // MARK: copying between stores

    /// Every table and the columns copied, in an order that keeps history in sequence.
    private static let tables: [(name: String, columns: String, order: String)] = [
        ("environments", "app, environment, desired_version, applied_version", "app, environment"),
        ("config", "app, environment, key, version, digest, deleted, changed_at, changed_by", "app, environment, key"),
        ("config_changes", "app, environment, version, key, action, digest, changed_at, changed_by", "id"),
        ("instances", "app, environment, id, applied_version, state, added_at", "app, environment, id"),
        ("transmits", "app, environment, version, instances, at, by", "id"),
        ("audit", "at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version", "id"),
    ]

    /// Copies everything (config, versions, instances, transmits, audit) into an empty store,
    /// in one transaction there; returns rows copied per table.
    public func copy(to target: SQLStore) throws -> [(table: String, rows: Int)] {
        var copied: [(String, Int)] = []
        let snapshot = try wrap { () throws(SQLError) in
            try connection.transaction(write: false, lock: "") { () throws(SQLError) in
                var snapshot: [[SQLRow]] = []
                for table in SQLStore.tables {
                    snapshot.append(try connection.query("SELECT \(table.columns) FROM \(table.name) ORDER BY \(table.order)", []))
                }
                return snapshot
            }
        }
        try target.wrap { () throws(SQLError) in
            try target.connection.transaction(write: true, lock: "pushguard store copy") { () throws(SQLError) in
                for table in SQLStore.tables {
                    let existing = try target.connection.query("SELECT COUNT(*) FROM \(table.name)", []).first?.first?.integer ?? 0
                    if existing > 0 {
                        throw SQLError(message: "the target already holds data (\(table.name)); copy only into an empty store")
                    }
                }
                for (table, rows) in zip(SQLStore.tables, snapshot) {
                    let count = table.columns.split(separator: ",").count
                    let placeholders = (1...count).map { "$\($0)" }.joined(separator: ", ")
                    let insert = "INSERT INTO \(table.name) (\(table.columns)) VALUES (\(placeholders))"
                    for row in rows { try target.connection.query(insert, row) }
                    copied.append((table.name, rows.count))
                }
            }
        }
        return copied
    }
}
