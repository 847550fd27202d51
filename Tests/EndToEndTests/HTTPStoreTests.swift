import Foundation
import XCTest

/// The local platform API (Tests/Fixtures/state_server.py): started per test, stopped in tearDown.
/// It exits by itself when its stdin closes or after 120 s, so a crashed test leaves no server.
final class StateServer {
    let process = Process()
    private let input = Pipe()
    private(set) var port = 0
    let scheme: String

    var base: String { "\(scheme)://127.0.0.1:\(port)" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/state_server.py").path
    }

    /// `tls`: serve https with this certificate and key.
    init(tls: (certificate: String, key: String)? = nil) throws {
        scheme = tls == nil ? "http" : "https"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", StateServer.script] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? [])
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            stop()
            throw NSError(domain: "StateServer", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "state_server.py did not print its port"])
        }
        self.port = port
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// What the server recorded: audits, transmits, requests, and requests to the other host.
    func recorded() throws -> [String: Any] {
        let fetch = Process()
        fetch.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        fetch.arguments = ["curl", "-sS", "--max-time", "10", "--noproxy", "*", "-k", base + "/_recorded"]
        let output = Pipe()
        fetch.standardOutput = output
        try fetch.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        fetch.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func audits() throws -> [[String: Any]] { try recorded()["audits"] as? [[String: Any]] ?? [] }
    func transmits() throws -> [[String: Any]] { try recorded()["transmits"] as? [[String: Any]] ?? [] }
}

