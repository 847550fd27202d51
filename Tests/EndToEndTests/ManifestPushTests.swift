import Foundation
import XCTest

/// app.json files shaped like real ones (Heroku buttons, review apps, Dokku apps), pushed for real
/// and decided as Heroku reads them.
final class ManifestPushTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private func decisions() throws -> [[String: Any]] {
        let output = try sandbox.run([sandbox.binary, "audit", "--json"])
        let records = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] ?? []
        return records.filter { $0["decision"] as? String != "deployed" }
    }

    private func missing(_ record: [String: Any]?) -> [String] {
        ((record?["findings"] as? [[String: String]]) ?? []).filter { $0["status"] == "missing" }.compactMap { $0["key"] }.sorted()
    }

    func testARepeatedTopLevelNameIsDecidedOnItsEnvNotRefusedAsInvalid() throws {
        let repo = try sandbox.bareRepository("chat")
        let app = """
            {
              "name": "chat",
              "stack": "heroku-22",
              "env": {
                "SECRET_KEY_BASE": {"description": "sessions", "generator": "secret"},
                "INSTALLATION_ENV": {"value": "heroku", "required": false}
              },
              "stack": "container"
            }
            """
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": app])
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertFalse(refused.stderr.contains("duplicate"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("cannot be read"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("SECRET_KEY_BASE  missing  not set  required by app.json"), refused.stderr)
        XCTAssertEqual(missing(try decisions().first), ["SECRET_KEY_BASE"])
        try sandbox.pushguard("config", "set", "--app", "chat", "--env", "production", "SECRET_KEY_BASE=-", "--transmit", input: "s")
        let accepted = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(accepted.status, 0, accepted.all)
    }

    func testOffSchemaShapesAreDecidedAsRequiredAndNotedInOneWarningLine() throws {
        let repo = try sandbox.bareRepository("shop")
        let app = """
            {"env": {
              "DEBUG": true,
              "MAIL_TLS_VERIFY_PEER": {"value": true, "required": false},
              "ALLOW_SIGNUPS": {"description": "open sign-ups", "required": "False"},
              "PORT": {"default": 5000},
              "DATABASE_URL": {"sync": true, "required": false},
              "API_ID": {"required": false},
              "API_ID": {"value": ""}
            }}
            """
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": app])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertEqual(missing(try decisions().first), ["ALLOW_SIGNUPS", "API_ID", "DEBUG", "PORT"])
        let warnings = push.stderr.split(separator: "\n").filter { $0.contains("off Heroku's schema") }
        XCTAssertEqual(warnings.count, 1, push.stderr)
        guard let warning = warnings.first else { return }
        for said in ["env.DEBUG is true", "env.MAIL_TLS_VERIFY_PEER.value is true, not a string",
                     "env.ALLOW_SIGNUPS.required is \"False\", not true or false (read as required)",
                     "env.PORT has unknown field \"default\"", "and 1 more"] {
            XCTAssertTrue(warning.contains(said), "\(said): \(warning)")
        }
    }

    func testOffSchemaShapesAloneLetAPushThroughWithTheirWarning() throws {
        let repo = try sandbox.bareRepository("bot")
        try sandbox.pushguard("config", "set", "--app", "bot", "--env", "production", "DEBUG=-", "--transmit", input: "1")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": #"{"env": {"DEBUG": false, "X": {"sync": true, "required": false}}}"#])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("remote: pushguard: warning: app.json in "), push.stderr)
        XCTAssertEqual(try decisions().first?["decision"] as? String, "accepted")
    }

    func testAnEnvironmentReadsItsSectionOfEnvironmentsWhichReplacesTheBaseEnv() throws {
        let repo = try sandbox.bareRepository("blog", config: [
            ("pushguard.production.ref", "refs/heads/main"),
            ("pushguard.review.ref", "refs/heads/review/*"),
            ("pushguard.preview.ref", "refs/heads/preview/*"),
            ("pushguard.preview.manifestEnvironment", "review"),
            ("pushguard.test.ref", "refs/heads/ci")])
        let app = """
            {"env": {"SECRET_KEY_BASE": {"generator": "secret"}, "WEB_CONCURRENCY": "2"},
             "environments": {"review": {"env": {"RAILS_ENV": "review"}}, "test": {"scripts": {"test": "rake"}}}}
            """
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": app])
        for (ref, expected) in [("refs/heads/main", ["SECRET_KEY_BASE", "WEB_CONCURRENCY"]),
                                ("refs/heads/review/42", ["RAILS_ENV"]),
                                ("refs/heads/preview/7", ["RAILS_ENV"]),
                                ("refs/heads/ci", ["SECRET_KEY_BASE", "WEB_CONCURRENCY"])] {
            let push = try sandbox.push("HEAD:" + ref, from: work)
            XCTAssertNotEqual(push.status, 0, ref)
            XCTAssertEqual(missing(try decisions().first), expected, ref)
            if expected == ["RAILS_ENV"] {
                XCTAssertTrue(push.stderr.contains("RAILS_ENV  missing  not set  required by app.json (environments.review)"), push.stderr)
                XCTAssertFalse(push.stderr.contains("SECRET_KEY_BASE"), push.stderr)
            }
        }
        try sandbox.pushguard("config", "set", "--app", "blog", "--env", "review", "RAILS_ENV=-", "--transmit", input: "review")
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/review/42", from: work).status, 0)
    }

    func testAnUnreadableManifestIsHeadlinedWithItsLineAndColumnAndAFix() throws {
        let repo = try sandbox.bareRepository("bot")
        let app = "{\n  \"env\": {\n    \"TOKEN\": {\"required\": True}\n  }\n}\n"
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": app])
        let head = try sandbox.git("rev-parse", "--short=12", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 1)
        XCTAssertTrue(push.stderr.contains("remote: pushguard: push to bot/production (refs/heads/main) rejected: app.json in \(head) cannot be read: line 3, column 27: expected a JSON value, found \"T\""), push.stderr)
        XCTAssertTrue(push.stderr.contains("remote: pushguard: fix app.json in \(head):  correct app.json at line 3, column 27, commit, then push again"), push.stderr)
        XCTAssertFalse(push.stderr.contains("config not synchronized"), push.stderr)
        XCTAssertFalse(push.stderr.contains(":  then push again"), push.stderr)
        XCTAssertEqual(try decisions().first?["reason"] as? String, "app.json cannot be read: line 3, column 27: expected a JSON value, found \"T\"")
    }

    func testTheConfiguredManifestPathIsWhatMessagesAuditAndNotesName() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.manifest", "deploy/app.json"), ("pushguard.mode", "warn")])
        let work = try sandbox.workTree("work", remote: repo, files: ["deploy/app.json": manifest(requiring: ["PAYMENT_KEY"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("PAYMENT_KEY  missing  not set  required by deploy/app.json"), push.stderr)
        try sandbox.commit(in: work, files: ["deploy/app.json": "{\"env\": "], message: "broken")
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let broken = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(broken.status, 0, broken.all)
        XCTAssertTrue(broken.stderr.contains("accepted with warning: deploy/app.json in \(head.prefix(12)) cannot be read: line 1, column 9"), broken.stderr)
        XCTAssertTrue((try decisions().first?["reason"] as? String ?? "").hasPrefix("deploy/app.json cannot be read: line 1, column 9"))
        let note = try sandbox.git("notes", "--ref=pushguard", "show", head, in: repo).stdout
        XCTAssertTrue(note.contains("reason: deploy/app.json cannot be read: line 1, column 9"), note)
        XCTAssertFalse(broken.stderr.contains("by app.json") || note.contains(" app.json"), broken.stderr + note)
    }
}
