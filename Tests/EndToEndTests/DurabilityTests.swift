import Foundation
import XCTest

/// Which audit records are on disk before pre-receive answers (README, "What a power cut can
/// lose"): overrides and syncs are synced to disk; plain accepted and rejected decisions are
/// committed without a sync. Seen from outside, with strace.
final class DurabilityTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// Runs pre-receive for `head` → main under strace; returns its output and its sync calls
    /// (with `execve` too when `programs` is set, to see which syncs came after a child ran).
    private func preReceive(_ repo: String, _ head: String, options: [String] = [],
                            programs: Bool = false) throws -> (Output, [Substring]) {
        let trace = sandbox.path("syncs-\(UUID().uuidString.prefix(8))")
        var environment = ["GIT_DIR": repo, "GIT_PUSH_OPTION_COUNT": String(options.count)]
        for (index, option) in options.enumerated() { environment["GIT_PUSH_OPTION_\(index)"] = option }
        let calls = "trace=fsync,fdatasync,sync_file_range,sync,syncfs" + (programs ? ",execve" : "")
        let output = try sandbox.run(["strace", "-f", "-qq", "-e", calls,
                                      "-o", trace, repo + "/hooks/pre-receive"],
                                     in: repo, input: "\(String(repeating: "0", count: 40)) \(head) refs/heads/main\n",
                                     environment: environment)
        let syncs = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { !$0.contains("+++") }
        return (output, syncs)
    }

    /// An out-of-sync app: K set for production but not transmitted; returns the repository and
    /// the pushed commit.
    private func outOfSync(config: [(String, String)] = []) throws -> (String, String) {
        let repo = try sandbox.bareRepository("shop", config: config)
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        return (repo, try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A warning (mode warn) writes nothing to the store but its audit record: that commit is synced.
    func testWarningsAreSynced() throws {
        let (repo, head) = try outOfSync(config: [("pushguard.mode", "warn")])
        let (warned, syncs) = try preReceive(repo, head)
        XCTAssertEqual(warned.status, 0, warned.all)
        XCTAssertTrue(try sandbox.pushguard("audit", "--app", "shop").stdout.contains("warned"))
        XCTAssertFalse(syncs.isEmpty, "a warning's record is synced to disk before the hook answers")
    }

    /// A sync in the push commits twice after the transmit command ran: the transmit, then the
    /// audit record. Both sync the WAL (the same descriptor, twice; SQLite also syncs the
    /// directory once, on another).
    func testSyncsInThePushAreSynced() throws {
        let script = sandbox.path("transmit.sh")
        try "#!/bin/sh\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let (repo, head) = try outOfSync(config: [("pushguard.transmitCommand", script)])
        let (synced, calls) = try preReceive(repo, head, options: ["pushguard.sync"], programs: true)
        XCTAssertEqual(synced.status, 0, synced.all)
        XCTAssertTrue(synced.stderr.contains("accepted after sync"), synced.all)
        guard let transmit = calls.lastIndex(where: { $0.contains("execve(") && $0.contains("transmit.sh") }) else {
            return XCTFail("the transmit command did not run: \(calls)")
        }
        // "1234 fdatasync(4) = 0" -> "4"
        let descriptors = calls[calls.index(after: transmit)...].compactMap { call -> Substring? in
            guard let open = call.firstIndex(of: "("), call[..<open].hasSuffix("sync"),
                  let close = call[open...].firstIndex(of: ")") else { return nil }
            return call[call.index(after: open)..<close]
        }
        let mostOnOne = Dictionary(grouping: descriptors, by: { $0 }).values.map(\.count).max() ?? 0
        XCTAssertGreaterThanOrEqual(mostOnOne, 2, "the transmit and the audit record are both synced: \(calls)")
    }

    func testOverridesAreSyncedPlainDecisionsAreNot() throws {
        let repo = try sandbox.bareRepository("shop")
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let (accepted, acceptedSyncs) = try preReceive(repo, head)
        XCTAssertEqual(accepted.status, 0, accepted.all)
        XCTAssertEqual(acceptedSyncs, [], "an accepted push's record is committed without a sync")

        // Out of sync: a new value not transmitted. Refused, then pushed with an override.
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "w")
        let (rejected, rejectedSyncs) = try preReceive(repo, head)
        XCTAssertNotEqual(rejected.status, 0, rejected.all)
        XCTAssertEqual(rejectedSyncs, [], "a refused push's record is committed without a sync")
        let (overridden, overrideSyncs) = try preReceive(repo, head, options: ["pushguard.ack=hotfix"])
        XCTAssertEqual(overridden.status, 0, overridden.all)
        XCTAssertFalse(overrideSyncs.isEmpty, "an override's record is synced to disk before the hook answers")

        // Unsynced is not unwritten: every decision is in the audit log.
        let audit = try sandbox.pushguard("audit", "--app", "shop", "--env", "production")
        XCTAssertEqual(audit.status, 0, audit.all)
        for decision in ["accepted", "rejected", "overridden"] {
            XCTAssertTrue(audit.stdout.contains(decision), "\(decision) missing from the audit log:\n\(audit.stdout)")
        }
    }
}
