import Foundation
import XCTest

/// The push workflow: audited override, sync inside the push, notes on deployed commits, audit log.
final class WorkflowTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private let secret = "wf-SECRET-value-5e1d"

    /// production (main) with three instances and a key set but not transmitted.
    private func unsyncedApp(config: [(String, String)] = [], install: [String] = []) throws -> (repo: String, work: String, head: String) {
        let repo = try sandbox.bareRepository("billing-api", install: install, config: config)
        try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1", "web.2", "web.3")
        let set = try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "NEW_AUTH_TOKEN=-", input: secret)
        XCTAssertEqual(set.status, 0, set.all)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["NEW_AUTH_TOKEN"])])
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (repo, work, head)
    }

    private func audit(_ extra: String...) throws -> [[String: Any]] {
        let output = try sandbox.run([sandbox.binary, "audit", "--json"] + extra)
        XCTAssertEqual(output.status, 0, output.all)
        return try pushRecords(output)
    }

    /// The decisions of pre-receive (or update), newest first: what the audit log holds
    /// besides post-receive's `deployed` records.
    private func decisions(_ extra: String...) throws -> [[String: Any]] {
        try audit().filter { $0["decision"] as? String != "deployed" }
    }

    private func note(_ repo: String, _ commit: String) throws -> String {
        try sandbox.git("notes", "--ref=pushguard", "show", commit, in: repo).stdout
    }

    func testAckWithoutReasonDeploysAndRecordsTheOverride() throws {
        let (repo, work, head) = try unsyncedApp()
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("accepted by override (recorded): config not synchronized"), push.stderr)
        XCTAssertTrue(push.stderr.contains("NEW_AUTH_TOKEN  staged   applied on 0 of 3 instances"), push.stderr)
        let records = try audit()
        XCTAssertEqual(records.map { $0["decision"] as? String }, ["deployed", "overridden"],
                       "the decision, then the deploy post-receive saw happen")
        XCTAssertEqual(records.first?["reason"] as? String, "overridden")
        let record = records[1]
        XCTAssertEqual(record["decision"] as? String, "overridden")
        XCTAssertEqual(record["pusher"] as? String, "alice")
        XCTAssertEqual(record["newId"] as? String, head)
        XCTAssertEqual((record["findings"] as? [[String: String]])?.first, ["key": "NEW_AUTH_TOKEN", "status": "staged"])
        let note = try note(repo, head)
        XCTAssertTrue(note.contains("pushguard: overridden deploy of billing-api to production"), note)
        XCTAssertTrue(note.contains("out of sync: NEW_AUTH_TOKEN staged"), note)
        XCTAssertTrue(note.contains("override by alice"), note)
    }

    func testAckWithReasonKeepsTheReasonInAuditAndNote() throws {
        let (repo, work, head) = try unsyncedApp()
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=hotfix for INC-7"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("override reason: hotfix for INC-7"), push.stderr)
        XCTAssertEqual(try decisions().first?["reason"] as? String, "hotfix for INC-7")
        XCTAssertTrue(try note(repo, head).contains("override by alice: hotfix for INC-7"))
        let log = try sandbox.git("log", "--notes=pushguard", "-1", "main", in: repo).stdout
        XCTAssertTrue(log.contains("Notes (pushguard):"), log)
        XCTAssertTrue(log.contains("hotfix for INC-7"), log)
    }

    func testRejectionsAreAuditedWithFindingsAndGetNoNote() throws {
        let (repo, work, head) = try unsyncedApp()
        XCTAssertNotEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let record = try XCTUnwrap(try audit("--app", "billing-api", "--env", "production").first)
        XCTAssertEqual(record["decision"] as? String, "rejected")
        XCTAssertEqual(record["ref"] as? String, "refs/heads/main")
        XCTAssertEqual((record["findings"] as? [[String: String]])?.first?["status"], "staged")
        let notes = try sandbox.run(["git", "notes", "--ref=pushguard", "show", head], in: repo)
        XCTAssertNotEqual(notes.status, 0, "a rejected push leaves no note")
        let table = try sandbox.pushguard("audit")
        XCTAssertTrue(table.stdout.contains("rejected"), table.stdout)
        XCTAssertTrue(table.stdout.contains("NEW_AUTH_TOKEN staged"), table.stdout)
    }

    func testAcceptedInSyncPushIsAuditedAndNotedAndShownInStatus() throws {
        let (repo, work, head) = try unsyncedApp()
        try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production")
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        XCTAssertEqual(try audit().map { $0["decision"] as? String }, ["deployed", "accepted"])
        let note = try note(repo, head)
        XCTAssertTrue(note.contains("pushguard: accepted deploy of billing-api to production"), note)
        XCTAssertTrue(note.contains("config version: 1"), note)
        let status = try sandbox.pushguard("status", "--app", "billing-api")
        XCTAssertTrue(status.stdout.contains("last deploy: \(head.prefix(12)) (refs/heads/main)"), status.stdout)
        XCTAssertTrue(status.stdout.contains("by alice, in sync"), status.stdout)
    }

    private func transmitScript(exit status: Int, sleep seconds: Int = 0) throws -> String {
        let script = sandbox.path("transmit.sh")
        try """
        #!/bin/sh
        echo "delivering $PUSHGUARD_APP/$PUSHGUARD_ENV"
        echo "$PUSHGUARD_APP $PUSHGUARD_ENV" >> \(sandbox.path("transmitted.log"))
        sleep \(seconds)
        [ \(status) -eq 0 ] || echo "boom: platform API said no" >&2
        exit \(status)
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        return script
    }

    func testSyncOptionTransmitsInThePushThenAccepts() throws {
        let script = try transmitScript(exit: 0)
        let (repo, work, head) = try unsyncedApp(config: [("pushguard.transmitCommand", script)])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("transmit: delivering billing-api/production"), push.stderr)
        XCTAssertTrue(push.stderr.contains("billing-api/production: transmitted config version 1 in this push"), push.stderr)
        XCTAssertTrue(push.stderr.contains("accepted after sync"), push.stderr)
        XCTAssertEqual(try String(contentsOfFile: sandbox.path("transmitted.log"), encoding: .utf8), "billing-api production\n")
        let status = try sandbox.pushguard("status", "--app", "billing-api", "--env", "production")
        XCTAssertTrue(status.stdout.contains("NEW_AUTH_TOKEN  live    applied on 3 of 3 instances"), status.stdout)
        XCTAssertEqual(try audit().map { $0["decision"] as? String }, ["deployed", "synced"])
        XCTAssertTrue(try note(repo, head).contains("synced in this push: NEW_AUTH_TOKEN staged"))
    }

    func testAutoSyncTransmitsWithoutTheOption() throws {
        let script = try transmitScript(exit: 0)
        let (_, work, _) = try unsyncedApp(config: [("pushguard.transmitCommand", script), ("pushguard.production.autoSync", "true")])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("accepted after sync"), push.stderr)
    }

    func testAFailingTransmitCommandRejectsWithItsStatusAndLastLines() throws {
        let script = try transmitScript(exit: 3)
        let (_, work, _) = try unsyncedApp(config: [("pushguard.transmitCommand", script), ("pushguard.production.autoSync", "true")])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("sync in this push failed: the transmit command exited with status 3"), push.stderr)
        XCTAssertTrue(push.stderr.contains("transmit: boom: platform API said no"), push.stderr)
        XCTAssertTrue(push.stderr.contains("(pre-receive hook declined)"))
        let record = try XCTUnwrap(try audit().first)
        XCTAssertEqual(record["decision"] as? String, "rejected")
        XCTAssertTrue((record["reason"] as? String ?? "").contains("sync failed"), "\(record)")
        let status = try sandbox.pushguard("status", "--app", "billing-api", "--env", "production")
        XCTAssertTrue(status.stdout.contains("staged"), "nothing recorded as transmitted: \(status.stdout)")
    }

    func testAHangingTransmitCommandIsKilledAtTheTransmitTimeout() throws {
        let script = try transmitScript(exit: 0, sleep: 30)
        let (_, work, _) = try unsyncedApp(config: [("pushguard.transmitCommand", script), ("pushguard.transmitTimeout", "1s")])
        let started = Date()
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("did not finish within 1000 ms and was killed (pushguard.transmitTimeout)"), push.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "the push must not wait for the hung command")
    }

    func testATransmitTakingThreeSecondsSucceedsWithDefaultSettings() throws {
        let script = try transmitScript(exit: 0, sleep: 3)
        // pushguard.timeout stays the bound on store calls; the transmit command has its own.
        let (_, work, _) = try unsyncedApp(config: [("pushguard.transmitCommand", script), ("pushguard.timeout", "1s")])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("accepted after sync"), push.stderr)
    }

    func testSyncIsNotRunWhenOnlyAKeyThatIsNotSetIsOutOfSync() throws {
        let script = try transmitScript(exit: 0)
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.transmitCommand", script),
                                                                      ("pushguard.production.autoSync", "true")])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["STRIPE_KEY"])])
        for options in [[], ["pushguard.sync"]] {
            let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: options)
            XCTAssertNotEqual(push.status, 0)
            XCTAssertTrue(push.stderr.contains("not synced in this push: nothing to transmit would fix this (STRIPE_KEY is not set)"), push.stderr)
            XCTAssertFalse(push.stderr.contains("transmit: delivering"), push.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.path("transmitted.log")), "no delivery to the platform")
    }

    func testWithoutATransmitCommandNoSyncIsOffered() throws {
        let (_, work, _) = try unsyncedApp()
        let plain = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.stderr.contains("transmit first:  pushguard config transmit --app billing-api --env production"), plain.stderr)
        XCTAssertFalse(plain.stderr.contains("pushguard.sync"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("or deploy anyway (recorded):  git push -o pushguard.ack"), plain.stderr)
        let asked = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertTrue(asked.stderr.contains("sync in this push failed: pushguard.transmitCommand is not set"), asked.stderr)
        XCTAssertFalse(asked.stderr.contains("or sync in this push"), asked.stderr)
    }

    func testAnAcceptedOverrideSaysWhatToDoNow() throws {
        let (_, work, _) = try unsyncedApp(config: [("pushguard.transmitCommand", "true")])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=INC-7"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("transmit now:  pushguard config transmit --app billing-api --env production"), push.stderr)
        XCTAssertFalse(push.stderr.contains("transmit first"), push.stderr)
        XCTAssertFalse(push.stderr.contains("or sync in this push"), push.stderr)
    }

    func testInWarnModeAFailedSyncIsAcceptedWithTheWarningAndTheFailure() throws {
        let script = try transmitScript(exit: 3)
        let (repo, work, head) = try unsyncedApp(config: [("pushguard.transmitCommand", script), ("pushguard.production.mode", "warn")])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("sync in this push failed: the transmit command exited with status 3"), push.stderr)
        XCTAssertTrue(push.stderr.contains("accepted with warning: config not synchronized"), push.stderr)
        let record = try XCTUnwrap(try decisions().first)
        XCTAssertEqual(record["decision"] as? String, "warned")
        XCTAssertEqual(record["reason"] as? String, "sync failed: the transmit command exited with status 3")
        XCTAssertTrue(try note(repo, head).contains("reason: sync failed: the transmit command exited with status 3"))
    }

    func testTheKeyBlockAlignsItsColumnsAcrossRows() throws {
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1", "web.2")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "NEW_AUTH_TOKEN=-", input: secret)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["NEW_AUTH_TOKEN", "STRIPE_KEY"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        let rows = push.stderr.split(separator: "\n").filter { $0.contains("required by app.json") }
        XCTAssertEqual(rows.count, 2, push.stderr)
        let columns = Set(rows.map { $0.distance(from: $0.startIndex, to: $0.range(of: "required by")!.lowerBound) })
        XCTAssertEqual(columns.count, 1, "\(rows)")
    }

    func testAuditReasonsAreNotCutMidWord() throws {
        let (_, work, _) = try unsyncedApp()
        let reason = "rollback of the payments release because the new checkout flow double charges returning customers overnight"
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=" + reason]).status, 0)
        let table = try sandbox.pushguard("audit", "--app", "billing-api")
        let decided = try XCTUnwrap(table.stdout.split(separator: "\n").first { $0.contains("overridden") && !$0.contains("deployed") })
        XCTAssertTrue(decided.hasSuffix("the new checkout flow double charges …"), String(decided))
        let deployed = try XCTUnwrap(table.stdout.split(separator: "\n").first { $0.contains("deployed") })
        XCTAssertTrue(deployed.hasSuffix("overridden; rollback of the payments release because the new checkout flow …"), String(deployed))
    }

    func testNoteCommitsCarryPushGuardsOwnMessageAlsoOnAFannedOutNotesTree() throws {
        let (repo, work, head) = try unsyncedApp()
        try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production")
        // A notes tree as git writes it once it holds many notes: a directory per first two hex digits.
        let old = String(repeating: "1", count: 40)
        let noteBlob = try sandbox.run(["git", "hash-object", "-w", "--stdin"], in: repo, input: "an earlier record\n")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let inner = try sandbox.run(["git", "mktree"], in: repo, input: "100644 blob \(noteBlob)\t\(old.dropFirst(2))\n")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let outer = try sandbox.run(["git", "mktree"], in: repo, input: "040000 tree \(inner)\t11\n")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try sandbox.git("commit-tree", outer, "-m", "earlier notes", in: repo).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.git("update-ref", "refs/notes/pushguard", commit, in: repo)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let message = try sandbox.git("log", "-1", "--format=%B", "refs/notes/pushguard", in: repo).stdout
        XCTAssertTrue(message.hasPrefix("PushGuard: deploy notes on 1 commit"), message)
        XCTAssertFalse(message.contains("libgit2"), message)
        XCTAssertEqual(try sandbox.git("rev-list", "--count", "refs/notes/pushguard", in: repo).stdout, "2\n", "one notes commit per push")
        XCTAssertTrue(try note(repo, head).contains("pushguard: accepted deploy of billing-api to production"))
        XCTAssertEqual(try sandbox.git("notes", "--ref=pushguard", "show", old, in: repo).stdout, "an earlier record\n")
    }

    func testAFlatNotesTreeGetsPushGuardsMessageToo() throws {
        let (repo, work, _) = try unsyncedApp()
        try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production")
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let message = try sandbox.git("log", "-1", "--format=%s", "refs/notes/pushguard", in: repo).stdout
        XCTAssertEqual(message, "PushGuard: deploy notes on 1 commit\n")
    }

    func testSyncWithoutATransmitCommandSaysHowToTransmit() throws {
        let (_, work, _) = try unsyncedApp()
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("pushguard.transmitCommand is not set"), push.stderr)
    }

    func testPusherIdentityPrecedence() throws {
        let (_, work, _) = try unsyncedApp()
        _ = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                            environment: ["GL_USERNAME": "gitlab-bob", "REMOTE_USER": "http-carol", "USER": "unix-dave"])
        XCTAssertEqual(try audit().first?["pusher"] as? String, "gitlab-bob")
        _ = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                            environment: ["PUSHGUARD_USER": "explicit-erin", "GL_USERNAME": "gitlab-bob"])
        XCTAssertEqual(try audit().first?["pusher"] as? String, "explicit-erin")
        _ = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                            environment: ["GITHUB_USER_LOGIN": "octo-frank", "GL_USER": "gitolite-gina", "USER": "unix-dave"])
        XCTAssertEqual(try audit().first?["pusher"] as? String, "octo-frank")
        _ = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                            environment: ["GL_USER": "gitolite-gina", "REMOTE_USER": "http-carol"])
        XCTAssertEqual(try audit().first?["pusher"] as? String, "gitolite-gina")
    }

    func testGitLabRejectionStartsWithTheHookErrorPrefix() throws {
        let (_, work, _) = try unsyncedApp()
        let push = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work, environment: ["GL_ID": "user-42"])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("remote: GL-HOOK-ERR: pushguard: push to billing-api/production (refs/heads/main) rejected"), push.stderr)
    }

    func testPerRefModeHonoursPushOptions() throws {
        let (repo, work, head) = try unsyncedApp(install: ["--per-ref"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=per-ref works"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertEqual(try decisions().first?["reason"] as? String, "per-ref works")
        XCTAssertTrue(try note(repo, head).contains("per-ref works"))
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: repo + "/pushguard-push")) ?? [], [],
                       "post-receive cleans up what the hooks handed over")
        // The directory stays between pushes; uninstall takes it out with the hooks.
        XCTAssertTrue(FileManager.default.fileExists(atPath: repo + "/pushguard-push"))
        let uninstall = try sandbox.pushguard("install", "--repo", repo, "--per-ref", "--uninstall")
        XCTAssertEqual(uninstall.status, 0, uninstall.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/pushguard-push"), uninstall.all)
    }

    func testWithoutAdvertisedPushOptionsTheMessageSaysHowToEnableThem() throws {
        let (repo, work, _) = try unsyncedApp()
        try sandbox.git("config", "receive.advertisePushOptions", "false", in: repo)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("git config receive.advertisePushOptions true"), push.stderr)
        XCTAssertFalse(push.stderr.contains("git push -o"), push.stderr)
    }

    func testNoValueInAnyOutputNoteOrAuditRow() throws {
        let script = try transmitScript(exit: 0)
        let (repo, work, _) = try unsyncedApp(config: [("pushguard.transmitCommand", script)])
        var outputs = [try sandbox.push("HEAD:refs/heads/main", from: work)]
        outputs.append(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=x"]))
        try sandbox.commit(in: work, files: ["b": "2"], message: "second")
        outputs.append(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"]))
        outputs.append(try sandbox.pushguard("audit"))
        outputs.append(try sandbox.pushguard("audit", "--json"))
        outputs.append(try sandbox.pushguard("status", "--app", "billing-api"))
        outputs.append(try sandbox.run(["git", "log", "--notes=pushguard", "main"], in: repo))
        for output in outputs { XCTAssertFalse(output.all.contains(secret), output.all) }
        XCTAssertNil(sandbox.allBytes(below: repo).range(of: Data(secret.utf8)))
        XCTAssertNil(sandbox.allBytes(below: sandbox.path("store")).range(of: Data(secret.utf8)))
    }
}
