import XCTest

/// A test case with a fresh temporary directory of its own, removed after each test.
class DirectoryTestCase: XCTestCase {
    var directory = ""

    /// Begins the directory's name, so a leftover says which tests made it.
    class var directoryPrefix: String { "pushguard-store" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = NSTemporaryDirectory() + "\(Self.directoryPrefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        super.tearDown()
    }
}
