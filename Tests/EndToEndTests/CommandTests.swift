import Foundation
import XCTest
import PushGuardCore

/// The admin CLI as a user runs it: exit codes, messages, the store's behaviour.
final class CommandTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        // What install would have done: the store exists and knows the apps used here.
        try sandbox.register("a", "e", "production")
    }
    override func tearDown() { sandbox = nil }

    func testSettingAKeyToItsCurrentValueCreatesNoVersion() throws {
        let first = try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "K=-", input: "one\n")
        XCTAssertTrue(first.stdout.contains("config version 1"), first.stdout)
        let same = try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "K=-", input: "one\n")
        XCTAssertTrue(same.stdout.contains("no change"), same.stdout)
        let changed = try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "K=-", input: "two\n")
        XCTAssertTrue(changed.stdout.contains("config version 2"), changed.stdout)
        let unset = try sandbox.pushguard("config", "unset", "--app", "a", "--env", "production", "K")
        XCTAssertTrue(unset.stdout.contains("config version 3"), unset.stdout)
        let again = try sandbox.pushguard("config", "unset", "--app", "a", "--env", "production", "K")
        XCTAssertTrue(again.stdout.contains("no change"), again.stdout)
    }

    func testStatusShowsStatusCountsAndAShortDigestButNoValue() throws {
        try sandbox.pushguard("instances", "add", "--app", "a", "--env", "production", "web.1", "web.2")
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "TOKEN=-", input: "hunter2")
        try sandbox.pushguard("config", "transmit", "--app", "a", "--env", "production", "--instance", "web.1")
        let status = try sandbox.pushguard("status", "--app", "a", "--env", "production")
        XCTAssertEqual(status.status, 0, status.all)
        XCTAssertTrue(status.stdout.contains("TOKEN  partial  applied on 1 of 2 instances"), status.stdout)
        XCTAssertTrue(status.stdout.contains("alice"), status.stdout)
        XCTAssertFalse(status.stdout.contains("hunter2"))
    }

    func testStatusJSONIsTheStateDocument() throws {
        try sandbox.pushguard("instances", "add", "--app", "a", "--env", "production", "web.1")
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "TOKEN=-", "--transmit", input: "x")
        let json = try sandbox.pushguard("status", "--app", "a", "--env", "production", "--json")
        XCTAssertEqual(json.status, 0, json.all)
        let state = try StateDocument.decode(Array(json.stdout.utf8))
        XCTAssertEqual(state.desiredVersion, 1)
        XCTAssertEqual(state.instances, [Instance(id: "web.1", appliedVersion: 1)])
        XCTAssertEqual(state.config.map(\.key), ["TOKEN"])
        XCTAssertTrue(state.config[0].digest.hasPrefix("hmac-sha256:"))
    }

    func testNewInstanceStartsAtTheLastTransmittedVersion() throws {
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "K=-", "--transmit", input: "1")
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "K=-", input: "2")
        try sandbox.pushguard("instances", "add", "--app", "a", "--env", "production", "web.9")
        let list = try sandbox.pushguard("instances", "list", "--app", "a", "--env", "production")
        XCTAssertTrue(list.stdout.contains("web.9     active  1        behind by 1"), list.stdout)
    }

    func testCheckGivesTheHookDecisionWithoutPushing() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let rejected = try sandbox.pushguard("check", "--repo", repo, "--ref", "refs/heads/main", "--commit", "side")
        XCTAssertEqual(rejected.status, 1)
        XCTAssertTrue(rejected.stderr.contains("PAYMENT_KEY  missing"), rejected.stderr)
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "PAYMENT_KEY=-", "--transmit", input: "k")
        let accepted = try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "side")
        XCTAssertEqual(accepted.status, 0, accepted.all)
        XCTAssertTrue(accepted.stderr.contains("config in sync (version 1)"), accepted.stderr)
    }

    func testUsageErrorsExitTwoWithHelpNotAStackTrace() throws {
        let missing = try sandbox.pushguard("config", "set", "--app", "a")
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("Usage:"), missing.stderr)
        let badKey = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "1BAD=x")
        XCTAssertEqual(badKey.status, 2)
        XCTAssertTrue(badKey.stderr.contains("is not a variable name"), badKey.stderr)
        let noEquals = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "TOKEN")
        XCTAssertEqual(noEquals.status, 2)
        let unknown = try sandbox.pushguard("frobnicate")
        XCTAssertEqual(unknown.status, 2)
        let badStore = try sandbox.pushguard("status", "--app", "a", "--store", "ftp://x")
        XCTAssertEqual(badStore.status, 2)
        XCTAssertTrue(badStore.stderr.contains("is not a store URL"), badStore.stderr)
        let unknownInstance = try sandbox.pushguard("config", "transmit", "--app", "a", "--env", "e", "--instance", "nope")
        XCTAssertEqual(unknownInstance.status, 2, unknownInstance.all)
        XCTAssertTrue(unknownInstance.stderr.contains("no instance nope"), unknownInstance.stderr)
    }

    func testStoreErrorsExitThree() throws {
        let corrupt = sandbox.path("corrupt.db")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: corrupt))
        let output = try sandbox.pushguard("status", "--app", "a", "--store", "sqlite:" + corrupt)
        XCTAssertEqual(output.status, 3, output.all)
        XCTAssertTrue(output.stderr.contains("SQLite store"), output.stderr)
    }

    func testDigestKeyIsCreatedPrivate() throws {
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        let attributes = try FileManager.default.attributesOfItem(atPath: sandbox.path("store/digest.key"))
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testHookRejectsGarbageInputClearly() throws {
        let repo = try sandbox.bareRepository("shop")
        let output = try sandbox.run([repo + "/hooks/pre-receive"], in: repo, input: "not a ref line\n",
                                     environment: ["GIT_DIR": repo])
        XCTAssertEqual(output.status, 2)
        XCTAssertTrue(output.stderr.contains("hook input line 1"), output.stderr)
    }

    func testABlobPushedToABranchIsReportedNotCrashedOn() throws {
        let repo = try sandbox.bareRepository("shop")
        let blob = try sandbox.run(["git", "hash-object", "-w", "--stdin"], in: repo, input: "just a blob").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let output = try sandbox.pushguard("hook", "pre-receive", input: "\(String(repeating: "0", count: 40)) \(blob) refs/heads/main\n",
                                           environment: ["GIT_DIR": repo])
        XCTAssertEqual(output.status, 1, output.all)
        XCTAssertTrue(output.stderr.contains("is a blob, not a commit"), output.stderr)
    }

    func testHookFailsClosedWhenTheStoreDoesNotExist() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        try sandbox.git("config", "pushguard.store", "sqlite:" + sandbox.path("nowhere/state.db"), in: repo)
        let push = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                                   environment: ["PUSHGUARD_STORE": ""])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
        XCTAssertTrue(push.stderr.contains("does not exist"), push.stderr)
        try sandbox.git("config", "pushguard.onStoreError", "warn", in: repo)
        let warned = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work, environment: ["PUSHGUARD_STORE": ""])
        XCTAssertEqual(warned.status, 0, warned.all)
        XCTAssertTrue(warned.stderr.contains("accepted with warning: the config store failed"), warned.stderr)
    }
}

