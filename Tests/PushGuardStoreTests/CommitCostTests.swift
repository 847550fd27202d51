import XCTest
import PushGuardCore
import PushGuardSystem
@testable import PushGuardStore

/// What a SQLite commit costs a hook, and what it keeps (see SQLiteConnection and the README's
/// "What a power cut can lose"): every hook is a new process, so the store is opened, written
/// once and closed again and again here, the way hooks use it.
final class CommitCostTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-commit" }

    private func record(_ number: Int, _ decision: Decision) -> AuditRecord {
        AuditRecord(time: "2026-01-01T00:00:00Z", app: "shop", environment: "production", ref: "refs/heads/main",
                    oldID: "0", newID: String(number), pusher: "alice", decision: decision, findings: [],
                    reason: decision == .overridden ? "hotfix" : "", configVersion: 1)
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Closing does not checkpoint, so each new connection reads the WAL back: it must stay
    /// short however many hooks ran (it is checkpointed and truncated every 100 pages), and
    /// nothing written is lost on the way.
    func testTheWALStaysShortAcrossConnectionsAndKeepsEveryRecord() throws {
        let path = directory + "/state.db"
        try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000).close()
        var largest = 0
        for number in 0..<400 {
            let store = try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: 5000)
            try store.appendAudit([record(number, number % 50 == 0 ? .overridden : .accepted)])
            store.close()
            largest = max(largest, fileSize(path + "-wal"))
        }
        XCTAssertGreaterThan(largest, 0, "the WAL is kept between connections")
        // 100 pages of 4 KiB with their frame headers, plus the last commit's pages.
        XCTAssertLessThan(largest, 110 * (4096 + 24) + 32, "the WAL grew to \(largest) bytes")
        let store = try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: 5000)
        defer { store.close() }
        let kept = try store.audit(app: "shop", environment: "production", limit: 1000)
        XCTAssertEqual(Set(kept.map(\.newID)), Set((0..<400).map(String.init)))
        XCTAssertEqual(kept.filter { $0.decision == .overridden }.count, 8)
    }

    /// An unsynced commit changes the setting for that commit only: the next one is synced.
    func testOnlyTheMarkedCommitIsUnsynced() throws {
        let path = directory + "/state.db"
        try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000).close()
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        func synchronous() throws(SQLError) -> Int64? { try connection.query("PRAGMA synchronous", []).first?.int64("synchronous") }
        XCTAssertEqual(try synchronous(), 2, "FULL by default")
        connection.nextCommitUnsynced = true
        let during = try connection.transaction(write: true, lock: "") { () throws(SQLError) in try synchronous() }
        XCTAssertEqual(during, 1, "NORMAL for the marked commit")
        XCTAssertEqual(try synchronous(), 2, "FULL again after it")
        let reading = try connection.transaction(write: false, lock: "") { () throws(SQLError) in try synchronous() }
        XCTAssertEqual(reading, 2)
    }
}
