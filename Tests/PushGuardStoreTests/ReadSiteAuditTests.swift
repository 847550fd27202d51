import XCTest
import PushGuardCore
import PushGuardSystem
@testable import PushGuardStore

/// Where a finding's key is newly read (`readBy`, `PATH:LINE`) is kept inside the audit's
/// findings text, so stores of earlier versions open unchanged and their rows read as before.
final class ReadSiteAuditTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-readsite" }
    private var path: String { directory + "/state.db" }

    private func record(_ findings: [AuditRecord.KeyFinding], decision: Decision = .rejected) -> AuditRecord {
        AuditRecord(time: "2026-11-27T10:00:00Z", app: "api", environment: "production", ref: "refs/heads/main",
                    oldID: "a", newID: "b", pusher: "alice", decision: decision, findings: findings, reason: "", configVersion: 1)
    }

    func testReadSitesRoundTripThroughTheStoreEscaped() throws {
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        defer { store.close() }
        let findings = [AuditRecord.KeyFinding(key: "NEW_AUTH_TOKEN", status: "missing", readBy: "cmd/auth.go:3"),
                        AuditRecord.KeyFinding(key: "PAYMENT_KEY", status: "missing"),
                        AuditRecord.KeyFinding(key: "X", status: "missing", readBy: "cmd/\u{1b}[2Jx.go:9")]
        try store.appendAudit([record(findings)])  // escaped by the store, once
        let read = try store.audit(app: "api", environment: nil, limit: 10)
        XCTAssertEqual(read.first?.findings.map(\.readBy), ["cmd/auth.go:3", nil, "cmd/\\x1b[2Jx.go:9"])
        XCTAssertEqual(read.first?.findings.first?.storedText, "NEW_AUTH_TOKEN missing (read by cmd/auth.go:3)")
        XCTAssertEqual(read.first?.findings[1].storedText, "PAYMENT_KEY missing")
        XCTAssertEqual(read.first?.findings[2].storedText, #"X missing (read by cmd/\x1b[2Jx.go:9)"#, "shown escaped once")
    }

    func testRowsWrittenByEarlierVersionsReadWithoutReadSites() throws {
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        store.close()
        // An earlier version's row: findings as {key, status} only.
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        try connection.execute("""
            INSERT INTO audit (at, app, environment, ref, old_id, new_id, pusher, decision, findings, reason, config_version)
            VALUES ('2026-01-01T00:00:00Z', 'api', 'production', 'refs/heads/main', 'a', 'b', 'bob', 'deployed',
                    '[{"key":"TOKEN","status":"staged"}]', '', 3)
            """)
        connection.close()
        let reopened = try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: 5000)
        defer { reopened.close() }
        let deploy = try reopened.lastDeploy(app: "api", environment: "production")
        XCTAssertEqual(deploy?.findings, [AuditRecord.KeyFinding(key: "TOKEN", status: "staged")])
    }

    func testTheJSONOfAFindingCarriesReadByOnlyWhenThereIsOne() {
        let json = AuditRecord.json(findings: [AuditRecord.KeyFinding(key: "A", status: "missing", readBy: "a.go:1"),
                                               AuditRecord.KeyFinding(key: "B", status: "staged")]).encoded()
        XCTAssertEqual(json, #"[{"key":"A","status":"missing","readBy":"a.go:1"},{"key":"B","status":"staged"}]"#)
        XCTAssertEqual(AuditRecord.findings(fromJSON: json).map(\.readBy), ["a.go:1", nil])
    }
}
