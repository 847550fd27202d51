import Foundation
import XCTest

/// One PostgreSQL store shared by a fleet of git servers: a real server started for this class
/// (as the postgres user, on 127.0.0.1 and a free port), torn down after.
final class PostgresTests: XCTestCase {
    nonisolated(unsafe) static var serverDirectory: String?
    nonisolated(unsafe) static var url = ""
    var sandbox: Sandbox!

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/postgres.sh").path

    override class func setUp() {
        super.setUp()
        let directory = NSTemporaryDirectory() + "pushguard-pg-\(UUID().uuidString.prefix(8))"
        // popen, not Process: Foundation's Process can wait forever for a child that has
        // already exited when used from a class-level setUp.
        guard let (status, output) = shell("'\(fixture)' start '\(directory)'"), status == 0 else { return }
        serverDirectory = directory
        url = output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    override class func tearDown() {
        if let directory = serverDirectory { _ = shell("'\(fixture)' stop '\(directory)'") }
        super.tearDown()
    }

    override func setUpWithError() throws {
        // No skipping: CI installs PostgreSQL, and a missing server is a failure to see.
        let directory = try XCTUnwrap(PostgresTests.serverDirectory, "the PostgreSQL test server did not start")
        sandbox = try Sandbox()
        // Each test gets its own database, so tests stay independent.
        let database = "t_" + UUID().uuidString.prefix(8).lowercased()
        let created = try sandbox.run([PostgresTests.fixture, "psql", directory, "-d", "postgres",
                                       "-c", "CREATE DATABASE \(database) OWNER pushguard"])
        XCTAssertEqual(created.status, 0, created.all)
        sandbox.environment["PUSHGUARD_STORE"] = databaseURL(database)
        sandbox.environment["PUSHGUARD_DIGEST_KEY"] = sandbox.path("keys/digest.key")
        try sandbox.initStore()
        try sandbox.register("a", "e", "production")
    }

    override func tearDown() { sandbox = nil }

    private func databaseURL(_ database: String) -> String {
        String(PostgresTests.url.dropLast("pushguard".count)) + database
    }

    private var store: String { sandbox.environment["PUSHGUARD_STORE"]! }

    private func productionNeedingToken(_ name: String) throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository(name, config: [("pushguard.app", "billing-api")])
        let work = try sandbox.workTree("work-" + name, remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        return (repo, work)
    }

    func testTwoServersShareOneStore() throws {
        let (_, workA) = try productionNeedingToken("server-a")
        let (_, workB) = try productionNeedingToken("server-b")
        try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1", "web.2")
        let set = try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "pg-SECRET-41")
        XCTAssertEqual(set.status, 0, set.all)

        let rejected = try sandbox.push("HEAD:refs/heads/main", from: workA)
        XCTAssertNotEqual(rejected.status, 0)
        XCTAssertTrue(rejected.stderr.contains("TOKEN  staged   applied on 0 of 2 instances  required by app.json"), rejected.stderr)

        XCTAssertEqual(try sandbox.pushguard("config", "transmit", "--app", "billing-api", "--env", "production").status, 0)
        let accepted = try sandbox.push("HEAD:refs/heads/main", from: workB)
        XCTAssertEqual(accepted.status, 0, accepted.all)

        let audit = try sandbox.pushguard("audit", "--app", "billing-api", "--json")
        let records = try pushRecords(audit)
        XCTAssertEqual(records.map { $0["decision"] as? String }, ["deployed", "accepted", "rejected"])
        let status = try sandbox.pushguard("status", "--app", "billing-api")
        XCTAssertTrue(status.stdout.contains("TOKEN  live    applied on 2 of 2 instances"), status.stdout)
        XCTAssertFalse(audit.all.contains("pg-SECRET-41") || status.all.contains("pg-SECRET-41"))
    }