/// Admin commands say what they did, including when they did nothing.
final class HonestCommandTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        try sandbox.register("a", "e")
    }
    override func tearDown() { sandbox = nil }

    func testAddingAnInstanceThatExistsSaysSoAndKeepsIt() throws {
        XCTAssertEqual(try sandbox.pushguard("instances", "add", "--app", "a", "--env", "e", "web.1").stdout,
                       "registered 1 instance(s) in a/e\n")
        try sandbox.pushguard("instances", "drain", "--app", "a", "--env", "e", "web.1")
        let again = try sandbox.pushguard("instances", "add", "--app", "a", "--env", "e", "web.1", "web.2")
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(again.stdout, "registered 1 instance(s) in a/e\nalready registered in a/e, unchanged: web.1\n")
        let list = try sandbox.pushguard("instances", "list", "--app", "a", "--env", "e")
        XCTAssertTrue(list.stdout.contains("web.1     draining"), "an existing instance keeps its state: \(list.stdout)")
    }

    func testUnsettingAKeyNeverSetSaysSo() throws {
        let never = try sandbox.pushguard("config", "unset", "--app", "a", "--env", "e", "NEVER_SET")
        XCTAssertEqual(never.status, 0, never.all)
        XCTAssertEqual(never.stdout, "no change: NEVER_SET was never set in a/e, nothing to unset\n")
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        let mixed = try sandbox.pushguard("config", "unset", "--app", "a", "--env", "e", "K", "NEVER_SET")
        XCTAssertTrue(mixed.stdout.contains("no change: NEVER_SET was never set in a/e, nothing to unset"), mixed.stdout)
        XCTAssertTrue(mixed.stdout.contains("unset K in a/e: config version 2"), mixed.stdout)
        let twice = try sandbox.pushguard("config", "unset", "--app", "a", "--env", "e", "K")
        XCTAssertEqual(twice.stdout, "no change: K is already unset in a/e\n")
    }

    func testCheckGivesThePushsHintsAndNoOptionTheRepositoryDoesNotTake() throws {
        let repo = try sandbox.bareRepository("shop")
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "TOKEN=-", input: "t")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let offered = try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "side")
        XCTAssertTrue(offered.stderr.contains("or deploy anyway (recorded):  git push -o pushguard.ack"), offered.stderr)
        XCTAssertFalse(offered.stderr.contains("pushguard.sync"), "no transmit command here: \(offered.stderr)")
        try sandbox.git("config", "receive.advertisePushOptions", "false", in: repo)
        let off = try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "side")
        XCTAssertEqual(off.status, 1)
        XCTAssertFalse(off.stderr.contains("git push -o"), off.stderr)
        XCTAssertTrue(off.stderr.contains("-o pushguard.ack is off here"), off.stderr)
    }

    func testABadKeyIsQuoted() throws {
        let bad = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "MY KEY=x")
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("\"MY KEY\" is not a variable name"), bad.stderr)
        let unset = try sandbox.pushguard("config", "unset", "--app", "a", "--env", "e", "1BAD")
        XCTAssertTrue(unset.stderr.contains("\"1BAD\" is not a variable name"), unset.stderr)
    }
}
