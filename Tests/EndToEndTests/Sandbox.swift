import Foundation
import XCTest

/// What a command printed and how it ended.
struct Output: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var all: String { stdout + stderr }
}

/// A temporary world for one test: its own HOME (so no global git config leaks in), its own
/// SQLite store, bare repositories and work trees, all removed afterwards.
/// Where `Sandbox` copied the built binaries, removed when the test run exits.
nonisolated(unsafe) private var copiedBinaries: UnsafeMutablePointer<CChar>?

final class Sandbox: @unchecked Sendable {
    let root: URL
    let binary: String
    var environment: [String: String]

    init() throws {
        // A command that exits before reading its stdin must fail its test, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
        root = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("pushguard-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("home"), withIntermediateDirectories: true)
        binary = Sandbox.locateBinary()
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        environment = [
            "PATH": path,
            "HOME": root.appendingPathComponent("home").path,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
            "USER": "alice",
            "LANG": "C.UTF-8",
            "PUSHGUARD_STORE": "sqlite:" + root.appendingPathComponent("store/state.db").path,
        ]
    }

    /// A sandbox whose store exists (as after `pushguard install` or `store init`), or none.
    convenience init(store: Bool) throws {
        try self.init()
        if store { try initStore() }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Creates the sandbox's store (only install and `store init` create one).
    func initStore() throws {
        let output = try pushguard("store", "init")
        XCTAssertEqual(output.status, 0, output.all)
    }

    /// Registers an app's environments in the store, creating the store first if needed.
    func register(_ app: String, _ environments: String...) throws {
        if !FileManager.default.fileExists(atPath: storePath) { try initStore() }
        let output = try run([binary, "apps", "create", app] + environments.flatMap { ["--env", $0] })
        XCTAssertEqual(output.status, 0, output.all)
    }

    var storePath: String { root.appendingPathComponent("store/state.db").path }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The built `pushguard` (with `pushguard-cli` beside it), copied once per test run into a
    /// directory every user may enter, or `$PUSHGUARD_BINARY`. Tests run hooks as throwaway
    /// users, and a checkout in a mode-700 directory (root's home) is out of their reach: git
    /// would skip the hooks, and install refuses to link them.
    static func locateBinary() -> String { sharedBinary }

    private static let sharedBinary: String = {
        if let explicit = ProcessInfo.processInfo.environment["PUSHGUARD_BINARY"] { return explicit }
        let built = locateBuiltBinary()
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("pushguard-bin-\(UUID().uuidString.prefix(8))").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o755)
            for name in ["pushguard", "pushguard-cli"] {
                let source = URL(fileURLWithPath: built).deletingLastPathComponent().appendingPathComponent(name).path
                try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + name)
                chmod(directory + "/" + name, 0o755)
            }
        } catch {
            fatalError("cannot copy the built binaries to \(directory): \(error)")
        }
        copiedBinaries = strdup(directory)
        atexit {
            if let directory = copiedBinaries { _ = try? FileManager.default.removeItem(atPath: String(cString: directory)) }
        }
        return directory + "/pushguard"
    }()

    /// The built `pushguard` next to the test bundle.
    private static func locateBuiltBinary() -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("pushguard").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/pushguard").path
        return fromSource
    }

    /// Runs a program; `input` goes to stdin.
    @discardableResult
    func run(_ arguments: [String], in directory: String? = nil, input: String = "",
             environment extra: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment.merging(extra) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? root.path)
        // Output goes to files, so a chatty child can never block on a full pipe.
        let outPath = path("out-\(UUID().uuidString)"), errPath = path("err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let stdin = Pipe()
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        try stdout.close()
        try stderr.close()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self),
                      stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self))
    }

    /// Runs `pushguard ARGS…`.
    @discardableResult
    func pushguard(_ arguments: String..., input: String = "", environment extra: [String: String] = [:]) throws -> Output {
        try run([binary] + arguments, input: input, environment: extra)
    }

    /// Runs git and fails the test when it fails.
    @discardableResult
    func git(_ arguments: String..., in directory: String, file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        let output = try run(["git"] + arguments, in: directory)
        XCTAssertEqual(output.status, 0, "git \(arguments.joined(separator: " ")): \(output.all)", file: file, line: line)
        return output
    }

    /// A bare repository `NAME.git` with PushGuard installed (`installArguments` added).
    @discardableResult
    func bareRepository(_ name: String, install installArguments: [String] = [], config: [(String, String)] = []) throws -> String {
        let repo = path(name + ".git")
        try git("init", "-q", "--bare", repo, in: root.path)
        for (key, value) in config { try git("config", "--add", key, value, in: repo) }
        if installArguments != ["none"] {
            let output = try run([binary, "install", "--repo", repo] + installArguments)
            XCTAssertEqual(output.status, 0, output.all)
        }
        return repo
    }

    /// A work tree `NAME` whose first commit holds `files`, with `origin` pointing at `remote`.
    @discardableResult
    func workTree(_ name: String, remote: String, files: [String: String]) throws -> String {
        let work = path(name)
        try git("init", "-q", "-b", "main", work, in: root.path)
        try git("remote", "add", "origin", remote, in: work)
        try commit(in: work, files: files, message: "first")
        return work
    }

    func commit(in work: String, files: [String: String], message: String) throws {
        for (file, content) in files {
            let url = URL(fileURLWithPath: work).appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        try git("add", "-A", in: work)
        try git("commit", "-q", "--allow-empty", "-m", message, in: work)
    }

    /// `git push [options] origin REFSPEC…` (not asserting success).
    func push(_ refspecs: String..., from work: String, options: [String] = []) throws -> Output {
        try run(["git", "push"] + options.flatMap { ["-o", $0] } + ["origin"] + refspecs, in: work)
    }

    /// `count` new commits in `work`, each on its own with HEAD as parent and HEAD's tree, for
    /// the refs `refPrefix0` … : the refspecs (`COMMIT:REF`) that push them.
    func commitsForRefs(_ count: Int, in work: String, refPrefix: String = "refs/heads/r/",
                        file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let made = try run(["/bin/sh", "-c", """
            tree=$(git write-tree) && parent=$(git rev-parse HEAD) || exit 1
            i=0
            while [ $i -lt \(count) ]; do
              echo "$(git commit-tree "$tree" -p "$parent" -m "c$i"):\(refPrefix)$i" || exit 1
              i=$((i + 1))
            done
            """], in: work)
        XCTAssertEqual(made.status, 0, made.all, file: file, line: line)
        return made.stdout.split(separator: "\n").map(String.init)
    }

    /// Starts every command before waiting for any (each its own process with the sandbox's
    /// environment, none waiting for another to start), runs `started`, then waits for all.
    /// Output goes to files, removed once read.
    func runAllAtOnce(_ commands: [(arguments: [String], directory: String)], started: () -> Void = {}) throws -> [Output] {
        var running: [(process: Process, out: String, err: String)] = []
        for (index, command) in commands.enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command.arguments
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: command.directory)
            let out = path("all-at-once-\(index).out"), err = path("all-at-once-\(index).err")
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            _ = FileManager.default.createFile(atPath: err, contents: nil)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
            try process.run()
            running.append((process, out, err))
        }
        started()
        return running.map { item in
            item.process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(atPath: item.out)
                try? FileManager.default.removeItem(atPath: item.err)
            }
            return Output(status: item.process.terminationStatus,
                          stdout: String(decoding: FileManager.default.contents(atPath: item.out) ?? Data(), as: UTF8.self),
                          stderr: String(decoding: FileManager.default.contents(atPath: item.err) ?? Data(), as: UTF8.self))
        }
    }

    /// Every byte of every file below a directory, for secret scans.
    func allBytes(below directory: String) -> Data {
        var data = Data()
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return data }
        for case let relative as String in walker {
            let full = (directory as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
               let contents = FileManager.default.contents(atPath: full) {
                data.append(contents)
            }
        }
        return data
    }
}