/// The HTTP store through real pushes: the hook reads the state from a platform API, transmits
/// through it, posts audit records to it, and fails closed (or open, when told) when it misbehaves.
final class HTTPStoreTests: XCTestCase {
    var sandbox: Sandbox!
    var server: StateServer!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        server = try StateServer()
    }

    override func tearDown() {
        server?.stop()
        server = nil
        sandbox = nil
    }

    private let token = "test-token"

    private func writeTokenFile(_ content: String) throws -> String {
        let path = sandbox.path("token-\(UUID().uuidString.prefix(8))")
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// A bare repository for `scenario` whose store is the HTTP server, and a work tree whose
    /// app.json requires `required`.
    private func app(_ scenario: String, base: String? = nil, tokenFile: String? = "default",
                     config: [(String, String)] = [], required: [String] = ["NEW_AUTH_TOKEN"]) throws -> (repo: String, work: String) {
        var settings = [("pushguard.store", base ?? server.base), ("pushguard.app", scenario)]
        if let tokenFile {
            settings.append(("pushguard.tokenFile", tokenFile == "default" ? try writeTokenFile(token + "\n") : tokenFile))
        }
        let repo = try sandbox.bareRepository(scenario, config: settings + config)
        let work = try sandbox.workTree("work-" + scenario, remote: repo, files: ["app.json": manifest(requiring: required)])
        return (repo, work)
    }

    /// `git push [-o …] origin HEAD:refs/heads/main` with the sandbox's SQLite store unset, so
    /// the repository's `pushguard.store` is used (an empty PUSHGUARD_STORE is ignored).
    private func push(from work: String, options: [String] = [], environment: [String: String] = [:]) throws -> Output {
        try sandbox.run(["git", "push"] + options.flatMap { ["-o", $0] } + ["origin", "HEAD:refs/heads/main"], in: work,
                        environment: ["PUSHGUARD_STORE": ""].merging(environment) { $1 })
    }

    private func storeLines(_ output: Output) -> [Substring] {
        output.stderr.split(separator: "\n").filter { $0.contains("HTTP store") }
    }

    // MARK: 1. state, sync through the platform, audit records

    func testRejectsWithTheStoresKeysThenSyncTransmitsThroughTheAPIAndAuditsBoth() throws {
        let (_, work) = try app("good")
        let rejected = try push(from: work)
        XCTAssertNotEqual(rejected.status, 0, rejected.all)
        XCTAssertTrue(rejected.stderr.contains("push to good/production (refs/heads/main) rejected: config not synchronized"), rejected.stderr)
        let keyLine = try XCTUnwrap(rejected.stderr.split(separator: "\n").first { $0.contains("NEW_AUTH_TOKEN") }, rejected.stderr)
        XCTAssertTrue(keyLine.contains("staged"), String(keyLine))
        XCTAssertTrue(keyLine.contains("applied on 0 of 2 instances"), String(keyLine))
        XCTAssertTrue(keyLine.contains("required by app.json"), String(keyLine))
        XCTAssertFalse(rejected.stderr.contains("LOG_LEVEL"), "a live key is not a finding: \(rejected.stderr)")
        XCTAssertTrue(rejected.stderr.contains("(pre-receive hook declined)"), rejected.stderr)
        XCTAssertEqual(try server.transmits().count, 0)

        let synced = try push(from: work, options: ["pushguard.sync"])
        XCTAssertEqual(synced.status, 0, synced.all)
        XCTAssertTrue(synced.stderr.contains("good/production: transmitted config version 2 in this push"), synced.stderr)
        XCTAssertTrue(synced.stderr.contains("accepted after sync"), synced.stderr)

        let recorded = try server.recorded()
        let transmits = recorded["transmits"] as? [[String: Any]] ?? []
        XCTAssertEqual(transmits.count, 1)
        let body = try XCTUnwrap(transmits.first?["body"] as? [String: Any])
        XCTAssertEqual(transmits.first?["app"] as? String, "good")
        XCTAssertEqual(transmits.first?["environment"] as? String, "production")
        XCTAssertEqual(body["by"] as? String, "alice")
        XCTAssertTrue(body["instances"] is NSNull, "\(body)")
        XCTAssertTrue((body["at"] as? String ?? "").hasSuffix("Z"), "\(body)")

        let audits = recorded["audits"] as? [[String: Any]] ?? []
        XCTAssertEqual(audits.compactMap { ($0["record"] as? [String: Any])?["decision"] as? String }, ["rejected", "synced", "deployed"],
                       "both decisions, then post-receive's record of the deploy")
        for audit in audits {
            let record = try XCTUnwrap(audit["record"] as? [String: Any])
            XCTAssertEqual(audit["contentType"] as? String, "application/json")
            XCTAssertEqual(Set(record.keys), ["id", "time", "app", "environment", "ref", "oldId", "newId", "pusher",
                                              "decision", "findings", "reason", "configVersion"])
            XCTAssertEqual(record["app"] as? String, "good")
            XCTAssertEqual(record["ref"] as? String, "refs/heads/main")
            XCTAssertEqual(record["pusher"] as? String, "alice")
            XCTAssertEqual(record["findings"] as? [[String: String]], [["key": "NEW_AUTH_TOKEN", "status": "staged"]])
            let raw = audit["raw"] as? String ?? ""
            XCTAssertFalse(raw.contains("hmac-sha256"), "no digest or value in an audit record: \(raw)")
            XCTAssertFalse(raw.contains(token), raw)
        }
        let requests = recorded["requests"] as? [[String: Any]] ?? []
        XCTAssertFalse(requests.isEmpty)
        XCTAssertTrue(requests.allSatisfy { $0["authorized"] as? Bool == true }, "every call carries the token: \(requests)")
    }

    func testANewReadsSiteReachesThePlatformInTheAuditRecord() throws {
        let (_, work) = try app("good", required: [])
        let synced = try push(from: work, options: ["pushguard.sync"])
        XCTAssertEqual(synced.status, 0, synced.all)
        // os.environ[…] insists on the variable (KeyError without it): the read refuses.
        try sandbox.commit(in: work, files: ["app/auth.py": "import os\n\nSECRET = os.environ[\"NEW_SECRET\"]\n"],
                           message: "read a variable the platform does not have")
        let refused = try push(from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("NEW_SECRET  missing  not set  read by app/auth.py:3 (new in this push)"), refused.stderr)
        let record = try server.audits().compactMap { $0["record"] as? [String: Any] }.last
        XCTAssertEqual(record?["decision"] as? String, "rejected")
        XCTAssertEqual(record?["findings"] as? [[String: String]], [["key": "NEW_SECRET", "status": "missing", "readBy": "app/auth.py:3"]])
    }

    // MARK: 2. 404: nothing set

    func testAnAppThePlatformDoesNotKnowIsRefusedWithTheCommandThatRegistersIt() throws {
        // A trailing slash on the base is ignored. The platform answers 404: it does not know
        // the app, so nothing can be in sync with it.
        let (_, work) = try app("missing", base: server.base + "/", required: [])
        let refused = try push(from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("push to missing/production (refs/heads/main) rejected: the config store does not know missing/production"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("HTTP store"), refused.stderr)
        let decisions = try server.audits().compactMap { ($0["record"] as? [String: Any])?["decision"] as? String }
        XCTAssertEqual(decisions, ["rejected"])
    }

    // MARK: 3. the token

    func testWrongMissingEmptyOrUnreadableTokenRejectsWithoutShowingTheToken() throws {
        let wrong = "wrong-secret-token-77"
        let (repo, work) = try app("good", tokenFile: try writeTokenFile(wrong + "\n"))
        let refused = try push(from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("rejected: the config store failed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("refused the token from pushguard.tokenFile (HTTP 401)"), refused.stderr)
        XCTAssertFalse(refused.all.contains(wrong), refused.all)
        XCTAssertEqual(storeLines(refused).count, 1, refused.stderr)

        try sandbox.git("config", "--unset", "pushguard.tokenFile", in: repo)
        let missing = try push(from: work)
        XCTAssertNotEqual(missing.status, 0, missing.all)
        XCTAssertTrue(missing.stderr.contains("requires a token (HTTP 401); set pushguard.tokenFile"), missing.stderr)

        try sandbox.git("config", "pushguard.tokenFile", try writeTokenFile(" \n"), in: repo)
        let empty = try push(from: work)
        XCTAssertNotEqual(empty.status, 0, empty.all)
        XCTAssertTrue(empty.stderr.contains("is empty"), empty.stderr)

        try sandbox.git("config", "pushguard.tokenFile", sandbox.path("no-such-token-file"), in: repo)
        let unreadable = try push(from: work)
        XCTAssertNotEqual(unreadable.status, 0, unreadable.all)
        XCTAssertTrue(unreadable.stderr.contains("cannot read pushguard.tokenFile"), unreadable.stderr)

        try sandbox.git("config", "pushguard.tokenFile", try writeTokenFile(token + "\nsecond-line-secret\n"), in: repo)
        let twoLines = try push(from: work)
        XCTAssertNotEqual(twoLines.status, 0, twoLines.all)
        XCTAssertTrue(twoLines.stderr.contains("must hold only the API token"), twoLines.stderr)
        XCTAssertFalse(twoLines.all.contains("second-line-secret"), twoLines.all)
        XCTAssertFalse(twoLines.all.contains(token), twoLines.all)
    }

    // MARK: 4. a broken store: fail closed, or open when told

    func testBrokenAnswersRejectWithOneLineAndWarnModeAccepts() throws {
        let cases: [(scenario: String, base: String?, expected: String)] = [
            ("broken", nil, "answered HTTP 500: internal error: database exploded"),
            ("garbage", nil, "returned a malformed state document: invalid JSON"),
            ("malformed", nil, "returned a malformed state document: missing \"desiredVersion\""),
            ("mismatch", nil, "returned a malformed state document: it describes someone-else/production, not mismatch/production"),
            ("huge", nil, "response larger than 1 MiB"),
            ("refused", "http://127.0.0.1:1", "HTTP store http://127.0.0.1:1: "),
        ]
        for (scenario, base, expected) in cases {
            let (repo, work) = try app(scenario, base: base)
            let rejected = try push(from: work)
            XCTAssertNotEqual(rejected.status, 0, "\(scenario): \(rejected.all)")
            XCTAssertTrue(rejected.stderr.contains("push to \(scenario)/production (refs/heads/main) rejected: the config store failed"),
                          "\(scenario): \(rejected.stderr)")
            let lines = storeLines(rejected)
            XCTAssertEqual(lines.count, 1, "\(scenario): one line for the failure: \(rejected.stderr)")
            XCTAssertTrue(lines.first?.contains(expected) == true, "\(scenario): \(rejected.stderr)")
            XCTAssertFalse(rejected.stderr.contains("Traceback"), "only the first line of a body: \(rejected.stderr)")
            XCTAssertFalse(rejected.stderr.contains(token), rejected.stderr)

            try sandbox.git("config", "pushguard.onStoreError", "warn", in: repo)
            let warned = try push(from: work)
            XCTAssertEqual(warned.status, 0, "\(scenario): \(warned.all)")
            XCTAssertTrue(warned.stderr.contains("accepted with warning: the config store failed"), "\(scenario): \(warned.stderr)")
            XCTAssertTrue(warned.stderr.contains(expected), "\(scenario): \(warned.stderr)")
        }
    }

    // MARK: 5. a slow store: a decision within the timeout

    func testSlowStoreIsCutAtTheTimeout() throws {
        let (_, work) = try app("slow", config: [("pushguard.timeout", "1s")])
        let started = Date()
        let rejected = try push(from: work)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertNotEqual(rejected.status, 0, rejected.all)
        XCTAssertTrue(rejected.stderr.contains("rejected: the config store failed"), rejected.stderr)
        XCTAssertTrue(rejected.stderr.contains("timed out"), rejected.stderr)
        XCTAssertTrue(rejected.stderr.contains("pushguard.timeout"), rejected.stderr)
        XCTAssertLessThan(elapsed, 6, "the server sleeps 10 s; the push must not wait for it")
    }

    // MARK: 5b. one request per push for the audit, one deadline per hook

    /// `count` refs of production (`refs/heads/r/*`) for `scenario`, each at its own commit: the
    /// work tree and the refspecs.
    private func manyRefs(_ scenario: String, _ count: Int, config: [(String, String)]) throws -> (work: String, refspecs: [String]) {
        let (_, work) = try app(scenario, config: [("pushguard.production.ref", "refs/heads/r/*")] + config, required: [])
        return (work, try sandbox.commitsForRefs(count, in: work))
    }

    private func pushRefs(_ refspecs: [String], from work: String) throws -> (output: Output, seconds: Double) {
        let started = Date()
        let output = try sandbox.run(["git", "push", "origin"] + refspecs, in: work, environment: ["PUSHGUARD_STORE": ""])
        return (output, Date().timeIntervalSince(started))
    }

    /// The paths of the audit POSTs the server got.
    private func auditRequests() throws -> [String] {
        let requests = try server.recorded()["requests"] as? [[String: Any]] ?? []
        return requests.compactMap { request in
            guard request["method"] as? String == "POST", let path = request["path"] as? String,
                  path.hasSuffix("/audit") || path.hasSuffix("/audit/batch") else { return nil }
            return path
        }
    }

    func testAPushOf500RefsPostsItsAuditRecordsInOneRequestPerHook() throws {
        let (work, refspecs) = try manyRefs("in-sync", 500, config: [("pushguard.timeout", "20s")])
        let (push, _) = try pushRefs(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertEqual(try auditRequests(), Array(repeating: "/apps/in-sync/environments/production/audit/batch", count: 2),
                       "one POST for the 500 decisions, one for the 500 deploys")
        let audits = try server.audits()
        XCTAssertEqual(audits.count, 1000)
        XCTAssertEqual(audits.filter { ($0["record"] as? [String: Any])?["decision"] as? String == "deployed" }.count, 500)
        XCTAssertEqual(Set(audits.compactMap { ($0["record"] as? [String: Any])?["ref"] as? String }).count, 500)
    }

    func testASlowServerKeepsThePushWithinTheTimeout() throws {
        // Every request waits 0.2 s: 40 refs with one POST per record took 16.9 s against 2 s.
        let (work, refspecs) = try manyRefs("delayed", 40, config: [("pushguard.timeout", "2s")])
        let (push, seconds) = try pushRefs(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertFalse(push.stderr.contains("warning"), push.stderr)
        XCTAssertLessThan(seconds, 2 + 1 + 1.5, "timeout + 1 s, with a margin for a loaded machine")
        XCTAssertEqual(try auditRequests().count, 2)
        XCTAssertEqual(try server.audits().count, 80)
    }

    func testAServerWithoutTheBatchFormGetsOneRequestPerRecordWithinTheDeadline() throws {
        let (work, refspecs) = try manyRefs("old-server", 40, config: [("pushguard.timeout", "2s"), ("pushguard.onStoreError", "warn")])
        let (push, seconds) = try pushRefs(refspecs, from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertLessThan(seconds, 2 + 1 + 1.5, "timeout + 1 s, with a margin for a loaded machine")
        let requests = try auditRequests()
        XCTAssertEqual(requests.first, "/apps/old-server/environments/production/audit/batch")
        XCTAssertEqual(requests.dropFirst().filter { $0.hasSuffix("/audit/batch") }, [], "the batch form is asked once")
        XCTAssertGreaterThan(requests.count, 2, "records went one by one")
        XCTAssertTrue(push.stderr.contains("of 40 audit records not sent"), push.stderr)
        XCTAssertTrue(push.stderr.contains("deploy not recorded in the audit log: the store failed earlier in this push"), push.stderr)
        let decisions = try server.audits().compactMap { ($0["record"] as? [String: Any])?["decision"] as? String }
        XCTAssertFalse(decisions.contains("deployed"), "post-receive did not post: \(decisions)")
    }

    // MARK: 6. redirects

    func testRedirectToAnotherHostIsNotFollowedAndNeverGetsTheToken() throws {
        let (_, work) = try app("redirect-away")
        let rejected = try push(from: work)
        XCTAssertNotEqual(rejected.status, 0, rejected.all)
        let lines = storeLines(rejected)
        XCTAssertEqual(lines.count, 1, rejected.stderr)
        XCTAssertTrue(lines.first?.contains("redirected to another host (http://127.0.0.2:") == true, rejected.stderr)
        XCTAssertTrue(lines.first?.contains("not followed") == true, rejected.stderr)
        let otherHost = try server.recorded()["other_host"] as? [[String: Any]] ?? []
        XCTAssertTrue(otherHost.allSatisfy { $0["authorization"] is NSNull }, "the token went to another host: \(otherHost)")
        XCTAssertTrue(otherHost.isEmpty, "nothing is sent to another host: \(otherHost)")
    }

    func testSameHostRedirectIsFollowedWithTheToken() throws {
        let (_, work) = try app("redirect-same")
        let rejected = try push(from: work)
        XCTAssertNotEqual(rejected.status, 0, rejected.all)
        XCTAssertFalse(rejected.stderr.contains("HTTP store"), rejected.stderr)
        let keyLine = try XCTUnwrap(rejected.stderr.split(separator: "\n").first { $0.contains("NEW_AUTH_TOKEN") }, rejected.stderr)
        XCTAssertTrue(keyLine.contains("applied on 0 of 2 instances"), String(keyLine))
        let requests = try server.recorded()["requests"] as? [[String: Any]] ?? []
        let moved = requests.filter { ($0["path"] as? String ?? "").hasPrefix("/moved/") }
        XCTAssertFalse(moved.isEmpty, "the relative Location was followed: \(requests)")
        XCTAssertTrue(moved.allSatisfy { $0["authorized"] as? Bool == true }, "\(moved)")

        let synced = try push(from: work, options: ["pushguard.sync"])
        XCTAssertEqual(synced.status, 0, synced.all)
        XCTAssertTrue(synced.stderr.contains("accepted after sync"), synced.stderr)
    }

    func testRedirectLoopStopsAfterThreeHops() throws {
        let (_, work) = try app("redirect-loop")
        let rejected = try push(from: work)
        XCTAssertNotEqual(rejected.status, 0, rejected.all)
        XCTAssertTrue(rejected.stderr.contains("more than 3 redirects; not followed further"), rejected.stderr)
        let requests = try server.recorded()["requests"] as? [[String: Any]] ?? []
        let loops = requests.filter { ($0["path"] as? String ?? "").contains("/redirect-loop/") && ($0["path"] as? String ?? "").hasSuffix("config-state") }
        XCTAssertEqual(loops.count, 4, "the first request and three hops: \(loops)")
    }

    // MARK: 7. status prints the platform's document unchanged

    func testStatusJSONPrintsTheStateDocumentAsTheAPIServesIt() throws {
        try sandbox.git("config", "--global", "pushguard.tokenFile", try writeTokenFile(token + "\n"), in: sandbox.path("home"))
        let status = try sandbox.pushguard("status", "--app", "good", "--env", "production", "--json", "--store", server.base)
        XCTAssertEqual(status.status, 0, status.all)
        let served = try sandbox.run(["curl", "-sS", "--noproxy", "*", "-H", "Authorization: Bearer " + token,
                                      server.base + "/apps/good/environments/production/config-state"])
        XCTAssertEqual(served.status, 0, served.all)
        let printed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], status.stdout)
        let original = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(served.stdout.utf8)) as? NSDictionary, served.stdout)
        // Every member the platform served, unchanged; status adds only each key's status and
        // the environment's summary (issue 13), which readers of the document ignore.
        var unchanged = printed
        for added in ["inSync", "unsynchronized", "lastDeploy"] { XCTAssertNotNil(unchanged.removeValue(forKey: added), added) }
        let config = printed["config"] as? [[String: Any]] ?? []
        XCTAssertFalse(config.isEmpty)
        XCTAssertTrue(config.allSatisfy { $0["status"] is String && $0["appliedOn"] is Int && $0["instanceCount"] is Int }, "\(config)")
        unchanged["config"] = config.map { $0.filter { !["status", "appliedOn", "instanceCount"].contains($0.key) } }
        XCTAssertEqual(unchanged as NSDictionary, original)
        XCTAssertEqual(printed["desiredVersion"] as? Int, 2)
    }

    // MARK: https

    func testHTTPSIsVerifiedAgainstTheTrustStoreOrPUSHGUARD_CA_FILE() throws {
        let certificate = sandbox.path("tls/cert.pem"), key = sandbox.path("tls/key.pem")
        try FileManager.default.createDirectory(atPath: sandbox.path("tls"), withIntermediateDirectories: true)
        let made = try sandbox.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                    "-keyout", key, "-out", certificate])
        try requireOrSkip(made.status == 0, "openssl cannot make a test certificate (test.sh installs openssl): \(made.all)")
        let tls = try StateServer(tls: (certificate, key))
        defer { tls.stop() }

        let (_, work) = try app("good", base: tls.base)
        let untrusted = try push(from: work)
        XCTAssertNotEqual(untrusted.status, 0, untrusted.all)
        let lines = storeLines(untrusted)
        XCTAssertEqual(lines.count, 1, untrusted.stderr)
        XCTAssertTrue(lines.first?.lowercased().contains("certificate") == true, "a self-signed certificate is refused: \(untrusted.stderr)")

        let trusted = try push(from: work, environment: ["PUSHGUARD_CA_FILE": certificate])
        XCTAssertNotEqual(trusted.status, 0, trusted.all)
        XCTAssertFalse(trusted.stderr.contains("HTTP store"), trusted.stderr)
        XCTAssertTrue(trusted.stderr.contains("rejected: config not synchronized"), trusted.stderr)
        XCTAssertEqual(try tls.transmits().count, 0)
        XCTAssertEqual(try tls.audits().count, 1, "the decision was posted over https (the untrusted attempt reached nothing)")
    }
}
