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
        XCTAssertTrue(push.stderr.contains("did not answer within the 1000 ms a push gives all its store calls and was killed"), push.stderr)
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

    // MARK: one call per push, one deadline per hook

    /// A helper that logs each call as `VERB HOOK` (the hook that ran it) in `calls`, keeps the
    /// audit records it is given in `audit`, and answers a state in sync. `batch`: it announces
    /// `audit-batch`; `getDelay`, `auditDelay`: what each such call sleeps; `hangIn`: every call
    /// from that hook hangs (`*`: from any).
    private func loggingHelper(batch: Bool, getDelay: String = "0", auditDelay: String = "0", hangIn: String? = nil) throws -> String {
        let path = sandbox.path("logging-helper.sh")
        let state = sandbox.path("helper-state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try """
        #!/bin/sh
        dir=\(state)
        hook=none; p=$$
        while [ "$p" -gt 1 ] 2>/dev/null; do
          c=$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null)
          case "$c" in *hooks/*) hook=${c%% *}; hook=${hook##*/}; break ;; esac
          p=$(sed 's/.*) [A-Za-z] \\([0-9]*\\).*/\\1/' /proc/$p/stat 2>/dev/null) || break
        done
        echo "$1 $hook" >> "$dir/calls"
        case "$hook" in \(hangIn ?? "no-such-hook")) sleep 30 ;; esac
        case "$1" in
        get) sleep \(getDelay); printf '{"version": 1, "app": "%s", "environment": "%s", "desiredVersion": 1, "config": [{"key": "TOKEN", "version": 1, "digest": "hmac-sha256:ab", "deleted": false, "changedAt": "2026-11-26T09:00:00Z", "changedBy": "ops"}], "instances": [{"id": "web.1", "appliedVersion": 1, "state": "active"}], "appliedVersion": 1}' "$2" "$3" ;;
        capabilities) \(batch ? "echo audit-batch" : ":") ;;
        audit|audit-batch) sleep \(auditDelay); cat >> "$dir/audit" ;;
        esac
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// The helper's calls, as `VERB HOOK` lines.
    private func helperCalls() throws -> [String] {
        let calls = (try? String(contentsOfFile: sandbox.path("helper-state/calls"), encoding: .utf8)) ?? ""
        return calls.split(separator: "\n").map(String.init)
    }

    /// A repository whose production deploys `refs/heads/r/*`, and a work tree with `count`
    /// commits on top of its first, each to be pushed to its own ref: the refspecs.
    private func manyRefs(_ count: Int, helper: String, timeout: String, config: [(String, String)] = [],
                          install: [String] = []) throws -> (work: String, refspecs: [String]) {
        let repo = try sandbox.bareRepository("billing-api", install: install, config: [("pushguard.timeout", timeout),
                                                                      ("pushguard.production.ref", "refs/heads/r/*")] + config)
        sandbox.environment["PUSHGUARD_STORE"] = "exec:" + helper
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        return (work, try sandbox.commitsForRefs(count, in: work))
    }

    private func push(_ refspecs: [String], from work: String) throws -> (output: Output, seconds: Double) {
        let started = Date()
        let output = try sandbox.run(["git", "push", "origin"] + refspecs, in: work)
        return (output, Date().timeIntervalSince(started))
    }

    func testAPushOf500RefsAuditsInOneHelperCallPerHook() throws {
        let (work, refspecs) = try manyRefs(500, helper: try loggingHelper(batch: true), timeout: "20s")
        let (push, _) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        let calls = try helperCalls()
        XCTAssertEqual(calls.filter { $0.hasPrefix("audit-batch ") }, ["audit-batch pre-receive", "audit-batch post-receive"],
                       "one call for the 500 decisions, one for the 500 deploys: \(calls.count) calls")
        XCTAssertEqual(calls.filter { $0.hasPrefix("audit ") }, [], "no call per record")
        let records = try String(contentsOfFile: sandbox.path("helper-state/audit"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(records.count, 1000, "every record arrives, one JSON line each")
        XCTAssertEqual(records.filter { $0.contains("\"decision\":\"deployed\"") }.count, 500)
    }

    func testAHelperThatDoesNotAnnounceBatchesGetsOneAuditCallPerRecord() throws {
        let (work, refspecs) = try manyRefs(3, helper: try loggingHelper(batch: false), timeout: "20s")
        let (push, _) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        let calls = try helperCalls()
        XCTAssertEqual(calls.filter { $0.hasPrefix("audit") }, Array(repeating: "audit pre-receive", count: 3) + Array(repeating: "audit post-receive", count: 3),
                       "\(calls)")
        XCTAssertFalse(push.stderr.contains("warning"), push.stderr)
    }

    func testASlowHelperKeepsThePushWithinTheTimeout() throws {
        // 40 refs, each audit call 0.2 s: one call per record took 16.9 s against a 2 s timeout.
        let (work, refspecs) = try manyRefs(40, helper: try loggingHelper(batch: true, auditDelay: "0.2"), timeout: "2s")
        let (push, seconds) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertFalse(push.stderr.contains("warning"), push.stderr)
        XCTAssertLessThan(seconds, 2 + 1 + 1.5, "timeout + 1 s, with a margin for a loaded machine")
        XCTAssertEqual(try helperCalls().filter { $0.hasPrefix("audit") }.count, 2)
    }

    func testASlowHelperWithoutBatchesIsCutAtTheDeadline() throws {
        // The same helper without audit-batch: the calls per record stop when the time is up,
        // and the records not sent are a store failure (warned here), not a longer push.
        let (work, refspecs) = try manyRefs(40, helper: try loggingHelper(batch: false, auditDelay: "0.2"), timeout: "2s",
                                            config: [("pushguard.onStoreError", "warn")])
        let (push, seconds) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertLessThan(seconds, 2 + 1 + 1.5, "timeout + 1 s, with a margin for a loaded machine")
        XCTAssertTrue(push.stderr.contains("warning: audit record not written"), push.stderr)
        XCTAssertTrue(push.stderr.contains("of 40 audit records not sent"), push.stderr)
        XCTAssertTrue(push.stderr.contains("deploy not recorded in the audit log: the store failed earlier in this push"), push.stderr)
        let calls = try helperCalls()
        XCTAssertEqual(calls.filter { $0.hasSuffix(" post-receive") }, [], "post-receive does not ask the store again: \(calls)")
    }

    func testAHangingHelperCostsThePusherOneTimeout() throws {
        let (work, refspecs) = try manyRefs(1, helper: try loggingHelper(batch: true, hangIn: "*"), timeout: "2s",
                                            config: [("pushguard.onStoreError", "warn")])
        let (push, seconds) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("accepted with warning: the config store failed"), push.stderr)
        XCTAssertTrue(push.stderr.contains("deploy not recorded in the audit log: the store failed earlier in this push"), push.stderr)
        XCTAssertTrue(push.stderr.contains("pushguard doctor --repo"), push.stderr)
        XCTAssertEqual(try helperCalls(), ["get pre-receive"], "post-receive does not call the helper")
        XCTAssertLessThan(seconds, 2 + 1 + 0.5, "timeout + 1 s (and git's own time): it took 4 s when post-receive waited again")
    }

    func testPerRefAHangingHelperIsAskedForTheFirstRefOnly() throws {
        // The update hook decides each ref: the first one's time-out is handed to the others.
        let (work, refspecs) = try manyRefs(3, helper: try loggingHelper(batch: true, hangIn: "*"), timeout: "1s",
                                            config: [("pushguard.onStoreError", "warn")], install: ["--per-ref"])
        let (push, seconds) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertEqual(try helperCalls(), ["get update"], "later refs and post-receive do not call it")
        XCTAssertEqual(push.stderr.components(separatedBy: "accepted with warning: the config store failed").count - 1, 3, push.stderr)
        XCTAssertTrue(push.stderr.contains("failed earlier in this push; not asked again"), push.stderr)
        XCTAssertLessThan(seconds, 1 + 1 + 1, "one timeout, not one per ref and another for post-receive")
    }

    func testPostReceiveGetsWhatPreReceiveLeftOfTheTimeoutAndAtLeastOneSecond() throws {
        // pre-receive's state read takes 3.5 s of the 4 s; post-receive's call hangs: it is
        // cut after 1 s, not after another 4 s.
        let (work, refspecs) = try manyRefs(1, helper: try loggingHelper(batch: true, getDelay: "3.5", hangIn: "post-receive"),
                                            timeout: "4s")
        let (push, seconds) = try push(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("warning: deploy not recorded in the audit log"), push.stderr)
        XCTAssertTrue(push.stderr.contains("a push gives all its store calls and was killed"), push.stderr)
        XCTAssertEqual(try helperCalls(), ["get pre-receive", "audit pre-receive", "audit post-receive"])
        XCTAssertLessThan(seconds, 4 + 1 + 1, "timeout + 1 s, with a margin: post-receive waiting its own 4 s took 7.5 s")
    }

    func testAStoreThatRefusedATransmitButTookTheAuditStillRecordsTheDeploy() throws {
        // Only a store whose last call failed is skipped by post-receive.
        let repo = try execRepo(helper: try helper(#"[ "$1" = transmit ] && { echo "platform refused" >&2; exit 1; }"#))
        try sandbox.git("config", "pushguard.mode", "warn", in: repo)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("sync in this push failed"), push.stderr)
        XCTAssertFalse(push.stderr.contains("deploy not recorded"), push.stderr)
        let audit = try String(contentsOfFile: sandbox.path("helper-state/audit"), encoding: .utf8)
        XCTAssertTrue(audit.contains("\"decision\":\"deployed\""), audit)
    }

    func testCredentialsReachTheHelperThroughItsEnvironmentNeverItsArguments() throws {
        let token = "tok-\(UUID().uuidString.prefix(12))"
        let state = sandbox.path("helper-state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let helperPath = sandbox.path("argv-helper.sh")
        // While it runs, it writes every process's command line (its own, its shell's, the
        // hook's) and whether it has the token.
        try """
        #!/bin/sh
        sleep 0.2
        for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' 2>/dev/null < "$f"; echo; done >> \(state)/cmdlines
        tr '\\0' ' ' < /proc/self/cmdline >> \(state)/own
        # Called as HELPER --region eu VERB APP ENV.
        [ "$PLATFORM_TOKEN" = "\(token)" ] && echo "$3" >> \(state)/token-seen
        [ "$3" = get ] && printf '{"version": 1, "app": "%s", "environment": "%s", "desiredVersion": 0, "config": [], "instances": [], "appliedVersion": 0}' "$4" "$5"
        exit 0
        """.write(toFile: helperPath, atomically: true, encoding: .utf8)
        chmod(helperPath, 0o755)
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.timeout", "5s")])
        sandbox.environment["PUSHGUARD_STORE"] = "exec:PLATFORM_TOKEN=\(token) \(helperPath) --region eu"
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        let seen = try String(contentsOfFile: state + "/token-seen", encoding: .utf8)
        XCTAssertTrue(seen.hasPrefix("get\n"), "the helper has the token in $PLATFORM_TOKEN: \(seen)")
        let own = try String(contentsOfFile: state + "/own", encoding: .utf8)
        XCTAssertTrue(own.contains("--region eu get billing-api production"), "its arguments are as before: \(own)")
        let cmdlines = try String(contentsOfFile: state + "/cmdlines", encoding: .utf8)
        XCTAssertTrue(cmdlines.contains(helperPath), "the dump saw the helper")
        XCTAssertFalse(cmdlines.contains(token), "no process shows the token in its arguments")
        XCTAssertFalse(push.all.contains(token), push.all)
    }

    func testACredentialAmongTheHelpersArgumentsIsRefusedWithoutRunningIt() throws {
        let token = "tok-\(UUID().uuidString.prefix(12))"
        let repo = try execRepo(helper: try helper() + " --token " + token)
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("--token ***), which every local user could read in ps"), push.stderr)
        XCTAssertTrue(push.stderr.contains("exec:NAME=VALUE PROGRAM"), push.stderr)
        XCTAssertFalse(push.all.contains(token), push.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.path("helper-state/calls")), "the helper never ran")
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
