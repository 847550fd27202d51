import XCTest
import PushGuardCore

/// git's tree order, checked entry by entry: what it refuses, and that its cost is linear in
/// the names' length, counted in bytes compared rather than timed.
final class TreeOrderTests: XCTestCase {
    /// The problem of the first entry that has one, and the bytes compared in all.
    private func check(_ entries: [(String, directory: Bool)]) -> (problem: TreeOrder.Problem?, steps: Int, bytes: Int) {
        // One buffer for every name: the check keeps pointers into it, as into a tree object.
        let names = entries.map { Array($0.0.utf8) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, names.reduce(0) { $0 + $1.count }), alignment: 1)
        defer { buffer.deallocate() }
        var order = TreeOrder()
        var offset = 0
        for (name, entry) in zip(names, entries) {
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + name.count])
            slice.copyBytes(from: name)
            offset += name.count
            if let problem = order.add(UnsafeRawBufferPointer(slice), directory: entry.directory) {
                return (problem, order.steps, offset)
            }
        }
        return (nil, order.steps, offset)
    }

    func testGitsOrderIsAcceptedAndADirectorySortsAsIfItEndedInASlash() {
        // foo-bar, foo.txt, then the directory foo (plain byte order would put foo first).
        XCTAssertNil(check([("app.json", false), ("foo-bar", false), ("foo.txt", false), ("foo", true), ("zeta", false)]).problem)
        XCTAssertEqual(check([("foo", true), ("foo.txt", false)]).problem, .unsorted)
        XCTAssertEqual(check([("b", false), ("a", false)]).problem, .unsorted)
    }

    func testANameTwiceIsRefusedEvenAsAFileAndADirectoryApart() {
        XCTAssertEqual(check([("app.json", false), ("app.json", false)]).problem, .duplicate)
        XCTAssertEqual(check([("deploy", false), ("deploy.txt", false), ("deploy", true)]).problem, .duplicate)
        XCTAssertNil(check([("deploy", false), ("deploy.txt", false), ("deployer", true)]).problem)
    }

    func testTheCostIsLinearInTheNamesLength() {
        // 4,000 directories a!!…!, …, a!!, a! in git's order (longest first), each name starting
        // with every name after it: a check comparing each name with every earlier one it starts
        // with compares 8 million names of up to 4,000 bytes; a linear one, each byte about twice.
        let nested = (1...4_000).reversed().map { ("a" + String(repeating: "!", count: $0), directory: true) }
        let directories = check(nested)
        XCTAssertNil(directories.problem)
        XCTAssertLessThanOrEqual(directories.steps, 2 * directories.bytes, "\(directories.steps) bytes compared for \(directories.bytes)")
        // The same as files, shortest first (git's order for files): every file stays a candidate
        // a later directory could repeat, and each new name is checked against the latest only.
        let files = check((1...4_000).map { ("a" + String(repeating: "!", count: $0), directory: false) } + [("b", true)])
        XCTAssertNil(files.problem)
        XCTAssertLessThanOrEqual(files.steps, 2 * files.bytes + 4_001, "\(files.steps) bytes compared for \(files.bytes)")
    }
}
