import Foundation
import XCTest

/// Every output that can name the store — a push's pre-receive and post-receive lines, the
/// client's pre-push warning, and the admin commands — run with `store` as PUSHGUARD_STORE.
/// `work` is a clone of `repo` whose app.json requires TOKEN; the client hook is installed
/// into it (once) and each push is of a new commit, so every hook runs. The repository is set
/// to `onStoreError = warn` for the push only, so that with a failing store pre-receive lets
/// it through and post-receive runs (and fails) too; `check` then fails closed.
func outputsNamingTheStore(_ sandbox: Sandbox, store: String, app: String, repo: String, work: String) throws -> [(String, Output)] {
    if !FileManager.default.fileExists(atPath: work + "/.git/hooks/pre-push") {
        let install = try sandbox.pushguard("install", "--client", "--repo", work)
        XCTAssertEqual(install.status, 0, install.all)
        try sandbox.git("config", "remote.origin.pushguardApp", app, in: work)
    }
    let environment = ["PUSHGUARD_STORE": store]
    try sandbox.git("config", "pushguard.onStoreError", "warn", in: repo)
    try sandbox.commit(in: work, files: ["change": UUID().uuidString], message: "change")
    var outputs = [("push", try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work, environment: environment))]
    try sandbox.git("config", "--unset", "pushguard.onStoreError", in: repo)
    for command in [["status", "--app", app, "--env", "production"], ["status", "--app", app, "--env", "production", "--json"],
                    ["audit", "--app", app], ["audit", "--app", app, "--json"], ["doctor", "--repo", repo],
                    ["check", "--repo", repo, "--ref", "main"],
                    ["config", "set", "--app", app, "--env", "production", "OTHER=-"],
                    ["config", "transmit", "--app", app, "--env", "production"],
                    ["config", "unset", "--app", app, "--env", "production", "OTHER"],
                    ["apps", "list"], ["instances", "list", "--app", app, "--env", "production"], ["store", "init"]] {
        outputs.append((command.joined(separator: " "),
                        try sandbox.run([sandbox.binary] + command, in: repo, input: "a value\n", environment: environment)))
    }
    return outputs
}

/// Asserts no output holds any of `secrets`.
func assertNoSecret(_ outputs: [(String, Output)], _ secrets: [String], file: StaticString = #filePath, line: UInt = #line) {
    for (name, output) in outputs {
        for secret in secrets {
            XCTAssertFalse(output.all.contains(secret), "\(name) shows \(secret): \(output.all)", file: file, line: line)
        }
    }
}

/// For a store that fails, beside `assertNoSecret`: `onStoreError = warn` lets the push (the
/// first output) through after pre-push said it could not check, and every command but
/// `store init` (nothing to do on a platform's store) fails, naming the store as `redacted`.
func assertFailingStoreNamed(_ outputs: [(String, Output)], redacted: String, file: StaticString = #filePath, line: UInt = #line) {
    let push = outputs[0].1
    XCTAssertEqual(push.status, 0, "onStoreError = warn lets the push through: \(push.all)", file: file, line: line)
    XCTAssertTrue(push.stderr.contains("could not check config before upload"), "pre-push ran: \(push.stderr)", file: file, line: line)
    for (name, output) in outputs.dropFirst() where name != "store init" {
        XCTAssertNotEqual(output.status, 0, "\(name) fails: \(output.all)", file: file, line: line)
        XCTAssertTrue(output.all.contains(redacted), "\(name) names the store, redacted: \(output.all)", file: file, line: line)
    }
}

/// Store URLs of the HTTP and exec stores that carry secrets: no push, hook or command shows them.
final class StoreURLRedactionTests: XCTestCase {
    var sandbox: Sandbox!
    var server: StateServer?

    override func setUpWithError() throws { sandbox = try Sandbox(store: true) }
    override func tearDown() {
        server?.stop()
        server = nil
        sandbox = nil
    }

