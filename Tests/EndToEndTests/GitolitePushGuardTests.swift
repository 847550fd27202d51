import Foundation
import XCTest

/// PushGuard under a real gitolite3 reached over ssh: root installs and administers, the git
/// user runs the hooks, gitolite's own access control runs after PushGuard's pre-receive.
final class GitolitePushGuardTests: XCTestCase {
    var sandbox: Sandbox!
    /// A server per test (about two seconds): the tests change gitolite's rc and hooks.
    var server: GitoliteServer?

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() {
        server?.stop()
        server = nil
        sandbox = nil
    }

    private func startedServer() throws -> GitoliteServer {
        let started = try GitoliteServer.start()
        server = started
        return started
    }

    /// A fresh repository `name` in gitolite.conf (alice RW+, bob R, carol RW on dev), with the
    /// git user's hooks reading the sandbox's store.
    private func repository(_ name: String, on server: GitoliteServer, conf extra: String = "") throws -> String {
        try server.configure("""
            repo gitolite-admin
                RW+ = admin
            repo \(name)
                RW+ = alice
                R = bob
                RW refs/heads/dev$ = carol
                config pushguard.app = \(name)
            \(extra)
            """)
        let set = server.asGitUser(["git", "config", "--global", "pushguard.store", "sqlite:" + sandbox.storePath])
        XCTAssertEqual(set.status, 0, set.output)
        return server.repositoryPath(name)
    }

    /// Everything uninstall must give back: each file's bytes, mode and owner below a repository
    /// (objects and refs aside, which pushes change).
    private func snapshot(_ repository: String) throws -> [String: String] {
        var files: [String: String] = [:]
        let manager = FileManager.default
        for relative in try manager.subpathsOfDirectory(atPath: repository)
        where !relative.hasPrefix("objects") && !relative.hasPrefix("refs") && relative != "packed-refs"
            && !relative.hasPrefix("logs") {
            let path = repository + "/" + relative
            var info = stat()
            XCTAssertEqual(lstat(path, &info), 0)
            let link = (try? manager.destinationOfSymbolicLink(atPath: path)) ?? ""
            let bytes = (info.st_mode & S_IFMT) == S_IFREG ? (manager.contents(atPath: path) ?? Data()).base64EncodedString() : ""
            files[relative] = "\(String(info.st_mode, radix: 8)) \(info.st_uid):\(info.st_gid) \(link) \(bytes)"
        }
        return files
    }

    private func owner(_ path: String) -> uid_t {
        var info = stat()
        lstat(path, &info)
        return info.st_uid
    }

    func testRootInstallsGuardsAndUninstallsWhileGitoliteStillDecidesAccess() throws {
        let server = try startedServer()
        let repo = try repository("billing", on: server)
        let before = try snapshot(repo)
        let adminBefore = try snapshot(server.repositoryPath("gitolite-admin"))
        let gitUID = owner(repo)

        // Root installs into every repository below gitolite's root.
        let install = try sandbox.pushguard("install", "--root", server.repositories, "--user", server.gitUser)
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("gitolite-admin.git: skipped"), install.stdout)
        XCTAssertEqual(try snapshot(server.repositoryPath("gitolite-admin")), adminBefore, "the admin repository is left alone")
        for file in ["hooks/pre-receive", "hooks/post-receive", "config"] {
            XCTAssertEqual(owner(repo + "/" + file), gitUID, "\(file) still belongs to the git user")
        }
        var info = stat()
        stat(repo + "/config", &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "gitolite's mode for config is kept")

