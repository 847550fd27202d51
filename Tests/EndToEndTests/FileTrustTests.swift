import Foundation
import XCTest

/// The trust boundary between root, who runs the admin CLI, and the server's git user, who owns
/// the repositories and the store directory and runs the hooks: root follows no link the git
/// user planted and changes no owner by path, commands that only read create nothing, and the
/// store is closed to every other local user. The git user and the other users are real
/// throwaway system accounts, removed after each test.
final class FileTrustTests: XCTestCase {
    var sandbox: Sandbox!
    private var users: [String] = []

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        // Other users must reach what the sandbox gives them; the store keeps its own modes.
        chmod(sandbox.root.path, 0o755)
    }

    override func tearDown() {
        for name in users {
            // A process of the user's that is still ending keeps userdel from working: retry.
            for _ in 0..<50 where (try? sandbox.run(["userdel", name]))?.status ?? 0 != 0 && getpwnam(name) != nil {
                Thread.sleep(forTimeInterval: 0.1)
            }
            if getgrnam(name) != nil { _ = try? sandbox.run(["groupdel", name]) }
        }
        users = []
        sandbox = nil
    }

    private struct User {
        var name: String
        var uid: uid_t
        var gid: gid_t
    }

    /// A new system account `pgtest-<random>` (and its group), removed in tearDown.
    private func makeUser() throws -> User {
        try requireOrSkip(getuid() == 0, "adding users needs root (CI runs as root)")
        let name = "pgtest-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        var made = try sandbox.run(["useradd", "--system", "--no-create-home", name])
        for _ in 0..<20 where made.status != 0 {  // /etc/passwd locked by someone else's useradd
            Thread.sleep(forTimeInterval: 0.2)
            made = try sandbox.run(["useradd", "--system", "--no-create-home", name])
        }
        XCTAssertEqual(made.status, 0, made.all)
        users.append(name)
        let entry = try XCTUnwrap(getpwnam(name))
        return User(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// Runs a program as `user`, with the sandbox's HOME and the system PATH.
    @discardableResult
    private func run(as user: User, _ arguments: [String], in directory: String? = nil) throws -> Output {
        try sandbox.run(["runuser", "-u", user.name, "--", "env", "HOME=" + sandbox.path("home"), "PATH=/usr/bin:/bin"] + arguments,
                        in: directory)
    }

    /// Gives a tree to `user`, links themselves rather than what they lead to.
    private func give(_ path: String, to user: User) throws {
        XCTAssertEqual(try sandbox.run(["chown", "-R", "-h", "\(user.name):", path]).status, 0)
    }

    /// A directory only root can enter, like /etc: what the git user's links point into.
    private func protectedDirectory() throws -> String {
        let directory = sandbox.path("protected")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o700)
        return directory
    }

    private func info(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    /// A commit in `repo` for `check --commit`, made without a work tree.
    private func commit(in repo: String) throws -> String {
        let tree = try sandbox.run(["git", "mktree"], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return try sandbox.run(["git", "commit-tree", tree, "-m", "probe"], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Regular files below `directory` (links are not followed) whose bytes contain `text`.
    private func regularFiles(below directory: String, containing text: String) -> [String] {
        var found: [String] = []
        for case let relative as String in FileManager.default.enumerator(atPath: directory) ?? NSEnumerator() {
            let path = directory + "/" + relative
            guard let info = info(path), info.st_mode & S_IFMT == S_IFREG,
                  let data = FileManager.default.contents(atPath: path), data.range(of: Data(text.utf8)) != nil else { continue }
            found.append(relative)
        }
        return found
    }

    // MARK: the store directory

    func testRootFollowsNoLinkAndUsesNoForeignFileTheGitUserPutsInTheStore() throws {
        let git = try makeUser()
        let other = try makeUser()
        let repo = try sandbox.bareRepository("shop", install: ["--user", git.name])
        let store = sandbox.path("store")
        let protected = try protectedDirectory()
        let preload = protected + "/ld.so.preload"
        let commit = try commit(in: repo)
        let readers = [["status", "--app", "shop"], ["audit"], ["instances", "list", "--app", "shop", "--env", "production"],
                       ["check", "--repo", repo, "--ref", "main", "--commit", commit], ["doctor", "--repo", repo]]
        let writers = [["config", "set", "--app", "shop", "--env", "production", "K=-"],
                       ["instances", "add", "--app", "shop", "--env", "production", "web.1"],
                       ["install", "--repo", repo, "--user", git.name]]

        func assertRefused(_ commands: [[String]], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            for command in commands {
                let output = try sandbox.run([sandbox.binary] + command, input: "v\n")
                // doctor reports every problem it finds and keeps its exit status for that: 1.
                XCTAssertEqual(output.status, command[0] == "doctor" ? 1 : 3, "\(command): \(output.all)", file: file, line: line)
                XCTAssertTrue(output.all.contains(message), "\(command): \(output.all)", file: file, line: line)
                XCTAssertNil(info(preload), "\(command) created the link's target", file: file, line: line)
            }
        }

        // state.db swapped for a dangling link into a directory only root can write.
        XCTAssertEqual(try run(as: git, ["sh", "-c", "rm -f state.db && ln -s \"$1\" state.db", "sh", preload], in: store).status, 0)
        try assertRefused(readers + writers, "state.db as root: it is a symbolic link (to \(preload))")
        XCTAssertEqual(info(protected)?.st_uid, 0)

        // The link gone, install makes a new store; then SQLite's own files are planted.
        XCTAssertEqual(try run(as: git, ["rm", "state.db"], in: store).status, 0)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--user", git.name).status, 0)
        XCTAssertEqual(info(sandbox.storePath)?.st_uid, git.uid)
        for suffix in ["-wal", "-shm"] {
            // The WAL stays between commands (see "What a power cut can lose"): fold it into
            // the database first, so replacing the file loses nothing.
            XCTAssertEqual(try sandbox.run(["sqlite3", sandbox.storePath, "PRAGMA wal_checkpoint(TRUNCATE)"]).status, 0)
            XCTAssertEqual(try run(as: git, ["sh", "-c", "rm -f \"state.db$2\" && ln -s \"$1\" \"state.db$2\"", "sh", preload, suffix],
                                   in: store).status, 0)
            try assertRefused([["audit"], writers[0]], "state.db\(suffix) as root: it is a symbolic link")
            XCTAssertEqual(try run(as: git, ["rm", "state.db" + suffix], in: store).status, 0)
        }

        // The digest key, as a link to a file root keeps secret: not read, not used as the key.
        let secret = protected + "/secret"
        try Data(repeating: 0x53, count: 64).write(to: URL(fileURLWithPath: secret))
        chmod(secret, 0o600)
        XCTAssertEqual(try run(as: git, ["ln", "-s", secret, "digest.key"], in: store).status, 0)
        try assertRefused([writers[0]], "digest.key as root: it is a symbolic link")
        XCTAssertEqual(try run(as: git, ["rm", "digest.key"], in: store).status, 0)

        // A store file of a third user's is not root's to use either.
        XCTAssertEqual(try sandbox.run(["chown", other.name, sandbox.storePath]).status, 0)
        try assertRefused([["audit"], writers[0]], "state.db as root: it belongs to \(other.name), neither root nor \(git.name)")
        XCTAssertEqual(try sandbox.run(["chown", git.name, sandbox.storePath]).status, 0)

        // Put right, everything works again, and the key root made belongs to the git user.
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v").status, 0)
        XCTAssertEqual(info(store + "/digest.key")?.st_uid, git.uid)
        XCTAssertEqual(try sandbox.pushguard("audit").status, 0)
    }

    func testCommandsThatOnlyReadCreateNothingAndNameTheMissingStore() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        let commit = try commit(in: repo)
        let missing = sandbox.path("nowhere/state.db")
        for command in [["status", "--app", "shop"], ["audit"], ["instances", "list", "--app", "shop", "--env", "production"],
                        ["check", "--repo", repo, "--ref", "main", "--commit", commit], ["doctor", "--repo", repo]] {
            let output = try sandbox.run([sandbox.binary] + command + ["--store", "sqlite:" + missing])
            XCTAssertEqual(output.status, command[0] == "doctor" ? 1 : 3, "\(command): \(output.all)")
            XCTAssertTrue(output.all.contains("SQLite store \(missing) does not exist"), "\(command): \(output.all)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.path("nowhere")), "\(command) created the store's directory")
        }
    }

    // MARK: repositories

    func testRootWritesCopiesAndRemovesNothingThroughLinksTheGitUserPutsInRepositories() throws {
        let git = try makeUser()
        let protected = try protectedDirectory()
        let secret = protected + "/secret.conf"
        let secretText = "[core]\n\tbare = true\n[secret]\n\tpassword = hunter2-root-only\n"  // reads as a git config
        try secretText.write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        let victim = protected + "/victim.push"
        try "root's\n".write(toFile: victim, atomically: true, encoding: .utf8)
        func assertProtectedUntouched(_ when: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(try? String(contentsOfFile: secret, encoding: .utf8), secretText, when, file: file, line: line)
            XCTAssertEqual(info(secret)?.st_uid, 0, when, file: file, line: line)
            XCTAssertEqual(info(secret).map { $0.st_mode & 0o777 }, 0o600, when, file: file, line: line)
            XCTAssertEqual(info(protected)?.st_uid, 0, when, file: file, line: line)
            XCTAssertEqual(info(protected).map { $0.st_mode & 0o777 }, 0o700, when, file: file, line: line)
            XCTAssertNotNil(info(victim), "\(when): a file in the protected directory was removed", file: file, line: line)
            XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: protected).sorted(), ["secret.conf", "victim.push"],
                           when, file: file, line: line)
        }

        // Install into a repository whose config the git user made a link to root's file.
        let first = sandbox.path("first.git")
        try sandbox.git("init", "-q", "--bare", first, in: sandbox.root.path)
        try give(first, to: git)
        XCTAssertEqual(try run(as: git, ["ln", "-sf", secret, first + "/config"]).status, 0)
        let install = try sandbox.pushguard("install", "--repo", first, "--user", git.name)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("config is a symbolic link (to \(secret))"), install.stdout)
        assertProtectedUntouched("install")
        XCTAssertEqual(regularFiles(below: first, containing: "hunter2"), [], "root copied the secret into the repository")

        // Uninstall from a repository where the git user swapped install's config copy and the
        // hooks' hand-over directory for links into the protected directory.
        let second = sandbox.path("second.git")
        try sandbox.git("init", "-q", "--bare", second, in: sandbox.root.path)
        try give(second, to: git)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", second, "--user", git.name).status, 0)
        XCTAssertEqual(info(second + "/pushguard-install.config")?.st_uid, git.uid)
        XCTAssertEqual(try run(as: git, ["ln", "-sf", secret, second + "/pushguard-install.config"]).status, 0)
        XCTAssertEqual(try run(as: git, ["ln", "-s", protected, second + "/pushguard-push"]).status, 0)
        let uninstall = try sandbox.pushguard("install", "--repo", second, "--uninstall")
        XCTAssertEqual(uninstall.status, 2, uninstall.all)
        assertProtectedUntouched("uninstall")
        XCTAssertEqual(regularFiles(below: second, containing: "hunter2"), [], "root copied the secret into the repository")

        // A hooks directory in the git user's home (gitolite's LOCAL_CODE), swapped for a link.
        let home = sandbox.path("git-home")
        try FileManager.default.createDirectory(atPath: home + "/hooks", withIntermediateDirectories: true)
        try give(home, to: git)
        XCTAssertEqual(try run(as: git, ["ln", "-s", protected, home + "/hooks/common"]).status, 0)
        let hooksDir = try sandbox.pushguard("install", "--hooks-dir", home + "/hooks/common", "--user", git.name)
        XCTAssertEqual(hooksDir.status, 2, hooksDir.all)
        XCTAssertTrue(hooksDir.stdout.contains("common is a symbolic link"), hooksDir.stdout)
        assertProtectedUntouched("install --hooks-dir")
    }

    // MARK: modes

    func testTheStoreIsClosedToOtherUsersAndKeepsItsModesThroughInstallPushAndConfigSet() throws {
        let git = try makeUser()
        let other = try makeUser()
        let store = sandbox.path("store")
        let repo = sandbox.path("shop.git")
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        try give(repo, to: git)

        func assertModes(_ when: String, walOpen: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
            let directory = info(store)
            XCTAssertEqual(directory.map { $0.st_mode & 0o7777 }, 0o750, "\(when): store directory", file: file, line: line)
            XCTAssertEqual(directory?.st_uid, git.uid, "\(when): store directory", file: file, line: line)
            XCTAssertEqual(directory?.st_gid, git.gid, "\(when): store directory's group", file: file, line: line)
            for (name, mode) in [("state.db", 0o640), ("state.db-wal", 0o640), ("state.db-shm", 0o640), ("digest.key", 0o600)] {
                guard let found = info(store + "/" + name) else {
                    XCTAssertFalse(name == "state.db" || (walOpen && name != "digest.key"), "\(when): \(name) missing", file: file, line: line)
                    continue
                }
                XCTAssertEqual(found.st_mode & S_IFMT, S_IFREG, "\(when): \(name)", file: file, line: line)
                XCTAssertEqual(Int(found.st_mode & 0o7777), mode, "\(when): \(name) mode", file: file, line: line)
                XCTAssertEqual(found.st_uid, git.uid, "\(when): \(name) owner", file: file, line: line)
            }
        }

        let install = try sandbox.pushguard("install", "--repo", repo, "--user", git.name)
        XCTAssertEqual(install.status, 0, install.all)
        assertModes("after install")

        // The first push, as the git user: rejected (K is not set) and audited.
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try give(work, to: git)
        let push = try run(as: git, ["git", "push", "origin", "HEAD:refs/heads/main"], in: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("push to shop/production (refs/heads/main) rejected"), push.all)
        assertModes("after the first push")

        // config set as root while a reader (the git user, as a hook would) keeps the WAL open,
        // so -wal and -shm are there to be checked.
        let holder = """
            import os, sqlite3, sys, time
            connection = sqlite3.connect(sys.argv[1], isolation_level=None)
            connection.execute("BEGIN")
            connection.execute("SELECT COUNT(*) FROM audit").fetchall()
            print("holding", flush=True)
            end = time.time() + 30
            while time.time() < end and not os.path.exists(sys.argv[2]):
                time.sleep(0.05)
            connection.execute("COMMIT")
            """
        try holder.write(toFile: sandbox.path("holder.py"), atomically: true, encoding: .utf8)
        let stop = sandbox.path("stop-holder"), ready = sandbox.path("holder-ready")
        let started = shell("runuser -u \(git.name) -- /usr/bin/python3 '\(sandbox.path("holder.py"))' '\(sandbox.storePath)' '\(stop)' > '\(ready)' 2>&1 < /dev/null & echo $!")
        let pid = pid_t(started?.output.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        defer {
            // The holder ends when it sees the stop file; wait for it (its user is removed next).
            FileManager.default.createFile(atPath: stop, contents: nil)
            for _ in 0..<100 where pid > 0 && kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        var holding = ""
        for _ in 0..<100 where !holding.contains("holding") {
            Thread.sleep(forTimeInterval: 0.05)
            holding = (try? String(contentsOfFile: ready, encoding: .utf8)) ?? ""
        }
        XCTAssertTrue(holding.contains("holding"), holding)
        let set = try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v")
        XCTAssertEqual(set.status, 0, set.all)
        assertModes("after config set", walOpen: true)

        // Another local user reaches none of it: not the directory, not a file in it.
        let probe = """
            import os, sys
            for path in sys.argv[1:]:
                try:
                    if os.path.isdir(path): os.listdir(path)
                    else: open(path, "rb").read(1)
                    print(path, "read")
                except OSError as error:
                    print(path, error.errno)
            """
        let paths = [store, sandbox.storePath, sandbox.storePath + "-wal", sandbox.storePath + "-shm", store + "/digest.key"]
        let denied = try run(as: other, ["/usr/bin/python3", "-c", probe] + paths)
        XCTAssertEqual(denied.stdout, paths.map { "\($0) \(EACCES)\n" }.joined(), denied.all)
    }
}
