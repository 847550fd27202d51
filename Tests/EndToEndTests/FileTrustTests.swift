import Foundation
import XCTest

/// The trust boundary between root, who runs the admin CLI, and the server's git user, who owns
/// the repositories and the store directory and runs the hooks: root follows no link the git
/// user planted and changes no owner by path, commands that only read create nothing, and the
/// store is closed to every other local user. The git user and the other users are real
/// throwaway system accounts, removed after each test.
final class FileTrustTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        // Other users must reach what the sandbox gives them; the store keeps its own modes.
        chmod(sandbox.root.path, 0o755)
    }

    override func tearDown() {
        sandbox = nil
    }

    private typealias User = ThrowawayUser

    private func makeUser() throws -> User { try makeThrowawayUser(in: sandbox) }

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

        // Put right, everything works again, and the key root made is root's alone: the git
        // user, who reads the store's digests, cannot read it to test guesses of a value.
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v").status, 0)
        XCTAssertEqual(info(store + "/digest.key")?.st_uid, 0)
        XCTAssertEqual(info(store + "/digest.key").map { $0.st_mode & 0o777 }, 0o600)
        XCTAssertNotEqual(try run(as: git, ["cat", "digest.key"], in: store).status, 0)
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

    /// The git user swaps the repository's config between its own file and a link to a file
    /// of root's (as root's ~/.gitconfig would be) while root installs and uninstalls again and
    /// again, and plants install records naming include.path in every spelling: root writes as
    /// the repository's owner, so no attempt reaches root's file, and uninstall restores only
    /// the variables install sets.
    func testTheGitUserRacingTheConfigForALinkNeverMakesRootWriteItsFiles() throws {
        let git = try makeUser()
        let protected = try protectedDirectory()
        let rootConfig = protected + "/gitconfig"
        let rootText = "[user]\n\tname = root\n"
        try rootText.write(toFile: rootConfig, atomically: true, encoding: .utf8)
        let absent = protected + "/absent-config"
        let repo = sandbox.path("raced.git")
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        try give(repo, to: git)
        let stop = sandbox.path("stop-racing")
        // Swaps in a link to root's file, then to a missing file of root's, then the real file
        // back, each with one rename: git's config is a link for most of each round.
        let racer = Process()
        racer.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        racer.arguments = ["-u", git.name, "--", "sh", "-c", """
            cd "$1" && cp config config.real && while [ ! -e "$2" ]; do
              ln -sfn "$3" l1 && mv -fT l1 config; ln -sfn "$4" l2 && mv -fT l2 config
              cp config.real c && mv -fT c config; done
            """, "racer", repo, stop, rootConfig, absent]
        try racer.run()
        defer { if racer.isRunning { FileManager.default.createFile(atPath: stop, contents: nil); racer.waitUntilExit() } }
        // Rounds whose install got past root's own look at the config (a plain file just
        // then) to the write, where the race is: those are the ones that show anything.
        var raced = 0
        for round in 0..<25 {
            let install = try sandbox.pushguard("install", "--repo", repo, "--user", git.name)
            if !install.stdout.contains("config is a symbolic link") { raced += 1 }
            // Install records names and values the git user may rewrite: plant include.path in
            // many spellings, and a config digest that no longer matches (restore by variable).
            let planted = (0..<64).map { index -> String in
                let name = String("include.path".enumerated().map { offset, character in
                    (index >> (offset % 6)) & 1 == 1 ? Character(character.uppercased()) : character
                })
                return "\(name)\t=\(rootConfig)"
            }.joined(separator: "\n") + "\n#config-after\t=0\nreceive.advertisePushOptions\tunset\n"
            XCTAssertEqual(try run(as: git, ["sh", "-c", "printf '%s' \"$1\" > pushguard-install", "sh", planted], in: repo).status, 0)
            _ = try sandbox.pushguard("install", "--repo", repo, "--uninstall")
            XCTAssertEqual(try? String(contentsOfFile: rootConfig, encoding: .utf8), rootText, "round \(round): root's file was written")
            XCTAssertNil(info(absent), "round \(round): a file was created through the link")
            XCTAssertEqual(info(rootConfig)?.st_uid, 0)
        }
        FileManager.default.createFile(atPath: stop, contents: nil)
        racer.waitUntilExit()
        XCTAssertGreaterThan(raced, 0, "no install got past the first look at the config: the test raced nothing")
        XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: protected).sorted(), ["gitconfig"])
        let config = try String(contentsOfFile: repo + "/config.real", encoding: .utf8)
        XCTAssertFalse(config.lowercased().contains("include"), "uninstall restored a variable install never sets: \(config)")
        XCTAssertFalse((try? String(contentsOfFile: repo + "/config", encoding: .utf8))?.lowercased().contains("include") ?? false)
    }

    /// Links in a directory ON THE WAY, not only in the last component: the git user's home
    /// holding gitolite's LOCAL_CODE, a store below it, GitLab's custom_hooks. Root creates,
    /// chowns and chmods nothing in the directories they lead to.
    func testRootCreatesAndChownsNothingThroughALinkInADirectoryOnTheWay() throws {
        let git = try makeUser()
        let protected = try protectedDirectory()
        try FileManager.default.createDirectory(atPath: protected + "/hooks/common", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: protected + "/store", withIntermediateDirectories: true)
        chmod(protected + "/store", 0o755)
        func assertUntouched(_ when: String, file: StaticString = #filePath, line: UInt = #line) {
            for path in [protected, protected + "/hooks", protected + "/hooks/common", protected + "/store"] {
                XCTAssertEqual(info(path)?.st_uid, 0, "\(when): \(path) changed owner", file: file, line: line)
            }
            XCTAssertEqual(info(protected + "/store").map { $0.st_mode & 0o777 }, 0o755, "\(when): mode changed", file: file, line: line)
            XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: protected + "/hooks/common"), [], when, file: file, line: line)
            XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: protected + "/store"), [], when, file: file, line: line)
        }
        let home = sandbox.path("git-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try give(home, to: git)
        XCTAssertEqual(try run(as: git, ["ln", "-s", protected, home + "/local"]).status, 0)
        XCTAssertEqual(try run(as: git, ["ln", "-s", protected, home + "/pg"]).status, 0)

        let hooksDir = try sandbox.pushguard("install", "--hooks-dir", home + "/local/hooks/common", "--user", git.name)
        XCTAssertEqual(hooksDir.status, 2, hooksDir.all)
        assertUntouched("install --hooks-dir")

        let store = try sandbox.pushguard("store", "init", "--store", "sqlite:" + home + "/pg/store/state.db", "--user", git.name)
        XCTAssertEqual(store.status, 3, store.all)
        XCTAssertTrue(store.all.contains("\(home) on the way belongs to \(git.name)"), store.all)
        assertUntouched("store init")

        let repo = sandbox.path("lab.git")
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        try give(repo, to: git)
        XCTAssertEqual(try run(as: git, ["ln", "-s", protected + "/hooks", repo + "/custom_hooks"]).status, 0)
        let gitlab = try sandbox.pushguard("install", "--gitlab", "--repo", repo, "--user", git.name)
        XCTAssertEqual(gitlab.status, 2, gitlab.all)
        XCTAssertEqual(try? FileManager.default.contentsOfDirectory(atPath: protected + "/hooks").sorted(), ["common"])
        assertUntouched("install --gitlab")

        // The same layouts without links work, as the git user's own.
        XCTAssertEqual(try run(as: git, ["rm", home + "/local"]).status, 0)
        let fine = try sandbox.pushguard("install", "--hooks-dir", home + "/local/hooks/common", "--user", git.name)
        XCTAssertEqual(fine.status, 0, fine.all)
        XCTAssertEqual(info(home + "/local/hooks/common")?.st_uid, git.uid)
        XCTAssertEqual(info(home + "/local/hooks/common/pre-receive")?.st_uid, git.uid)
    }

    /// A hook whose binary the git user cannot reach (under /root, mode 0700) is skipped by git
    /// in silence: install refuses to link it, naming the directory, and doctor reports it.
    func testAHookTheGitUserCannotRunIsRefusedByInstallAndReportedByDoctor() throws {
        let git = try makeUser()
        let hidden = try protectedDirectory() + "/bin"
        try FileManager.default.createDirectory(atPath: hidden, withIntermediateDirectories: true)
        for name in ["pushguard", "pushguard-cli"] {
            let source = URL(fileURLWithPath: sandbox.binary).deletingLastPathComponent().appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: source, toPath: hidden + "/" + name)
        }
        let repo = sandbox.path("shop.git")
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        try give(repo, to: git)
        let install = try sandbox.run([hidden + "/pushguard", "install", "--repo", repo, "--user", git.name])
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("\(git.name), who runs this repository's hooks, cannot run \(repo)/hooks/pre-receive: \(sandbox.path("protected")) on the way"), install.stdout)
        XCTAssertTrue(install.stdout.contains("rolled back"), install.stdout)
        XCTAssertNil(info(repo + "/hooks/pre-receive"), "a hook git would skip was left linked")

        // Linked by hand (or by an earlier version): doctor, run as root, says what git does.
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--user", git.name).status, 0)
        XCTAssertEqual(try run(as: git, ["ln", "-sfn", hidden + "/pushguard", repo + "/hooks/pre-receive"]).status, 0)
        let doctor = try sandbox.run([hidden + "/pushguard", "doctor", "--repo", repo])
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  \(git.name), who runs this repository's hooks, cannot run \(repo)/hooks/pre-receive"), doctor.stdout)
    }

    /// An earlier version gave the digest key to the git user; root takes it back on its next
    /// use, through a descriptor, and install does the same.
    func testADigestKeyTheGitUserCouldReadBecomesRootsAlone() throws {
        let git = try makeUser()
        let repo = try sandbox.bareRepository("shop", install: ["--user", git.name])
        let key = sandbox.path("store/digest.key")
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v").status, 0)
        XCTAssertEqual(info(key)?.st_uid, 0)
        XCTAssertEqual(try sandbox.run(["chown", git.name + ":", key]).status, 0)
        chmod(key, 0o640)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--user", git.name).status, 0)
        XCTAssertEqual(info(key)?.st_uid, 0)
        XCTAssertEqual(info(key).map { $0.st_mode & 0o777 }, 0o600)
        XCTAssertNotEqual(try run(as: git, ["cat", key]).status, 0)
        // Hooks work without it: K is set, so the git user's push is checked and accepted.
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try give(work, to: git)
        try give(repo, to: git)
        XCTAssertEqual(try sandbox.pushguard("config", "transmit", "--app", "shop", "--env", "production").status, 0)
        let push = try run(as: git, ["git", "push", "origin", "HEAD:refs/heads/main"], in: work)
        XCTAssertEqual(push.status, 0, push.all)
        let audit = try sandbox.pushguard("audit", "--json")
        XCTAssertEqual(try pushRecords(audit).compactMap { $0["decision"] as? String }.sorted(), ["accepted", "deployed"], audit.all)
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
                // The key is root's alone (hooks never read it); the rest the git user's.
                XCTAssertEqual(found.st_uid, name == "digest.key" ? 0 : git.uid, "\(when): \(name) owner", file: file, line: line)
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