    func testConcurrentPushesFromSeveralServersAreAllDecidedAndAudited() throws {
        try sandbox.register("billing-api", "production")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", "--transmit", input: "v")
        var works: [String] = []
        for index in 0..<6 { works.append(try productionNeedingToken("server-\(index)").work) }
        let sandbox = self.sandbox!
        let trees = works
        let outputs = concurrently(trees.count) { index in try? sandbox.push("HEAD:refs/heads/main", from: trees[index]) }
        for output in outputs { XCTAssertEqual(output?.status, 0, output?.all ?? "push did not run") }
        let audit = try sandbox.pushguard("audit", "--app", "billing-api", "--limit", "100", "--json")
        let records = try pushRecords(audit)
        XCTAssertEqual(records.count, 2 * works.count, "one record per decision and per deploy, none lost")
        XCTAssertEqual(records.filter { $0["decision"] as? String == "accepted" }.count, works.count)
        XCTAssertEqual(records.filter { $0["decision"] as? String == "deployed" }.count, works.count)
    }

    func testConcurrentConfigChangesGetDistinctVersions() throws {
        let sandbox = self.sandbox!
        let count = 8
        let sets = concurrently(count) { index in
            (try? sandbox.pushguard("config", "set", "--app", "a", "--env", "production", "KEY_\(index)=-", input: "v\(index)"))?.status
        }
        XCTAssertEqual(sets, Array(repeating: 0, count: count))
        let json = try sandbox.pushguard("status", "--app", "a", "--env", "production", "--json")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(document?["desiredVersion"] as? Int, count)
        let versions = (document?["config"] as? [[String: Any]] ?? []).compactMap { $0["version"] as? Int }
        XCTAssertEqual(Set(versions), Set(1...count))
    }

    func testMigrationRacingFromTwoProcessesLeavesOneSchema() throws {
        for round in 0..<3 {
            let database = "race_\(round)_" + UUID().uuidString.prefix(6).lowercased()
            let directory = try XCTUnwrap(PostgresTests.serverDirectory)
            XCTAssertEqual(try sandbox.run([PostgresTests.fixture, "psql", directory, "-d", "postgres",
                                            "-c", "CREATE DATABASE \(database) OWNER pushguard"]).status, 0)
            let url = databaseURL(database)
            let sandbox = self.sandbox!
            let outputs = concurrently(2) { _ in
                try? sandbox.run([sandbox.binary, "store", "init"], environment: ["PUSHGUARD_STORE": url])
            }
            XCTAssertEqual(outputs.map { $0?.status }, [0, 0], outputs.map { $0?.all ?? "" }.joined())
            let version = try sandbox.run([PostgresTests.fixture, "psql", directory, "-d", database, "-t", "-A",
                                           "-c", "SELECT version FROM pushguard_schema"])
            XCTAssertEqual(version.stdout, "1\n")
            let apps = try sandbox.run([sandbox.binary, "apps", "list"], environment: ["PUSHGUARD_STORE": url])
            XCTAssertEqual(apps.status, 0, apps.all)
        }
    }

    func testPasswordFromPGPASSFILE() throws {
        let withoutPassword = store.replacingOccurrences(of: ":pg-test-pass@", with: "@")
        let denied = try sandbox.run([sandbox.binary, "status", "--app", "a", "--env", "e"],
                                     environment: ["PUSHGUARD_STORE": withoutPassword, "PGPASSFILE": "/nonexistent"])
        XCTAssertEqual(denied.status, 3, denied.all)
        XCTAssertTrue(denied.stderr.contains("PostgreSQL store"), denied.stderr)
        let passfile = sandbox.path("pgpass")
        let port = try XCTUnwrap(URLComponents(string: store)?.port)
        try "127.0.0.1:\(port):*:pushguard:pg-test-pass\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        chmod(passfile, 0o600)
        let allowed = try sandbox.run([sandbox.binary, "status", "--app", "a", "--env", "e"],
                                      environment: ["PUSHGUARD_STORE": withoutPassword, "PGPASSFILE": passfile])
        XCTAssertEqual(allowed.status, 0, allowed.all)
    }