    /// A repository of `app` and a clone needing TOKEN (NEW_AUTH_TOKEN for the HTTP server's app).
    private func setUp(app: String, requiring key: String, config: [(String, String)] = []) throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository(app, config: config)
        let work = try sandbox.workTree("work-" + app, remote: repo, files: ["app.json": manifest(requiring: [key])])
        return (repo, work)
    }

    func testHTTPStoreURLSecretsNeverReachPushersOrCommandOutput() throws {
        let server = try StateServer()
        self.server = server
        let tokenFile = sandbox.path("api-token")
        try "test-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        // The app name picks the server's scenario: "good" has NEW_AUTH_TOKEN staged.
        // In the global config: root's commands take no token location from a repository.
        try sandbox.git("config", "--global", "pushguard.tokenFile", tokenFile, in: sandbox.root.path)
        let (repo, work) = try setUp(app: "good", requiring: "NEW_AUTH_TOKEN")
        let secrets = ["HTTP-PW-4f1e", "URL-TOKEN-77c2", "test-token"]
        let closed = try XCTUnwrap(Int(try sandbox.run(["python3", "-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let failing = [
            // A password in the user info, and a token as the user name, where nothing listens.
            "http://ops:HTTP-PW-4f1e@127.0.0.1:\(closed)",
            "http://URL-TOKEN-77c2@127.0.0.1:\(closed)/api",
            // The live server, but a base URL with a query (refused) carrying both.
            "http://ops:HTTP-PW-4f1e@127.0.0.1:\(server.port)/?access_token=URL-TOKEN-77c2",
        ]
        for url in failing {
            let outputs = try outputsNamingTheStore(sandbox, store: url, app: "good", repo: repo, work: work)
            assertNoSecret(outputs, secrets)
            // Every command names the store with its user info hidden.
            assertFailingStoreNamed(outputs, redacted: "http://***@127.0.0.1:")
            let push = outputs[0].1
            XCTAssertTrue(push.stderr.contains("remote: pushguard: warning"), "pre-receive warned: \(push.stderr)")
            XCTAssertGreaterThanOrEqual(push.stderr.components(separatedBy: "HTTP store http://").count - 1, 3,
                                        "pre-push, pre-receive and post-receive each name the store: \(push.stderr)")
            XCTAssertTrue(push.stderr.contains("***"), push.stderr)
        }

        // The live server behind a URL whose user info holds a password: pushes are decided
        // against its document, commands work, and nothing shows the password or the token.
        let working = "http://ops:HTTP-PW-4f1e@127.0.0.1:\(server.port)"
        let outputs = try outputsNamingTheStore(sandbox, store: working, app: "good", repo: repo, work: work)
        assertNoSecret(outputs, secrets)
        let push = outputs[0].1
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("would be rejected by the server"), "pre-push read the server: \(push.stderr)")
        XCTAssertTrue(hasRow(push.stderr, "NEW_AUTH_TOKEN", "staged"), push.stderr)
        let status = try XCTUnwrap(outputs.first { $0.0 == "status --app good --env production" }).1
        XCTAssertEqual(status.status, 0, status.all)
        XCTAssertTrue(hasRow(status.stdout, "NEW_AUTH_TOKEN", "staged"), status.stdout)
        let doctor = try XCTUnwrap(outputs.first { $0.0.hasPrefix("doctor") }).1
        XCTAssertTrue(doctor.all.contains("http://***@127.0.0.1:\(server.port)"), doctor.all)
        XCTAssertFalse(try server.audits().isEmpty, "the decision was posted to the server")
    }

    func testExecStoreURLSecretsNeverReachPushersOrCommandOutput() throws {
        let (repo, work) = try setUp(app: "shop", requiring: "TOKEN")
        // A helper given credentials the documented way, as assignments before the program (its
        // environment, not its argv), which prints them when it fails: what it says reaches the
        // pusher without them. (Credentials among its arguments are refused before it runs.)
        let helper = sandbox.path("helper.sh")
        try """
            #!/bin/sh
            # Test helper: [--fail] VERB APP ENV, with $EXEC_TOKEN and $API_KEY
            fail=no
            [ "$1" = --fail ] && { fail=yes; shift; }
            echo "$*" >> '\(sandbox.path("helper-calls"))'
            [ $fail = yes ] && { echo "helper: refused (token $EXEC_TOKEN, key $API_KEY)" >&2; exit 4; }
            case "$1" in
            get) printf '{"version": 1, "app": "%s", "environment": "%s", "desiredVersion": 2, "config": [{"key": "TOKEN", "version": 2, "digest": "hmac-sha256:ab", "deleted": false}], "instances": [{"id": "web.1", "appliedVersion": 1, "state": "active"}], "appliedVersion": 1}' "$2" "$3" ;;
            audit) cat >> '\(sandbox.path("helper-audit"))' ;;
            *) echo "helper: $1 is not supported" >&2; exit 3 ;;
            esac
            """.write(toFile: helper, atomically: true, encoding: .utf8)
        chmod(helper, 0o755)
        let secrets = ["EXEC-TOKEN-5a3c", "EXEC-KEY-91d0"]
        let failing = "exec:EXEC_TOKEN=EXEC-TOKEN-5a3c API_KEY=EXEC-KEY-91d0 \(helper) --fail"
        let failed = try outputsNamingTheStore(sandbox, store: failing, app: "shop", repo: repo, work: work)
        assertNoSecret(failed, secrets)
        assertFailingStoreNamed(failed, redacted: "EXEC_TOKEN=*** API_KEY=***")
        let failedPush = failed[0].1
        XCTAssertTrue(failedPush.stderr.contains("helper: refused"), "the helper's own words reach the pusher: \(failedPush.stderr)")
        XCTAssertTrue(failedPush.stderr.contains("EXEC_TOKEN=*** API_KEY=***"), failedPush.stderr)

        let working = "exec:EXEC_TOKEN=EXEC-TOKEN-5a3c API_KEY=EXEC-KEY-91d0 \(helper)"
        let outputs = try outputsNamingTheStore(sandbox, store: working, app: "shop", repo: repo, work: work)
        assertNoSecret(outputs, secrets)
        let push = outputs[0].1
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("would be rejected by the server"), "pre-push asked the helper: \(push.stderr)")
        XCTAssertTrue(hasRow(push.stderr, "TOKEN", "staged"), push.stderr)
        let doctor = try XCTUnwrap(outputs.first { $0.0.hasPrefix("doctor") }).1
        XCTAssertTrue(doctor.all.contains("EXEC_TOKEN=*** API_KEY=***"), doctor.all)
        let calls = (try? String(contentsOfFile: sandbox.path("helper-calls"), encoding: .utf8)) ?? ""
        XCTAssertTrue(calls.contains("get shop production") && calls.contains("audit shop production"), calls)
    }
}
