import Foundation
import XCTest

/// Root administers repositories the git user owns, so root trusts nothing in them that
/// decides which files or programs it opens; and an app is never another repository's by a
/// guessed name.
final class RepositoryTrustTests: XCTestCase {
    var sandbox: Sandbox!
    var gitUser: String?

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() {
        if let gitUser { _ = try? sandbox.run(["userdel", gitUser]) }
        sandbox = nil
    }

    /// A throwaway system user standing for the server's git account.
    private func makeGitUser() throws -> String {
        try requireOrSkip(getuid() == 0, "needs root to add a user (CI runs as root)")
        let name = "pgtest-\(UUID().uuidString.prefix(6).lowercased())"
        let added = try sandbox.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        XCTAssertEqual(added.status, 0, added.all)
        gitUser = name
        return name
    }

    func testRootNeverRunsAStoreHelperNamedInTheGitUsersRepositoryConfig() throws {
        let user = try makeGitUser()
        let repo = try sandbox.bareRepository("billing", install: ["none"])
        let marker = sandbox.path("ran-as-root")
        let evil = sandbox.path("evil.sh")
        try "#!/bin/sh\ntouch \(marker)\n".write(toFile: evil, atomically: true, encoding: .utf8)
        chmod(evil, 0o755)
        try sandbox.git("config", "pushguard.store", "exec:" + evil, in: repo)
        XCTAssertEqual(try sandbox.run(["chown", "-R", user, repo]).status, 0)
        // Root's commands, without a store given elsewhere: the repository's value is refused.
        for arguments in [["doctor", "--repo", repo], ["install", "--repo", repo], ["check", "--repo", repo, "--ref", "main"]] {
            let output = try sandbox.run([sandbox.binary] + arguments, environment: ["PUSHGUARD_STORE": ""])
            XCTAssertNotEqual(output.status, 0, "\(arguments): \(output.all)")
            XCTAssertTrue(output.all.contains("pushguard.store is set in the repository's own config, which \(user) can change"), output.all)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "root ran the git user's program")
        // The hooks, running as the repository's owner, still read it: that is the owner's choice.
    }

    func testRootNeverHandsADirectoryNamedInTheRepositoryConfigToTheGitUser() throws {
        let user = try makeGitUser()
        let repo = try sandbox.bareRepository("billing", install: ["none"])
        let rootOnly = sandbox.path("root-only")
        try FileManager.default.createDirectory(atPath: rootOnly, withIntermediateDirectories: true)
        try sandbox.git("config", "pushguard.store", "sqlite:" + rootOnly + "/state.db", in: repo)
        XCTAssertEqual(try sandbox.run(["chown", "-R", user, repo]).status, 0)
        let install = try sandbox.run([sandbox.binary, "install", "--root", sandbox.root.path, "--user", user],
                                      environment: ["PUSHGUARD_STORE": ""])
        XCTAssertNotEqual(install.status, 0, install.all)
        var info = stat()
        XCTAssertEqual(stat(rootOnly, &info), 0)
        XCTAssertEqual(info.st_uid, 0, "the root-owned directory stays root's")
        XCTAssertFalse(FileManager.default.fileExists(atPath: rootOnly + "/state.db"))
    }

    func testInstallRecordsTheFullPathBelowTheRootSoSameNamedRepositoriesAreDifferentApps() throws {
        for path in ["billing", "mallory/billing"] {
            try sandbox.git("init", "-q", "--bare", sandbox.path("repos/\(path).git"), in: sandbox.root.path)
        }
        XCTAssertEqual(try sandbox.pushguard("install", "--root", sandbox.path("repos")).status, 0)
        XCTAssertEqual(try sandbox.git("config", "pushguard.app", in: sandbox.path("repos/billing.git")).stdout, "billing\n")
        XCTAssertEqual(try sandbox.git("config", "pushguard.app", in: sandbox.path("repos/mallory/billing.git")).stdout, "mallory/billing\n")
        // billing's production has a pending token; a sync pushed to mallory/billing must not
        // transmit it (its base name alone would have made it "billing").
        let log = sandbox.path("transmitted.log")
        let script = sandbox.path("transmit.sh")
        try "#!/bin/sh\necho \"$PUSHGUARD_APP\" >> \(log)\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try sandbox.pushguard("config", "set", "--app", "billing", "--env", "production", "TOKEN=-", input: "v")
        let mallory = sandbox.path("repos/mallory/billing.git")
        try sandbox.git("config", "pushguard.transmitCommand", script, in: mallory)
        let work = try sandbox.workTree("work", remote: mallory, files: ["app.json": "{}"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(push.status, 0, "mallory/billing has nothing pending: \(push.all)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: log), "nothing was transmitted for billing")
        let status = try sandbox.pushguard("status", "--app", "billing")
        XCTAssertTrue(status.stdout.contains("TOKEN") && status.stdout.contains("staged"), status.stdout)
    }

    func testOnARepositoryWithAGuessedAppNameSyncAndOverrideAreIgnored() throws {
        let repo = try sandbox.bareRepository("billing", install: ["none"])
        // Hooks linked without install recording the app (e.g. a template directory).
        for hook in ["pre-receive", "post-receive"] {
            try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/" + hook, withDestinationPath: sandbox.binary)
        }
        try sandbox.git("config", "receive.advertisePushOptions", "true", in: repo)
        try sandbox.pushguard("config", "set", "--app", "billing", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=it is mine"])
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("-o pushguard.ack ignored: this repository's app name \"billing\" is only guessed"), push.stderr)
    }
}

/// What a pusher cannot get past: branch aliases, and PushGuard's own notes.
final class PusherBoundaryTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testAPushThroughASymbolicRefIsCheckedAsAPushToItsTarget() throws {
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.production.ref", "refs/heads/main")])
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=base"]).status, 0)
        // After a rename, master stays as a symbolic ref to main.
        try sandbox.git("symbolic-ref", "refs/heads/master", "refs/heads/main", in: repo)
        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["TOKEN"])], message: "needs TOKEN")
        let refused = try sandbox.push("HEAD:refs/heads/master", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("push to billing-api/production (refs/heads/master) rejected"), refused.stderr)
    }

    func testPushGuardsNotesCannotBeForgedOrDeleted() throws {
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": "{}"])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let real = try sandbox.git("notes", "--ref=pushguard", "show", "main", in: repo).stdout
        // A forged note, pushed over the real ones.
        try sandbox.git("notes", "--ref=pushguard", "add", "-f", "-m", "pushguard: accepted deploy of billing-api to production", "HEAD", in: work)
        let forged = try sandbox.run(["git", "push", "-f", "origin", "refs/notes/pushguard:refs/notes/pushguard"], in: work)
        XCTAssertNotEqual(forged.status, 0, forged.all)
        XCTAssertTrue(forged.stderr.contains("refusing refs/notes/pushguard"), forged.stderr)
        let deleted = try sandbox.run(["git", "push", "origin", ":refs/notes/pushguard"], in: work)
        XCTAssertNotEqual(deleted.status, 0, deleted.all)
        XCTAssertEqual(try sandbox.git("notes", "--ref=pushguard", "show", "main", in: repo).stdout, real)
    }
}
