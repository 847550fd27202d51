import Glibc
import PushGuardCore

/// The embedded default store: one SQLite file in WAL mode, safe for many hooks at once
/// (readers never block, writers queue on the busy timeout, every transaction is short).
public final class SQLiteStore: AdminStore {
    public let path: String
    private let database: SQLiteDatabase

    /// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
    static let migrations: [String] = [
        """
        CREATE TABLE environments (
            app TEXT NOT NULL, environment TEXT NOT NULL,
            desired_version INTEGER NOT NULL DEFAULT 0,
            applied_version INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (app, environment));
        CREATE TABLE config (
            app TEXT NOT NULL, environment TEXT NOT NULL, key TEXT NOT NULL,
            version INTEGER NOT NULL, digest TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT NOT NULL, changed_by TEXT NOT NULL,
            PRIMARY KEY (app, environment, key));
        CREATE TABLE config_changes (
            id INTEGER PRIMARY KEY, app TEXT NOT NULL, environment TEXT NOT NULL,
            version INTEGER NOT NULL, key TEXT NOT NULL, action TEXT NOT NULL, digest TEXT NOT NULL,
            changed_at TEXT NOT NULL, changed_by TEXT NOT NULL);
        CREATE TABLE instances (
            app TEXT NOT NULL, environment TEXT NOT NULL, id TEXT NOT NULL,
            applied_version INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'active',
            added_at TEXT NOT NULL,
            PRIMARY KEY (app, environment, id));
        CREATE TABLE transmits (
            id INTEGER PRIMARY KEY, app TEXT NOT NULL, environment TEXT NOT NULL,
            version INTEGER NOT NULL, instances TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, app TEXT NOT NULL, environment TEXT NOT NULL,
            ref TEXT NOT NULL, old_id TEXT NOT NULL, new_id TEXT NOT NULL, pusher TEXT NOT NULL,
            decision TEXT NOT NULL, findings TEXT NOT NULL, reason TEXT NOT NULL,
            config_version INTEGER NOT NULL);
        CREATE INDEX audit_by_environment ON audit (app, environment, id);
        """,
    ]

    /// Opens the store at `path`. `create` makes the file (and schema) when absent; hooks pass
    /// false so a mistyped or deleted store is an error, not a silently empty state.
    public init(path: String, create: Bool, timeoutMilliseconds: Int) throws(StoreError) {
        self.path = path
        if !create && access(path, F_OK) != 0 {
            throw StoreError("SQLite store \(escapedForTerminal(path)) does not exist; create it with `pushguard install` or any `pushguard config` command")
        }
        let existed = access(path, F_OK) == 0
        do {
            database = try SQLiteDatabase(path: path, create: create, busyTimeoutMilliseconds: timeoutMilliseconds)
            if !existed { Ownership.matchDirectory(of: path) }
            try migrate()
        } catch {
            throw StoreError("SQLite store \(escapedForTerminal(path)): \(error.description)")
        }
    }

    public func close() { database.close() }

    public var transmitsConfig: Bool { false }

