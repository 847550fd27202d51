import XCTest
import PushGuardCore
import PushGuardSystem
@testable import PushGuardStore

/// A new SQLite store must run in WAL mode; where the file system or path cannot give it WAL
/// the store is refused rather than created in a mode the hooks were not designed for.
final class JournalModeTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-wal" }

    func testANewStoreIsInWALMode() throws {
        let path = directory + "/state.db"
        try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000).close()
        let connection = try SQLiteConnection(path: path, create: false, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        XCTAssertEqual(try connection.query("PRAGMA journal_mode", []).first?.string("journal_mode"), "wal")
    }

    func testAnInMemoryDatabaseIsRefused() {
        XCTAssertThrowsError(try SQLStore.sqlite(path: ":memory:", create: true, timeoutMilliseconds: 5000)) { error in
            XCTAssertEqual((error as? Failure)?.kind, .store)
            XCTAssertTrue("\(error)".contains("WAL"), "\(error)")
            XCTAssertTrue("\(error)".contains("\"memory\""), "\(error)")
        }
    }

    func testAFileSystemWithoutSharedMemoryIsRefused() throws {
        // SQLite's unix-dotfile VFS has no shared-memory methods, like a file system that
        // cannot map the -shm file: journal_mode=WAL is refused and the old mode stays.
        let path = "file:\(directory)/state.db?vfs=unix-dotfile"
        XCTAssertThrowsError(try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)) { error in
            XCTAssertEqual((error as? Failure)?.kind, .store)
            XCTAssertTrue("\(error)".contains("WAL"), "\(error)")
            XCTAssertTrue("\(error)".contains("\"delete\""), "\(error)")
        }
        // Refused before the schema was made: opening it again fails the same way.
        XCTAssertThrowsError(try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000))
    }
}
