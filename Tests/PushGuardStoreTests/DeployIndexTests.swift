import XCTest
import PushGuardCore
import PushGuardSystem
@testable import PushGuardStore

/// A new ref's push asks for the environment's last deploy. An index of deploy records answers
/// it without reading the environment's other records; stores made before the index get it from
/// the admin commands, while hooks and earlier builds open them as they are (schema version 1).
final class DeployIndexTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-deploy-index" }
    private var path: String { directory + "/state.db" }

    private func record(_ decision: Decision, newID: String) -> AuditRecord {
        AuditRecord(time: "2026-11-27T10:00:00Z", app: "api", environment: "production", ref: "refs/heads/main",
                    oldID: "a", newID: newID, pusher: "alice", decision: decision, findings: [], reason: "", configVersion: 1)
    }

    private func indexes() throws -> [String] {
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        return try connection.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'audit_deploys'", [])
            .map { row throws(SQLError) in try row.string("name") }
    }

    private func queryPlan() throws -> String {
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        return try connection.query("""
            EXPLAIN QUERY PLAN SELECT id FROM audit WHERE app = 'api' AND environment = 'production'
            AND decision = 'deployed' ORDER BY id DESC LIMIT 1
            """, []).map { row throws(SQLError) in try row.string("detail") }.joined(separator: "; ")
    }

    func testTheLastDeployIsFoundAmongManyOtherRecordsThroughItsIndex() throws {
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        defer { store.close() }
        try store.appendAudit([record(.deployed, newID: "first"), record(.deployed, newID: "second")])
        try store.appendAudit((0..<500).map { record($0 % 2 == 0 ? .accepted : .rejected, newID: "other\($0)") })
        XCTAssertEqual(try store.lastDeploy(app: "api", environment: "production")?.newID, "second")
        XCTAssertNil(try store.lastDeploy(app: "api", environment: "staging"))
        XCTAssertEqual(try indexes(), ["audit_deploys"])
        let plan = try queryPlan()
        XCTAssertTrue(plan.contains("audit_deploys"), plan)
    }

    func testAStoreMadeBeforeTheIndexGetsItFromAnAdminCommandNotFromAHook() throws {
        let made = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        try made.appendAudit([record(.deployed, newID: "deployed")])
        made.close()
        // What an earlier PushGuard made: version 1 without the index.
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        try connection.execute("DROP INDEX audit_deploys")
        connection.close()

        let hook = try StoreOpener.open("sqlite:" + path, settings: Settings(), create: false)
        XCTAssertEqual(try (hook as? SQLStore)?.lastDeploy(app: "api", environment: "production")?.newID, "deployed")
        (hook as? SQLStore)?.close()
        XCTAssertEqual(try indexes(), [], "a hook changed the schema")

        let admin = try StoreOpener.openAdmin("sqlite:" + path, settings: Settings(), create: false)
        XCTAssertEqual(try admin.lastDeploy(app: "api", environment: "production")?.newID, "deployed")
        (admin as? SQLStore)?.close()
        XCTAssertEqual(try indexes(), ["audit_deploys"])
        let version = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { version.close() }
        XCTAssertEqual(try version.query("PRAGMA user_version", []).first.map { row throws(SQLError) in try row.int64("user_version") }, 1,
                       "an index is not a new schema version: earlier builds must keep opening the store")
    }
}

/// What a push's decision reads of an environment (`decisionState`): the keys that are not live
/// and the named ones, as the pure rule `EnvironmentState.forDecision` says, read in SQL.
final class DecisionStateTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-decision-state" }

    func testTheStoreReadsWhatForDecisionKeepsAndTheInstancesByVersion() throws {
        let store = try SQLStore.sqlite(path: directory + "/state.db", create: true, timeoutMilliseconds: 5000)
        defer { store.close() }
        _ = try store.register(app: "api", environments: ["production"])
        let at = "2026-11-27T10:00:00Z"
        // Versions 1..3 set keys A..F; instances take up versions; version 4 unsets C, 5 sets G.
        _ = try store.changeConfig(app: "api", environment: "production",
                                   changes: ["A", "B", "C"].map { ConfigChange(key: $0, digest: "hmac-sha256:" + $0) }, by: "ops", at: at)
        _ = try store.transmit(app: "api", environment: "production", instances: nil, by: "ops", at: at)
        try store.addInstances(app: "api", environment: "production", ids: ["web.1", "web.2", "web.3", "worker.1"], at: at)
        _ = try store.changeConfig(app: "api", environment: "production",
                                   changes: ["D", "E"].map { ConfigChange(key: $0, digest: "hmac-sha256:" + $0) }, by: "ops", at: at)
        _ = try store.transmit(app: "api", environment: "production", instances: ["web.1", "web.2", "web.3"], by: "ops", at: at)
        _ = try store.changeConfig(app: "api", environment: "production", changes: [ConfigChange(key: "F", digest: "hmac-sha256:F")], by: "ops", at: at)
        _ = try store.transmit(app: "api", environment: "production", instances: ["web.1"], by: "ops", at: at)
        _ = try store.changeConfig(app: "api", environment: "production", changes: [ConfigChange(key: "C", digest: nil)], by: "ops", at: at)
        _ = try store.changeConfig(app: "api", environment: "production", changes: [ConfigChange(key: "G", digest: "hmac-sha256:G")], by: "ops", at: at)
        try store.setInstanceState(app: "api", environment: "production", ids: ["worker.1"], state: .draining)

        let full = try store.state(app: "api", environment: "production")
        func same(_ named: Set<String>, file: StaticString = #filePath, line: UInt = #line) throws {
            let read = try store.decisionState(app: "api", environment: "production", named: named)
            let expected = full.forDecision(named: named)
            XCTAssertEqual(read.config.map(\.key), expected.config.map(\.key), file: file, line: line)
            XCTAssertEqual(read.config.map(\.version), expected.config.map(\.version), file: file, line: line)
            XCTAssertEqual(read.config.map(\.deleted), expected.config.map(\.deleted), file: file, line: line)
            XCTAssertEqual(read.instances.map(\.appliedVersion).sorted(), full.instances.map(\.appliedVersion).sorted(), file: file, line: line)
            XCTAssertEqual(read.activeInstances.count, full.activeInstances.count, file: file, line: line)
            XCTAssertEqual(read.liveThrough, full.liveThrough, file: file, line: line)
            XCTAssertEqual(Evaluator.evaluate(state: read, manifest: .declared(named.map { Requirement(key: $0) }), mode: .reject).findings,
                           Evaluator.evaluate(state: full, manifest: .declared(named.map { Requirement(key: $0) }), mode: .reject).findings,
                           file: file, line: line)
        }
        XCTAssertEqual(full.config.count, 7)
        try same([])
        try same(["A", "B"])
        try same(["A", "NOT_SET", "C", "G"])
        try same(Set((0...SQLStore.maxNamedKeys).map { "N\($0)" } + ["A"]))
        // Live keys nobody names are not read at all.
        let unnamed = try store.decisionState(app: "api", environment: "production", named: [])
        XCTAssertFalse(unnamed.config.contains { $0.key == "A" || $0.key == "B" })
        XCTAssertTrue(unnamed.config.contains { $0.key == "G" })
        XCTAssertFalse(try store.decisionState(app: "nope", environment: "production", named: []).known)
    }
}