        // Root records the config: two instances, a token set but not transmitted.
        XCTAssertEqual(try sandbox.pushguard("instances", "add", "--app", "billing", "--env", "production", "web.1", "web.2").status, 0)
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "billing", "--env", "production", "TOKEN=-", input: "s3cret").status, 0)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 0, doctor.all)

        // alice's push of code needing TOKEN is refused by PushGuard, naming the key and "0 of 2".
        let alice = sandbox.path("alice")
        XCTAssertEqual(try server.git(as: .alice, "clone", "-q", server.url("billing"), alice, in: sandbox.root.path, sandbox: sandbox).status, 0)
        try sandbox.commit(in: alice, files: ["app.json": manifest(requiring: ["TOKEN"])], message: "needs TOKEN")
        let refused = try server.git(as: .alice, "push", "origin", "HEAD:refs/heads/main", in: alice, sandbox: sandbox)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("TOKEN  staged   applied on 0 of 2 instances  required by app.json"), refused.stderr)

        // bob may not write at all: gitolite refuses him before any hook.
        let bob = sandbox.path("bob")
        XCTAssertEqual(try server.git(as: .bob, "clone", "-q", server.url("billing"), bob, in: sandbox.root.path, sandbox: sandbox).status, 0)
        try sandbox.commit(in: bob, files: ["b.txt": "b"], message: "bob")
        let bobPush = try server.git(as: .bob, "push", "origin", "HEAD:refs/heads/main", in: bob, sandbox: sandbox)
        XCTAssertNotEqual(bobPush.status, 0)
        XCTAssertTrue(bobPush.stderr.contains("DENIED"), bobPush.stderr)

        // After transmit, carol's push to main passes PushGuard but gitolite refuses it: a
        // decision, never a deploy.
        XCTAssertEqual(try sandbox.pushguard("config", "transmit", "--app", "billing", "--env", "production").status, 0)
        let carol = sandbox.path("carol")
        XCTAssertEqual(try server.git(as: .carol, "clone", "-q", server.url("billing"), carol, in: sandbox.root.path, sandbox: sandbox).status, 0)
        try sandbox.commit(in: carol, files: ["app.json": manifest(requiring: ["TOKEN"]), "c.txt": "c"], message: "carol")
        let carolCommit = try sandbox.git("rev-parse", "HEAD", in: carol).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let carolPush = try server.git(as: .carol, "push", "origin", "HEAD:refs/heads/main", in: carol, sandbox: sandbox)
        XCTAssertNotEqual(carolPush.status, 0, carolPush.all)
        XCTAssertTrue(carolPush.stderr.contains("DENIED"), carolPush.stderr)
        let carolRecords = try auditRecords().filter { $0["newId"] as? String == carolCommit }
        XCTAssertEqual(carolRecords.map { $0["decision"] as? String }, ["accepted"], "decided, not deployed")
        XCTAssertFalse(try sandbox.pushguard("status", "--app", "billing").stdout.contains("by carol"))
        XCTAssertNotEqual(server.asGitUser(["git", "-C", repo, "notes", "--ref=pushguard", "show", carolCommit]).status, 0)

        // alice's push now goes through, is noted, and the audit names her (GL_USER); her
        // override option reaches the hook (receive.advertisePushOptions).
        let accepted = try server.git(as: .alice, "push", "-o", "pushguard.ack=not needed", "origin", "HEAD:refs/heads/main",
                                      in: alice, sandbox: sandbox)
        XCTAssertEqual(accepted.status, 0, accepted.all)
        let aliceCommit = try sandbox.git("rev-parse", "HEAD", in: alice).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let deployed = try auditRecords().first
        XCTAssertEqual(deployed?["decision"] as? String, "deployed")
        XCTAssertEqual(deployed?["pusher"] as? String, "alice")
        XCTAssertEqual(deployed?["newId"] as? String, aliceCommit)
        let note = server.asGitUser(["git", "-C", repo, "notes", "--ref=pushguard", "show", aliceCommit])
        XCTAssertTrue(note.output.contains("pushguard: accepted deploy of billing to production"), note.output)
        XCTAssertTrue(try sandbox.pushguard("status", "--app", "billing").stdout.contains("by alice"))

        // A hand-over left by carol's refused push ages out (after a day) on a later push.
        let handoff = repo + "/pushguard-push"
        let left = (try? FileManager.default.contentsOfDirectory(atPath: handoff))?.filter { $0.hasSuffix(".push") } ?? []
        XCTAssertEqual(left.count, 1, "carol's refused push left its hand-over record: \(left)")
        let aged = server.asGitUser(["sh", "-c", "touch -d '25 hours ago' \(handoff)/*.push"])
        XCTAssertEqual(aged.status, 0, aged.output)
        try sandbox.commit(in: alice, files: ["more.txt": "more"], message: "more")
        XCTAssertEqual(try server.git(as: .alice, "push", "origin", "HEAD:refs/heads/main", in: alice, sandbox: sandbox).status, 0)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: handoff)) ?? [], [], "nothing is left behind")

        // --per-ref would move gitolite's update hook (its access control) aside: refused.
        let perRef = try sandbox.pushguard("install", "--repo", repo, "--per-ref", "--user", server.gitUser)
        XCTAssertEqual(perRef.status, 2, perRef.all)
        XCTAssertTrue(perRef.stdout.contains("gitolite"), perRef.stdout)

        // Uninstall gives back every byte, mode and owner.
        let uninstall = try sandbox.pushguard("install", "--root", server.repositories, "--uninstall")
        XCTAssertEqual(uninstall.status, 0, uninstall.all)
        XCTAssertEqual(try snapshot(repo), before)
    }

    func testRepositoriesCreatedLaterAreGuardedThroughGitolitesCommonHooks() throws {
        let server = try startedServer()
        _ = try repository("billing", on: server)
        // gitolite links LOCAL_CODE/hooks/common/* into every repository, new ones included.
        let localCode = server.home + "/local"
        let edit = server.asGitUser(["sed", "-i", "s|^%RC = (|%RC = (\\n    LOCAL_CODE => \"$ENV{HOME}/local\",|", server.rc])
        XCTAssertEqual(edit.status, 0, edit.output)
        let install = try sandbox.pushguard("install", "--hooks-dir", localCode + "/hooks/common", "--user", server.gitUser)
        XCTAssertEqual(install.status, 0, install.all)
        let setup = server.asGitUser(["gitolite", "setup", "--hooks-only"])
        XCTAssertEqual(setup.status, 0, setup.output)
        // Push options per repository from gitolite.conf (GIT_CONFIG_KEYS allows the key).
        let repo = try repository("invoices", on: server, conf: "    config receive.advertisePushOptions = true")
        // A new app is registered with the store before its first guarded push.
        try sandbox.register("invoices", "production")
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "invoices", "--env", "production", "TOKEN=-", input: "v").status, 0)
        let alice = sandbox.path("alice")
        XCTAssertEqual(try server.git(as: .alice, "clone", "-q", server.url("invoices"), alice, in: sandbox.root.path, sandbox: sandbox).status, 0)
        try sandbox.commit(in: alice, files: ["app.json": manifest(requiring: ["TOKEN"])], message: "needs TOKEN")
        let refused = try server.git(as: .alice, "push", "origin", "HEAD:refs/heads/main", in: alice, sandbox: sandbox)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("push to invoices/production (refs/heads/main) rejected"), refused.stderr)
        let acked = try server.git(as: .alice, "push", "-o", "pushguard.ack=first deploy", "origin", "HEAD:refs/heads/main",
                                   in: alice, sandbox: sandbox)
        XCTAssertEqual(acked.status, 0, acked.all)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 0, doctor.all)
    }

    private func auditRecords() throws -> [[String: Any]] {
        let output = try sandbox.pushguard("audit", "--json", "--limit", "100")
        XCTAssertEqual(output.status, 0, output.all)
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] ?? []
    }
}
