import Foundation
import XCTest

/// PushGuard's deploy notes stay whole: nothing a pusher pushes can block or replace them,
/// concurrent deploys lose none, a commit deployed twice keeps both records, and a deploy whose
/// hand-over went missing says so instead of leaving no trace.
final class NotesIntegrityTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A repository whose production deploys from `refs/heads/release/*`; the store has a key
    /// for it, transmitted unless `transmitted` is false. Store calls get a long bound: many
    /// pushes at once on two cores must not be refused because SQLite was busy.
    private func releaseRepository(transmitted: Bool = true, install: [String] = []) throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository("billing-api", install: install, config: [
            ("pushguard.production.ref", "refs/heads/release/*"), ("pushguard.timeout", "1m"),
        ])
        try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1")
        let set = try sandbox.run([sandbox.binary, "config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-"]
                                  + (transmitted ? ["--transmit"] : []), input: "v")
        XCTAssertEqual(set.status, 0, set.all)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        return (repo, work)
    }

    private func notes(_ repo: String) throws -> [String] {
        try sandbox.git("notes", "--ref=pushguard", "list", in: repo).stdout.split(separator: "\n").map(String.init)
    }

    private func audit() throws -> [[String: Any]] {
        let output = try sandbox.run([sandbox.binary, "audit", "--json", "--limit", "1000"])
        XCTAssertEqual(output.status, 0, output.all)
        return try pushRecords(output)
    }

    // MARK: the notes ref belongs to post-receive

    func testNoPushCanWriteBesideOrBeneathTheNotesRefAndDeployNotesKeepWorking() throws {
        for install in [[], ["--per-ref"]] {
            sandbox = try Sandbox()
            let (repo, work) = try releaseRepository(install: install)
            // A ref beneath the notes ref would make refs/notes/pushguard a directory (no note
            // could ever be written again); another case is the same file on some file systems.
            // (git itself refuses refs/notes, which would make refs/notes a file.)
            for target in ["refs/notes/pushguard/anything", "refs/notes/pushguard/a/b", "refs/notes/PushGuard"] {
                let push = try sandbox.push("HEAD:" + target, from: work)
                XCTAssertNotEqual(push.status, 0, "\(install) \(target): \(push.all)")
                XCTAssertTrue(push.stderr.contains("refusing " + target + ": "), "\(install) \(target): \(push.stderr)")
                XCTAssertTrue(push.stderr.contains("refs/notes/pushguard"), push.stderr)
            }
            let refs = try sandbox.git("for-each-ref", "--format=%(refname)", "refs/notes", in: repo).stdout
            XCTAssertEqual(refs, "", "\(install): nothing was created under refs/notes")
            // A normal deploy still gets its note.
            let head = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
            let deploy = try sandbox.push("HEAD:refs/heads/release/one", from: work)
            XCTAssertEqual(deploy.status, 0, deploy.all)
            XCTAssertFalse(deploy.stderr.contains("warning"), deploy.stderr)
            XCTAssertTrue(try sandbox.git("notes", "--ref=pushguard", "show", head, in: repo).stdout
                .contains("pushguard: accepted deploy of billing-api to production"))
            // A name that only starts like the notes ref's is the team's own.
            try sandbox.git("update-ref", "refs/notes/pushguard-old", head, in: repo)
            let other = try sandbox.push(":refs/notes/pushguard-old", from: work)
            XCTAssertEqual(other.status, 0, other.all)
            let deletion = try sandbox.push(":refs/notes/pushguard", from: work)
            XCTAssertNotEqual(deletion.status, 0, deletion.all)
            XCTAssertTrue(deletion.stderr.contains("refusing refs/notes/pushguard: "), deletion.stderr)
            XCTAssertEqual(try notes(repo).count, 1)
        }
    }

    func testANotesRefMadeADirectoryBeforeTheFixIsNamedInTheWarning() throws {
        let (repo, work) = try releaseRepository()
        let head = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        // Left by a push that an earlier version let through.
        try sandbox.git("update-ref", "refs/notes/pushguard/stray", head, in: repo)
        let deploy = try sandbox.push("HEAD:refs/heads/release/one", from: work)
        XCTAssertEqual(deploy.status, 0, deploy.all)
        XCTAssertTrue(deploy.stderr.contains("warning: no deploy notes written for 1 deploy(s)"), deploy.stderr)
        XCTAssertTrue(deploy.stderr.contains("refs/notes/pushguard/stray"), deploy.stderr)
        XCTAssertTrue(deploy.stderr.contains("git update-ref -d"), deploy.stderr)
    }

    // MARK: concurrent deploys

    func testFiftyConcurrentDeploysIntoOneRepositoryLeaveFiftyNotes() throws {
        let (repo, work) = try releaseRepository()
        var commits: [String] = []
        for index in 0..<50 {
            try sandbox.commit(in: work, files: ["n.txt": "\(index)"], message: "change \(index)")
            commits.append(trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout))
        }
        // The objects go to the server first (main is not mapped): each push below only moves a ref.
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        // By path, not by remote name: 50 pushes must not contend for the work tree's own refs.
        let outputs = try sandbox.runAllAtOnce(commits.enumerated().map { index, commit in
            (["git", "push", repo, "\(commit):refs/heads/release/r\(index)"], work)
        })
        for (index, output) in outputs.enumerated() {
            XCTAssertEqual(output.status, 0, "r\(index): \(output.all)")
            XCTAssertFalse(output.stderr.contains("warning"), "r\(index): \(output.stderr)")
        }
        let noted = try notes(repo).map { String($0.split(separator: " ")[1]) }
        XCTAssertEqual(Set(noted), Set(commits), "one note per deploy, none lost")
        for (index, commit) in commits.enumerated() {
            let note = try sandbox.git("notes", "--ref=pushguard", "show", commit, in: repo).stdout
            XCTAssertEqual(note.components(separatedBy: "pushguard: accepted deploy").count, 2, "r\(index): one record: \(note)")
            XCTAssertTrue(note.contains("ref: refs/heads/release/r\(index)"), note)
        }
        XCTAssertEqual(try audit().filter { $0["decision"] as? String == "deployed" }.count, 50)
    }

    func testALockLeftByADeadProcessCostsAPushBoundedTimeAndIsNamed() throws {
        let (repo, work) = try releaseRepository()
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/release/first", from: work).status, 0)
        // git's lock file for the notes ref, as a killed writer leaves it.
        try Data().write(to: URL(fileURLWithPath: repo + "/refs/notes/pushguard.lock"))
        try sandbox.commit(in: work, files: ["n.txt": "n"], message: "next")
        let started = Date()
        let push = try sandbox.push("HEAD:refs/heads/release/second", from: work)
        let took = Date().timeIntervalSince(started)
        XCTAssertEqual(push.status, 0, "the deploy itself went through: \(push.all)")
        XCTAssertTrue(push.stderr.contains("warning: no deploy notes written for 1 deploy(s)"), push.stderr)
        XCTAssertTrue(push.stderr.contains("refs/notes/pushguard.lock older than any push was left by a process that died"), push.stderr)
        XCTAssertGreaterThan(took, 9, "it waited for the lock")
        XCTAssertLessThan(took, 30, "but not without bound")
    }

    // MARK: a commit deployed twice

    func testAnOverrideNoteIsKeptWhenTheSameCommitDeploysAgain() throws {
        let (repo, work) = try releaseRepository(transmitted: false)
        let head = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        let override = try sandbox.push("HEAD:refs/heads/release/hotfix", from: work, options: ["pushguard.ack=INC-7 hotfix"])
        XCTAssertEqual(override.status, 0, override.all)
        XCTAssertEqual(try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production").status, 0)
        let plain = try sandbox.push("HEAD:refs/heads/release/regular", from: work)
        XCTAssertEqual(plain.status, 0, plain.all)
        let note = try sandbox.git("notes", "--ref=pushguard", "show", head, in: repo).stdout
        XCTAssertTrue(note.contains("pushguard: overridden deploy of billing-api to production\nref: refs/heads/release/hotfix"), note)
        XCTAssertTrue(note.contains("override by alice: INC-7 hotfix"), note)
        XCTAssertTrue(note.contains("pushguard: accepted deploy of billing-api to production\nref: refs/heads/release/regular"), note)
        let overridden = try XCTUnwrap(note.range(of: "overridden deploy")), accepted = try XCTUnwrap(note.range(of: "accepted deploy"))
        XCTAssertLessThan(overridden.lowerBound, accepted.lowerBound, "the earlier record first")
    }

    func testConcurrentOverridesOfOneCommitIntoAFreshRepositoryAllKeepTheirRecords() throws {
        let (repo, work) = try releaseRepository(transmitted: false)
        let head = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        XCTAssertNotEqual(try sandbox.run(["git", "rev-parse", "--verify", "-q", "refs/notes/pushguard"], in: repo).status, 0,
                          "no notes ref yet: every post-receive below may be the one that creates it")
        // Twelve pushes of one commit, each with its own override, decided and moved; then
        // their post-receives let go at the same instant (a lock the test holds until all wait).
        let count = 12, zero = String(repeating: "0", count: 40)
        var commands: [[String]] = []
        let gate = sandbox.path("gate")
        for index in 0..<count {
            let line = "\(zero) \(head) refs/heads/release/r\(index)"
            let option = "pushguard.ack=reason \(index)"
            let pre = try hook("pre-receive", repo: repo, input: line + "\n", options: [option])
            XCTAssertEqual(pre.status, 0, pre.all)
            try sandbox.git("update-ref", "refs/heads/release/r\(index)", head, in: repo)
            commands.append(["GIT_DIR=" + repo, "GIT_PUSH_OPTION_COUNT=1", "GIT_PUSH_OPTION_0=" + option,
                             "flock", "-s", gate, "sh", "-c", "printf '%s\\n' \"$1\" | \"$0\"", repo + "/hooks/post-receive", line])
        }
        let held = open(gate, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        XCTAssertEqual(flock(held, LOCK_EX), 0)
        let outputs = try sandbox.runAllAtOnce(commands.map { ($0, work) }) {
            Thread.sleep(forTimeInterval: 1)
            close(held)
        }
        for (index, output) in outputs.enumerated() {
            XCTAssertEqual(output.status, 0, "r\(index): \(output.all)")
            XCTAssertEqual(output.stderr, "", "r\(index)")
        }
        let note = try sandbox.git("notes", "--ref=pushguard", "show", head, in: repo).stdout
        for index in 0..<count {
            XCTAssertTrue(note.contains("ref: refs/heads/release/r\(index)\n"), "r\(index) lost: \(note)")
            XCTAssertTrue(note.contains("override by alice: reason \(index)\n"), "reason \(index) lost: \(note)")
        }
    }

    // MARK: the hand-over from pre-receive

    /// Runs one of PushGuard's hooks in `repo` as git would.
    private func hook(_ name: String, repo: String, input: String, options: [String] = []) throws -> Output {
        var environment = ["GIT_DIR": repo, "GIT_PUSH_OPTION_COUNT": String(options.count)]
        for (index, option) in options.enumerated() { environment["GIT_PUSH_OPTION_\(index)"] = option }
        return try sandbox.run([repo + "/hooks/" + name], input: input, environment: environment)
    }

    /// Pre-receive of a push of `commit` to release/slow, run by hand; returns its ref line and
    /// the record it left.
    private func slowPush(repo: String, work: String) throws -> (line: String, commit: String, record: String) {
        let commit = trimmed(try sandbox.git("rev-parse", "HEAD", in: work).stdout)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0, "the objects reach the server")
        let zero = String(repeating: "0", count: 40)
        let line = "\(zero) \(commit) refs/heads/release/slow\n"
        let pre = try hook("pre-receive", repo: repo, input: line, options: ["pushguard.ack=slow"])
        XCTAssertEqual(pre.status, 0, pre.all)
        let records = try FileManager.default.contentsOfDirectory(atPath: repo + "/pushguard-push")
        XCTAssertEqual(records.count, 1, "\(records)")
        return (line, commit, repo + "/pushguard-push/" + records[0])
    }

    /// Another push, which (before post-receive of the slow one) cleans the hand-over directory.
    private func otherPush(work: String) throws {
        try sandbox.commit(in: work, files: ["other.txt": "x"], message: "other")
        let other = try sandbox.push("HEAD:refs/heads/release/other", from: work)
        XCTAssertEqual(other.status, 0, other.all)
    }

    func testAHandOverElevenMinutesOldStillGetsItsNote() throws {
        let (repo, work) = try releaseRepository()
        let (line, commit, record) = try slowPush(repo: repo, work: work)
        // A clock step, or a slow update hook: the record looks eleven minutes old.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-660)], ofItemAtPath: record)
        try otherPush(work: work)
        try sandbox.git("update-ref", "refs/heads/release/slow", commit, in: repo)
        let post = try hook("post-receive", repo: repo, input: line, options: ["pushguard.ack=slow"])
        XCTAssertEqual(post.status, 0, post.all)
        XCTAssertEqual(post.stderr, "", post.stderr)
        XCTAssertTrue(try sandbox.git("notes", "--ref=pushguard", "show", commit, in: repo).stdout
            .contains("ref: refs/heads/release/slow"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: record), "post-receive used and removed it")
    }

    func testADeployWhoseHandOverIsGoneWarnsThePusherAndIsAudited() throws {
        let (repo, work) = try releaseRepository()
        let (line, commit, record) = try slowPush(repo: repo, work: work)
        // Past the ageing bound (a clock stepped by a day): the next push removes it.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-25 * 3600)], ofItemAtPath: record)
        try otherPush(work: work)
        XCTAssertFalse(FileManager.default.fileExists(atPath: record), "aged out")
        try sandbox.git("update-ref", "refs/heads/release/slow", commit, in: repo)
        let post = try hook("post-receive", repo: repo, input: line, options: ["pushguard.ack=slow"])
        XCTAssertEqual(post.status, 0, post.all)
        XCTAssertTrue(post.stderr.contains("pushguard: warning: deploy of refs/heads/release/slow not recorded and no note written: the hand-over from pre-receive is missing ("),
                      post.stderr)
        XCTAssertNotEqual(try sandbox.run(["git", "notes", "--ref=pushguard", "show", commit], in: repo).status, 0)
        let row = try XCTUnwrap(try audit().first { $0["ref"] as? String == "refs/heads/release/slow" && $0["decision"] as? String == "deployed" })
        XCTAssertEqual(row["newId"] as? String, commit)
        XCTAssertTrue((row["reason"] as? String ?? "").contains("hand-over from pre-receive is missing"), "\(row)")
        // A push of an unmapped ref has no hand-over and needs none: no warning.
        try sandbox.commit(in: work, files: ["u.txt": "u"], message: "unmapped")
        let unmapped = try sandbox.push("HEAD:refs/heads/feature", from: work)
        XCTAssertEqual(unmapped.status, 0, unmapped.all)
        XCTAssertFalse(unmapped.stderr.contains("warning"), unmapped.stderr)
    }

    func testAHandOverThatCannotBeReadIsNamedInTheWarning() throws {
        let (repo, work) = try releaseRepository()
        let (line, commit, record) = try slowPush(repo: repo, work: work)
        try Data("not a record\n".utf8).write(to: URL(fileURLWithPath: record))
        try sandbox.git("update-ref", "refs/heads/release/slow", commit, in: repo)
        let post = try hook("post-receive", repo: repo, input: line, options: ["pushguard.ack=slow"])
        XCTAssertEqual(post.status, 0, post.all)
        XCTAssertTrue(post.stderr.contains("deploy of refs/heads/release/slow not recorded and no note written: the hand-over from pre-receive is missing ("),
                      post.stderr)
        XCTAssertTrue(post.stderr.contains("cannot be read"), post.stderr)
    }
}
