import Foundation
import XCTest
import PushGuardCore
import PushGuardGit

/// What the scan for new environment-variable reads says it left out, on a real repository with
/// a small budget (a push's real one is 10,000 files and 256 MiB): new versions not scanned and
/// old versions not compared with are different things to a pusher.
final class ReadScanBudgetTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pushguard-scan-budget-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try git("init", "-q")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    private func git(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory, "-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "git \(arguments)")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func commit(_ files: [String: String]) throws -> String {
        for (path, text) in files {
            try text.write(toFile: directory + "/" + path, atomically: true, encoding: .utf8)
        }
        try git("add", "-A")
        try git("commit", "-q", "-m", "x")
        return try git("rev-parse", "HEAD")
    }

    /// The new version fits the bytes left, the old one does not: the new read is found, the
    /// old read cannot be told apart from a new one, and the warning says exactly that.
    func testOldVersionsOverTheBudgetAreSaidNotComparedNotNotScanned() throws {
        let padding = "// " + String(repeating: "p", count: 4000) + "\n"
        let base = try commit(["a.go": "package a\n\nimport \"os\"\n\nvar old = os.Getenv(\"OLD_KEY\")\n" + padding])
        let newText = "package a\n\nimport \"os\"\n\nvar old = os.Getenv(\"OLD_KEY\")\nvar added = os.Getenv(\"NEW_KEY\")\n"
        let new = try commit(["a.go": newText])
        let repository = try Repository.open(path: directory)
        var budget = ScanBudget(files: 100, bytes: newText.utf8.count + 100)
        let scan = repository.addedReads(base: base, new: new, ignore: .none, budget: &budget)
        XCTAssertNil(scan.failure)
        XCTAssertEqual(scan.scannedFiles, 1)
        XCTAssertEqual(scan.overBudget, 0, "every new version was scanned")
        XCTAssertEqual(scan.oldOverBudget, 1)
        XCTAssertEqual(Set(scan.added.map(\.name)), ["OLD_KEY", "NEW_KEY"], "OLD_KEY is reported as new: the old version was not read")
        let notes = scan.notes(range: "base..new")
        XCTAssertEqual(notes, ["1 changed file(s) in base..new not compared with their old versions (a push scans at most 10000 files and 256 MiB): a read the old versions already had may be reported as new; push in smaller steps to have them compared"])
        XCTAssertFalse(notes.joined().contains("not scanned"), "the new versions were scanned")

        // With enough budget, the old version is read and OLD_KEY is not new.
        var enough = ScanBudget()
        let full = repository.addedReads(base: base, new: new, ignore: .none, budget: &enough)
        XCTAssertEqual(full.added.map(\.name), ["NEW_KEY"])
        XCTAssertEqual(full.notes(range: "base..new"), [])
    }

    /// New versions over the budget are the ones "not scanned".
    func testNewVersionsOverTheBudgetAreSaidNotScanned() throws {
        let base = try commit(["a.go": "package a\n"])
        let new = try commit(["a.go": "package a\n\nimport \"os\"\n\nvar added = os.Getenv(\"NEW_KEY\")\n" + "// " + String(repeating: "p", count: 4000) + "\n"])
        let repository = try Repository.open(path: directory)
        var budget = ScanBudget(files: 100, bytes: 1000)
        let scan = repository.addedReads(base: base, new: new, ignore: .none, budget: &budget)
        XCTAssertEqual(scan.overBudget, 1)
        XCTAssertEqual(scan.oldOverBudget, 0)
        XCTAssertEqual(scan.added, [])
        XCTAssertEqual(scan.notes(range: "base..new"), ["1 changed file(s) in base..new not scanned for new environment-variable reads: a push scans at most 10000 files and 256 MiB; push in smaller steps to have them checked"])
    }
}
