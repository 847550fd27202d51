import Foundation
import XCTest

/// The start-up tricks the benchmark relies on, checked so that a change that breaks them is
/// noticed (see Sources/CHookStartup/skip_unused_init.c).
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

    func testHookNeverLoadsTheCABundleOrOpenSSLConfiguration() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (output, opened) = try openedFiles(repo: repo, input: "\(String(repeating: "0", count: 40)) \(head) refs/heads/main\n")
        XCTAssertEqual(output.status, 0, output.all)
        XCTAssertTrue(opened.contains("libgit2.so"), "the trace is real: \(opened.prefix(400))")
        XCTAssertFalse(opened.contains("ca-certificates"), "libgit2 read the CA bundle: the interposer is not bound")
        XCTAssertFalse(opened.contains("/etc/ssl/certs/"), "libgit2 read certificates")
        XCTAssertFalse(opened.contains("libpq.so"), "libpq is loaded only for postgres:// stores")
        XCTAssertFalse(opened.contains("libcurl.so"), "libcurl is loaded only for http(s):// stores")
    }

    func testLibgit2InitialisationBindsToPushGuardsNoOpLoaders() throws {
        let repo = try sandbox.bareRepository("shop")
        let log = sandbox.path("bindings")
        let output = try sandbox.run([repo + "/hooks/pre-receive"], in: repo, input: "",
                                     environment: ["GIT_DIR": repo, "LD_DEBUG": "bindings", "LD_DEBUG_OUTPUT": log])
        XCTAssertEqual(output.status, 0, output.all)
        let files = try FileManager.default.contentsOfDirectory(atPath: sandbox.root.path).filter { $0.hasPrefix("bindings") }
        let bindings = try files.map { try String(contentsOfFile: sandbox.path($0), encoding: .utf8) }.joined()
        for symbol in ["mbedtls_x509_crt_parse_file", "libssh2_init"] {
            let line = bindings.split(separator: "\n").first { $0.contains("libgit2.so") && $0.contains("`\(symbol)'") }
            XCTAssertNotNil(line, "libgit2 binds \(symbol)")
            // The main program is named by the path it was run as: the hook link.
            XCTAssertTrue(line?.contains(" to \(repo)/hooks/pre-receive [0]") == true,
                          "\(symbol) binds to pushguard, not its library: \(line ?? "")")
        }
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