    private func migrate() throws(SQLiteError) {
        let current = try userVersion()
        if current == Self.migrations.count { return }
        if current > Self.migrations.count {
            throw SQLiteError(code: 1, message: "schema version \(current) is newer than this pushguard understands (\(Self.migrations.count)); upgrade pushguard", sql: nil)
        }
        // WAL lets hooks read while another writes; it is a property of the file, set once.
        try database.execute("PRAGMA journal_mode=WAL")
        try database.transaction(immediate: true) { () throws(SQLiteError) in
            let version = try userVersion()  // another process may have migrated meanwhile
            for index in version..<Self.migrations.count {
                try database.execute(Self.migrations[index])
                try database.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    private func userVersion() throws(SQLiteError) -> Int {
        let statement = try database.prepare("PRAGMA user_version")
        guard try statement.step() else { return 0 }
        return Int(statement.integer(0))
    }

    private func wrap<T>(_ body: () throws(SQLiteError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            let hint = error.isBusy ? " (the store stayed locked longer than pushguard.timeout)" : ""
            throw StoreError("SQLite store \(escapedForTerminal(path)): \(error.description)\(hint)")
        }
    }

    // MARK: StateStore

    public func state(app: String, environment: String) throws -> EnvironmentState {
        try wrap { () throws(SQLiteError) in
            try database.transaction(immediate: false) { () throws(SQLiteError) in try readState(app, environment) }
        }
    }

    private func readState(_ app: String, _ environment: String) throws(SQLiteError) -> EnvironmentState {
        var state = EnvironmentState(app: app, environment: environment)
        let versions = try database.prepare(
            "SELECT desired_version, applied_version FROM environments WHERE app = ? AND environment = ?")
            .bind(.text(app), .text(environment))
        if try versions.step() {
            state.desiredVersion = versions.integer(0)
            state.appliedVersion = versions.integer(1)
        }
        let config = try database.prepare("""
            SELECT key, version, digest, deleted, changed_at, changed_by FROM config
            WHERE app = ? AND environment = ? ORDER BY key
            """).bind(.text(app), .text(environment))
        while try config.step() {
            state.config.append(ConfigEntry(key: config.text(0), version: config.integer(1), digest: config.text(2),
                                            deleted: config.integer(3) != 0, changedAt: config.text(4),
                                            changedBy: config.text(5)))
        }
        let instances = try database.prepare(
            "SELECT id, applied_version, state FROM instances WHERE app = ? AND environment = ? ORDER BY id")
            .bind(.text(app), .text(environment))
        while try instances.step() {
            state.instances.append(Instance(id: instances.text(0), appliedVersion: instances.integer(1),
                                            state: Instance.State(rawValue: instances.text(2)) ?? .active))
        }
        return state
    }

    public func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64 {
        var unknown: String?
        let version = try wrap { () throws(SQLiteError) in
            try database.transaction(immediate: true) { () throws(SQLiteError) -> Int64 in
                let state = try readState(app, environment)
                let version = state.desiredVersion
                if let ids = instances {
                    let known = Set(state.instances.map(\.id))
                    unknown = ids.first { !known.contains($0) }
                    if unknown != nil { return version }
                    let update = try database.prepare(
                        "UPDATE instances SET applied_version = ? WHERE app = ? AND environment = ? AND id = ?")
                    for id in ids { try update.bind(.integer(version), .text(app), .text(environment), .text(id)).run() }
                } else {
                    try ensureEnvironment(app, environment)
                    try database.prepare("UPDATE instances SET applied_version = ? WHERE app = ? AND environment = ? AND state = 'active'")
                        .bind(.integer(version), .text(app), .text(environment)).run()
                    try database.prepare("UPDATE environments SET applied_version = ? WHERE app = ? AND environment = ?")
                        .bind(.integer(version), .text(app), .text(environment)).run()
                }
                try database.prepare("INSERT INTO transmits (app, environment, version, instances, at, by) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind(.text(app), .text(environment), .integer(version),
                          .text(instances?.joined(separator: ",") ?? "*"), .text(at), .text(by)).run()
                return version
            }
        }
        if let unknown {
            throw StoreUsageError("no instance \(escapedForTerminal(unknown)) in \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
        return version
    }

    public func appendAudit(_ record: AuditRecord) throws {
        try wrap { () throws(SQLiteError) in
            try database.prepare("""
                INSERT INTO audit (at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).bind(.text(record.time), .text(record.app), .text(record.environment), .text(record.ref),
                          .text(record.oldID), .text(record.newID), .text(record.pusher),
                          .text(record.decision.rawValue), .text(record.findingsJSON), .text(record.reason),
                          .integer(record.configVersion)).run()
        }
    }

    // MARK: AdminStore

    private func ensureEnvironment(_ app: String, _ environment: String) throws(SQLiteError) {
        try database.prepare("INSERT OR IGNORE INTO environments (app, environment) VALUES (?, ?)")
            .bind(.text(app), .text(environment)).run()
    }

    public func changeConfig(app: String, environment: String, changes: [ConfigChange], by: String, at: String) throws -> Int64? {
        try wrap { () throws(SQLiteError) in
            try database.transaction(immediate: true) { () throws(SQLiteError) -> Int64? in
                let state = try readState(app, environment)
                let current = Dictionary(state.config.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
                // Later changes to the same key in one command win; no-op changes make no version.
                var effective: [String: ConfigChange] = [:]
                var order: [String] = []
                for change in changes {
                    if effective[change.key] == nil { order.append(change.key) }
                    effective[change.key] = change
                }
                let real = order.compactMap { key -> ConfigChange? in
                    let change = effective[key]!
                    let entry = current[key]
                    if let digest = change.digest {
                        return (entry == nil || entry!.deleted || entry!.digest != digest) ? change : nil
                    }
                    return (entry != nil && !entry!.deleted) ? change : nil
                }
                if real.isEmpty { return nil }
                let version = state.desiredVersion + 1
                try ensureEnvironment(app, environment)
                let upsert = try database.prepare("""
                    INSERT INTO config (app, environment, key, version, digest, deleted, changed_at, changed_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (app, environment, key) DO UPDATE SET version = excluded.version,
                        digest = excluded.digest, deleted = excluded.deleted,
                        changed_at = excluded.changed_at, changed_by = excluded.changed_by
                    """)
                let log = try database.prepare("""
                    INSERT INTO config_changes (app, environment, version, key, action, digest, changed_at, changed_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for change in real {
                    let digest = change.digest ?? ""
                    try upsert.bind(.text(app), .text(environment), .text(change.key), .integer(version), .text(digest),
                                    .integer(change.digest == nil ? 1 : 0), .text(at), .text(by)).run()
                    try log.bind(.text(app), .text(environment), .integer(version), .text(change.key),
                                 .text(change.digest == nil ? "unset" : "set"), .text(digest), .text(at), .text(by)).run()
                }
                try database.prepare("UPDATE environments SET desired_version = ? WHERE app = ? AND environment = ?")
                    .bind(.integer(version), .text(app), .text(environment)).run()
                return version
            }
        }
    }

    public func addInstances(app: String, environment: String, ids: [String], at: String) throws {
        try wrap { () throws(SQLiteError) in
            try database.transaction(immediate: true) { () throws(SQLiteError) in
                try ensureEnvironment(app, environment)
                // A new instance starts with what was last transmitted to the environment.
                let insert = try database.prepare("""
                    INSERT OR IGNORE INTO instances (app, environment, id, applied_version, state, added_at)
                    SELECT ?, ?, ?, applied_version, 'active', ? FROM environments WHERE app = ? AND environment = ?
                    """)
                for id in ids {
                    try insert.bind(.text(app), .text(environment), .text(id), .text(at), .text(app), .text(environment)).run()
                }
            }
        }
    }

    public func removeInstances(app: String, environment: String, ids: [String]) throws {
        try instanceUpdate(app, environment, ids, sql: "DELETE FROM instances WHERE app = ? AND environment = ? AND id = ?", extra: [])
    }

    public func setInstanceState(app: String, environment: String, ids: [String], state: Instance.State) throws {
        try instanceUpdate(app, environment, ids,
                           sql: "UPDATE instances SET state = ? WHERE app = ? AND environment = ? AND id = ?",
                           extra: [.text(state.rawValue)])
    }

    /// Runs one statement per instance id; an unknown id fails the whole command.
    private func instanceUpdate(_ app: String, _ environment: String, _ ids: [String], sql: String, extra: [SQLValue]) throws {
        let unknown: String? = try wrap { () throws(SQLiteError) in
            try database.transaction(immediate: true) { () throws(SQLiteError) -> String? in
                let known = Set(try readState(app, environment).instances.map(\.id))
                if let unknown = ids.first(where: { !known.contains($0) }) { return unknown }
                let statement = try database.prepare(sql)
                for id in ids { try statement.bind(extra + [.text(app), .text(environment), .text(id)]).run() }
                return nil
            }
        }
        if let unknown {
            throw StoreUsageError("no instance \(escapedForTerminal(unknown)) in \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
    }

    public func audit(app: String?, environment: String?, limit: Int) throws -> [AuditRecord] {
        try readAudit(where: "(?1 IS NULL OR app = ?1) AND (?2 IS NULL OR environment = ?2)",
                      [app.map { .text($0) } ?? .null, environment.map { .text($0) } ?? .null], limit: limit)
    }

    public func lastDeploy(app: String, environment: String) throws -> AuditRecord? {
        try readAudit(where: "app = ?1 AND environment = ?2 AND decision <> 'rejected'",
                      [.text(app), .text(environment)], limit: 1).first
    }

    private func readAudit(where condition: String, _ values: [SQLValue], limit: Int) throws -> [AuditRecord] {
        try wrap { () throws(SQLiteError) in
            let statement = try database.prepare("""
                SELECT id, at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version
                FROM audit WHERE \(condition) ORDER BY id DESC LIMIT ?3
                """).bind(values + [.integer(Int64(limit))])
            var records: [AuditRecord] = []
            while try statement.step() {
                records.append(AuditRecord(
                    id: statement.integer(0), time: statement.text(1), app: statement.text(2),
                    environment: statement.text(3), ref: statement.text(4), oldID: statement.text(5),
                    newID: statement.text(6), pusher: statement.text(7),
                    decision: Decision(rawValue: statement.text(8)) ?? .rejected,
                    findings: AuditRecord.findings(fromJSON: statement.text(9)), reason: statement.text(10),
                    configVersion: statement.integer(11)))
            }
            return records
        }
    }

    public func environments(app: String) throws -> [String] {
        try wrap { () throws(SQLiteError) in
            let statement = try database.prepare("SELECT environment FROM environments WHERE app = ? ORDER BY environment")
                .bind(.text(app))
            var names: [String] = []
            while try statement.step() { names.append(statement.text(0)) }
            return names
        }
    }
}