/// The records of `audit --json` output that are about pushes: decisions and deploys, without
/// the registry's `registered`/`removed` records (install registers each repository's app).
func pushRecords(_ output: Output) throws -> [[String: Any]] {
    let records = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] ?? []
    return records.filter { !["registered", "removed"].contains($0["decision"] as? String ?? "") }
}

/// An app.json requiring the given keys.
func manifest(requiring keys: [String]) -> String {
    "{\"name\": \"billing-api\", \"env\": {" + keys.map { "\"\($0)\": {\"description\": \"needed\"}" }.joined(separator: ", ") + "}}"
}

/// Runs `body` for 0..<count on concurrent threads and returns the results in order.
func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let results = ConcurrentResults<T>()
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let value = body(index)
        results.lock.lock()
        results.values[index] = value
        results.lock.unlock()
    }
    return (0..<count).map { results.values[$0]! }
}

/// Results gathered from concurrent threads under a lock.
final class ConcurrentResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Int: T] = [:]
}

/// Runs a shell command through popen and returns its exit status and stdout. Use it to start
/// background processes: a child of Foundation's Process keeps that Process "running" until
/// every descendant that inherited its descriptors has exited.
func shell(_ command: String) -> (status: Int32, output: String)? {
    guard let pipe = popen(command, "r") else { return nil }
    var output = Data()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, pipe)
        if count <= 0 { break }
        output.append(contentsOf: buffer[0..<count])
    }
    let status = pclose(pipe)
    return ((status >> 8) & 0xff, String(decoding: output, as: UTF8.self))
}

