import Foundation
import XCTest

/// The admin's typos and the pusher's, typed for real: each gets a message naming what was
/// probably meant, and none leaves a push unchecked in silence.
final class MistakeTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// production needs TOKEN; `transmitted`: it reached every instance, so a push is accepted
    /// unless something else refuses it; otherwise it is staged and a push needs an override.
    private func guarded(config: [(String, String)], transmitted: Bool = true) throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository("billing-api", config: config)
        let set = try sandbox.run([sandbox.binary, "config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-"]
                                  + (transmitted ? ["--transmit"] : []), input: "v")
        XCTAssertEqual(set.status, 0, set.all)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        return (repo, work)
    }

    /// A new commit (so git runs the hooks again) pushed to main.
    private func pushNewCommit(_ work: String, options: [String] = []) throws -> Output {
        try sandbox.commit(in: work, files: ["change": UUID().uuidString], message: "change")
        return try sandbox.push("HEAD:refs/heads/main", from: work, options: options)
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
        // Everything is in sync: only the typo can refuse a push.
        let (repo, work) = try guarded(config: [])
        for (name, value, meant) in [("pushguard.timout", "5s", "pushguard.timeout"),
                                     ("pushguard.staging.mod", "warn", "pushguard.staging.mode"),
                                     ("pushguard.onstorerror", "warn", "pushguard.onStoreError")] {
            try sandbox.git("config", name, value, in: repo)
            let push = try pushNewCommit(work)
            XCTAssertNotEqual(push.status, 0, "\(name): \(push.all)")
            XCTAssertTrue(push.stderr.contains("did you mean \(meant)?"), "\(name): \(push.stderr)")
            XCTAssertFalse(push.stderr.contains("config not synchronized"), "refused for the typo alone: \(push.stderr)")
            try sandbox.git("config", "--unset", name, in: repo)
            let spelt = try sandbox.push("HEAD:refs/heads/main", from: work)
            XCTAssertEqual(spelt.status, 0, "without \(name) the same push is accepted: \(spelt.all)")
        }
        // In the global config too (the sandbox's HOME), and the level is named.
        try sandbox.git("config", "--global", "pushguard.manifst", "app.json", in: repo)
        let push = try pushNewCommit(work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("unknown setting pushguard.manifst in the global config (~/.gitconfig); did you mean pushguard.manifest?"), push.stderr)
        try sandbox.git("config", "--global", "--unset", "pushguard.manifst", in: repo)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0, "without it the same push is accepted")
    }

    func testABadBooleanNamesItsSetting() throws {
        let (repo, work) = try guarded(config: [])
        try sandbox.git("config", "pushguard.production.autoSync", "ture", in: repo)
        let push = try pushNewCommit(work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("pushguard.production.autoSync is \"ture\"; use true or false"), push.stderr)
        try sandbox.git("config", "pushguard.production.autoSync", "true", in: repo)
        let spelt = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(spelt.status, 0, "with `true` the same push is accepted: \(spelt.all)")
    }

    func testAMisspeltPushOptionIsNamedAndOverridesNothing() throws {
        // TOKEN is staged: the push needs an override, and only a well-spelt one gives it.
        let (_, work) = try guarded(config: [], transmitted: false)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.akc=hotfix INC-9"])
        XCTAssertNotEqual(push.status, 0, "no override was given: \(push.all)")
        XCTAssertTrue(push.stderr.contains("push option \"pushguard.akc\" not understood; did you mean `pushguard.ack`?"), push.stderr)
        XCTAssertFalse(push.stderr.contains("INC-9"))
        let spelt = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=hotfix INC-9"])
        XCTAssertEqual(spelt.status, 0, "spelt right, the same push is overridden: \(spelt.all)")
        XCTAssertTrue(spelt.stderr.contains("overrid"), spelt.stderr)
    }
}

/// `KEY=-`, the fix command every rejection prints: safe with nothing on stdin, private on a terminal.
final class ValueInputTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        try sandbox.register("a", "e")
    }
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

