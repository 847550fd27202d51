import Glibc
import PushGuardCore
import PushGuardSystem

/// The stores PushGuard owns: SQLite (the embedded default) and PostgreSQL (one store for a
/// fleet of git servers). One implementation over both; only connections and schema differ.
public final class SQLStore: AdminStore {
    /// How the store is named in messages: its location with credentials hidden.
    public let name: String
    /// The location, for scrubbing credentials out of what the database library says.
    private let location: StoreURL
    let connection: SQLConnection

    private init(kind: String, location: StoreURL, connection: SQLConnection) {
        name = kind + " " + location.display
        self.location = location
        self.connection = connection
    }

    /// Opens the SQLite store at `path`. `create` makes the file (and schema) when absent;
    /// hooks and the commands that only read pass false so a mistyped or deleted store is an
    /// error, not a silently empty state, and nothing is created.
    ///
    /// The file is created by PushGuard, not SQLite: exclusively, never through a link, with
    /// mode 0640 and (as root) the store directory's owner, so the `-wal` and `-shm` SQLite
    /// derives from it are right from the start. As root, the file, `-wal` and `-shm` must be
    /// plain files of root's or the directory owner's (see `StoreFiles`), and SQLite is told
    /// not to follow links.
    public static func sqlite(path: String, create: Bool, timeoutMilliseconds: Int) throws(Failure) -> SQLStore {
        let location = StoreURL(path)
        let name = "SQLite store " + location.display
        let file = StoreFiles.filePath(of: path)
        if let file {
            let present: Bool
            do {
                present = try Files.info(file) != nil
                if !present && create { try StoreFiles.createDatabase(file) }
            } catch {
                throw Failure.store("\(name): \(location.scrub(error.description))")
            }
            if !present && !create { throw missing(location) }
            do {
                try StoreFiles.checkRootMayOpenDatabase(file)
            } catch {
                throw Failure.store("\(name): \(location.scrub(error.description))")
            }
        }
        Trace.mark("store files checked")
        do {
            let connection = try SQLiteConnection(path: path, create: create && file == nil, noFollow: Identity.isRoot,
                                                  busyTimeoutMilliseconds: timeoutMilliseconds)
            Trace.mark("SQLite opened")
            // The git user can write the file root opens, and a group member's hook may open
            // the owner's: SQLite's defences are on for every connection (defensive mode, no
            // untrusted functions, triggers or views from the schema). Flags only: the hook's
            // cost did not measurably change (docs/security.md).
            try connection.harden()
            let store = SQLStore(kind: "SQLite store", location: location, connection: connection)
            try store.migrateSQLite(connection, create: create)
            return store
        } catch {
            throw Failure.store("\(name): \(location.scrub(error.description))")
        }
    }

    private static func missing(_ location: StoreURL) -> Failure {
        Failure.store("SQLite store \(location.display) does not exist", fix: "check the store setting for a typo")
    }

    /// Connects to the PostgreSQL store and brings its schema up to date.
    public static func postgres(url: StoreURL, timeoutMilliseconds: Int) throws(Failure) -> SQLStore {
        do {
            let connection = try PostgresConnection(url: url.text, timeoutMilliseconds: timeoutMilliseconds)
            let store = SQLStore(kind: "PostgreSQL store", location: url, connection: connection)
            try store.migratePostgres(connection)
            return store
        } catch {
            throw Failure.store("PostgreSQL store \(url.display): \(url.scrub(error.description))", timedOut: error.timedOut)
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
        ] + additions
    }

    /// Indexes a version-1 store made by an earlier PushGuard may lack. They are not a new
    /// schema version: a store without them works, only more slowly, and builds that do not know
    /// them keep opening the store (a fleet sharing a PostgreSQL store upgrades one server at a
    /// time). New stores get them with the schema; `addMissingIndexes` adds them to older ones.
    private static let additions = [
        // A new ref's last deploy (`lastDeploy`): without it, an environment with many records
        // and no deploy had all its records read on every push creating a ref (3 ms at 27,000).
        "CREATE INDEX IF NOT EXISTS audit_deploys ON audit (app, environment, id) WHERE decision = 'deployed'",
        // What a push's decision reads of each key (`decisionState`), in key order, from the
        // index alone: without it every key's row is looked up in the table as well.
        "CREATE INDEX IF NOT EXISTS config_decision ON config (app, environment, key, version, deleted)",
    ]

    /// Adds the indexes of `additions` the store lacks. The admin commands call it; hooks never
    /// change the schema. Best effort: where the store may only be read, it is read as it is.
    public func addMissingIndexes() {
        for statement in SQLStore.additions { _ = try? connection.query(statement, []) }
    }

