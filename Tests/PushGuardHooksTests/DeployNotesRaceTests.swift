import Foundation
import XCTest
import PushGuardGit

/// Deploy notes written by pushes that run at the same moment: each push's note survives.
/// libgit2 checks "the ref does not exist yet" before it takes the ref's lock, so two pushes
/// that both create the notes ref could each believe they were first, and the second would
/// replace the first's notes. The ref is therefore created by compare-and-swap against "absent",
/// checked under the lock.
final class DeployNotesRaceTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pushguard-notes-race-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func bareRepository(_ name: String) throws -> String {
        let path = directory + "/" + name
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["init", "--quiet", "--bare", path]
        try git.run()
        git.waitUntilExit()
        XCTAssertEqual(git.terminationStatus, 0)
        return path
    }

    /// The commit ids each writer notes: made-up ids are enough, a notes tree names commits.
    private func commitID(round: Int, writer: Int) -> String {
        String(format: "%08x", round) + String(repeating: "0", count: 24) + String(format: "%08x", writer)
    }

    func testWritersThatAllCreateTheNotesRefAtOnceLoseNoNote() throws {
        let rounds = 150, writers = 6
        var lost: [String] = []
        for round in 0..<rounds {
            let path = try bareRepository("r\(round)")
            let start = DispatchSemaphore(value: 0)
            let failures = FailureList()
            let group = DispatchGroup()
            for writer in 0..<writers {
                let commit = commitID(round: round, writer: writer)
                DispatchQueue.global().async(group: group) {
                    start.wait()
                    do {
                        let repository = try Repository.open(path: path)
                        try repository.appendNotes([(commit, "pushguard: accepted deploy \(writer)")], author: "w\(writer)")
                    } catch {
                        failures.add("\(commit): \(error)")
                    }
                }
            }
            for _ in 0..<writers { start.signal() }
            group.wait()
            XCTAssertEqual(failures.items, [], "round \(round): every writer's note was written")
            let repository = try Repository.open(path: path)
            for writer in 0..<writers where try repository.note(on: commitID(round: round, writer: writer)) == nil {
                lost.append("round \(round), writer \(writer)")
            }
        }
        XCTAssertEqual(lost, [], "\(lost.count) of \(rounds * writers) notes lost")
    }
}

private final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ item: String) { lock.lock(); list.append(item); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
