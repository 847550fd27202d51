import XCTest
import Glibc
import PushGuardSystem
@testable import PushGuardStore

/// The store's files are created by PushGuard with their modes, and root refuses what it did
/// not create. (End to end, with real users: TrustBoundaryTests.)
final class StoreFilesTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-files" }

    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    func testTheFileAnSQLitePathNames() {
        XCTAssertEqual(StoreFiles.filePath(of: "/var/lib/pushguard/state.db"), "/var/lib/pushguard/state.db")
        XCTAssertEqual(StoreFiles.filePath(of: "file:/srv/a%20b/state.db?vfs=unix-dotfile"), "/srv/a b/state.db")
        XCTAssertEqual(StoreFiles.filePath(of: "file:///srv/state.db#x"), "/srv/state.db")
        XCTAssertEqual(StoreFiles.filePath(of: "file://localhost/srv/state.db"), "/srv/state.db")
        XCTAssertNil(StoreFiles.filePath(of: ":memory:"))
        XCTAssertNil(StoreFiles.filePath(of: "file::memory:"))
        XCTAssertNil(StoreFiles.filePath(of: "file:shared?mode=memory&cache=shared"))
    }

    /// Root checks the file SQLite will open, so the path is decoded as SQLite decodes a URI:
    /// `%` and two hex digits, anything else after a `%` kept (Swift's `UInt8("+f", radix: 16)`
    /// would read `%+f` as 0x0f), and `%00` ends the path.
    func testTheFileIsTheOneSQLiteDecodes() {
        XCTAssertEqual(StoreFiles.filePath(of: "file:/srv/a%+f.db"), "/srv/a%+f.db")
        XCTAssertEqual(StoreFiles.filePath(of: "file:/srv/a%-0.db"), "/srv/a%-0.db")
        XCTAssertEqual(StoreFiles.filePath(of: "file:/srv/%41%62.db"), "/srv/Ab.db")
        XCTAssertEqual(StoreFiles.filePath(of: "file:/srv/state.db%4"), "/srv/state.db%4")
        XCTAssertEqual(StoreFiles.filePath(of: "file:/srv/c%00d.db?mode=rwc"), "/srv/c")
    }

    func testANewStoreAndKeyGetTheirModesWhateverTheUmask() throws {
        let old = umask(0)
        defer { umask(old) }
        let path = directory + "/state.db"
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        // While the connection is open, SQLite's -wal and -shm exist, with the database's mode.
        XCTAssertEqual(mode(path), 0o640)
        XCTAssertEqual(mode(path + "-wal"), 0o640)
        XCTAssertEqual(mode(path + "-shm"), 0o640)
        store.close()
        _ = try DigestKey.loadOrCreate(path: directory + "/digest.key")
        XCTAssertEqual(mode(directory + "/digest.key"), 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".new-") }, [],
                       "no temporary key file is left")
    }

    func testAStoreThatDoesNotExistIsNotCreatedWhenOnlyRead() {
        let path = directory + "/absent/state.db"
        XCTAssertThrowsError(try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: 5000)) { error in
            XCTAssertTrue("\(error)".contains("SQLite store \(path) does not exist"), "\(error)")
        }
        XCTAssertFalse(Files.exists(directory + "/absent"))
    }

    func testRootRefusesALinkForTheStoreOrTheKeyAndCreatesNothingThrough() throws {
        try requireOrSkip(Identity.isRoot, "the refusals are root's (CI runs as root)")
        let target = directory + "/target"
        let path = directory + "/state.db"
        XCTAssertEqual(symlink(target, path), 0)
        XCTAssertThrowsError(try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)) { error in
            XCTAssertTrue("\(error)".contains("state.db as root: it is a symbolic link (to \(target))"), "\(error)")
        }
        XCTAssertEqual(symlink(target, directory + "/digest.key"), 0)
        XCTAssertThrowsError(try DigestKey.loadOrCreate(path: directory + "/digest.key")) { error in
            XCTAssertTrue("\(error)".contains("digest.key as root: it is a symbolic link"), "\(error)")
        }
        XCTAssertFalse(Files.exists(target))
        // A path through a linked directory: SQLite itself is told not to follow it.
        try FileManager.default.createDirectory(atPath: directory + "/real", withIntermediateDirectories: true)
        XCTAssertEqual(symlink(directory + "/real", directory + "/linked"), 0)
        try SQLStore.sqlite(path: directory + "/real/state.db", create: true, timeoutMilliseconds: 5000).close()
        XCTAssertThrowsError(try SQLStore.sqlite(path: directory + "/linked/state.db", create: false, timeoutMilliseconds: 5000)) { error in
            XCTAssertTrue("\(error)".contains("through a symbolic link in its path"), "\(error)")
        }
    }
}