/// A precondition a test cannot run without (root, a tmpfs, openssl). Outside CI an unmet one
/// skips the test, saying why; under `CI=true` it is a failure, so a test that CI is meant to
/// run can never pass there by being skipped (CI runs as root, with test.sh's packages).
func requireOrSkip(_ condition: Bool, _ reason: @autoclosure () -> String,
                   file: StaticString = #filePath, line: UInt = #line) throws {
    guard !condition else { return }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("CI=true, and CI must run this test: \(reason())", file: file, line: line)
        throw PreconditionNotMet(description: reason())
    }
    throw XCTSkip(reason(), file: file, line: line)
}

/// What `requireOrSkip` throws under CI, after recording the failure.
struct PreconditionNotMet: Error, CustomStringConvertible { var description: String }

/// A real system account made for one test (a git user, another local user).
struct ThrowawayUser {
    var name: String
    var uid: uid_t
    var gid: gid_t
}

extension XCTestCase {
    /// A new system account `pgtest-<random>` (and its group), removed when the test ends.
    /// Needs root.
    func makeThrowawayUser(in sandbox: Sandbox) throws -> ThrowawayUser {
        try requireOrSkip(getuid() == 0, "adding users needs root (CI runs as root)")
        let name = "pgtest-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        var made = try sandbox.run(["useradd", "--system", "--no-create-home", name])
        for _ in 0..<20 where made.status != 0 {  // /etc/passwd locked by someone else's useradd
            Thread.sleep(forTimeInterval: 0.2)
            made = try sandbox.run(["useradd", "--system", "--no-create-home", name])
        }
        XCTAssertEqual(made.status, 0, made.all)
        // The block holds only the name: XCTest keeps a test's teardown blocks as long as the
        // test case, and a sandbox held there would never be removed.
        addTeardownBlock {
            // A process of the user's that is still ending keeps userdel from working: retry.
            for _ in 0..<50 where shell("userdel \(name) 2>&1")?.status ?? 0 != 0 && getpwnam(name) != nil {
                Thread.sleep(forTimeInterval: 0.1)
            }
            if getgrnam(name) != nil { _ = shell("groupdel \(name) 2>&1") }
        }
        let entry = try XCTUnwrap(getpwnam(name))
        return ThrowawayUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }
}

/// Whether `text` (status output, or a pusher's `remote:` lines) has a row for `key` with `status`
/// (`TOKEN  staged …`, `  A    live …`), whatever the column padding.
func hasRow(_ text: String, _ key: String, _ status: String) -> Bool {
    text.range(of: #"(^|[\s:])"# + NSRegularExpression.escapedPattern(for: key) + #" +"# + status + #"(\s|$)"#,
               options: .regularExpression) != nil
}
