import Foundation
import XCTest

/// The exec store (a helper program, like git's credential helpers) and the client-side
/// pre-push warning, through real pushes.
final class ExecAndClientTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// A helper whose state lives in files: `applied` holds the instances' applied version.
    private func helper(_ body: String = "") throws -> String {
        let path = sandbox.path("helper.sh")
        let state = sandbox.path("helper-state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try "1".write(toFile: state + "/applied", atomically: true, encoding: .utf8)
        try """
        #!/bin/sh
        # Test helper: VERB APP ENV
        dir=\(state)
        echo "$*" >> "$dir/calls"
        \(body)
        case "$1" in
        get)
          applied=$(cat "$dir/applied")
          printf '{"version": 1, "app": "%s", "environment": "%s", "desiredVersion": 2, "config": [{"key": "TOKEN", "version": 2, "digest": "hmac-sha256:ab", "deleted": false, "changedAt": "2026-11-26T09:00:00Z", "changedBy": "ops"}], "instances": [{"id": "web.1", "appliedVersion": %s, "state": "active"}], "appliedVersion": %s}' "$2" "$3" "$applied" "$applied"
          ;;
        transmit) echo 2 > "$dir/applied"; echo "helper transmitted $2/$3" >&2 ;;
        audit) cat >> "$dir/audit" ;;
        esac
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    private func execRepo(helper: String, timeout: String = "2s") throws -> String {
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.timeout", timeout)])
        sandbox.environment["PUSHGUARD_STORE"] = "exec:" + helper
        return repo
    }

    func testExecStoreDecidesSyncsAndAudits() throws {
        let repo = try execRepo(helper: try helper())
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let rejected = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(rejected.status, 0)
        XCTAssertTrue(rejected.stderr.contains("TOKEN  staged   applied on 0 of 1 instance  required by app.json"), rejected.stderr)
        let synced = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(synced.status, 0, synced.all)
        XCTAssertTrue(synced.stderr.contains("helper transmitted billing-api/production"), "stderr relayed: \(synced.stderr)")
        XCTAssertTrue(synced.stderr.contains("accepted after sync"), synced.stderr)
        let audit = try String(contentsOfFile: sandbox.path("helper-state/audit"), encoding: .utf8)
        XCTAssertTrue(audit.contains("\"decision\":\"rejected\""), audit)
        XCTAssertTrue(audit.contains("\"decision\":\"synced\""), audit)
        let calls = try String(contentsOfFile: sandbox.path("helper-state/calls"), encoding: .utf8)
        XCTAssertTrue(calls.contains("transmit billing-api production"), calls)
    }

    func testFailingHelperRejectsWithItsStatusAndStderr() throws {
        let repo = try execRepo(helper: try helper(#"[ "$1" = get ] && { echo "helper: platform API down" >&2; exit 5; }"#))
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("exec store"), push.stderr)
        XCTAssertTrue(push.stderr.contains("get exited with status 5"), push.stderr)
        XCTAssertTrue(push.stderr.contains("helper: platform API down"), push.stderr)
    }

    func testHangingHelperIsKilledWithItsChildrenWithinTheTimeout() throws {
        // The helper starts a child and a grandchild that run a copy of sleep whose path holds
        // a unique marker (so `pgrep -f` finds them and nothing else), writes what pgrep saw
        // while they ran, then hangs. The children hold none of the helper's pipes, so a
        // survivor cannot delay the push's end: only pgrep shows it.
        let marker = "pushguard-hang-\(UUID().uuidString.prefix(8))"
        let sleeper = sandbox.path(marker)
        try FileManager.default.copyItem(atPath: try XCTUnwrap(["/usr/bin/sleep", "/bin/sleep"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }), toPath: sleeper)
        let seen = sandbox.path("seen-while-running")
        let repo = try execRepo(helper: try helper(#"""
            [ "$1" = get ] && {
              '\#(sleeper)' 300 </dev/null >/dev/null 2>&1 &
              sh -c "'\#(sleeper)' 300 & wait" </dev/null >/dev/null 2>&1 &
              sleep 0.3; pgrep -f '\#(marker)' > '\#(seen).tmp'; mv '\#(seen).tmp' '\#(seen)'
              sleep 30
            }
            """#), timeout: "1s")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let started = Date()
        // Through popen, not Foundation's Process: a Process child counts as running while any
        // descendant holds a descriptor it inherited, so a survivor would hide behind a hang.
        let out = sandbox.path("push.out")
        let status = shell("cd '\(work)' && env \(sandbox.environment.map { "'\($0.key)=\($0.value)'" }.joined(separator: " ")) "
                           + "git push origin HEAD:refs/heads/main > '\(out)' 2>&1 </dev/null")?.status
        let push = Output(status: status ?? -1, stdout: "", stderr: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        let elapsed = Date().timeIntervalSince(started)
        // Whatever happens below, nothing this test started outlives it.
        let running = (try? String(contentsOfFile: seen, encoding: .utf8)) ?? ""
        let pids = running.split(separator: "\n").compactMap { pid_t($0) }
        defer { for pid in pids { kill(pid, SIGKILL) } }
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("did not answer within 1000 ms and was killed"), push.stderr)
        XCTAssertLessThan(elapsed, 8)
        // sleep itself, sh -c, and the grandchild sleep all carried the marker while the helper ran.
        XCTAssertGreaterThanOrEqual(pids.count, 3, "the helper's children ran and pgrep saw them: \(running)")
        var survivors = try sandbox.run(["pgrep", "-f", marker])
        for _ in 0..<20 where survivors.status == 0 {
            Thread.sleep(forTimeInterval: 0.1)
            survivors = try sandbox.run(["pgrep", "-f", marker])
        }
        XCTAssertEqual(survivors.status, 1, "no child or grandchild of the helper survives: \(survivors.all)")
    }

    func testGarbageFromTheHelperIsAOneLineStoreError() throws {
        let repo = try execRepo(helper: try helper(#"[ "$1" = get ] && { echo '{"version": 1, "app": '; exit 0; }"#))
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("get printed a malformed state document: invalid JSON at byte"), push.stderr)
        try sandbox.git("config", "pushguard.onStoreError", "warn", in: repo)
        let warned = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(warned.status, 0, warned.all)
    }

    // MARK: client side

    /// A server repository guarded by PushGuard and a developer clone with the pre-push hook.
    private func clientSetup() throws -> (server: String, clone: String) {
        let server = try sandbox.bareRepository("billing-api")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let clone = try sandbox.workTree("clone", remote: server, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let install = try sandbox.pushguard("install", "--client", "--repo", clone)
        XCTAssertEqual(install.status, 0, install.all)
        try sandbox.git("config", "remote.origin.pushguardApp", "billing-api", in: clone)
        return (server, clone)
    }

    func testPrePushWarnsBeforeUploadWhenOutOfSync() throws {
        let (_, clone) = try clientSetup()
        let push = try sandbox.push("HEAD:refs/heads/main", from: clone)
        XCTAssertNotEqual(push.status, 0, "the server still refuses")
        let warning = "pushguard: push to billing-api/production (refs/heads/main) would be rejected by the server: config not synchronized (checked before upload)"
        XCTAssertTrue(push.stderr.contains(warning), push.stderr)
        XCTAssertFalse(push.stderr.hasPrefix("remote:"))
        // The warning comes before the server's verdict, i.e. before the upload.
        let warned = try XCTUnwrap(push.stderr.range(of: warning)), remote = try XCTUnwrap(push.stderr.range(of: "remote: pushguard"))
        XCTAssertLessThan(warned.lowerBound, remote.lowerBound)
    }

    func testPrePushIsSilentInSyncAndForRemotesWithoutAnApp() throws {
        let (_, clone) = try clientSetup()
        try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production")
        let push = try sandbox.push("HEAD:refs/heads/main", from: clone)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertFalse(push.stderr.contains("pushguard:"), push.stderr)
        try sandbox.git("config", "--unset", "remote.origin.pushguardApp", in: clone)
        try sandbox.commit(in: clone, files: ["x": "1"], message: "more")
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: clone).status, 0)
    }

    func testPrePushNeverBlocksWhenTheStoreIsUnreachable() throws {
        let server = try sandbox.bareRepository("billing-api", install: ["none"])
        let clone = try sandbox.workTree("clone", remote: server, files: ["app.json": manifest(requiring: ["TOKEN"])])
        XCTAssertEqual(try sandbox.pushguard("install", "--client", "--repo", clone).status, 0)
        try sandbox.git("config", "remote.origin.pushguardApp", "billing-api", in: clone)
        try sandbox.git("config", "pushguard.timeout", "500ms", in: clone)
        let push = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: clone,
                                   environment: ["PUSHGUARD_STORE": "http://127.0.0.1:9/"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("could not check config before upload"), push.stderr)
        XCTAssertTrue(push.stderr.contains("pushing anyway"), push.stderr)
    }

    func testClientInstallKeepsAnExistingPrePushHookAndUninstallRestoresIt() throws {
        let server = try sandbox.bareRepository("billing-api", install: ["none"])
        let clone = try sandbox.workTree("clone", remote: server, files: ["README": "x"])
        let hook = clone + "/.git/hooks/pre-push"
        try "#!/bin/sh\necho 'lint hook ran' >&2\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        XCTAssertEqual(try sandbox.pushguard("install", "--client", "--repo", clone).status, 0)
        let push = try sandbox.push("HEAD:refs/heads/main", from: clone)
        XCTAssertTrue(push.stderr.contains("lint hook ran"), push.stderr)
        XCTAssertEqual(try sandbox.pushguard("install", "--client", "--repo", clone, "--uninstall").status, 0)
        XCTAssertEqual(try String(contentsOfFile: hook, encoding: .utf8), "#!/bin/sh\necho 'lint hook ran' >&2\n")
    }
}
