import XCTest
import PushGuardCore

/// How a pushed app.json decides a push, read as Heroku reads it, over fakes.
final class ManifestDecisionTests: XCTestCase {
    private func sections(_ environments: [EnvironmentSettings]) -> Settings {
        var settings = Settings()
        settings.app = "billing-api"
        settings.environments = environments
        return settings
    }

    private func missingKeys(_ decision: PushDecision, _ index: Int = 0) -> [String] {
        decision.outcomes[index].findings.filter { $0.status == .missing }.map(\.key)
    }

    // MARK: shapes seen in real manifests

    func testARepeatedTopLevelNameIsDecidedNotRefused() {
        let push = Push()
        push.manifests.byCommit[commitA] = appJSON(#"{"name": "chat", "stack": "heroku-22", "env": {"SECRET_KEY_BASE": {"generator": "secret"}, "FRONTEND_URL": "https://x"}, "stack": "container"}"#)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertNil(decision.outcomes[0].evaluation?.manifestProblem)
        XCTAssertEqual(missingKeys(decision), ["FRONTEND_URL", "SECRET_KEY_BASE"], "decided on its env, as Heroku does")
        XCTAssertFalse(decision.lines.joined().contains("invalid JSON"), "\(decision.lines)")
        XCTAssertFalse(decision.lines.joined().contains("cannot be read"), "\(decision.lines)")
    }

    func testARepeatedEnvKeyIsRequiredWhenAnyOccurrenceIs() {
        let push = Push()
        push.store.states["production"] = inSync("production")
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"BOT_API_ID": {"required": false}, "BOT_API_ID": {"value": ""}}}"#)
        XCTAssertEqual(missingKeys(push.decide([update("refs/heads/main")])), ["BOT_API_ID"])
    }

    func testOffSchemaShapesDecideAsRequiredAndAreNotedInOneWarningLine() {
        let push = Push()
        push.store.states["production"] = inSync("production")
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"DEBUG": true, "MAIL_TLS": {"value": true}, "QUIET": {"required": "False"}, "X": {"sync": true, "required": false}}}"#)
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/master")])
        XCTAssertEqual(missingKeys(decision), ["DEBUG", "MAIL_TLS", "QUIET"])
        XCTAssertEqual(decision.exitStatus, 1, "the missing keys reject, not the shapes")
        let warnings = decision.lines.filter { $0.contains("off Heroku's schema") }
        XCTAssertEqual(warnings, ["pushguard: warning: app.json in aaaaaaaaaaaa is off Heroku's schema, read as Heroku reads it: env.DEBUG is true, not a string or object (read as required); env.MAIL_TLS.value is true, not a string; env.QUIET.required is \"False\", not true or false (read as required); env.X has unknown field \"sync\""],
                       "one line for the push, however many refs carry the manifest")
    }

    func testOffSchemaShapesAloneNeverRefuseAndStillSayWhatWasRead() {
        var push = Push()
        push.settings = sections([EnvironmentSettings(name: "production", refs: ["refs/heads/main"])])
        push.store.states["production"] = EnvironmentState(app: "billing-api", environment: "production", desiredVersion: 1,
                                                           config: [ConfigEntry(key: "DEBUG", version: 1, digest: "d")],
                                                           appliedVersion: 1)
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"DEBUG": false}}"#)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertEqual(decision.outcomes[0].decision, .accepted)
        XCTAssertEqual(decision.lines.count, 1)
        XCTAssertTrue(decision.lines[0].hasPrefix("pushguard: warning: app.json in aaaaaaaaaaaa is off Heroku's schema"), decision.lines[0])
    }

    // MARK: environments

    func testAnEnvironmentNamedLikeASectionUsesThatSectionsEnvInsteadOfTheBase() {
        var push = Push()
        push.settings = sections([EnvironmentSettings(name: "production", refs: ["refs/heads/main"]),
                                  EnvironmentSettings(name: "review", refs: ["refs/heads/review/*"])])
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"SECRET_TOKEN": "s", "WEB_CONCURRENCY": "5"}, "environments": {"review": {"env": {"RAILS_ENV": "review"}}}}"#)
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/review/42")])
        XCTAssertEqual(missingKeys(decision, 0), ["SECRET_TOKEN", "WEB_CONCURRENCY"])
        XCTAssertEqual(missingKeys(decision, 1), ["RAILS_ENV"], "the section's env replaces the base env")
        XCTAssertTrue(decision.lines.contains("pushguard:   RAILS_ENV  missing  not set  required by app.json (environments.review)"), "\(decision.lines)")
        XCTAssertTrue(decision.lines.contains("pushguard:   SECRET_TOKEN     missing  not set  required by app.json"), "\(decision.lines)")
    }

    func testManifestEnvironmentNamesTheSectionAnEnvironmentReads() {
        var push = Push()
        push.settings = sections([EnvironmentSettings(name: "pr-apps", refs: ["refs/heads/pr/*"], manifestEnvironment: "review")])
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"A": "a"}, "environments": {"review": {"env": {"B": "b"}}, "test": {"env": {"C": "c"}}}}"#)
        XCTAssertEqual(missingKeys(push.decide([update("refs/heads/pr/7")])), ["B"])
    }

    func testWithoutItsSectionOrWithoutTheSectionsEnvTheBaseEnvApplies() {
        var push = Push()
        push.settings = sections([EnvironmentSettings(name: "test", refs: ["refs/heads/ci"]),
                                  EnvironmentSettings(name: "staging", refs: ["refs/heads/staging"]),
                                  EnvironmentSettings(name: "qa", refs: ["refs/heads/qa"], manifestEnvironment: "nowhere")])
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"A": "a"}, "environments": {"test": {"scripts": {"test": "make"}}, "review": {"env": {}}}}"#)
        let decision = push.decide([update("refs/heads/ci"), update("refs/heads/staging"), update("refs/heads/qa")])
        XCTAssertEqual(decision.outcomes.map { $0.findings.map(\.key) }, [["A"], ["A"], ["A"]])
    }

    // MARK: an unreadable manifest

    func testAnUnreadableManifestIsHeadlinedAsSuchWithACompleteFix() {
        let push = Push()
        push.store.states["production"] = inSync("production")
        push.manifests.byCommit[commitA] = appJSON("{\n  \"env\": {\"A\": \"x\",}\n}")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertEqual(decision.lines, [
            "pushguard: push to billing-api/production (refs/heads/main) rejected: app.json in aaaaaaaaaaaa cannot be read: line 2, column 20: expected '\"' to begin an object key, found \"}\"",
            "pushguard: fix app.json in aaaaaaaaaaaa:  correct app.json at line 2, column 20, commit, then push again",
            "pushguard: or deploy anyway (recorded):  git push -o pushguard.ack=\"reason\" …",
        ])
        XCTAssertFalse(decision.lines.joined().contains("config not synchronized"))
        XCTAssertEqual(decision.auditRecords[0].reason, "app.json cannot be read: line 2, column 20: expected '\"' to begin an object key, found \"}\"")
    }

    func testAManifestThatIsNoFileSaysWhatItIsAndHowToFixIt() {
        let push = Push()
        push.manifests.byCommit[commitA] = .unreadable("it is a directory, not a file")
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertTrue(lines[0].hasSuffix("rejected: app.json in aaaaaaaaaaaa cannot be read: it is a directory, not a file"), lines[0])
        XCTAssertTrue(lines.contains("pushguard: fix app.json in aaaaaaaaaaaa:  commit app.json as a JSON object in a regular file under 1 MiB, then push again"), "\(lines)")
    }

    func testAnUnreadableManifestBesideUnsyncedKeysSaysBoth() {
        let push = Push()
        push.store.states["production"] = environment("production")
        push.manifests.byCommit[commitA] = appJSON("[]")
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertTrue(lines[0].hasSuffix("cannot be read: the top level is not a JSON object"), lines[0])
        XCTAssertEqual(lines[1], "pushguard:   and config not synchronized:")
        XCTAssertTrue(lines[2].contains("NEW_AUTH_TOKEN  staged"), lines[2])
        XCTAssertTrue(lines.contains("pushguard: and fix app.json in aaaaaaaaaaaa:  commit app.json as a JSON object in a regular file under 1 MiB, then push again"), "\(lines)")
    }

    func testTheConfiguredManifestPathIsWhatMessagesRecordsAndNotesName() {
        var push = Push()
        push.settings.manifestPath = "deploy/app.json"
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"STRIPE_KEY": "k"}}"#)
        push.manifests.byCommit[commitB] = appJSON("{")
        let missing = push.decide([update("refs/heads/main")])
        XCTAssertTrue(missing.lines.contains("pushguard:   STRIPE_KEY  missing  not set  required by deploy/app.json"), "\(missing.lines)")
        XCTAssertFalse(missing.lines.joined().contains("by app.json"))
        push.settings.mode = .warn
        let unreadable = push.decide([update("refs/heads/main", to: commitB)])
        XCTAssertTrue(unreadable.lines[0].contains("accepted with warning: deploy/app.json in bbbbbbbbbbbb cannot be read: line 1, column 2"), unreadable.lines[0])
        XCTAssertEqual(unreadable.auditRecords[0].reason, "deploy/app.json cannot be read: line 1, column 2: unexpected end of input; expected '\"' to begin an object key")
        let note = unreadable.deploys[0].noteText
        XCTAssertTrue(note.contains("reason: deploy/app.json cannot be read: line 1, column 2"), note)
    }
}
