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

    /// Only the marked commit is unsynced: the next write commits with FULL again. The setting
    /// is changed only where a commit needs the other one, so it can stay NORMAL in between.
    func testOnlyTheMarkedCommitIsUnsynced() throws {
        let path = directory + "/state.db"
        try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000).close()
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        func synchronous() throws(SQLError) -> Int64? { try connection.query("PRAGMA synchronous", []).first?.int64("synchronous") }
        func write() throws -> Int64? { try connection.transaction(write: true, lock: "") { () throws(SQLError) in try synchronous() } }
        XCTAssertEqual(try synchronous(), 2, "FULL is SQLite's default, which the connection relies on without setting it")
        XCTAssertEqual(try write(), 2, "an unmarked commit is synced")
        connection.nextCommitUnsynced = true
        XCTAssertEqual(try write(), 1, "NORMAL for the marked commit")
        XCTAssertEqual(try write(), 2, "FULL again for the next")
        connection.nextCommitUnsynced = true
        XCTAssertEqual(try write(), 1)
        connection.nextCommitUnsynced = true
        XCTAssertEqual(try write(), 1, "two marked commits in a row")
        XCTAssertEqual(try write(), 2)
    }

    /// Opened by root (the tests run as root), the store is hardened against a file the git
    /// user wrote: no function that is not innocuous runs from the schema, a trigger planted in
    /// it does not fire, and ordinary SQL cannot rewrite the schema (defensive mode).
    func testRootOpensTheStoreWithSQLitesDefences() throws {
        XCTAssertTrue(Identity.isRoot, "this test is about root opening the git user's file")
        let path = directory + "/state.db"
        try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000).close()
        // What the git user can do to the file: a trigger that erases every audit record.
        let planter = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        try planter.execute("CREATE TRIGGER planted AFTER INSERT ON audit BEGIN DELETE FROM audit; END")
        planter.close()
        let store = try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: 5000)
        defer { store.close() }
        guard let sqlite = store.connection as? SQLiteConnection else { return XCTFail("not a SQLite connection") }
        XCTAssertEqual(try sqlite.query("PRAGMA trusted_schema", []).first?.int64("trusted_schema"), 0)
        try store.appendAudit([AuditRecord(time: "2026-01-01T00:00:00Z", app: "shop", environment: "production", ref: "refs/heads/main",
                                           oldID: "", newID: "abc", pusher: "ann", decision: .accepted, findings: [],
                                           reason: "", configVersion: 0)])
        XCTAssertEqual(try store.audit(app: "shop", environment: nil, limit: 10).map(\.newID), ["abc"], "the planted trigger did not run")
        XCTAssertThrowsError(try sqlite.execute("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = sql WHERE name = 'audit'"),
                             "defensive mode: the schema cannot be written with SQL")
        XCTAssertEqual(try sqlite.query("PRAGMA journal_mode = OFF", []).first?.string("journal_mode"), "wal",
                       "defensive mode: journaling cannot be turned off")
    }
}