    func testErrorsNeverShowThePassword() throws {
        let wrong = store.replacingOccurrences(of: ":pg-test-pass@", with: ":wrong-pw-SECRET@")
        let output = try sandbox.run([sandbox.binary, "status", "--app", "a", "--env", "e"],
                                     environment: ["PUSHGUARD_STORE": wrong])
        XCTAssertEqual(output.status, 3)
        XCTAssertFalse(output.all.contains("wrong-pw-SECRET"), output.all)
        XCTAssertTrue(output.stderr.contains("postgres://pushguard:***@127.0.0.1"), output.stderr)
    }

    func testAStoreThatIsDownRejectsWithinTheTimeout() throws {
        let (repo, work) = try productionNeedingToken("server-a")
        let closedPort = try XCTUnwrap(Int(try sandbox.run(["python3", "-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        try sandbox.git("config", "pushguard.timeout", "1s", in: repo)
        let started = Date()
        let push = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                                   environment: ["PUSHGUARD_STORE": "postgres://pushguard:x@127.0.0.1:\(closedPort)/pushguard"])
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func testALockedStoreGivesADecisionWithinTheTimeout() throws {
        let (repo, work) = try productionNeedingToken("server-a")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", "--transmit", input: "v")
        try sandbox.git("config", "pushguard.timeout", "1s", in: repo)
        let directory = try XCTUnwrap(PostgresTests.serverDirectory)
        let database = String(store.split(separator: "/").last!)
        // Another session holds an exclusive lock on the config table for 8 seconds.
        _ = shell("'\(PostgresTests.fixture)' psql '\(directory)' -d \(database) -c 'BEGIN; LOCK TABLE config IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;' >/dev/null 2>&1 &")
        Thread.sleep(forTimeInterval: 1)
        let started = Date()
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
        XCTAssertLessThan(elapsed, 6, "decided within timeout + 1 s (with slack for a loaded machine)")
        // Let the locking session finish so the database can be left cleanly.
        Thread.sleep(forTimeInterval: max(0, 8.5 - Date().timeIntervalSince(started) - 1))
    }

    /// A port on 127.0.0.1 where nothing listens.
    private func closedPort() throws -> Int {
        try XCTUnwrap(Int(try sandbox.run(["python3", "-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private func psql(_ sql: String) throws {
        let directory = try XCTUnwrap(PostgresTests.serverDirectory)
        let database = String(store.split(separator: "/").last!)
        let output = try sandbox.run([PostgresTests.fixture, "psql", directory, "-d", database, "-c", sql])
        XCTAssertEqual(output.status, 0, output.all)
    }

    func testStoreURLSecretsNeverReachPushersOrCommandOutput() throws {
        let (repo, work) = try productionNeedingToken("server-a")
        try sandbox.git("config", "pushguard.timeout", "2s", in: repo)
        let port = try XCTUnwrap(URLComponents(string: store)?.port)
        let database = String(store.split(separator: "/").last!)
        let failing = [
            // Nothing listens there; the password is a query parameter.
            "postgres://user@127.0.0.1:\(try closedPort())/db?password=SEKRET123",
            // The real server refuses these passwords: in the authority, then as a parameter.
            "postgres://user:SEKRET123@127.0.0.1:\(port)/\(database)",
            "postgres://pushguard@127.0.0.1:\(port)/\(database)?application_name=t&password=SEKRET123",
        ]
        for url in failing {
            let environment = ["PUSHGUARD_STORE": url]
            let push = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work, environment: environment)
            XCTAssertNotEqual(push.status, 0)
            XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
            XCTAssertTrue(push.stderr.contains("PostgreSQL store postgres://"), push.stderr)
            XCTAssertTrue(push.stderr.contains("***"), push.stderr)
            XCTAssertFalse(push.all.contains("SEKRET123"), push.all)
            for command in [["status", "--app", "billing-api"], ["audit", "--app", "billing-api"], ["doctor", "--repo", repo]] {
                let output = try sandbox.run([sandbox.binary] + command, environment: environment)
                XCTAssertNotEqual(output.status, 0, "\(command): \(output.all)")
                XCTAssertTrue(output.all.contains("***"), "\(command): \(output.all)")
                XCTAssertFalse(output.all.contains("SEKRET123"), "\(command): \(output.all)")
            }
        }

        // A store that works although its URL carries a secret-named parameter (unused without
        // TLS): the push is decided and audited, and no output shows the value.
        let working = ["PUSHGUARD_STORE": store + "?sslpassword=SEKRET123"]
        let rejected = try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work, environment: working)
        XCTAssertNotEqual(rejected.status, 0)
        XCTAssertTrue(rejected.stderr.contains("TOKEN"), rejected.stderr)
        let audit = try sandbox.run([sandbox.binary, "audit", "--app", "billing-api", "--json"], environment: working)
        XCTAssertEqual(audit.status, 0, audit.all)
        let records = try pushRecords(audit)
        XCTAssertEqual(records.map { $0["decision"] as? String }, ["rejected"])
        let doctor = try sandbox.run([sandbox.binary, "doctor", "--repo", repo], environment: working)
        XCTAssertTrue(doctor.stdout.contains("sslpassword=***"), doctor.all)
        let status = try sandbox.run([sandbox.binary, "status", "--app", "billing-api"], environment: working)
        XCTAssertEqual(status.status, 0, status.all)
        for output in [rejected, audit, doctor, status] {
            XCTAssertFalse(output.all.contains("SEKRET123"), output.all)
        }

        // Every output that can name the store — pre-push, pre-receive, post-receive (the
        // repository warns on store errors, so the push goes on to post-receive) and the
        // commands — for the failing URLs, then for the working one, whose real password
        // (pg-test-pass) and a key-named parameter must not show either.
        for url in failing {
            let outputs = try outputsNamingTheStore(sandbox, store: url, app: "billing-api", repo: repo, work: work)
            assertNoSecret(outputs, ["SEKRET123", "pg-test-pass"])
            let push = outputs[0].1
            XCTAssertEqual(push.status, 0, "onStoreError = warn lets the push through: \(push.all)")
            XCTAssertTrue(push.stderr.contains("could not check config before upload"), "pre-push ran: \(push.stderr)")
            XCTAssertGreaterThanOrEqual(push.stderr.components(separatedBy: "PostgreSQL store postgres://").count - 1, 3,
                                        "pre-push, pre-receive and post-receive each name the store: \(push.stderr)")
            for (name, output) in outputs.dropFirst() {
                XCTAssertNotEqual(output.status, 0, "\(name) fails: \(output.all)")
                XCTAssertTrue(output.all.contains("postgres://") && output.all.contains("***"), "\(name) names the store, redacted: \(output.all)")
            }
        }
        try sandbox.register("billing-api", "production")
        let secretParameters = store + "?sslpassword=SEKRET123&sslkey=KEYTOKEN-55aa"
        let outputs = try outputsNamingTheStore(sandbox, store: secretParameters, app: "billing-api", repo: repo, work: work)
        assertNoSecret(outputs, ["SEKRET123", "KEYTOKEN-55aa", "pg-test-pass"])
        let push = outputs[0].1
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("would be rejected by the server"), "pre-push read the store: \(push.stderr)")
        XCTAssertTrue(hasRow(push.stderr, "TOKEN", "missing"), push.stderr)
        for (name, output) in outputs.dropFirst() where !name.hasPrefix("doctor") && !name.hasPrefix("check") {
            XCTAssertEqual(output.status, 0, "\(name): \(output.all)")
        }
        let shownDoctor = try XCTUnwrap(outputs.first { $0.0.hasPrefix("doctor") }).1
        XCTAssertTrue(shownDoctor.all.contains("postgres://pushguard:***@127.0.0.1:\(port)/\(database)?sslpassword=***&sslkey=***"),
                      shownDoctor.all)
    }

    func testACorruptRowIsAStoreErrorNotADefault() throws {
        let (_, work) = try productionNeedingToken("server-a")
        XCTAssertEqual(try sandbox.pushguard("instances", "add", "--app", "billing-api", "--env", "production", "web.1").status, 0)
        let set = try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", "--transmit", input: "v")
        XCTAssertEqual(set.status, 0, set.all)
        // An instance state this pushguard does not know: neither active nor draining may be guessed.
        try psql("UPDATE instances SET state = 'paused'")
        let status = try sandbox.pushguard("status", "--app", "billing-api", "--env", "production")
        XCTAssertEqual(status.status, 3, status.all)
        XCTAssertTrue(status.stderr.contains("instances.state") && status.stderr.contains("\"paused\""), status.stderr)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
        XCTAssertTrue(push.stderr.contains("instances.state"), push.stderr)

        try psql("UPDATE instances SET state = 'active'")
        try psql("UPDATE audit SET decision = 'maybe'")
        let audit = try sandbox.pushguard("audit", "--app", "billing-api")
        XCTAssertEqual(audit.status, 3, audit.all)
        XCTAssertTrue(audit.stderr.contains("audit.decision") && audit.stderr.contains("\"maybe\""), audit.stderr)
    }

    func testCopyFromSQLiteToPostgresKeepsHistory() throws {
        let sqlite = "sqlite:" + sandbox.path("old/state.db")
        func onSQLite(_ arguments: String..., input: String = "") throws -> Output {
            try sandbox.run([sandbox.binary] + arguments, input: input, environment: ["PUSHGUARD_STORE": sqlite])
        }
        let repo = try sandbox.bareRepository("billing-api", install: ["none"])
        XCTAssertEqual(try sandbox.run([sandbox.binary, "install", "--repo", repo], environment: ["PUSHGUARD_STORE": sqlite]).status, 0)
        _ = try onSQLite("instances", "add", "--app", "billing-api", "--env", "production", "web.1")
        _ = try onSQLite("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v1")
        _ = try onSQLite("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", "--transmit", input: "v2")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        XCTAssertEqual(try sandbox.run(["git", "push", "origin", "HEAD:refs/heads/main"], in: work,
                                       environment: ["PUSHGUARD_STORE": sqlite]).status, 0)
        let before = try onSQLite("status", "--app", "billing-api", "--env", "production", "--json").stdout
        let auditBefore = try onSQLite("audit", "--json").stdout

        // Into an empty database (this test's own has its registry already).
        let directory = try XCTUnwrap(PostgresTests.serverDirectory)
        let empty = "copy_" + UUID().uuidString.prefix(8).lowercased()
        XCTAssertEqual(try sandbox.run([PostgresTests.fixture, "psql", directory, "-d", "postgres",
                                        "-c", "CREATE DATABASE \(empty) OWNER pushguard"]).status, 0)
        sandbox.environment["PUSHGUARD_STORE"] = databaseURL(empty)
        let copy = try sandbox.pushguard("store", "copy", "--from", sqlite, "--to", store)
        XCTAssertEqual(copy.status, 0, copy.all)
        XCTAssertTrue(copy.stdout.contains("audit"), copy.stdout)
        XCTAssertFalse(copy.all.contains("pg-test-pass"), copy.all)
        XCTAssertEqual(try sandbox.pushguard("status", "--app", "billing-api", "--env", "production", "--json").stdout, before)
        XCTAssertEqual(try sandbox.pushguard("audit", "--json").stdout, auditBefore)
        let again = try sandbox.pushguard("store", "copy", "--from", sqlite, "--to", store)
        XCTAssertNotEqual(again.status, 0, "copying into a store that holds data is refused")
        XCTAssertTrue(again.stderr.contains("empty store"), again.stderr)
    }
}
