import Foundation
import XCTest

/// What a plain git server needs beyond one repository: repositories created later, many
/// repositories below one root, hooks something else replaced, and nothing left behind.
final class ServerLayoutTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testRepositoriesCreatedLaterFromGitsTemplateDirectoryAreGuarded() throws {
        let template = sandbox.path("template")
        let install = try sandbox.pushguard("install", "--hooks-dir", template + "/hooks")
        XCTAssertEqual(install.status, 0, install.all)
        // A repository made after the install, the way a server makes them (init.templateDir).
        let repo = sandbox.path("later.git")
        try sandbox.git("-c", "init.templateDir=" + template, "init", "-q", "--bare", repo, in: sandbox.root.path)
        try sandbox.git("config", "receive.advertisePushOptions", "true", in: repo)
        // Options act on an app only when its name is recorded, not guessed.
        try sandbox.git("config", "pushguard.app", "later", in: repo)
        try sandbox.pushguard("config", "set", "--app", "later", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("push to later/production (refs/heads/main) rejected"), refused.stderr)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=first"]).status, 0)
        XCTAssertTrue(try sandbox.git("notes", "--ref=pushguard", "show", "main", in: repo).stdout.contains("overridden deploy"))
        let uninstall = try sandbox.pushguard("install", "--hooks-dir", template + "/hooks", "--uninstall")
        XCTAssertEqual(uninstall.status, 0, uninstall.all)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: template + "/hooks"), [])
    }

    func testAForeignHookInTheHooksDirectoryIsRefusedNotReplaced() throws {
        let hooks = sandbox.path("template/hooks")
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        try "#!/bin/sh\nexit 0\n".write(toFile: hooks + "/pre-receive", atomically: true, encoding: .utf8)
        let install = try sandbox.pushguard("install", "--hooks-dir", hooks)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("exists and is not PushGuard's"), install.stdout)
        XCTAssertEqual(try String(contentsOfFile: hooks + "/pre-receive", encoding: .utf8), "#!/bin/sh\nexit 0\n")
    }

    func testRootSkipsGitoliteAdminAndExcludedRepositories() throws {
        for name in ["apps/billing", "apps/legacy", "gitolite-admin"] {
            try sandbox.git("init", "-q", "--bare", sandbox.path("repos/\(name).git"), in: sandbox.root.path)
        }
        let install = try sandbox.pushguard("install", "--root", sandbox.path("repos"), "--exclude", "apps/legacy")
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("gitolite-admin.git: skipped (gitolite's administrative repository"), install.stdout)
        XCTAssertTrue(install.stdout.contains("legacy.git: skipped (--exclude apps/legacy)"), install.stdout)
        let linked = { (name: String) in (try? FileManager.default.destinationOfSymbolicLink(atPath: self.sandbox.path("repos/\(name).git/hooks/pre-receive"))) != nil }
        XCTAssertTrue(linked("apps/billing"))
        XCTAssertFalse(linked("apps/legacy"))
        XCTAssertFalse(linked("gitolite-admin"))
    }

    func testDoctorSaysWhenPushGuardsHookWasReplaced() throws {
        let repo = try sandbox.bareRepository("billing-api", install: ["--per-ref"])
        XCTAssertEqual(try sandbox.pushguard("doctor", "--repo", repo).status, 0)
        // What gitolite's setup does to an update hook it manages.
        try FileManager.default.removeItem(atPath: repo + "/hooks/update")
        try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/update", withDestinationPath: "/bin/true")
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("hooks/update was replaced: it links to /bin/true, not to pushguard"), doctor.stdout)
    }

    func testUninstallLeavesTheRepositoryAsItWasByteForByte() throws {
        let repo = sandbox.path("plain.git")
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        let config = try Data(contentsOf: URL(fileURLWithPath: repo + "/config"))
        let hooks = try FileManager.default.contentsOfDirectory(atPath: repo + "/hooks").sorted()
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        try sandbox.pushguard("config", "set", "--app", "plain", "--env", "production", "TOKEN=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--uninstall").status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: repo + "/config")), config, "no empty [receive] section left")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: repo + "/hooks").sorted(), hooks)
        let left = try FileManager.default.contentsOfDirectory(atPath: repo).filter { $0.hasPrefix("pushguard") }
        XCTAssertEqual(left, [], "no hand-over directory, no install record")
    }
}

/// Deploy notes: one notes commit per push, however many deploys it carries.
final class DeployNotesTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testAPushOfManyDeploysWritesOneNotesCommitAndKeepsEarlierNotes() throws {
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.production.ref", "refs/heads/release/*")])
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/release/first", from: work).status, 0)
        let first = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var refspecs: [String] = []
        for index in 0..<60 {
            try sandbox.commit(in: work, files: ["n.txt": "\(index)"], message: "change \(index)")
            try sandbox.git("branch", "-f", "r\(index)", "HEAD", in: work)
            refspecs.append("r\(index):refs/heads/release/r\(index)")
        }
        // The first commit deploys again, through another branch: its note gets a second record.
        refspecs.append("\(first):refs/heads/release/again")
        let push = try sandbox.run(["git", "push", "origin"] + refspecs, in: work)
        XCTAssertEqual(push.status, 0, push.all)
        let commits = try sandbox.git("rev-list", "--count", "refs/notes/pushguard", in: repo).stdout
        XCTAssertEqual(commits, "2\n", "one notes commit for the first push, one for the 61 deploys of the second")
        XCTAssertTrue(try sandbox.git("notes", "--ref=pushguard", "show", "refs/heads/release/r59", in: repo).stdout
            .contains("ref: refs/heads/release/r59"))
        let again = try sandbox.git("notes", "--ref=pushguard", "show", first, in: repo).stdout
        XCTAssertTrue(again.contains("ref: refs/heads/release/first") && again.contains("ref: refs/heads/release/again"), again)
    }
}
