import Foundation
import XCTest

/// A real gitolite3 server reached over ssh on 127.0.0.1, started by Tests/Fixtures/gitolite.sh:
/// a throwaway system user for the git account, its own sshd on a free port, everything in one
/// temporary directory. `stop()` removes the user and the directory.
///
/// The fixture's gitolite.conf defines repository `billing`: alice RW+, bob R, carol RW on
/// `refs/heads/dev` only, and `config pushguard.app = billing` (GIT_CONFIG_KEYS allows
/// `pushguard\..*`). `configure(_:)` replaces it.
struct GitoliteServer: Sendable {
    enum User: String, CaseIterable, Sendable { case admin, alice, bob, carol }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/gitolite.sh").path

    /// The fixture's directory; the git user's home is inside it.
    let directory: String
    /// The git account's name (pgtest-git-…): the hooks run as this user.
    let gitUser: String
    let home: String
    /// The git user's ~/.gitolite.rc.
    let rc: String
    /// Where gitolite keeps the bare repositories (`billing.git`, …).
    let repositories: String
    let port: Int
    /// `ssh://USER@127.0.0.1:PORT/`; append a repository name.
    let urlBase: String
    private let sshCommands: [String: String]

    /// Starts a server (one to two seconds). Skips the test when not root: the fixture adds a
    /// user and starts sshd. Anything else that goes wrong is an error, with the fixture's output.
    static func start() throws -> GitoliteServer {
        try requireOrSkip(getuid() == 0, "the gitolite server needs root (CI runs as root)")
        let directory = NSTemporaryDirectory() + "pushguard-gitolite-\(UUID().uuidString.prefix(8))"
        // popen, not Process: the fixture leaves sshd running in the background.
        guard let (status, output) = shell("\(quoted(fixture)) start \(quoted(directory)) 2>&1") else {
            throw Failure(description: "could not run \(fixture)")
        }
        guard status == 0 else {
            throw Failure(description: "gitolite.sh start failed (\(status)):\n\(output)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        func value(_ key: String) throws -> String {
            guard let value = values[key] else { throw Failure(description: "gitolite.sh printed no \(key):\n\(output)") }
            return value
        }
        var commands: [String: String] = [:]
        for user in User.allCases { commands[user.rawValue] = try value("GIT_SSH_COMMAND_" + user.rawValue.uppercased()) }
        return GitoliteServer(directory: try value("GITOLITE_DIR"), gitUser: try value("GITOLITE_USER"),
                              home: try value("GITOLITE_HOME"), rc: try value("GITOLITE_RC"),
                              repositories: try value("REPOSITORIES"), port: Int(try value("SSH_PORT")) ?? 0,
                              urlBase: try value("URL_BASE"), sshCommands: commands)
    }

    /// Stops sshd, removes the git user and the directory.
    func stop() {
        _ = shell("\(GitoliteServer.quoted(GitoliteServer.fixture)) stop \(GitoliteServer.quoted(directory)) 2>&1")
    }

    /// The ssh URL of a repository, e.g. `url("billing")`.
    func url(_ repository: String) -> String { urlBase + repository }

    /// The bare repository's path on the server.
    func repositoryPath(_ repository: String) -> String { repositories + "/" + repository + ".git" }

    /// What git needs to reach the server as `user` (merge into a Sandbox's environment).
    func environment(as user: User) -> [String: String] {
        ["GIT_SSH_COMMAND": sshCommands[user.rawValue]!,
         "GIT_AUTHOR_NAME": user.rawValue, "GIT_AUTHOR_EMAIL": "\(user.rawValue)@example.com",
         "GIT_COMMITTER_NAME": user.rawValue, "GIT_COMMITTER_EMAIL": "\(user.rawValue)@example.com"]
    }

    /// Runs `git ARGS…` in `directory` as `user`, through the sandbox (not asserting success).
    func git(as user: User, _ arguments: String..., in directory: String, sandbox: Sandbox) throws -> Output {
        try sandbox.run(["git"] + arguments, in: directory, environment: environment(as: user))
    }

    /// Runs a command on the server as the git user, in its home, with a login's environment:
    /// e.g. `gitolite setup --hooks-only`, or git inside a repository (root would get git's
    /// "dubious ownership" refusal there). Output is stdout and stderr together.
    func asGitUser(_ arguments: [String]) -> (status: Int32, output: String) {
        let command = ([GitoliteServer.fixture, "as-git", directory] + arguments).map(GitoliteServer.quoted).joined(separator: " ")
        return shell(command + " 2>&1 </dev/null") ?? (-1, "could not run \(GitoliteServer.fixture)")
    }

    /// Replaces conf/gitolite.conf and pushes it through gitolite-admin as admin.
    func configure(_ conf: String) throws {
        let file = directory + "/gitolite.conf.next"
        try conf.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let command = "\(GitoliteServer.quoted(GitoliteServer.fixture)) conf \(GitoliteServer.quoted(directory)) <\(GitoliteServer.quoted(file)) 2>&1"
        let (status, output) = shell(command) ?? (-1, "could not run \(GitoliteServer.fixture)")
        guard status == 0 else { throw Failure(description: "pushing gitolite.conf failed (\(status)):\n\(output)") }
    }

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// The harness itself, before any PushGuard hook is installed: gitolite's own access rules
/// decide real ssh pushes.
final class GitoliteTests: XCTestCase {
    nonisolated(unsafe) static var server: GitoliteServer?
    nonisolated(unsafe) static var startError: Error?
    var sandbox: Sandbox!

    override class func setUp() {
        super.setUp()
        do { server = try GitoliteServer.start() } catch { startError = error }
    }

    override class func tearDown() {
        server?.stop()
        super.tearDown()
    }

    /// The class's server; skips (not root) or fails (anything else) when it did not start.
    func startedServer() throws -> GitoliteServer {
        if let error = GitoliteTests.startError { throw error }
        return try XCTUnwrap(GitoliteTests.server, "the gitolite server did not start")
    }

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testSshPushesAreDecidedByGitoliteRules() throws {
        let server = try startedServer()
        let sandbox = self.sandbox!

        // alice (RW+) clones the empty repository, pushes main, then rewrites it.
        let alice = sandbox.path("alice")
        let cloned = try server.git(as: .alice, "clone", "-q", server.url("billing"), alice, in: sandbox.root.path, sandbox: sandbox)
        XCTAssertEqual(cloned.status, 0, cloned.all)
        try sandbox.commit(in: alice, files: ["app.json": manifest(requiring: ["TOKEN"])], message: "first")
        let pushed = try server.git(as: .alice, "push", "origin", "HEAD:refs/heads/main", in: alice, sandbox: sandbox)
        XCTAssertEqual(pushed.status, 0, pushed.all)
        try sandbox.git("commit", "-q", "--amend", "-m", "first, reworded", in: alice)
        let forced = try server.git(as: .alice, "push", "--force", "origin", "HEAD:refs/heads/main", in: alice, sandbox: sandbox)
        XCTAssertEqual(forced.status, 0, forced.all)
        let aliceHead = try sandbox.git("rev-parse", "HEAD", in: alice).stdout

        // The others clone main: gitolite made the repository's HEAD refs/heads/master.
        // bob (R) can clone but not push.
        let bob = sandbox.path("bob")
        let bobClone = try server.git(as: .bob, "clone", "-q", "-b", "main", server.url("billing"), bob, in: sandbox.root.path, sandbox: sandbox)
        XCTAssertEqual(bobClone.status, 0, bobClone.all)
        try sandbox.commit(in: bob, files: ["bob.txt": "bob"], message: "bob's change")
        let bobPush = try server.git(as: .bob, "push", "origin", "HEAD:refs/heads/main", in: bob, sandbox: sandbox)
        XCTAssertNotEqual(bobPush.status, 0, bobPush.all)
        XCTAssertTrue(bobPush.stderr.contains("DENIED"), bobPush.stderr)

        // carol (RW on dev only): main refused, dev accepted.
        let carol = sandbox.path("carol")
        let carolClone = try server.git(as: .carol, "clone", "-q", "-b", "main", server.url("billing"), carol, in: sandbox.root.path, sandbox: sandbox)
        XCTAssertEqual(carolClone.status, 0, carolClone.all)
        try sandbox.commit(in: carol, files: ["carol.txt": "carol"], message: "carol's change")
        let carolMain = try server.git(as: .carol, "push", "origin", "HEAD:refs/heads/main", in: carol, sandbox: sandbox)
        XCTAssertNotEqual(carolMain.status, 0, carolMain.all)
        XCTAssertTrue(carolMain.stderr.contains("DENIED"), carolMain.stderr)
        let carolDev = try server.git(as: .carol, "push", "origin", "HEAD:refs/heads/dev", in: carol, sandbox: sandbox)
        XCTAssertEqual(carolDev.status, 0, carolDev.all)
        let carolHead = try sandbox.git("rev-parse", "HEAD", in: carol).stdout

        // What the server holds, read as the git user; and the conf's pushguard.* setting
        // reached the repository's config.
        let repository = server.repositoryPath("billing")
        let refs = server.asGitUser(["git", "-C", repository, "for-each-ref", "--format=%(refname) %(objectname)"])
        XCTAssertEqual(refs.status, 0, refs.output)
        XCTAssertEqual(refs.output, "refs/heads/dev \(carolHead)refs/heads/main \(aliceHead)")
        let app = server.asGitUser(["git", "-C", repository, "config", "pushguard.app"])
        XCTAssertEqual(app.output, "billing\n")
    }
}
