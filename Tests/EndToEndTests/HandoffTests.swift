import Foundation
import XCTest

/// The hand-over from pre-receive to the later hooks is keyed by the push, not by the parent
/// process: under GitLab's Gitaly one long-lived process starts the hooks of every push.
/// Here the test process is that parent: it runs the hooks of two pushes, interleaved, the
/// way git would (same stdin, environment and ref updates), against a real bare repository.
final class HandoffTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A guarded repository whose production is out of sync, and two commits ready in it.
    private func twoPendingPushes(install: [String] = []) throws -> (repo: String, base: String, a: String, b: String) {
        let repo = try sandbox.bareRepository("billing-api", install: install)
        try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1")
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production",
                                             "NEW_AUTH_TOKEN=-", input: "v").status, 0)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        // The base goes out with an override so main exists; A and B wait on side branches.
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=base"]).status, 0)
        let base = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        try sandbox.commit(in: work, files: ["a.txt": "a"], message: "a")
        let a = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/side-a", from: work).status, 0)
        try sandbox.git("checkout", "-q", base, in: work)
        try sandbox.commit(in: work, files: ["b.txt": "b"], message: "b")
        let b = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/side-b", from: work).status, 0)
        return (repo, base, a, b)
    }

    /// Runs one of PushGuard's hooks in `repo` as git would, as `user`, with push options.
    private func hook(_ name: String, _ arguments: [String] = [], repo: String, input: String = "", user: String,
                      options: [String]) throws -> Output {
        var environment = ["GIT_DIR": repo, "USER": user, "GIT_PUSH_OPTION_COUNT": String(options.count)]
        for (index, option) in options.enumerated() { environment["GIT_PUSH_OPTION_\(index)"] = option }
        return try sandbox.run([repo + "/hooks/" + name] + arguments, input: input, environment: environment)
    }

    func testInterleavedPushesFromOneParentKeepTheirOwnReasonsAndNotes() throws {
        let (repo, base, a, b) = try twoPendingPushes()
        let lineA = "\(base) \(a) refs/heads/main\n", lineB = "\(base) \(b) refs/heads/main\n"
        let preA = try hook("pre-receive", repo: repo, input: lineA, user: "alice", options: ["pushguard.ack=reason A"])
        XCTAssertEqual(preA.status, 0, preA.all)
        let preB = try hook("pre-receive", repo: repo, input: lineB, user: "bob", options: ["pushguard.ack=reason B"])
        XCTAssertEqual(preB.status, 0, preB.all)
        // git moves main to A and runs A's post-receive; B's push then fails its ref lock.
        try sandbox.git("update-ref", "refs/heads/main", a, base, in: repo)
        let postA = try hook("post-receive", repo: repo, input: lineA, user: "alice", options: ["pushguard.ack=reason A"])
        XCTAssertEqual(postA.status, 0, postA.all)
        let note = try sandbox.git("notes", "--ref=pushguard", "show", a, in: repo).stdout
        XCTAssertTrue(note.contains("override by alice: reason A"), note)
        XCTAssertFalse(note.contains("reason B"), note)
        XCTAssertNotEqual(try sandbox.run(["git", "notes", "--ref=pushguard", "show", b], in: repo).status, 0,
                          "B never deployed, so it has no note")
    }

    func testAnUpdateHookReadsItsOwnPushsOptionsNotAnotherPushs() throws {
        let (repo, base, a, b) = try twoPendingPushes(install: ["--per-ref"])
        let lineA = "\(base) \(a) refs/heads/main\n", lineB = "\(base) \(b) refs/heads/main\n"
        XCTAssertEqual(try hook("pre-receive", repo: repo, input: lineA, user: "alice", options: ["pushguard.ack=reason A"]).status, 0)
        XCTAssertEqual(try hook("pre-receive", repo: repo, input: lineB, user: "bob", options: []).status, 0)
        let updateA = try hook("update", ["refs/heads/main", base, a], repo: repo, user: "alice", options: [])
        XCTAssertEqual(updateA.status, 0, "alice's push carried an override: \(updateA.all)")
        XCTAssertTrue(updateA.stderr.contains("override reason: reason A"), updateA.stderr)
        let updateB = try hook("update", ["refs/heads/main", base, b], repo: repo, user: "bob", options: [])
        XCTAssertEqual(updateB.status, 1, "bob's push had no override, whatever alice's said: \(updateB.all)")
    }

    func testAPushRefusedAfterPreReceiveLeavesNoDeployAndNoNote() throws {
        let (repo, base, a, _) = try twoPendingPushes()
        let line = "\(base) \(a) refs/heads/main\n"
        XCTAssertEqual(try hook("pre-receive", repo: repo, input: line, user: "carol", options: ["pushguard.ack=x"]).status, 0)
        // A later hook refused main: git runs post-receive with no line for it.
        XCTAssertEqual(try hook("post-receive", repo: repo, input: "", user: "carol", options: ["pushguard.ack=x"]).status, 0)
        XCTAssertNotEqual(try sandbox.run(["git", "notes", "--ref=pushguard", "show", a], in: repo).status, 0)
    }
}
