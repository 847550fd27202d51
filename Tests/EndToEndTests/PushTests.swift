import Foundation
import XCTest

/// Real `git push`es into real bare repositories with the built binary installed as hooks.
final class PushTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// The incident: a new variable set for staging and production, transmitted to staging only.
    private func replayIncidentSetup() throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository("billing-api", config: [
            ("pushguard.staging.ref", "refs/heads/staging"), ("pushguard.production.ref", "refs/heads/main")])
        for env in ["staging", "production"] {
            let set = try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", env, "NEW_AUTH_TOKEN=-",
                                            input: "tok-incident-SECRET-1\n")
            XCTAssertEqual(set.status, 0, set.all)
        }
        try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1", "web.2", "web.3")
        XCTAssertEqual(try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "staging").status, 0)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["NEW_AUTH_TOKEN"])])
        return (repo, work)
    }

    func testIncidentReplayStagingAcceptedProductionRejectedThenAcceptedAfterTransmit() throws {
        let (_, work) = try replayIncidentSetup()

        let staging = try sandbox.push("HEAD:refs/heads/staging", from: work)
        XCTAssertEqual(staging.status, 0, staging.all)

        let production = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(production.status, 0)
        XCTAssertTrue(production.stderr.contains("remote: pushguard: push to billing-api/production (refs/heads/main) rejected: config not synchronized"), production.stderr)
        XCTAssertTrue(production.stderr.contains("NEW_AUTH_TOKEN  staged   applied on 0 of 3 instances  required by app.json"), production.stderr)
        XCTAssertTrue(production.stderr.contains("transmit first:  pushguard config transmit --app billing-api --env production"))
        XCTAssertTrue(production.stderr.contains("! [remote rejected] HEAD -> main (pre-receive hook declined)"))

        let transmit = try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production")
        XCTAssertEqual(transmit.status, 0, transmit.all)
        XCTAssertTrue(transmit.stdout.contains("to 3 active instance(s)"))

        let again = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertFalse(again.stderr.contains("pushguard:"), "an in-sync push is silent: \(again.stderr)")
    }

    func testPartialTransmitIsReportedWithCounts() throws {
        let (_, work) = try replayIncidentSetup()
        try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production", "--instance", "web.1", "--instance", "web.2")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("NEW_AUTH_TOKEN  partial  applied on 2 of 3 instances  required by app.json"), push.stderr)
    }

    func testMissingRequiredKeyIsRejectedWithTheSetCommand() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("PAYMENT_KEY  missing  not set  required by app.json"), push.stderr)
        XCTAssertTrue(push.stderr.contains("pushguard config set --app shop --env production PAYMENT_KEY=- --transmit"), push.stderr)
    }

    func testWarnModeAcceptsWithTheWarningBlock() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.mode", "warn")])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("push to shop/production (refs/heads/main) accepted with warning: config not synchronized"), push.stderr)
    }

    func testUpdateHookRefusesOnlyTheUnsynchronizedRef() throws {
        let repo = try sandbox.bareRepository("billing-api", install: ["--per-ref"], config: [
            ("pushguard.staging.ref", "refs/heads/staging"), ("pushguard.production.ref", "refs/heads/main")])
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "staging", "TOKEN=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let push = try sandbox.push("HEAD:refs/heads/staging", "HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("* [new branch]      HEAD -> staging"), push.stderr)
        XCTAssertTrue(push.stderr.contains("! [remote rejected] HEAD -> main (hook declined)"), push.stderr)
        // Exactly one check ran: the rejection is printed once, by the update hook.
        XCTAssertEqual(push.stderr.components(separatedBy: "rejected: config not synchronized").count - 1, 1, push.stderr)
        let heads = try sandbox.git("for-each-ref", "--format=%(refname)", "refs/heads", in: repo)
        XCTAssertEqual(heads.stdout, "refs/heads/staging\n")
    }

    func testTagsAndUnmappedBranchesPassUnchecked() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        try sandbox.git("tag", "-a", "v1", "-m", "release", in: work)
        let push = try sandbox.push("refs/tags/v1", "HEAD:refs/heads/feature", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertFalse(push.stderr.contains("pushguard:"), push.stderr)
    }

    func testDeletingAProductionBranchIsNeverBlocked() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.mode", "off")])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        try sandbox.git("config", "pushguard.mode", "reject", in: repo)
        let delete = try sandbox.push(":refs/heads/main", from: work)
        XCTAssertEqual(delete.status, 0, delete.all)
        XCTAssertTrue(delete.stderr.contains("[deleted]"), delete.stderr)
    }

    func testCreationOfAMappedBranchIsChecked() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.production.ref", "refs/heads/release/*")])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        let push = try sandbox.push("HEAD:refs/heads/release/2026-11", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("shop/production (refs/heads/release/2026-11) rejected"), push.stderr)
    }

    func testNoManifestMeansOnlyTheSyncCheck() throws {
        let repo = try sandbox.bareRepository("shop")
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "LOG_LEVEL=-", input: "debug")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "no manifest here"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("LOG_LEVEL  staged   not transmitted (no instances)"), push.stderr)
        XCTAssertFalse(push.stderr.contains("required by"))
    }

    func testInvalidManifestIsAFindingNotACrash() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{\"env\": {\"A\": \u{1b}[31m"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 1)
        XCTAssertTrue(push.stderr.contains("rejected: app.json in "), push.stderr)
        XCTAssertTrue(push.stderr.contains(" cannot be read: line 1, column 15: expected a JSON value, found byte 0x1b"), push.stderr)
        XCTAssertFalse(push.stderr.contains("\u{1b}"))
    }

    func testExistingHookIsChainedItsRefusalStandsAndUninstallRestoresIt() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        let hook = repo + "/hooks/pre-receive"
        let original = "#!/bin/sh\necho 'policy hook says no' >&2\nexit 7\n"
        try original.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let configBefore = try sandbox.git("config", "--list", "--local", in: repo).stdout

        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0, "install is idempotent")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("policy hook says no"), push.stderr)
        XCTAssertTrue(push.stderr.contains("pre-receive hook declined"))

        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--uninstall").status, 0)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--uninstall").status, 0, "uninstall is idempotent")
        XCTAssertEqual(try String(contentsOfFile: hook, encoding: .utf8), original)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: hook))
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/hooks/post-receive"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/hooks/pre-receive.before-pushguard"))
        XCTAssertEqual(try sandbox.git("config", "--list", "--local", in: repo).stdout, configBefore)
    }

    func testInstallSetsPushOptionsAndDoctorIsHappy() throws {
        let repo = try sandbox.bareRepository("shop")
        XCTAssertEqual(try sandbox.git("config", "receive.advertisePushOptions", in: repo).stdout, "true\n")
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 0, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("no problems found"))
    }

    func testInstallDetectsHooksPathAndDoctorExplains() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"], config: [("core.hooksPath", "/srv/shared-hooks")])
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 2)
        XCTAssertTrue(install.stdout.contains("core.hooksPath is set to /srv/shared-hooks"), install.all)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1)
        XCTAssertTrue(doctor.stdout.contains("core.hooksPath"), doctor.stdout)
    }

    func testInstallReportsAnExistingHookWithoutRunBit() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        try "#!/bin/sh\nexit 1\n".write(toFile: repo + "/hooks/pre-receive", atomically: true, encoding: .utf8)
        chmod(repo + "/hooks/pre-receive", 0o644)
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("no run bit, so git was skipping it"), install.stdout)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertTrue(doctor.stdout.contains("has no run bit"), doctor.stdout)
    }

    func testGitLabLayoutInstallsIntoCustomHooks() throws {
        let repo = try sandbox.bareRepository("shop", install: ["--gitlab"])
        let link = repo + "/custom_hooks/pre-receive.d/pushguard"
        XCTAssertNotNil(try? FileManager.default.destinationOfSymbolicLink(atPath: link))
        // Gitaly runs hooks in custom_hooks itself; run it the way Gitaly would, with GL_ID set.
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"])])
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let run = try sandbox.run([link], in: repo, input: "\(String(repeating: "0", count: 40)) \(head) refs/heads/main\n",
                                  environment: ["GIT_DIR": repo, "GL_ID": "user-1"])
        XCTAssertEqual(run.status, 1, run.all)
        XCTAssertTrue(run.stderr.hasPrefix("GL-HOOK-ERR: pushguard: push to shop/production"), run.stderr)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--gitlab", "--uninstall").status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: link))
    }

    func testAValueNeverAppearsInOutputOrTheStore() throws {
        let secretFromStdin = "stdin-SECRET-8f3a9c"
        let secretFromArgv = "argv-SECRET-77d1e2"
        let repo = try sandbox.bareRepository("shop")
        var outputs: [Output] = []
        outputs.append(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "A=-", input: secretFromStdin))
        outputs.append(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "B=\(secretFromArgv)"))
        outputs.append(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "B=\(secretFromArgv)", "--transmit"))
        outputs.append(try sandbox.pushguard("status", "--app", "shop"))
        outputs.append(try sandbox.pushguard("status", "--app", "shop", "--json"))
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["A", "B", "C"])])
        outputs.append(try sandbox.push("HEAD:refs/heads/main", from: work))
        outputs.append(try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "HEAD"))
        // The values were taken: every set succeeded and status shows both keys, B transmitted.
        XCTAssertEqual(outputs[0...2].map(\.status), [0, 0, 0], outputs[0...2].map(\.all).joined())
        XCTAssertTrue(hasRow(outputs[3].stdout, "A", "live") && hasRow(outputs[3].stdout, "B", "live"), outputs[3].stdout)
        XCTAssertTrue(outputs[4].stdout.contains("\"key\": \"A\"") && outputs[4].stdout.contains("\"key\": \"B\""), outputs[4].stdout)
        XCTAssertNotEqual(outputs[5].status, 0, "C is not set: \(outputs[5].all)")
        XCTAssertTrue(hasRow(outputs[5].stderr, "C", "missing"), outputs[5].stderr)
        for output in outputs {
            XCTAssertFalse(output.all.contains(secretFromStdin), output.all)
            XCTAssertFalse(output.all.contains(secretFromArgv), output.all)
        }
        let stored = sandbox.allBytes(below: sandbox.path("store"))
        XCTAssertGreaterThan(stored.count, 0)
        XCTAssertNil(stored.range(of: Data(secretFromStdin.utf8)))
        XCTAssertNil(stored.range(of: Data(secretFromArgv.utf8)))
        XCTAssertNil(sandbox.allBytes(below: repo).range(of: Data(secretFromStdin.utf8)))
    }
}
