import Foundation
import XCTest

/// What a hook loads and starts, and the fence around the libgit2 it links (libgit2.a with its
/// network transports replaced: see Sources/CLibgit2), checked so that a change that breaks
/// either is noticed.
final class StartupTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// Files a hook run opens, as strace sees them.
    private func openedFiles(repo: String, input: String) throws -> (Output, String) {
        let trace = sandbox.path("strace.out")
        let output = try sandbox.run(["strace", "-f", "-qq", "-e", "trace=openat,open", "-o", trace,
                                      repo + "/hooks/pre-receive"], in: repo, input: input, environment: ["GIT_DIR": repo])
        return (output, try String(contentsOfFile: trace, encoding: .utf8))
    }

    /// A bare repository "shop" holding a commit (pushed to `side`) whose app.json requires K,
    /// set and transmitted in production: main's pre-receive for it is an in-sync push.
    private func pushedCommit(packed: Bool = false) throws -> (repo: String, head: String) {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        if packed { try sandbox.git("gc", "-q", in: repo) }
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (repo, head)
    }

    /// A pre-receive run, under strace, for an in-sync push of a new commit to main.
    private func inSyncHookRun() throws -> (Output, String) {
        let (repo, head) = try pushedCommit()
        return try openedFiles(repo: repo, input: "\(String(repeating: "0", count: 40)) \(head) refs/heads/main\n")
    }

    func testHookNeverLoadsTheCABundleOrOpenSSLConfiguration() throws {
        let (output, opened) = try inSyncHookRun()
        XCTAssertEqual(output.status, 0, output.all)
        XCTAssertTrue(opened.contains("libz.so"), "the trace is real: \(opened.prefix(400))")
        XCTAssertFalse(opened.contains("ca-certificates"), "libgit2 read the CA bundle")
        XCTAssertFalse(opened.contains("/etc/ssl/certs/"), "libgit2 read certificates")
        XCTAssertFalse(opened.contains("libpq.so"), "libpq is loaded only for postgres:// stores")
        XCTAssertFalse(opened.contains("libcurl.so"), "libcurl is loaded only for http(s):// stores")
    }

    /// The shared objects a hook run opened (from strace; failed opens left out), by file name.
    private func loadedLibraries(_ trace: String) -> [String] {
        trace.split(separator: "\n").compactMap { line -> String? in
            guard !line.contains("= -1"), let start = line.firstIndex(of: "\""),
                  let end = line[line.index(after: start)...].firstIndex(of: "\"") else { return nil }
            let path = line[line.index(after: start)..<end]
            guard path.contains(".so") else { return nil }
            return String(path.split(separator: "/").last ?? path)
        }
    }

    func testHookLoadsNoTLSSSHOrKerberosLibrary() throws {
        let (output, trace) = try inSyncHookRun()
        XCTAssertEqual(output.status, 0, output.all)
        let loaded = loadedLibraries(trace)
        // libgit2.a needs only libc, zlib and PCRE2; SQLite is linked statically too.
        for needed in ["libc.so", "libz.so", "libpcre2-8.so"] {
            XCTAssertTrue(loaded.contains { $0.hasPrefix(needed) }, "\(needed) not loaded, so the trace is not what it seems: \(loaded)")
        }
        for unwanted in ["libgit2.so", "libssl", "libcrypto", "libssh2", "libgssapi", "libkrb5", "libk5crypto", "libmbed",
                         "libhttp_parser", "libcurl", "libpq", "libsqlite3"] {
            XCTAssertFalse(loaded.contains { $0.hasPrefix(unwanted) }, "a hook loads \(unwanted): \(loaded)")
        }
    }

    /// The names the stubs define must not be exported: libcurl and libpq, opened with dlopen
    /// for HTTP and PostgreSQL stores, use the real libssh2 and GSSAPI, and would bind to them.
    /// Both executables link libgit2 (the admin CLI beside the hook binary, where it exists).
    func testReplacedNetworkSymbolsAreNotExported() throws {
        for binary in [sandbox.binary, cliBeside(sandbox.binary)].compactMap({ $0 }) {
            let exported = try sandbox.run(["nm", "-D", "--defined-only", binary])
            XCTAssertEqual(exported.status, 0, exported.all)
            let leaked = exported.stdout.split(separator: "\n").filter { line in
                ["mbedtls_", "libssh2_", "gss_", "GSS_C_", "http_parser", "http_errno", "pushguard_network", "pushguard_libgit2"]
                    .contains { line.split(separator: " ").last?.hasPrefix($0) == true }
            }
            XCTAssertEqual(leaked, [], "exported from \(binary)")
        }
    }

    /// The admin CLI installed beside `binary` (a build tree), if any.
    private func cliBeside(_ binary: String) -> String? {
        let cli = URL(fileURLWithPath: binary).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("pushguard-cli").path
        return FileManager.default.isExecutableFile(atPath: cli) ? cli : nil
    }

    /// What hooks link to carries no admin CLI: neither the argument parser nor Foundation is
    /// linked into it (they made every hook start and exit slower), nor Swift libraries the
    /// hooks do not use, and a hook run loads no Foundation library (a build with the Swift
    /// runtime as shared libraries would).
    func testHookBinaryCarriesNeitherTheArgumentParserNorFoundationNorRuntimesItDoesNotUse() throws {
        let symbols = try sandbox.run(["nm", sandbox.binary])
        XCTAssertEqual(symbols.status, 0, symbols.all)
        XCTAssertTrue(symbols.stdout.contains("PushGuardHooks"), "nm read the hook binary's symbols: \(symbols.stdout.prefix(300))")
        // Nor Swift's string-processing library (a string `contains`, `replacing` or
        // `ranges(of:)` links its regex engine: the core's TextSearch does that work), nor the
        // concurrency runtime and libdispatch (main.swift's closures checking the main actor
        // linked them, with constructors run at every start).
        for module in ["14ArgumentParser", "20FoundationEssentials", "10Foundation", "PushGuardCommands",
                       "17_StringProcessing", "12_RegexParser", "12_Concurrency"] {
            XCTAssertFalse(symbols.stdout.contains("$s" + module), "\(sandbox.binary) links \(module.drop { $0.isNumber })")
        }
        for runtime in [" swift_task_create", " swift_task_isCurrentExecutor", " dispatch_queue_create", " libdispatch_init"] {
            XCTAssertFalse(symbols.stdout.contains(runtime), "\(sandbox.binary) links\(runtime)")
        }
        let (output, trace) = try inSyncHookRun()
        XCTAssertEqual(output.status, 0, output.all)
        let loaded = loadedLibraries(trace)
        XCTAssertTrue(loaded.contains { $0.hasPrefix("libz.so") }, "the trace is real: \(loaded)")
        XCTAssertFalse(loaded.contains { $0.hasPrefix("libFoundation") }, "a hook loads Foundation: \(loaded)")
    }

    /// `pushguard hook NAME` is a hook too: it runs in `pushguard` itself, without starting the
    /// admin CLI (a wrong name is still the CLI's to refuse).
    func testHookCommandRunsWithoutTheAdminCLI() throws {
        let (repo, head) = try pushedCommit()
        let trace = sandbox.path("hook-command.out")
        let output = try sandbox.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", trace, sandbox.binary, "hook", "pre-receive"],
                                     in: repo, input: "\(String(repeating: "0", count: 40)) \(head) refs/heads/main\n",
                                     environment: ["GIT_DIR": repo])
        XCTAssertEqual(output.status, 0, output.all)
        let programs = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { $0.contains("execve(") }
        XCTAssertEqual(programs.count, 1, "pushguard hook started another program: \(programs)")
        XCTAssertTrue(try sandbox.pushguard("audit", "--app", "shop").stdout.contains("accepted"), "the hook ran and audited")
        let wrong = try sandbox.pushguard("hook", "pre-recieve")
        XCTAssertEqual(wrong.status, 2, wrong.all)
        XCTAssertTrue(wrong.stderr.contains("unknown hook"), wrong.all)
    }

    /// An admin command runs the CLI installed beside the hook binary, as installed:
    /// PREFIX/bin/pushguard finds PREFIX/lib/pushguard/pushguard-cli; without it, a command says
    /// what is missing (exit 2) and install links hooks to `pushguard`, never to the CLI. The
    /// CLI's run loads no TLS, SSH or Kerberos library either.
    func testCommandsRunTheInstalledAdminCLI() throws {
        let prefix = sandbox.path("prefix")
        let hookBinary = prefix + "/bin/pushguard"
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: sandbox.binary).resolvingSymlinksInPath().path, toPath: hookBinary)
        let alone = try sandbox.run([hookBinary, "status"])
        XCTAssertEqual(alone.status, 2, alone.all)
        XCTAssertTrue(alone.stderr.contains("pushguard-cli") && alone.stderr.contains(prefix + "/lib/pushguard/pushguard-cli"),
                      alone.all)
        guard let cli = cliBeside(sandbox.binary) else { return XCTFail("no pushguard-cli beside \(sandbox.binary)") }
        try FileManager.default.createDirectory(atPath: prefix + "/lib/pushguard", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cli, toPath: prefix + "/lib/pushguard/pushguard-cli")
        let version = try sandbox.run([hookBinary, "--version"])
        XCTAssertEqual(version.status, 0, version.all)
        XCTAssertFalse(version.stdout.isEmpty, version.all)
        let repo = sandbox.path("shop.git")
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        let install = try sandbox.run([hookBinary, "install", "--repo", repo])
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: repo + "/hooks/pre-receive"), hookBinary)
        let doctor = try sandbox.run([hookBinary, "doctor", "--repo", repo])
        XCTAssertTrue(doctor.stdout.contains("pushguard " + hookBinary), doctor.all)
        let trace = sandbox.path("cli-strace.out")
        let status = try sandbox.run(["strace", "-f", "-qq", "-e", "trace=openat,open", "-o", trace, hookBinary, "status",
                                      "--app", "shop"])
        XCTAssertEqual(status.status, 0, status.all)
        XCTAssertTrue(status.stdout.contains("shop/production"), "the admin CLI answered: \(status.all)")
        let loaded = loadedLibraries(try String(contentsOfFile: trace, encoding: .utf8))
        XCTAssertTrue(loaded.contains { $0.hasPrefix("libz.so") }, "the trace is real: \(loaded)")
        for unwanted in ["libgit2.so", "libssl", "libcrypto", "libssh2", "libgssapi", "libkrb5", "libmbed", "libcurl", "libpq"] {
            XCTAssertFalse(loaded.contains { $0.hasPrefix(unwanted) }, "an admin command loads \(unwanted): \(loaded)")
        }
    }

    /// Cloning over the network through the linked libgit2 fails with the fence's message, opens
    /// no socket, and does not crash; a clone from a local path still works (pack read and write).
    func testLibgit2NetworkTransportsFailCleanlyWithoutOpeningAConnection() throws {
        let urls = ["https://127.0.0.1:9/app.git", "http://127.0.0.1:9/app.git", "ssh://git@127.0.0.1:9/app.git",
                    "git@127.0.0.1:app.git", "git://127.0.0.1:9/app.git"]
        for (index, url) in urls.enumerated() {
            let trace = sandbox.path("network-\(index).out")
            let output = try sandbox.run(["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", trace,
                                          sandbox.binary, "__libgit2-clone", url, sandbox.path("clone-\(index)")])
            XCTAssertEqual(output.status, 1, "\(url): \(output.all)")
            XCTAssertTrue(output.stderr.contains("PushGuard is built without libgit2's network transports"), "\(url): \(output.all)")
            let calls = try String(contentsOfFile: trace, encoding: .utf8)
            XCTAssertEqual(calls.split(separator: "\n").filter { !$0.contains("+++") }, [], "\(url) opened a socket")
        }
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/main", in: work)
        try sandbox.git("gc", "-q", in: repo)  // a packed repository: the clone reads a pack
        try sandbox.git("symbolic-ref", "HEAD", "refs/heads/main", in: repo)
        let local = try sandbox.pushguard("__libgit2-clone", repo, sandbox.path("local-clone"))
        XCTAssertEqual(local.status, 0, local.all)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.path("local-clone/app.json")))
    }

    /// libgit2 frees pointers its TLS set-up stored in mbedTLS's configuration (which the stubs
    /// keep); left as garbage, that free crashes. A heap filled with garbage (MALLOC_PERTURB_)
    /// makes such a mistake crash every time instead of now and then.
    func testLibgit2StartsOnAGarbageFilledHeap() throws {
        let perturbed = ["MALLOC_PERTURB_": "165"]
        let (repo, head) = try pushedCommit(packed: true)
        let hook = try sandbox.run([repo + "/hooks/pre-receive"], in: repo, input: "\(String(repeating: "0", count: 40)) \(head) refs/heads/main\n",
                                   environment: perturbed.merging(["GIT_DIR": repo]) { $1 })
        XCTAssertEqual(hook.status, 0, hook.all)
        let clone = try sandbox.run([sandbox.binary, "__libgit2-clone", repo, sandbox.path("clone")], environment: perturbed)
        XCTAssertEqual(clone.status, 0, clone.all)
    }

    func testPreReceiveReadsPushedObjectsInGitsQuarantine() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        // A hook that runs first and notes where git put the pushed objects.
        let marker = sandbox.path("quarantine.txt")
        try "#!/bin/sh\necho \"$GIT_QUARANTINE_PATH\" > \(marker)\n".write(toFile: repo + "/hooks/pre-receive",
                                                                                 atomically: true, encoding: .utf8)
        chmod(repo + "/hooks/pre-receive", 0o755)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
        // Accepted only if app.json (which requires K, set and live) is read from the pushed
        // commit, whose objects exist only in the quarantine directory while the hook runs.
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        let quarantine = try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(quarantine.contains("tmp_objdir-incoming"), "pre-receive ran in quarantine: \(quarantine)")
        // And a manifest that requires a missing key is still found there.
        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["K", "MISSING"])], message: "needs more")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("MISSING  missing"), refused.stderr)
    }
}
