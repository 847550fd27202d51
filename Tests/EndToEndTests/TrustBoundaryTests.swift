import Foundation
import XCTest

/// What crosses a trust boundary, through real pushes: what the hook's children (the transmit
/// command, an exec helper) inherit, what of theirs reaches the pusher, how pushed names reach a
/// helper's argv, what the audit log prints, and where a bearer token may travel.
final class TrustBoundaryTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// Set in the pusher's environment, so git hands it to receive-pack and the hook, as a
    /// server's own PGPASSWORD would be.
    private let secret = "pg-SECRET-7f3a91"

    /// Variables of git's receive-pack and quarantine that a child must not see.
    private let gitVariables = ["GIT_DIR=", "GIT_QUARANTINE_PATH=", "GIT_OBJECT_DIRECTORY=",
                                "GIT_ALTERNATE_OBJECT_DIRECTORIES=", "GIT_PUSH_OPTION_COUNT=", "GIT_PUSH_OPTION_0="]

    /// `git push [-o …] origin HEAD:refs/heads/main` with `extra` in git's environment.
    private func push(from work: String, options: [String] = [], environment extra: [String: String] = [:]) throws -> Output {
        try sandbox.run(["git", "push"] + options.flatMap { ["-o", $0] } + ["origin", "HEAD:refs/heads/main"],
                        in: work, environment: extra)
    }

    /// The variables a child wrote with `env`, one `NAME=VALUE` a line.
    private func variables(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func assertScrubbed(_ environment: [String], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(environment.contains { $0.contains(secret) }, "\(what): \(environment)", file: file, line: line)
        for name in gitVariables {
            XCTAssertFalse(environment.contains { $0.hasPrefix(name) }, "\(what) sees \(name): \(environment)", file: file, line: line)
        }
        XCTAssertFalse(environment.contains { $0.hasPrefix("PUSHGUARD_STORE=") }, "\(what): \(environment)", file: file, line: line)
        XCTAssertFalse(environment.contains { $0.hasPrefix("GIT_AUTHOR_NAME=") }, "\(what): \(environment)", file: file, line: line)
        XCTAssertTrue(environment.contains { $0.hasPrefix("PATH=") }, "\(what): \(environment)", file: file, line: line)
        XCTAssertTrue(environment.contains { $0.hasPrefix("HOME=") }, "\(what): \(environment)", file: file, line: line)
        XCTAssertTrue(environment.contains("LANG=C.UTF-8"), "\(what): \(environment)", file: file, line: line)
    }

    // MARK: 1. children get a scrubbed environment

    func testTransmitCommandSeesOnlyTheScrubbedEnvironmentUnlessPassEnvNamesMore() throws {
        let dump = sandbox.path("transmit-env")
        let repo = try sandbox.bareRepository("billing-api", config: [("pushguard.transmitCommand", "env > '\(dump)'; cat '\(dump)'")])
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v1")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])

        let synced = try push(from: work, options: ["pushguard.sync"], environment: ["PGPASSWORD": secret, "TZ": "UTC"])
        XCTAssertEqual(synced.status, 0, synced.all)
        XCTAssertTrue(synced.stderr.contains("accepted after sync"), synced.stderr)
        XCTAssertFalse(synced.all.contains(secret), "the hook's PGPASSWORD reached the pusher: \(synced.all)")
        let seen = try variables(dump)
        assertScrubbed(seen, "the transmit command")
        XCTAssertTrue(seen.contains("PUSHGUARD_APP=billing-api"), "\(seen)")
        XCTAssertTrue(seen.contains("PUSHGUARD_ENV=production"), "\(seen)")
        XCTAssertTrue(seen.contains("PUSHGUARD_USER=alice"), "\(seen)")
        XCTAssertTrue(seen.contains("TZ=UTC"), "\(seen)")
        XCTAssertTrue(synced.stderr.contains("transmit: PUSHGUARD_APP=billing-api"), synced.stderr)

        // Named in pushguard.passEnv, it is passed.
        try sandbox.git("config", "--add", "pushguard.passEnv", "PGPASSWORD", in: repo)
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v2")
        try sandbox.commit(in: work, files: ["README": "2"], message: "second")
        let passed = try push(from: work, options: ["pushguard.sync"], environment: ["PGPASSWORD": secret])
        XCTAssertEqual(passed.status, 0, passed.all)
        let seenAfter = try variables(dump)
        XCTAssertTrue(seenAfter.contains("PGPASSWORD=" + secret), "\(seenAfter)")
        XCTAssertTrue(passed.stderr.contains("transmit: PGPASSWORD=" + secret), passed.stderr)
    }

    /// A helper (exec store) that writes its environment to `helper-env` and prints it on stderr.
    private func environmentHelper() throws -> String {
        let path = sandbox.path("helper.sh")
        let dump = sandbox.path("helper-env")
        try """
        #!/bin/sh
        env > '\(dump)'
        env >&2
        case "$1" in
        get) printf '{"version": 1, "app": "%s", "environment": "%s", "desiredVersion": 0, "config": [], "instances": [], "appliedVersion": 0}' "$2" "$3" ;;
        audit) cat > /dev/null ;;
        esac
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func testExecHelperSeesOnlyTheScrubbedEnvironmentUnlessPassEnvNamesMore() throws {
        let repo = try sandbox.bareRepository("billing-api")
        sandbox.environment["PUSHGUARD_STORE"] = "exec:" + (try environmentHelper())
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let pushed = try push(from: work, environment: ["PGPASSWORD": secret])
        XCTAssertEqual(pushed.status, 0, pushed.all)
        XCTAssertFalse(pushed.all.contains(secret), "the hook's PGPASSWORD reached the pusher: \(pushed.all)")
        XCTAssertTrue(pushed.stderr.contains("PATH="), "the helper's stderr is still relayed: \(pushed.stderr)")
        assertScrubbed(try variables(sandbox.path("helper-env")), "the exec helper")

        try sandbox.git("config", "pushguard.passEnv", "PGPASSWORD GIT_DIR", in: repo)
        try sandbox.commit(in: work, files: ["README": "2"], message: "second")
        let passed = try push(from: work, environment: ["PGPASSWORD": secret])
        XCTAssertEqual(passed.status, 0, passed.all)
        let seen = try variables(sandbox.path("helper-env"))
        XCTAssertTrue(seen.contains("PGPASSWORD=" + secret), "\(seen)")
        XCTAssertTrue(seen.contains { $0.hasPrefix("GIT_DIR=") }, "\(seen)")
    }

    func testPassEnvRefusesGitsQuarantineAndMalformedNames() throws {
        let repo = try sandbox.bareRepository("billing-api")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        try sandbox.git("config", "pushguard.passEnv", "GIT_QUARANTINE_PATH", in: repo)
        let quarantine = try push(from: work)
        XCTAssertNotEqual(quarantine.status, 0, quarantine.all)
        XCTAssertTrue(quarantine.stderr.contains("pushguard.passEnv names GIT_QUARANTINE_PATH"), quarantine.stderr)
        try sandbox.git("config", "pushguard.passEnv", "A=B", in: repo)
        let malformed = try push(from: work)
        XCTAssertNotEqual(malformed.status, 0, malformed.all)
        XCTAssertTrue(malformed.stderr.contains("pushguard.passEnv"), malformed.stderr)
    }

    // MARK: 2. a helper's stderr is escaped

    func testExecHelperStderrReachesThePusherEscapedAndPrefixed() throws {
        let path = sandbox.path("helper.sh")
        try """
        #!/bin/sh
        printf 'platform: \\033[2Jscreen wiped, \\342\\200\\256reversed\\n' >&2
        [ "$1" = get ] && exit 4
        cat > /dev/null
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        let repo = try sandbox.bareRepository("billing-api")
        sandbox.environment["PUSHGUARD_STORE"] = "exec:" + path
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let pushed = try push(from: work)
        XCTAssertNotEqual(pushed.status, 0, pushed.all)
        XCTAssertFalse(pushed.stderr.unicodeScalars.contains("\u{1b}"), "raw ESC reached the pusher: \(pushed.stderr.debugDescription)")
        XCTAssertFalse(pushed.stderr.unicodeScalars.contains("\u{202e}"), "raw U+202E reached the pusher: \(pushed.stderr.debugDescription)")
        let relayed = try XCTUnwrap(pushed.stderr.split(separator: "\n").first { $0.contains("screen wiped") }, pushed.stderr)
        XCTAssertTrue(relayed.hasPrefix("remote: pushguard: "), String(relayed))
        XCTAssertTrue(relayed.contains(#"platform: \x1b[2Jscreen wiped, \u{202e}reversed"#), String(relayed))
        XCTAssertTrue(pushed.stderr.contains("get exited with status 4"), pushed.stderr)
    }

    // MARK: 3. names are never options

    func testAppNamedLikeAnOptionNeverReachesAHelperAsOne() throws {
        let calls = sandbox.path("calls")
        let path = sandbox.path("helper.sh")
        try """
        #!/bin/sh
        echo "$*" >> '\(calls)'
        case "$2" in -*) echo "usage: helper VERB APP ENV"; exit 0 ;; esac
        case "$1" in
        get) printf '{"version": 1, "app": "%s", "environment": "%s", "desiredVersion": 0, "config": [], "instances": [], "appliedVersion": 0}' "$2" "$3" ;;
        audit) cat > /dev/null ;;
        esac
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        let repo = try sandbox.bareRepository("--help")
        sandbox.environment["PUSHGUARD_STORE"] = "exec:" + path
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let pushed = try push(from: work)
        XCTAssertNotEqual(pushed.status, 0, pushed.all)
        XCTAssertTrue(pushed.stderr.contains("rejected: the config store failed"), pushed.stderr)
        XCTAssertTrue(pushed.stderr.contains("app name --help starts with \"-\""), pushed.stderr)
        let made = (try? String(contentsOfFile: calls, encoding: .utf8)) ?? ""
        XCTAssertFalse(made.contains("--help"), "the helper was called with the name as an argument: \(made)")

        // Named through pushguard.app, the same repository works.
        try sandbox.git("config", "pushguard.app", "help", in: repo)
        let named = try push(from: work)
        XCTAssertEqual(named.status, 0, named.all)
        XCTAssertTrue(try String(contentsOfFile: calls, encoding: .utf8).contains("get help production"))
    }

    // MARK: 4. control characters in the audit log

    func testAckReasonWithControlCharactersIsEscapedInEveryAuditFormatAndInTheStore() throws {
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let pushed = try push(from: work, options: ["pushguard.ack=x\u{1b}[31m\u{202e}y"])
        XCTAssertEqual(pushed.status, 0, pushed.all)

        let table = try sandbox.pushguard("audit")
        XCTAssertEqual(table.status, 0, table.all)
        let json = try sandbox.pushguard("audit", "--json")
        XCTAssertEqual(json.status, 0, json.all)
        for (format, output) in [("table", table.stdout), ("--json", json.stdout)] {
            XCTAssertFalse(output.unicodeScalars.contains("\u{1b}"), "\(format): \(output.debugDescription)")
            XCTAssertFalse(output.unicodeScalars.contains("\u{202e}"), "\(format): \(output.debugDescription)")
        }
        XCTAssertTrue(table.stdout.contains(#"x\x1b[31m\u{202e}y"#), table.stdout)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.stdout)
        XCTAssertTrue(records.contains { $0["reason"] as? String == #"x\x1b[31m\u{202e}y"# }, "\(records)")

        // The store holds the escaped text, so another reader (sqlite3, a copy) prints it safely.
        let stored = sandbox.allBytes(below: sandbox.path("store"))
        XCTAssertNil(stored.range(of: Data("\u{202e}".utf8)), "raw U+202E in the store")
        XCTAssertNil(stored.range(of: Data("\u{1b}[31m".utf8)), "raw ESC in the store")
    }

    /// Characters that show as nothing or break a line (U+200B, U+2028, tag characters) in an
    /// ack reason and a ref name are shown escaped in the pusher's `remote:` lines and the audit
    /// table, and a literal backslash as `\\`, so the text `\x1b` is not mistaken for an ESC.
    func testInvisibleCharactersAndBackslashesInAnAckReasonAndARefAreShownEscaped() throws {
        let repo = try sandbox.bareRepository("billing-api")
        let ref = "refs/heads/rel\u{200b}\u{2028}\u{E0041}"
        try sandbox.git("config", "pushguard.production.ref", "refs/heads/rel*", in: repo)
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let reason = "ok\u{200b}\u{2028}\u{E0041}\u{FEFF} E\\x1b E\u{1b}"
        let pushed = try sandbox.push("HEAD:" + ref, from: work, options: ["pushguard.ack=" + reason])
        XCTAssertEqual(pushed.status, 0, pushed.all)
        let shownReason = #"ok\u{200b}\u{2028}\u{e0041}\u{feff} E\\x1b E\x1b"#
        let shownRef = #"refs/heads/rel\u{200b}\u{2028}\u{e0041}"#
        let remote = pushed.stderr.split(separator: "\n").filter { $0.hasPrefix("remote: pushguard:") }.joined(separator: "\n")
        XCTAssertTrue(remote.contains("override reason: " + shownReason), remote)
        XCTAssertTrue(remote.contains("(" + shownRef + ")"), remote)

        let table = try sandbox.pushguard("audit")
        XCTAssertEqual(table.status, 0, table.all)
        XCTAssertTrue(table.stdout.contains(shownRef), table.stdout)
        XCTAssertTrue(table.stdout.contains(#"ok\u{200b}\u{2028}\u{e0041}\u{feff} E\\x1b"#), table.stdout)
        XCTAssertFalse(table.stdout.contains(#"\\\\"#), "escaped once, not twice: \(table.stdout)")
        for (what, output) in [("remote lines", remote), ("audit table", table.stdout)] {
            for scalar: Unicode.Scalar in ["\u{200b}", "\u{2028}", "\u{E0041}", "\u{FEFF}", "\u{1b}"] {
                XCTAssertFalse(output.unicodeScalars.contains(scalar), "\(what): raw U+\(String(scalar.value, radix: 16))")
            }
        }
    }

    func testAuditRecordsSentToThePlatformCarryEscapedText() throws {
        let server = try StateServer()
        defer { server.stop() }
        let token = sandbox.path("token")
        try "test-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        let repo = try sandbox.bareRepository("good", config: [("pushguard.store", server.base), ("pushguard.tokenFile", token)])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["NEW_AUTH_TOKEN"])])
        let pushed = try push(from: work, options: ["pushguard.ack=x\u{1b}[31m\u{202e}y"], environment: ["PUSHGUARD_STORE": ""])
        XCTAssertEqual(pushed.status, 0, pushed.all)
        let audits = try server.audits()
        XCTAssertFalse(audits.isEmpty)
        for audit in audits {
            let raw = audit["raw"] as? String ?? ""
            XCTAssertFalse(raw.unicodeScalars.contains("\u{202e}"), raw.debugDescription)
            XCTAssertFalse(raw.unicodeScalars.contains("\u{1b}"), raw.debugDescription)
        }
        let reasons = audits.compactMap { ($0["record"] as? [String: Any])?["reason"] as? String }
        XCTAssertTrue(reasons.contains(#"x\x1b[31m\u{202e}y"#), "still valid JSON, escaped inside the string: \(reasons)")
    }

    // MARK: 5. no bearer token over plain http

    func testPlainHTTPWithATokenIsRefusedBeforeAnythingIsSentUnlessTheHostIsLoopback() throws {
        let server = try StateServer()
        defer { server.stop() }
        let token = sandbox.path("token")
        try "test-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        let repo = try sandbox.bareRepository("good", config: [("pushguard.store", "http://example.invalid/pushguard"),
                                                               ("pushguard.tokenFile", token)])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["NEW_AUTH_TOKEN"])])
        // Through the test server as a proxy: a request that left would be recorded there.
        let proxy = ["PUSHGUARD_STORE": "", "http_proxy": server.base, "HTTP_PROXY": server.base]
        let refused = try push(from: work, environment: proxy)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("rejected: the config store failed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("refusing to send the token from pushguard.tokenFile over plain http"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("https://"), refused.stderr)
        let requests = try server.recorded()["requests"] as? [[String: Any]] ?? []
        XCTAssertFalse(requests.contains { ($0["path"] as? String ?? "").contains("example.invalid") }, "sent: \(requests)")

        // Without a token file there is nothing to leak: the request is made (and fails here).
        try sandbox.git("config", "--unset", "pushguard.tokenFile", in: repo)
        let tokenless = try push(from: work, environment: proxy)
        XCTAssertFalse(tokenless.stderr.contains("refusing to send the token"), tokenless.stderr)

        // Loopback keeps working over http, token and all.
        try sandbox.git("config", "pushguard.tokenFile", token, in: repo)
        try sandbox.git("config", "pushguard.store", "http://localhost:\(server.port)", in: repo)
        let local = try push(from: work, environment: ["PUSHGUARD_STORE": ""])
        XCTAssertTrue(local.stderr.contains("rejected: config not synchronized"), local.stderr)
    }
}
