import Foundation
import XCTest

/// Pushes that carry a lot (hundreds of refs sharing a 30,000-key app.json, a key name of a
/// mebibyte), pushed for real: what the pusher reads and what the audit log keeps stay bounded.
final class BoundedPushTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// The `remote:` lines of a push's output, as the pusher reads them.
    private func remoteBytes(_ output: Output) -> Int {
        output.stderr.split(separator: "\n").filter { $0.hasPrefix("remote: ") }.reduce(0) { $0 + $1.utf8.count + 1 }
    }

    private func auditRecords() throws -> [[String: Any]] {
        let output = try sandbox.pushguard("audit", "--json", "--limit", "10000")
        XCTAssertEqual(output.status, 0, output.all)
        let records = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] ?? []
        return records.filter { $0["decision"] as? String != "registered" }
    }

    /// A record's findings and reason as stored, in bytes.
    private func recordedBytes(_ record: [String: Any]) throws -> Int {
        let findings = try JSONSerialization.data(withJSONObject: record["findings"] ?? [])
        return findings.count + ((record["reason"] as? String)?.utf8.count ?? 0)
    }

    func testTwoHundredRefsSharingA30000KeyManifestPrintAndRecordItOnce() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.production.ref", "refs/heads/release/*")])
        let keys = (0..<30_000).map { "\"KEY_\($0)\": \"needed\"" }.joined(separator: ", ")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{\"env\": {" + keys + "}}"])
        // 200 release branches, each one commit after the previous (a real history), all with
        // the first commit's app.json: written by git fast-import, one process.
        var stream = ""
        for index in 0..<200 {
            stream += "commit refs/heads/release/r\(index)\nmark :\(index + 1)\n"
            stream += "committer t <t@example.com> \(1_700_000_000 + index) +0000\ndata 2\nr\n"
            stream += index == 0 ? "from refs/heads/main\n" : "from :\(index)\n"
            let body = "release \(index)\n"
            stream += "M 100644 inline release.txt\ndata \(body.utf8.count)\n\(body)\n"
        }
        let imported = try sandbox.run(["git", "fast-import", "--quiet"], in: work, input: stream)
        XCTAssertEqual(imported.status, 0, imported.all)

        let pushed = try sandbox.run(["git", "push", "origin", "refs/heads/release/*:refs/heads/release/*"], in: work)
        XCTAssertNotEqual(pushed.status, 0, "30,000 keys are not set")
        XCTAssertLessThanOrEqual(remoteBytes(pushed), 64 << 10, String(pushed.stderr.prefix(2000)))
        XCTAssertTrue(pushed.stderr.contains("remote: pushguard:   KEY_0      missing  not set  required by app.json"),
                      String(pushed.stderr.prefix(2000)))
        XCTAssertEqual(pushed.stderr.components(separatedBy: "config not synchronized").count - 1, 1, "one block")
        XCTAssertTrue(pushed.stderr.contains("rejected: the same 30000 keys, for 200 refs"), String(pushed.stderr.prefix(4000)))

        let records = try auditRecords()
        XCTAssertEqual(records.count, 200, "every ref's decision is recorded")
        XCTAssertEqual(Set(records.compactMap { $0["decision"] as? String }), ["rejected"])
        let withFindings = records.filter { ($0["findings"] as? [Any])?.isEmpty == false }
        XCTAssertEqual(withFindings.count, 1, "the findings are recorded once")
        XCTAssertEqual((withFindings.first?["findings"] as? [Any])?.count, 200)
        let total = try records.reduce(0) { $0 + (try recordedBytes($1)) }
        XCTAssertLessThan(total, 64 << 10, "200 records of a 30,000-key manifest")
    }

    func testManifestsThatDifferAreReadUpTo16MiBPerPush() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.production.ref", "refs/heads/release/*")])
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "A=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "shop\n"])
        // 20 refs, each with its own app.json of 900,000 bytes: 18 MB in all.
        var stream = ""
        for index in 0..<20 {
            let manifest = "{\"env\": {\"A\": \"" + String(repeating: "d", count: 900_000 - 30) + String(format: "%04d", index) + "\"}}"
            stream += "commit refs/heads/release/r\(String(format: "%02d", index))\nmark :\(index + 1)\n"
            stream += "committer t <t@example.com> \(1_700_000_000 + index) +0000\ndata 2\nr\n"
            stream += index == 0 ? "from refs/heads/main\n" : "from :\(index)\n"
            stream += "M 100644 inline app.json\ndata \(manifest.utf8.count)\n\(manifest)\n"
        }
        let imported = try sandbox.run(["git", "fast-import", "--quiet"], in: work, input: stream)
        XCTAssertEqual(imported.status, 0, imported.all)
        let pushed = try sandbox.run(["git", "push", "origin", "refs/heads/release/*:refs/heads/release/*"], in: work)
        XCTAssertNotEqual(pushed.status, 0)
        let notRead = pushed.stderr.split(separator: "\n").filter {
            $0.contains("cannot be read: not read: this push's distinct manifests already came to the limit of 16 MiB in all; push fewer refs at once")
        }
        // 18 manifests (16.2 MB) fit in 16 MiB; the last two are not read.
        XCTAssertEqual(notRead.count, 2, String(pushed.stderr.prefix(3000)))
        XCTAssertTrue(notRead.first?.contains("(refs/heads/release/r18)") == true, "\(notRead)")
        XCTAssertTrue(pushed.stderr.contains("push these refs in smaller batches"), String(pushed.stderr.prefix(3000)))
    }

    func testAKeyNameOfAMebibyteIsRefusedWithItsLengthAndStartNotCarriedAround() throws {
        let repo = try sandbox.bareRepository("shop")
        let key = String(repeating: "A", count: (1 << 20) - 40)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{\"env\": {\"\(key)\": \"x\"}}"])
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0)
        let start = "\"" + String(repeating: "A", count: 40) + "…\""
        XCTAssertTrue(refused.stderr.contains("cannot be read: env has a key of \(key.utf8.count) bytes, over the limit of 256: " + start),
                      String(refused.stderr.prefix(2000)))
        XCTAssertTrue(refused.stderr.contains("shorten that name in app.json to at most 256 bytes"), String(refused.stderr.prefix(2000)))
        XCTAssertLessThan(remoteBytes(refused), 4096)
        let records = try auditRecords()
        XCTAssertEqual(records.count, 1)
        XCTAssertLessThan(try recordedBytes(records[0]), 512, "\(records[0]["reason"] ?? "")")
    }
}
