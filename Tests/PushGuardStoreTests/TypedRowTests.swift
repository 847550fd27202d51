import XCTest
import PushGuardCore
import PushGuardSystem
@testable import PushGuardStore

/// Rows read from the store are checked: a NULL, a number that is not one, an unknown instance
/// state or audit decision is a store error naming table, column and value, never a default.
final class TypedRowTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-rows" }
    private var path: String { directory + "/state.db" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        _ = try store.register(app: "a", environments: ["e"])
        try store.addInstances(app: "a", environment: "e", ids: ["web.1", "web.2"], at: "2024-01-01T00:00:00Z")
        _ = try store.changeConfig(app: "a", environment: "e",
                                   changes: [ConfigChange(key: "TOKEN", digest: "hmac-sha256:00")],
                                   by: "alice", at: "2024-01-01T00:00:00Z")
        try store.appendAudit([AuditRecord(time: "2024-01-01T00:00:00Z", app: "a", environment: "e", ref: "refs/heads/main",
                                           oldID: "0", newID: "1", pusher: "alice", decision: .accepted,
                                           findings: [AuditRecord.KeyFinding(key: "TOKEN", status: "staged")],
                                           reason: "", configVersion: 1)])
        store.close()
    }

    /// Changes the file by hand, as a person with the sqlite3 shell (or a bug) could.
    private func corrupt(_ sql: String) throws {
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        try connection.execute(sql)
    }

    /// Rebuilds a table without its NOT NULL constraints, so a NULL can be stored.
    private func allowNulls(in table: String, columns: String) throws {
        try corrupt("""
            ALTER TABLE \(table) RENAME TO old_\(table);
            CREATE TABLE \(table) (\(columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")));
            INSERT INTO \(table) SELECT \(columns) FROM old_\(table);
            DROP TABLE old_\(table);
            """)
    }

    private func open() throws -> SQLStore { try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: 5000) }

    private func assertStoreError(_ body: () throws -> Void, mentions parts: [String],
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? Failure)?.kind, .store, "a store Failure, not \(error)", file: file, line: line)
            let text = "\(error)"
            for part in parts { XCTAssertTrue(text.contains(part), "\(part) in: \(text)", file: file, line: line) }
        }
    }

    func testIntactStoreReadsBack() throws {
        let store = try open()
        let state = try store.state(app: "a", environment: "e")
        XCTAssertEqual(state.desiredVersion, 1)
        XCTAssertEqual(state.instances.map(\.id), ["web.1", "web.2"])
        XCTAssertEqual(state.config.first?.key, "TOKEN")
        XCTAssertEqual(try store.audit(app: nil, environment: nil, limit: 10).first?.findings.first?.key, "TOKEN")
    }

    func testUnknownInstanceStateIsAnError() throws {
        try corrupt("UPDATE instances SET state = 'paused' WHERE id = 'web.2'")
        assertStoreError({ _ = try open().state(app: "a", environment: "e") }, mentions: ["instances.state", "\"paused\""])
    }

    func testUnknownAuditDecisionIsAnError() throws {
        try corrupt("UPDATE audit SET decision = 'maybe'")
        let store = try open()
        assertStoreError({ _ = try store.audit(app: nil, environment: nil, limit: 10) }, mentions: ["audit.decision", "\"maybe\""])
    }

    func testNullIsAnError() throws {
        try allowNulls(in: "environments", columns: "app, environment, desired_version, applied_version")
        try corrupt("UPDATE environments SET desired_version = NULL")
        assertStoreError({ _ = try open().state(app: "a", environment: "e") }, mentions: ["environments.desired_version", "NULL"])
    }

    func testNullTextIsAnError() throws {
        try allowNulls(in: "config", columns: "app, environment, key, version, digest, deleted, changed_at, changed_by")
        try corrupt("UPDATE config SET changed_by = NULL")
        assertStoreError({ _ = try open().state(app: "a", environment: "e") }, mentions: ["config.changed_by", "NULL"])
    }

    func testTextInANumberColumnIsAnError() throws {
        try corrupt("UPDATE instances SET applied_version = 'abc' WHERE id = 'web.1'")
        assertStoreError({ _ = try open().state(app: "a", environment: "e") }, mentions: ["instances.applied_version", "\"abc\""])
    }

    func testFractionInANumberColumnIsAnError() throws {
        try corrupt("UPDATE environments SET applied_version = 1.5")
        assertStoreError({ _ = try open().state(app: "a", environment: "e") }, mentions: ["environments.applied_version", "1.5"])
    }

    func testFlagOtherThanZeroOrOneIsAnError() throws {
        try corrupt("UPDATE config SET deleted = 7")
        assertStoreError({ _ = try open().state(app: "a", environment: "e") }, mentions: ["config.deleted", "7"])
    }

    func testMalformedFindingsAreAnError() throws {
        try corrupt("UPDATE audit SET findings = '[{\"key\": '")
        assertStoreError({ _ = try open().audit(app: nil, environment: nil, limit: 10) }, mentions: ["audit.findings"])
    }

    func testValuesInMessagesAreEscaped() throws {
        try corrupt("UPDATE instances SET state = 'x' || char(27) || '[31mred' WHERE id = 'web.1'")
        XCTAssertThrowsError(try open().state(app: "a", environment: "e")) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\u{1b}"), text)
            XCTAssertTrue(text.contains("x\\x1b[31mred"), text)
        }
    }

    func testAnUnknownStateStopsATransmit() throws {
        // web.2 is "paused": the old reader took it for active and carried on; a transmit
        // must stop instead of guessing what the state means.
        try corrupt("UPDATE instances SET state = 'paused', applied_version = 0 WHERE id = 'web.2'")
        let store = try open()
        XCTAssertThrowsError(try store.transmit(app: "a", environment: "e", instances: nil, by: "alice", at: "t"))
    }
}