    /// Schema versions: version N is reached by running `migrations[N-1]`.
    private static func migrations(_ dialect: SQLDialect) -> [[String]] { [schema(dialect)] }

    /// Brings the schema up to date. Without `create` (hooks, commands that only read) a file
    /// without PushGuard's schema is refused, never given one: a 0-byte `state.db` (a failed
    /// copy, a full disk) or some other file must be a store failure, not an empty store that
    /// says every app is unknown.
    private func migrateSQLite(_ sqlite: SQLiteConnection, create: Bool) throws(SQLError) {
        let migrations = SQLStore.migrations(.sqlite)
        func userVersion() throws(SQLError) -> Int {
            guard let row = try sqlite.query("PRAGMA user_version", []).first else {
                throw SQLError(message: "PRAGMA user_version returned no row")
            }
            return Int(try row.int64("user_version"))
        }
        let current: Int
        do {
            current = try userVersion()
        } catch where error.notADatabase && !create {
            throw SQLStore.notAStore("not a PushGuard store: file is not a database")
        }
        if current == migrations.count { return }
        if current > migrations.count { throw newerSchema(current, migrations.count) }
        if current == 0 && !create {
            let pages = try sqlite.query("PRAGMA page_count", []).first?.int64("page_count") ?? 0
            throw SQLStore.notAStore(pages == 0 ? "the file is empty (0 bytes), not a PushGuard store"
                                                : "not a PushGuard store: an SQLite database without PushGuard's schema (user_version 0)")
        }
        // WAL lets hooks read while another process writes; it is a property of the file, set
        // once here, before the schema. SQLite answers with the mode the file is left in, and
        // keeps the old one where WAL cannot work: an in-memory database, or a file system (or
        // VFS) without the shared memory WAL's index needs, typically a network file system,
        // where SQLite's locks are not reliable either. Such a store is refused rather than
        // created in rollback mode (fail-safe): its locking cannot be trusted to keep concurrent
        // hooks from corrupting state or losing audit records, and readers would wait on every
        // writer. Nothing is created, so each later open is refused the same way.
        let mode = try sqlite.query("PRAGMA journal_mode=WAL", []).first.map { row throws(SQLError) in
            try row.string("journal_mode")
        }
        guard let mode, mode.lowercased() == "wal" else {
            throw SQLError(message: "SQLite refused journal_mode=WAL (the database stays in \(SQLValue.text(mode ?? "no").shown) mode); "
                + "pushguard needs WAL: put the store in a file on a local file system, not in memory or on a network share")
        }
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
        /// The schema version, nil before the first migration made its row.
        func schemaVersion() throws(SQLError) -> Int? {
            guard var row = try postgres.query("SELECT version FROM pushguard_schema", []).first else { return nil }
            row.table = "pushguard_schema"
            return Int(try row.int64("version"))
        }
        let known = try postgres.query("SELECT CAST(to_regclass('pushguard_schema') IS NOT NULL AS INTEGER) AS known", [])
        if let row = known.first, try row.flag("known") {
            let current = try schemaVersion() ?? 0
            if current == migrations.count { return }
            if current > migrations.count { throw newerSchema(current, migrations.count) }
        }
        try postgres.transaction(write: true, lock: "pushguard schema migration") { () throws(SQLError) in
            try postgres.query("CREATE TABLE IF NOT EXISTS pushguard_schema (version INTEGER NOT NULL)", [])
            var version = try schemaVersion() ?? -1
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

    private static func notAStore(_ what: String) -> SQLError {
        SQLError(message: what + "; run `pushguard store init` if it is new, or restore it from a backup")
    }

    private func newerSchema(_ found: Int, _ known: Int) -> SQLError {
        SQLError(message: "schema version \(found) is newer than this pushguard understands (\(known)); upgrade pushguard")
    }

    /// Runs `body`, turning a database failure into a store `Failure` that names the store and
    /// carries no credential of its URL.
    private func wrap<T>(_ body: () throws(SQLError) -> T) throws(Failure) -> T {
        do {
            return try body()
        } catch {
            throw Failure.store("\(name): \(location.scrub(error.description))", timedOut: error.timedOut)
        }
    }

    // MARK: StateStore

    public func state(app: String, environment: String) throws -> EnvironmentState {
        try wrap { () throws(SQLError) in
            try connection.transaction(write: false, lock: "") { () throws(SQLError) in try readState(app, environment) }
        }
    }

    /// Read in SQL: only the keys that are not live (their version above what every active
    /// instance has applied) or are named, without digests, change times and authors, and the
    /// instances' applied versions and states, without ids. An environment of 1,000 live keys
    /// and 1,000 instances is read as 1,000 pairs of numbers, not 2,000 rows of strings.
    public func decisionState(app: String, environment: String, named: Set<String>) throws -> EnvironmentState {
        try wrap { () throws(SQLError) in
            try connection.transaction(write: false, lock: "") { () throws(SQLError) in
                try readState(app, environment, forDecisionNamed: named)
            }
        }
    }

    /// More names than this (a manifest requiring thousands of keys) are not sent as query
    /// parameters: then every key is read and the live ones not named are left out after.
    static let maxNamedKeys = 500

    /// `forDecisionNamed` nil: the whole state; else as `decisionState`.
    private func readState(_ app: String, _ environment: String, forDecisionNamed named: Set<String>? = nil) throws(SQLError) -> EnvironmentState {
        var state = EnvironmentState(app: app, environment: environment)
        let scope: [SQLValue] = [.text(app), .text(environment)]
        if let versions = try connection.records(
            "SELECT desired_version, applied_version FROM environments WHERE app = $1 AND environment = $2", scope,
            as: EnvironmentVersions.self).first {
            state.desiredVersion = versions.desired
            state.appliedVersion = versions.applied
        } else {
            // Apps and environments exist once registered (install, apps create).
            state.known = false
            return state
        }
        guard let named else {
            state.config = try connection.records("""
                SELECT key, version, digest, deleted, changed_at, changed_by FROM config
                WHERE app = $1 AND environment = $2 ORDER BY key
                """, scope)
            state.instances = try connection.records(
                "SELECT id, applied_version, state FROM instances WHERE app = $1 AND environment = $2 ORDER BY id", scope)
            return state
        }
        // The decision counts instances by applied version: no ids, no order. (Grouping them by
        // version in SQL cost more than reading 1,000 rows: SQLite sorts a GROUP BY, and its
        // sorter's first allocation alone was 0.5 ms of a hook.)
        state.instances = try connection.records(
            "SELECT '' AS id, applied_version, state FROM instances WHERE app = $1 AND environment = $2", scope)
        let names = named.count <= SQLStore.maxNamedKeys ? named.sorted() : nil
        var condition = ""
        var values = scope
        if let names {
            values.append(.integer(state.liveThrough))
            condition = " AND (version > $3" + (names.isEmpty ? ")"
                : " OR key IN (" + names.indices.map { "$\($0 + 4)" }.joined(separator: ", ") + "))")
            values += names.map { .text($0) }
        }
        state.config = try connection.records("""
            SELECT key, version, '' AS digest, deleted, '' AS changed_at, '' AS changed_by FROM config
            WHERE app = $1 AND environment = $2\(condition) ORDER BY key
            """, values)
        return names == nil ? state.forDecision(named: named) : state
    }

    public func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64 {
        var unknown: String?
        let version = try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app + "/" + environment) { () throws(SQLError) -> Int64 in
                let state = try readState(app, environment)
                let version = state.desiredVersion
                guard state.known else {
                    unknown = ""
                    return version
                }
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
                    try connection.query("UPDATE instances SET applied_version = $1 WHERE app = $2 AND environment = $3 AND state = 'active'", scope)
                    try connection.query("UPDATE environments SET applied_version = $1 WHERE app = $2 AND environment = $3", scope)
                }
                try connection.query("INSERT INTO transmits (app, environment, version, instances, at, by) VALUES ($1, $2, $3, $4, $5, $6)",
                                     [.text(app), .text(environment), .integer(version),
                                      .text(instances?.joined(separator: ",") ?? "*"), .text(at), .text(by)])
                return version
            }
        }
        if unknown == "" {
            throw Failure.usage("\(escapedForTerminal(app))/\(escapedForTerminal(environment)) is not registered in the store: pushguard apps create \(shellQuoted(app)) --env \(shellQuoted(environment))")
        }
        if let unknown {
            throw Failure.usage("no instance \(escapedForTerminal(unknown)) in \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
        return version
    }

    public func appendAudit(_ records: [AuditRecord]) throws {
        guard !records.isEmpty else { return }
        // Overrides, syncs, warnings and deploys are on disk before the hook answers; a batch of
        // only plain accepted and rejected decisions is committed without a sync to disk
        // (SQLite; docs/security.md: "What a power cut can lose").
        if !records.contains(where: { $0.decision != .accepted && $0.decision != .rejected }) {
            (connection as? SQLiteConnection)?.nextCommitUnsynced = true
        }
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
                    // Stored escaped: whoever reads the table (sqlite3, psql, a copy) may print it.
                    for record in chunk.lazy.map(\.escaped) {
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
        if unknown == "" {
            throw Failure.usage("\(escapedForTerminal(app))/\(escapedForTerminal(environment)) is not registered in the store: pushguard apps create \(shellQuoted(app)) --env \(shellQuoted(environment))")
        }
        if let unknown {
            throw Failure.usage("no instance \(escapedForTerminal(unknown)) in \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
    }

    /// Names are looked up as they are stored: escaped (the same text for any ordinary name).
    public func audit(app: String?, environment: String?, limit: Int) throws -> [AuditRecord] {
        try readAudit(where: "(CAST($1 AS TEXT) IS NULL OR app = $1) AND (CAST($2 AS TEXT) IS NULL OR environment = $2)",
                      [app.map { .text(escapedForTerminal($0)) } ?? .null,
                       environment.map { .text(escapedForTerminal($0)) } ?? .null], limit: limit)
    }

    public func lastDeploy(app: String, environment: String) throws -> AuditRecord? {
        // Only post-receive's records: a ref PushGuard accepted may still be refused by a later hook.
        try readAudit(where: "app = $1 AND environment = $2 AND decision = 'deployed'",
                      [.text(escapedForTerminal(app)), .text(escapedForTerminal(environment))], limit: 1).first
    }

    private func readAudit(where condition: String, _ values: [SQLValue], limit: Int) throws -> [AuditRecord] {
        try wrap { () throws(SQLError) in
            try connection.records("""
                SELECT id, at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version
                FROM audit WHERE \(condition) ORDER BY id DESC LIMIT $3
                """, values + [.integer(Int64(limit))])
        }
    }

    public func environments(app: String) throws -> [String] {
        try wrap { () throws(SQLError) in
            var environments: [String] = []
            for var row in try connection.query("SELECT environment FROM environments WHERE app = $1 ORDER BY environment", [.text(app)]) {
                row.table = "environments"
                environments.append(try row.string("environment"))
            }
            return environments
        }
    }

    public func registry() throws -> [(app: String, environment: String)] {
        try wrap { () throws(SQLError) in
            var known: [(app: String, environment: String)] = []
            for var row in try connection.query("SELECT app, environment FROM environments ORDER BY app, environment", []) {
                row.table = "environments"
                known.append((try row.string("app"), try row.string("environment")))
            }
            return known
        }
    }

    public func register(app: String, environments: [String]) throws -> [String] {
        try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app) { () throws(SQLError) -> [String] in
                var registered: [String] = []
                for environment in environments {
                    let known = try connection.query("SELECT 1 AS one FROM environments WHERE app = $1 AND environment = $2",
                                                     [.text(app), .text(environment)])
                    if !known.isEmpty { continue }
                    try connection.query("INSERT INTO environments (app, environment) VALUES ($1, $2)",
                                         [.text(app), .text(environment)])
                    registered.append(environment)
                }
                return registered
            }
        }
    }

    public func remove(app: String, environment: String?) throws -> [String] {
        let removed = try environments(app: app).filter { environment == nil || $0 == environment }
        try wrap { () throws(SQLError) in
            try connection.transaction(write: true, lock: app) { () throws(SQLError) in
                for name in removed {
                    for table in ["config", "config_changes", "instances", "transmits", "environments"] {
                        try connection.query("DELETE FROM \(table) WHERE app = $1 AND environment = $2", [.text(app), .text(name)])
                    }
                }
            }
        }
        return removed
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
    /// `progress` hears (rows copied, rows in all, table) now and then, for a progress line.
    public func copy(to target: SQLStore,
                     progress: ((_ done: Int, _ total: Int, _ table: String) -> Void)? = nil) throws -> [(table: String, rows: Int)] {
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
                    let counted = try target.connection.query("SELECT COUNT(*) AS count FROM \(table.name)", [])
                    if try counted.first?.int64("count") ?? 0 > 0 {
                        throw SQLError(message: "the target already holds data (\(table.name)); copy only into an empty store")
                    }
                }
                let total = snapshot.reduce(0) { $0 + $1.count }
                var done = 0
                for (table, rows) in zip(SQLStore.tables, snapshot) {
                    progress?(done, total, table.name)
                    let count = table.columns.split(separator: ",").count
                    let placeholders = (1...count).map { "$\($0)" }.joined(separator: ", ")
                    let insert = "INSERT INTO \(table.name) (\(table.columns)) VALUES (\(placeholders))"
                    for row in rows {
                        try target.connection.query(insert, row.values)
                        done += 1
                        if done % 250 == 0 { progress?(done, total, table.name) }
                    }
                    copied.append((table.name, rows.count))
                }
            }
        }
        return copied
    }
}
