import Foundation
import XCTest

/// The admin's typos and the pusher's, typed for real: each gets a message naming what was
/// probably meant, and none leaves a push unchecked in silence.
final class MistakeTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// production needs TOKEN, which is set but not transmitted.
    private func guarded(config: [(String, String)]) throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository("billing-api", config: config)
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        return (repo, work)
    }

    func testAMisspeltRefSettingRefusesPushesAndDoctorNamesIt() throws {
        // `refs` for `ref`, next to a section that does set `ref`: production would map to nothing.
        let repo = try sandbox.bareRepository("billing-api", install: ["none"])
        try sandbox.git("config", "pushguard.staging.ref", "refs/heads/staging", in: repo)
        try sandbox.git("config", "pushguard.production.refs", "refs/heads/main", in: repo)
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("unknown setting pushguard.production.refs in the repository's config; did you mean pushguard.production.ref?"), install.stdout)
        // Linked by hand anyway: every push fails closed, naming the setting.
        for hook in ["pre-receive", "post-receive"] {
            try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/" + hook, withDestinationPath: sandbox.binary)
        }
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("did you mean pushguard.production.ref?"), push.stderr)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("pushguard.production.refs"), doctor.stdout)
    }

    func testMisspeltTopLevelAndSectionSettingsAnywhereAreNamed() throws {
        let (repo, work) = try guarded(config: [])
        for (name, value, meant) in [("pushguard.timout", "5s", "pushguard.timeout"),
                                     ("pushguard.staging.mod", "warn", "pushguard.staging.mode"),
                                     ("pushguard.onstorerror", "warn", "pushguard.onStoreError")] {
            try sandbox.git("config", name, value, in: repo)
            let push = try sandbox.push("HEAD:refs/heads/main", from: work)
            XCTAssertNotEqual(push.status, 0, push.all)
            XCTAssertTrue(push.stderr.contains("did you mean \(meant)?"), "\(name): \(push.stderr)")
            try sandbox.git("config", "--unset", name, in: repo)
        }
        // In the global config too (the sandbox's HOME), and the level is named.
        try sandbox.git("config", "--global", "pushguard.manifst", "app.json", in: repo)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertTrue(push.stderr.contains("unknown setting pushguard.manifst in the global config (~/.gitconfig); did you mean pushguard.manifest?"), push.stderr)
    }

    func testABadBooleanNamesItsSetting() throws {
        let (repo, work) = try guarded(config: [])
        try sandbox.git("config", "pushguard.production.autoSync", "ture", in: repo)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("pushguard.production.autoSync is \"ture\"; use true or false"), push.stderr)
    }

    func testAMisspeltPushOptionIsNamedAndOverridesNothing() throws {
        let (_, work) = try guarded(config: [])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.akc=hotfix INC-9"])
        XCTAssertNotEqual(push.status, 0, "no override was given: \(push.all)")
        XCTAssertTrue(push.stderr.contains("push option \"pushguard.akc\" not understood; did you mean `pushguard.ack`?"), push.stderr)
        XCTAssertFalse(push.stderr.contains("INC-9"))
    }
}

/// `KEY=-`, the fix command every rejection prints: safe with nothing on stdin, private on a terminal.
final class ValueInputTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testAnEmptyValueIsRefusedUnlessAllowed() throws {
        let empty = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "TOKEN=-", input: "")
        XCTAssertEqual(empty.status, 2, empty.all)
        XCTAssertTrue(empty.stderr.contains("the value for TOKEN is empty (nothing on stdin?); nothing was set"), empty.stderr)
        let status = try sandbox.pushguard("status", "--app", "a", "--env", "e")
        XCTAssertFalse(status.stdout.contains("TOKEN"), status.stdout)
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "TOKEN=", "--allow-empty").status, 0)
    }

    func testOnATerminalTheValueIsPromptedForAndNeverEchoed() throws {
        // script(1) gives the command a terminal; the value is typed after the prompt appears.
        let command = "\(sandbox.binary) config set --app a --env e TOKEN=-"
        let output = try sandbox.run(["sh", "-c", "(sleep 1; printf 'typed-s3cret\\n') | script -qec \"\(command)\" /dev/null"])
        XCTAssertEqual(output.status, 0, output.all)
        XCTAssertTrue(output.all.contains("value for TOKEN (not shown):"), output.all)
        XCTAssertFalse(output.all.contains("typed-s3cret"), output.all)
        let status = try sandbox.pushguard("status", "--app", "a", "--env", "e")
        XCTAssertTrue(status.stdout.contains("TOKEN"), status.stdout)
    }
}

/// Set-up mistakes: paths that do not exist, refs not pushed yet, settings that cannot work.
final class SetUpMistakeTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testInstallOnAPathThatIsNotYetARepositorySaysHowToCreateIt() throws {
        let path = sandbox.path("new.git")
        let install = try sandbox.pushguard("install", "--repo", path)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("does not exist; create the bare repository first: git init --bare \(path)"), install.stdout)
        let root = try sandbox.pushguard("install", "--root", sandbox.path("nowhere"))
        XCTAssertEqual(root.status, 2, root.all)
        XCTAssertTrue(root.stderr.contains("--root \(sandbox.path("nowhere")): no such directory"), root.stderr)
    }

    func testCheckUsesTheRefsTipAndSaysWhenTheRefDoesNotExist() throws {
        let repo = try sandbox.bareRepository("billing-api")
        let missing = try sandbox.pushguard("check", "--repo", repo, "--ref", "main")
        XCTAssertEqual(missing.status, 2, missing.all)
        XCTAssertTrue(missing.stderr.contains("refs/heads/main does not exist in \(repo) yet; give --commit REV"), missing.stderr)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=first"]).status, 0)
        let check = try sandbox.pushguard("check", "--repo", repo, "--ref", "main")
        XCTAssertEqual(check.status, 1, "the tip of main needs TOKEN: \(check.all)")
        XCTAssertTrue(check.stderr.contains("TOKEN"), check.stderr)
    }

    func testDoctorFindsSettingsThatCannotWork() throws {
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.staging.ref", "refs/heads/staging")])
        try sandbox.git("config", "pushguard.production.autoSync", "true", in: repo)
        try sandbox.git("config", "pushguard.transmitCommand", "/usr/local/bin/deliver-confg", in: repo)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("[pushguard \"production\"] sets options but no ref, so no push deploys to production"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("pushguard.transmitCommand runs /usr/local/bin/deliver-confg, which does not exist or is not executable"), doctor.stdout)
    }
}
