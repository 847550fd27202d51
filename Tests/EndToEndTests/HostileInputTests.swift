import Foundation
import XCTest

/// Hostile stdin, arguments and manifests: never a crash, trap or hang; a clear message; the
/// spec's exit status; bounded time, memory and output; no raw control byte to the pusher.
final class HostileInputTests: XCTestCase {
    var sandbox: Sandbox!
    var repo: String!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        repo = try sandbox.bareRepository("shop")
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
    }

    override func tearDown() { sandbox = nil }

    /// Runs the installed pre-receive hook directly with `input`; asserts it ended by itself
    /// (no signal) within `seconds`, printed a bounded message without raw control bytes.
    @discardableResult
    private func hook(_ input: Data, name: String = "pre-receive", arguments: [String] = [], seconds: Double = 10,
                      file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        let inputPath = sandbox.path("input-\(UUID().uuidString)")
        try input.write(to: URL(fileURLWithPath: inputPath))
        let started = Date()
        let output = try sandbox.run(["sh", "-c", "exec \"$0\" \"$@\" < \"\(inputPath)\"", repo + "/hooks/" + name] + arguments,
                                     in: repo, environment: ["GIT_DIR": repo])
        XCTAssertLessThan(Date().timeIntervalSince(started), seconds, "bounded time", file: file, line: line)
        XCTAssertLessThan(output.status, 128, "ended by itself, not by a signal (crash or trap): \(output.all.prefix(500))",
                          file: file, line: line)
        XCTAssertLessThan(output.all.utf8.count, 16_384, "bounded output", file: file, line: line)
        XCTAssertFalse(output.stderr.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7f },
                       "no raw control byte reaches the pusher", file: file, line: line)
        return output
    }

    private var zero: String { String(repeating: "0", count: 40) }

    func testEmptyInputIsAcceptedQuietly() throws {
        let output = try hook(Data())
        XCTAssertEqual(output.status, 0, output.all)
    }

    func testGarbageAndLinesWithoutThreeFieldsAreRefusedWithTheLine() throws {
        for input in ["garbage\n", "\(zero) \(zero)\n", "a b c d e\n", "\n\n\(zero)\n"] {
            let output = try hook(Data(input.utf8))
            XCTAssertEqual(output.status, 2, input)
            XCTAssertTrue(output.stderr.contains("pushguard: refusing: hook input line"), output.stderr)
        }
    }

    func testNonHexAndUnknownIdsAreHandled() throws {
        let nonHex = try hook(Data("\(zero) \(String(repeating: "z", count: 40)) refs/heads/main\n".utf8))
        XCTAssertEqual(nonHex.status, 2)
        XCTAssertTrue(nonHex.stderr.contains("not a 40 or 64 digit hex object id"), nonHex.stderr)
        let unknown = try hook(Data("\(zero) \(String(repeating: "e", count: 40)) refs/heads/main\n".utf8))
        XCTAssertEqual(unknown.status, 1, "an unknown commit deploys nothing readable: rejected")
        XCTAssertTrue(unknown.stderr.contains("not found in the repository"), unknown.stderr)
    }

    func testATreeOrBlobPushedToABranchIsReported() throws {
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let tree = try sandbox.git("rev-parse", "side^{tree}", in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let output = try hook(Data("\(zero) \(tree) refs/heads/main\n".utf8))
        XCTAssertEqual(output.status, 1)
        XCTAssertTrue(output.stderr.contains("is a tree, not a commit"), output.stderr)
    }

    func testMegabytesOfRandomBytesAndNulBytes() throws {
        var generator = SystemRandomNumberGenerator()
        let random = Data((0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        XCTAssertEqual(try hook(random).status, 2)
        let nul = try hook(Data("\(zero) \(zero) refs/heads/ma".utf8) + Data([0]) + Data("in\n".utf8))
        XCTAssertEqual(nul.status, 2)
        XCTAssertTrue(nul.stderr.contains("NUL"), nul.stderr)
    }

    func testASingleTwoMegabyteLine() throws {
        let line = "\(zero) \(zero) refs/heads/" + String(repeating: "x", count: 2 << 20) + "\n"
        let output = try hook(Data(line.utf8))
        XCTAssertEqual(output.status, 2)
        XCTAssertTrue(output.stderr.contains("bytes long"), output.stderr)
    }

    func testOddRefNamesAreEscapedNotInterpreted() throws {
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["MISSING"])])
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        try sandbox.git("config", "--add", "pushguard.production.ref", "refs/heads/**", in: repo)
        for ref in ["refs/heads/ünïcødé-☃", "refs/heads/\u{1b}[2J\u{1b}[31mred", "refs/heads/tab\there", "refs/heads/\u{202e}evil"] {
            let output = try hook(Data("\(zero) \(head) \(ref)\n".utf8))
            XCTAssertEqual(output.status, 1, ref)
            XCTAssertTrue(output.stderr.contains("MISSING  missing"), output.stderr)
            XCTAssertFalse(output.stderr.contains("\u{202e}"), "bidi override escaped")
        }
        // And a real push of a unicode branch name.
        let push = try sandbox.push("HEAD:refs/heads/ünïcødé", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("refs/heads/ünïcødé"), push.stderr)
    }

    func testUpdateHookWithHostileArguments() throws {
        try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/update", withDestinationPath: sandbox.binary)
        for arguments in [[], ["refs/heads/main"], ["refs/heads/main", "nothex", zero], ["a", "b", "c", "d"]] {
            let output = try hook(Data(), name: "update", arguments: arguments)
            XCTAssertEqual(output.status, 2, "\(arguments): \(output.all)")
        }
    }

    // MARK: manifests, pushed for real

    private func pushManifest(_ files: [String: Data], extra: (String) throws -> Void = { _ in },
                              staged: (String) throws -> Void = { _ in }) throws -> Output {
        let work = sandbox.path("work-\(UUID().uuidString.prefix(6))")
        try sandbox.git("init", "-q", "-b", "main", work, in: sandbox.root.path)
        for (name, data) in files {
            let url = URL(fileURLWithPath: work).appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        try extra(work)
        try sandbox.git("add", "-A", in: work)
        try staged(work)
        try sandbox.git("commit", "-q", "-m", "hostile", in: work)
        let started = Date()
        let push = try sandbox.run(["git", "push", repo!, "HEAD:refs/heads/main"], in: work)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "bounded time")
        XCTAssertFalse(push.stderr.contains("signal"), push.stderr)
        XCTAssertLessThan(push.stderr.utf8.count, 16_384, "bounded output")
        let remoteLines = push.stderr.split(separator: "\n").filter { $0.hasPrefix("remote:") }
        for line in remoteLines {
            XCTAssertFalse(line.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\u{1b}") || $0.value == 0x7f || $0 == "\u{1b}" },
                           "no raw control byte: \(line.debugDescription)")
        }
        return push
    }

    func testDeeplyNestedManifest() throws {
        let push = try pushManifest(["app.json": Data(("{\"env\": " + String(repeating: "[", count: 200_000)).utf8)])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("nesting deeper than"), push.stderr)
    }

    func testSixtyThousandKeysAreSummarized() throws {
        let keys = (0..<60_000).map { "\"K\($0)\":\"\"" }.joined(separator: ",")
        let push = try pushManifest(["app.json": Data("{\"env\": {\(keys)}}".utf8)])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("… and 59980 more"), push.stderr)
        let audit = try sandbox.pushguard("audit", "--json", "--limit", "1")
        XCTAssertLessThan(audit.stdout.utf8.count, 64_000, "the audit record is bounded too")
        XCTAssertTrue(audit.stdout.contains("59800 more finding(s) not recorded"), String(audit.stdout.suffix(300)))
    }

    func testFiveMegabyteManifestIsRefusedWithoutReading() throws {
        let push = try pushManifest(["app.json": Data(repeating: UInt8(ascii: " "), count: 5 << 20)])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("over the 1 MiB limit"), push.stderr)
    }

    func testInvalidUTF8Manifest() throws {
        let push = try pushManifest(["app.json": Data([0x7b, 0x22, 0x65, 0xff, 0xfe, 0x22, 0x7d])])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("invalid UTF-8"), push.stderr)
    }

    func testManifestThatIsADirectoryASymlinkOrASubmodule() throws {
        let directory = try pushManifest(["app.json/inner": Data("{}".utf8)])
        XCTAssertTrue(directory.stderr.contains("cannot be read: it is a directory, not a file"), directory.stderr)
        let link = try pushManifest(["target.json": Data("{}".utf8)]) { work in
            try FileManager.default.createSymbolicLink(atPath: work + "/app.json", withDestinationPath: "/etc/passwd")
        }
        XCTAssertTrue(link.stderr.contains("cannot be read: it is a symbolic link, not a file"), link.stderr)
        let submodule = try pushManifest(["README": Data("x".utf8)], staged: { work in
            try self.sandbox.git("update-index", "--add", "--cacheinfo", "160000",
                                 String(repeating: "a", count: 40), "app.json", in: work)
        })
        XCTAssertTrue(submodule.stderr.contains("cannot be read: it is a submodule, not a file"), submodule.stderr)
    }

    func testEscapeSequencesInKeysAndDescriptionsNeverReachTheTerminal() throws {
        let manifest = "{\"env\": {\"EVIL\\u001b]0;owned\\u0007\\u001b[2J\": {\"description\": \"\\u001b[31mred\\u009b\"}, \"K\": \"ok\"}}"
        let push = try pushManifest(["app.json": Data(manifest.utf8)])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("EVIL\\x1b]0;owned\\x07\\x1b[2J  missing"), push.stderr)
    }
}