/// Stores, apps and environments exist because an admin made them, never because of a typo.
final class RegistryTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testAMistypedStoreIsAnErrorNamingItAndNothingIsCreated() throws {
        let typo = sandbox.path("var/lib/pushguard/stat.db")
        for arguments in [["status", "--app", "billing-api"], ["audit"], ["apps", "list"],
                          ["config", "set", "--app", "billing-api", "--env", "production", "K=-"]] {
            let output = try sandbox.run([sandbox.binary] + arguments + ["--store", "sqlite:" + typo], input: "v")
            XCTAssertEqual(output.status, 3, "\(arguments): \(output.all)")
            XCTAssertTrue(output.stderr.contains("SQLite store \(typo) does not exist"), output.stderr)
            XCTAssertTrue(output.stderr.contains("(store from --store)"), output.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.path("var")), "not even the directory")
        // The hook names where the store came from, and never suggests creating one.
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.git("config", "pushguard.store", "sqlite:" + typo, in: repo)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        let push = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work, environment: ["PUSHGUARD_STORE": ""])
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("does not exist; check the store setting for a typo (store from pushguard.store in the repository's config)"), push.stderr)
        XCTAssertFalse(push.stderr.contains("create"), push.stderr)
    }

    func testInstallRegistersTheAppAndItsMappedEnvironments() throws {
        try sandbox.bareRepository("billing-api", config: [("pushguard.staging.ref", "refs/heads/staging"),
                                                           ("pushguard.production.ref", "refs/heads/main")])
        let list = try sandbox.pushguard("apps", "list")
        XCTAssertEqual(list.status, 0, list.all)
        XCTAssertTrue(list.stdout.contains("billing-api  production") && list.stdout.contains("billing-api  staging"), list.stdout)
    }

    func testATypoInAnAppOrEnvironmentChangesNothingAndNamesWhatWasMeant() throws {
        try sandbox.bareRepository("billing-api")
        let before = try sandbox.pushguard("apps", "list").stdout
        let env = try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "prod")
        XCTAssertEqual(env.status, 2, env.all)
        XCTAssertTrue(env.stderr.contains("unknown environment prod of billing-api; did you mean `production`?"), env.stderr)
        let app = try sandbox.pushguard("instances", "add", "--app", "billing-aip", "--env", "production", "web.1")
        XCTAssertEqual(app.status, 2, app.all)
        XCTAssertTrue(app.stderr.contains("unknown app billing-aip; did you mean `billing-api`?"), app.stderr)
        let status = try sandbox.pushguard("status", "--app", "billing-aip")
        XCTAssertEqual(status.status, 2, status.all)
        XCTAssertEqual(try sandbox.pushguard("apps", "list").stdout, before, "nothing was created")
    }

    func testAPushToAnAppTheStoreDoesNotKnowIsRefusedWithTheCommandThatRegistersIt() throws {
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.git("config", "pushguard.app", "billing-apii", in: repo)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("rejected: the config store does not know billing-apii/production"), push.stderr)
        XCTAssertTrue(push.stderr.contains("register it:  pushguard apps create billing-apii --env production"), push.stderr)
        try sandbox.git("config", "pushguard.mode", "warn", in: repo)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0, "warn mode warns")
    }

    func testAppsCreateListAndRemoveAreAudited() throws {
        try sandbox.initStore()
        XCTAssertEqual(try sandbox.pushguard("apps", "create", "shop", "--env", "production", "--env", "staging").status, 0)
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "staging", "K=-", input: "v")
        let removed = try sandbox.pushguard("apps", "remove", "shop", "--env", "staging")
        XCTAssertEqual(removed.status, 0, removed.all)
        XCTAssertTrue(removed.stdout.contains("removed shop/staging"), removed.stdout)
        XCTAssertEqual(try sandbox.pushguard("apps", "list").stdout, "APP   ENVIRONMENT\nshop  production\n")
        let audit = try sandbox.pushguard("audit", "--json")
        let decisions = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]] ?? [])
            .map { "\($0["decision"] as? String ?? "") \($0["environment"] as? String ?? "")" }
        XCTAssertEqual(decisions, ["removed staging", "registered staging", "registered production"])
        let again = try sandbox.pushguard("apps", "remove", "shop", "--env", "staging")
        XCTAssertEqual(again.status, 2, again.all)
    }
}
