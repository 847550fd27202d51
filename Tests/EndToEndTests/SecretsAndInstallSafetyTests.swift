import Foundation
import XCTest

/// Values planted through every entry point never come out anywhere; install never loses what
/// was there.
final class SecretsAndInstallSafetyTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    func testPlantedValuesNeverAppearInAnyOutputLogAuditNoteOrStore() throws {
        let planted = ["argv-SECRET-1f0e", "stdin-SECRET-77aa", "exec-SECRET-c3d2", "http-SECRET-9b8a"]
        var outputs: [Output] = []
        let repo = try sandbox.bareRepository("shop")
        outputs.append(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "A=\(planted[0])"))
        outputs.append(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "B=-", "--transmit",
                                             input: planted[1] + "\n"))
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["A", "B", "C"])])
        outputs.append(try sandbox.push("HEAD:refs/heads/main", from: work))
        outputs.append(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=planted test"]))
        outputs.append(try sandbox.pushguard("status", "--app", "shop"))
        outputs.append(try sandbox.pushguard("status", "--app", "shop", "--env", "production", "--json"))
        outputs.append(try sandbox.pushguard("audit", "--json"))
        outputs.append(try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "main"))
        outputs.append(try sandbox.run(["git", "log", "--notes=pushguard", "main"], in: repo))
        // The values were taken: both sets succeeded, the keys are in the store, and the
        // overridden push was decided and noted.
        XCTAssertEqual(outputs[0].status, 0, outputs[0].all)
        XCTAssertEqual(outputs[1].status, 0, outputs[1].all)
        XCTAssertNotEqual(outputs[2].status, 0, "C is not set: \(outputs[2].all)")
        XCTAssertTrue(hasRow(outputs[2].stderr, "C", "missing"), outputs[2].stderr)
        XCTAssertEqual(outputs[3].status, 0, outputs[3].all)
        XCTAssertTrue(hasRow(outputs[4].stdout, "A", "live") && hasRow(outputs[4].stdout, "B", "live"), outputs[4].stdout)
        XCTAssertTrue(outputs[8].stdout.contains("planted test"), "the note is there: \(outputs[8].all)")

        // A platform store that (wrongly) sends values along: exec helper and HTTP API.
        let document = { (value: String) in
            "{\"version\": 1, \"app\": \"shop\", \"environment\": \"production\", \"desiredVersion\": 2, \"config\": [{\"key\": \"A\", \"version\": 2, \"digest\": \"hmac-sha256:00\", \"value\": \"\(value)\", \"deleted\": false}], \"instances\": [{\"id\": \"w\", \"appliedVersion\": 1, \"state\": \"active\"}], \"appliedVersion\": 1}"
        }
        let helper = sandbox.path("helper.sh")
        try "#!/bin/sh\necho \"$*\" >> \(sandbox.path("helper-calls"))\ncase $1 in get) echo '\(document(planted[2]))' ;; audit) cat >> \(sandbox.path("helper-audit")) ;; esac\n"
            .write(toFile: helper, atomically: true, encoding: .utf8)
        chmod(helper, 0o755)
        try sandbox.commit(in: work, files: ["x": "exec"], message: "through the exec store")
        let execPush = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                                       environment: ["PUSHGUARD_STORE": "exec:" + helper])
        let execStatus = try sandbox.run([sandbox.binary, "status", "--app", "shop", "--env", "production", "--json"],
                                         environment: ["PUSHGUARD_STORE": "exec:" + helper])
        outputs += [execPush, execStatus]
        // The helper was asked, its answer decided the push (A staged: rejected) and was printed
        // by status, and the decision went back to it.
        XCTAssertNotEqual(execPush.status, 0, execPush.all)
        XCTAssertTrue(hasRow(execPush.stderr, "A", "staged"), execPush.stderr)
        XCTAssertEqual(execStatus.status, 0, execStatus.all)
        XCTAssertTrue(execStatus.stdout.contains("\"key\": \"A\"") && execStatus.stdout.contains("hmac-sha256:00"), execStatus.stdout)
        let calls = (try? String(contentsOfFile: sandbox.path("helper-calls"), encoding: .utf8)) ?? ""
        XCTAssertTrue(calls.contains("get shop production") && calls.contains("audit shop production"), calls)
        let helperAudit = (try? String(contentsOfFile: sandbox.path("helper-audit"), encoding: .utf8)) ?? ""
        XCTAssertTrue(helperAudit.contains("\"decision\":\"rejected\"") && helperAudit.contains("\"A\""), helperAudit)
        try document(planted[3]).write(toFile: sandbox.path("doc.json"), atomically: true, encoding: .utf8)
        let server = """
            import http.server, sys
            body = open(sys.argv[1], "rb").read()
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def do_POST(self):
                    data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    open(sys.argv[1] + ".posted", "ab").write(data + b"\\n")
                    self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
                def log_message(self, *args): pass
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            s.timeout = 0.5
            import time; end = time.time() + 30
            while time.time() < end: s.handle_request()
            """
        try server.write(toFile: sandbox.path("server.py"), atomically: true, encoding: .utf8)
        _ = shell("python3 '\(sandbox.path("server.py"))' '\(sandbox.path("doc.json"))' > '\(sandbox.path("port"))' 2>/dev/null </dev/null &")
        var port = ""
        for _ in 0..<50 where port.isEmpty {
            port = ((try? String(contentsOfFile: sandbox.path("port"), encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if port.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
        }
        XCTAssertFalse(port.isEmpty, "the HTTP store started")
        try sandbox.commit(in: work, files: ["x": "http"], message: "through the HTTP store")
        let httpPush = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                                       environment: ["PUSHGUARD_STORE": "http://127.0.0.1:\(port)"])
        let httpStatus = try sandbox.run([sandbox.binary, "status", "--app", "shop", "--env", "production"],
                                         environment: ["PUSHGUARD_STORE": "http://127.0.0.1:\(port)"])
        outputs += [httpPush, httpStatus]
        // The server's document decided the push and was shown by status; the audit was posted.
        XCTAssertNotEqual(httpPush.status, 0, httpPush.all)
        XCTAssertTrue(hasRow(httpPush.stderr, "A", "staged"), httpPush.stderr)
        XCTAssertEqual(httpStatus.status, 0, httpStatus.all)
        XCTAssertTrue(hasRow(httpStatus.stdout, "A", "staged"), httpStatus.stdout)
        let posted = (try? String(contentsOfFile: sandbox.path("doc.json.posted"), encoding: .utf8)) ?? ""
        XCTAssertTrue(posted.contains("\"decision\":\"rejected\"") && posted.contains("\"A\""), posted)

        var everything = Data()
        for output in outputs { everything.append(Data(output.all.utf8)) }
        everything.append(sandbox.allBytes(below: sandbox.path("store")))
        everything.append(sandbox.allBytes(below: repo))
        everything.append((try? Data(contentsOf: URL(fileURLWithPath: sandbox.path("helper-audit")))) ?? Data())
        everything.append((try? Data(contentsOf: URL(fileURLWithPath: sandbox.path("doc.json.posted")))) ?? Data())
        XCTAssertGreaterThan(everything.count, 10_000, "the scan covers real material")
        XCTAssertNotNil(everything.range(of: Data("planted test".utf8)), "the scan sees the audit and notes")
        for value in planted {
            XCTAssertNil(everything.range(of: Data(value.utf8)), "\(value) leaked")
        }
    }

    func testConfigSetRunsWithCoreDumpsDisabled() throws {
        try sandbox.register("a", "e")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sandbox.binary)
        process.arguments = ["config", "set", "--app", "a", "--env", "e", "K=-"]
        process.environment = sandbox.environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // While it waits for the value on stdin, its limits are visible.
        var limits = ""
        for _ in 0..<50 {
            limits = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
            if limits.contains("Max core file size") && limits.range(of: #"Max core file size\s+0\s+0"#, options: .regularExpression) != nil { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try input.fileHandleForWriting.write(contentsOf: Data("value\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertNotNil(limits.range(of: #"Max core file size\s+0\s+0"#, options: .regularExpression), limits)
    }

    // MARK: install safety

    private func snapshot(_ repo: String) throws -> [String: String] {
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: repo + "/hooks") where !name.hasSuffix(".sample") {
            let path = repo + "/hooks/" + name
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
            let content = try link.map { "-> " + $0 } ?? String(contentsOfFile: path, encoding: .utf8)
            files[name] = content + " mode \(mode)"
        }
        files["config"] = try sandbox.git("config", "--list", "--local", in: repo).stdout
        return files
    }

    func testInstallRefusesAHooksLinkOutsideTheRepository() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        let outside = sandbox.path("shared-hooks")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: repo + "/hooks")
        try FileManager.default.createSymbolicLink(atPath: repo + "/hooks", withDestinationPath: outside)
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("outside the repository; PushGuard does not follow it"), install.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [])
    }

    func testPathsWithSpacesWork() throws {
        let repo = sandbox.path("my repos/billing api.git")
        try FileManager.default.createDirectory(atPath: sandbox.path("my repos"), withIntermediateDirectories: true)
        try sandbox.git("init", "-q", "--bare", repo, in: sandbox.root.path)
        let before = try snapshot(repo)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        let work = try sandbox.workTree("work tree", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("push to billing api/production"), push.stderr)
        XCTAssertTrue(push.stderr.contains("--app 'billing api'"), "fix commands quote the name: \(push.stderr)")
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--uninstall").status, 0)
        XCTAssertEqual(try snapshot(repo), before)
    }

    func testAFailedInstallIsRolledBackAndUninstallLeavesTheRepositoryAsItWas() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        for (name, body) in [("pre-receive", "#!/bin/sh\nexit 0\n"), ("post-receive", "#!/bin/sh\necho mine\n"),
                             ("post-receive.before-pushguard", "#!/bin/sh\necho older\n")] {
            try body.write(toFile: repo + "/hooks/" + name, atomically: true, encoding: .utf8)
            chmod(repo + "/hooks/" + name, 0o755)
        }
        let before = try snapshot(repo)
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("both exist"), install.stdout)
        XCTAssertTrue(install.stdout.contains("rolled back"), install.stdout)
        XCTAssertEqual(try snapshot(repo), before, "nothing half-installed")
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--uninstall").status, 0)
        XCTAssertEqual(try snapshot(repo), before)
    }

    func testInstallGivesTheStoreToTheGitUserAndRootCreatedFilesFollowButTheKey() throws {
        try requireOrSkip(getuid() == 0, "changing owners needs root (CI runs as root)")
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        let install = try sandbox.pushguard("install", "--repo", repo, "--user", "nobody")
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("owned by nobody"), install.stdout)
        // The admin, as root, then records config: the files it creates belong to the hooks' user.
        XCTAssertEqual(try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v").status, 0)
        let nobody = try XCTUnwrap(getpwnam("nobody")).pointee.pw_uid
        for path in [sandbox.path("store"), sandbox.storePath] {
            var info = stat()
            XCTAssertEqual(stat(path, &info), 0, path)
            XCTAssertEqual(info.st_uid, nobody, "\(path) belongs to the git user")
        }
        // Except the digest key: root's alone (hooks never read it).
        var key = stat()
        XCTAssertEqual(stat(sandbox.path("store/digest.key"), &key), 0)
        XCTAssertEqual(key.st_uid, 0, "the digest key belongs to root")
        XCTAssertEqual(key.st_mode & 0o777, 0o600)
        let unknown = try sandbox.pushguard("install", "--repo", repo, "--user", "no-such-user-here")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no such user"), unknown.stderr)
    }

    func testInstallNeverLosesExistingConfig() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"], config: [("receive.advertisePushOptions", "false"),
                                                                                    ("pushguard.mode", "warn")])
        let before = try snapshot(repo)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        XCTAssertEqual(try sandbox.git("config", "pushguard.mode", in: repo).stdout, "warn\n")
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo, "--uninstall").status, 0)
        XCTAssertEqual(try snapshot(repo), before)
    }
}
