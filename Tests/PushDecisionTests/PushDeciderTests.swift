import XCTest
import PushGuardCore

/// The push decision as a pusher and the audit log see it, over fakes: no git, no store.
final class PushDeciderTests: XCTestCase {
    private func mapped(_ pairs: [(String, [String])], mode: Mode? = nil) -> Settings {
        var settings = Settings()
        settings.app = "billing-api"
        settings.environments = pairs.map { EnvironmentSettings(name: $0.0, refs: $0.1, mode: mode) }
        return settings
    }

    // MARK: mapping refs to environments

    func testMainAndMasterDeployToProductionWhileNoSectionSetsRefs() {
        let push = Push()
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/master", to: commitB)])
        XCTAssertEqual(decision.outcomes.map(\.environment), ["production", "production"])
        XCTAssertEqual(decision.exitStatus, 1)
    }

    func testUnmappedRefsAndTagsAreAcceptedUncheckedAndNotAudited() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/main"])])
        let decision = push.decide([update("refs/heads/feature/x"), update("refs/tags/v1")])
        XCTAssertEqual(decision.outcomes.map(\.decision), [.accepted, .accepted])
        XCTAssertTrue(decision.auditRecords.isEmpty)
        XCTAssertTrue(decision.lines.isEmpty)
        XCTAssertTrue(push.store.lookups.isEmpty, "an unmapped push never asks the store")
    }

    func testGlobPatternsMapReleaseBranchesAndTheFirstMatchingSectionWins() {
        var push = Push()
        push.settings = mapped([("staging", ["refs/heads/release/rc-*"]), ("production", ["refs/heads/release/*"])])
        let decision = push.decide([update("refs/heads/release/rc-1"), update("refs/heads/release/2026")])
        XCTAssertEqual(decision.outcomes.map(\.environment), ["staging", "production"])
    }

    func testADeletionIsNeverBlocked() {
        let push = Push()
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main", to: zero)])
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertFalse(decision.outcomes[0].checked)
    }

    func testAPushToASymbolicRefIsCheckedAsAPushToItsTarget() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/main"])])
        push.manifests.symbolicRefs["refs/heads/master"] = "refs/heads/main"
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/master")])
        XCTAssertEqual(decision.outcomes[0].environment, "production")
        XCTAssertEqual(decision.exitStatus, 1, "master moves main: the same check as a push to main")
    }

    func testPushesAndDeletionsOfPushGuardsNotesAreRefused() {
        let push = Push()
        for pushed in [update("refs/notes/pushguard"), update("refs/notes/pushguard", to: zero)] {
            let decision = push.decide([pushed, update("refs/heads/feature")])
            XCTAssertEqual(decision.exitStatus, 1)
            XCTAssertTrue(decision.lines[0].contains("refusing refs/notes/pushguard"), "\(decision.lines)")
        }
        XCTAssertEqual(push.decide([update("refs/notes/commits")]).exitStatus, 0, "other notes are the team's own")
    }

    func testRefsBeneathOrBesidePushGuardsNotesRefAreRefusedToo() {
        let push = Push()
        for ref in ["refs/notes/pushguard/anything", "refs/notes/pushguard/a/b", "refs/notes", "refs/notes/PushGuard", "refs/Notes/pushguard/x"] {
            for pushed in [update(ref), update(ref, to: zero)] {
                let decision = push.decide([update("refs/heads/feature"), pushed])
                XCTAssertEqual(decision.exitStatus, 1, ref)
                XCTAssertEqual(decision.outcomes.map(\.decision), [.accepted, .rejected], ref)
                XCTAssertTrue(decision.lines.contains { $0.hasPrefix("pushguard: refusing \(ref): ") && $0.contains("refs/notes/pushguard") },
                              "\(ref): \(decision.lines)")
            }
        }
        for ref in ["refs/notes/pushguard-old", "refs/notes/pushguards", "refs/heads/notes/pushguard/x", "refs/notes/commits"] {
            XCTAssertEqual(push.decide([update(ref)]).exitStatus, 0, "\(ref) does not collide with the notes ref")
        }
    }

    func testAPushDeployingMoreRefsThanTheLimitIsRefusedWithoutReadingAnything() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/release/*"])])
        let updates = (0...PushDecider.maxMappedRefs).map { update("refs/heads/release/\($0)") }
        let decision = push.decide(updates)
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(push.store.lookups.isEmpty)
        XCTAssertTrue(push.manifests.reads.isEmpty)
        XCTAssertTrue(decision.lines.last!.contains("push them in smaller batches"))
    }

    func testAPushRecordsAtMostTenThousandFindingsInAll() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/release/*"])])
        let keys = (0..<300).map { Requirement(key: "KEY_\($0)") }
        push.store.states["production"] = inSync("production")
        var updates: [RefUpdate] = []
        for index in 0..<60 {
            let commit = String(repeating: "1", count: 38) + (index < 10 ? "0\(index)" : "\(index)")
            push.manifests.byCommit[commit] = .declared(keys)
            updates.append(update("refs/heads/release/\(index)", to: commit))
        }
        let records = push.decide(updates).auditRecords
        XCTAssertEqual(records.count, 60, "every decision is still recorded")
        XCTAssertEqual(records.map(\.findings.count).reduce(0, +), PushDecision.maxRecordedFindings)
        XCTAssertTrue(records.last!.reason.contains("over the push's limit not recorded"), records.last!.reason)
    }

    // MARK: one look-up per environment, one manifest read per commit

    func testAnEnvironmentIsLookedUpOnceHoweverManyRefsDeployToIt() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/release/*"]), ("staging", ["refs/heads/staging"])])
        push.store.states["production"] = inSync("production")
        push.store.states["staging"] = inSync("staging")
        let updates = (1...50).map { update("refs/heads/release/\($0)") } + [update("refs/heads/staging")]
        let decision = push.decide(updates)
        XCTAssertEqual(push.store.lookups, ["production", "staging"])
        XCTAssertEqual(push.manifests.reads, [commitA], "one manifest read per commit in a push")
        XCTAssertEqual(decision.auditRecords.count, 51)
        XCTAssertEqual(decision.deploys.count, 2, "one deploy per commit and environment")
        XCTAssertEqual(decision.deploys[0].refs.count, 50)
    }

    func testAKeyTheManifestRequiresButNobodySetIsMissing() {
        let push = Push()
        push.store.states["production"] = inSync("production")
        push.manifests.byCommit[commitA] = .declared([Requirement(key: "STRIPE_KEY")])
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .rejected)
        XCTAssertEqual(decision.auditRecords[0].findings, [AuditRecord.KeyFinding(key: "STRIPE_KEY", status: "missing")])
        XCTAssertTrue(decision.lines.contains { $0.contains("STRIPE_KEY") && $0.contains("missing") && $0.contains("required by app.json") })
    }

    // MARK: modes

    func testRejectModeRefusesWithTheKeyTheCountAndTheFix() {
        let push = Push()
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertEqual(decision.lines.first, "pushguard: push to billing-api/production (refs/heads/main) rejected: config not synchronized")
        XCTAssertTrue(decision.lines.contains { $0.contains("NEW_AUTH_TOKEN") && $0.contains("applied on 0 of 3 instances") })
        XCTAssertTrue(decision.lines.contains("pushguard: transmit first:  pushguard config transmit --app billing-api --env production"))
        XCTAssertEqual(decision.auditRecords.map(\.decision), [.rejected])
        XCTAssertTrue(decision.deploys.isEmpty, "a refused push deploys nothing")
    }

    func testWarnModeAcceptsWithAWarningAndRecordsIt() {
        var push = Push()
        push.settings = mapped([("staging", ["refs/heads/staging"])], mode: .warn)
        push.store.states["staging"] = environment("staging", appliedOn: 2)
        let decision = push.decide([update("refs/heads/staging")])
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertTrue(decision.lines[0].contains("accepted with warning"))
        XCTAssertTrue(decision.lines.contains { $0.contains("partial") && $0.contains("applied on 2 of 3 instances") })
        XCTAssertEqual(decision.deploys.map(\.decision), [.warned])
    }

    func testModeOffChecksNothingAndAsksNothing() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/main"])], mode: .off)
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertTrue(push.store.lookups.isEmpty)
        XCTAssertTrue(decision.auditRecords.isEmpty)
    }

    func testOneRefusedEnvironmentRefusesTheWholePushButAuditsEveryRef() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/main"]), ("staging", ["refs/heads/staging"])])
        push.store.states["production"] = environment("production")
        push.store.states["staging"] = inSync("staging")
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/staging")])
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertEqual(decision.auditRecords.map(\.decision), [.rejected, .accepted])
        XCTAssertTrue(decision.deploys.isEmpty)
    }

    func testAnEnvironmentTheStoreDoesNotKnowIsRefusedWithTheCommandThatRegistersIt() {
        var push = Push()
        push.store.states["production"] = EnvironmentState(app: "billing-api", environment: "production", known: false)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.lines[0].hasSuffix("rejected: the config store does not know billing-api/production"), "\(decision.lines)")
        XCTAssertTrue(decision.lines.contains("pushguard: register it:  pushguard apps create billing-api --env production"))
        XCTAssertEqual(decision.auditRecords[0].reason, "billing-api/production is not registered in the store")
        // An app named after a directory holding a terminal escape: quoted, and escaped.
        var hostile = Push()
        hostile.settings.app = "shop\u{1b}[2J"
        hostile.store.states["production"] = EnvironmentState(app: "shop\u{1b}[2J", environment: "production", known: false)
        let escaped = hostile.decide([update("refs/heads/main")])
        XCTAssertFalse(escaped.lines.joined().contains("\u{1b}"), "\(escaped.lines)")
        XCTAssertTrue(escaped.lines.contains("pushguard: register it:  pushguard apps create 'shop\\x1b[2J' --env production"), "\(escaped.lines)")
        push.settings.mode = .warn
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .warned)
        push.settings.mode = .reject
        push.options = PushOptions(override: Override(reason: "first deploy"))
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .overridden)
    }

    // MARK: override

    func testAnOverrideDeploysAnywayAndRecordsWhoAndWhy() {
        var push = Push()
        push.options = PushOptions(override: Override(reason: "hotfix INC-42"))
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertTrue(decision.lines[0].contains("accepted by override (recorded)"))
        XCTAssertEqual(decision.auditRecords[0].decision, .overridden)
        XCTAssertEqual(decision.auditRecords[0].reason, "hotfix INC-42")
        XCTAssertEqual(decision.auditRecords[0].pusher, "alice")
        XCTAssertEqual(decision.deploys[0].decision, .overridden)
    }

    func testAnOverrideThatCannotBeRecordedIsRefused() {
        var push = Push()
        push.options = PushOptions(override: Override(reason: "hotfix"))
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main")]).withAuditFailure("disk full")
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.lines.contains { $0.contains("override of refs/heads/main refused: it cannot be recorded (disk full)") })
        XCTAssertTrue(decision.deploys.isEmpty)
    }

    func testAnAcceptedPushWhoseAuditFailsGoesThroughWithAWarning() {
        let push = Push()
        push.store.states["production"] = inSync("production")
        let decision = push.decide([update("refs/heads/main")]).withAuditFailure("database is locked")
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertEqual(decision.lines, ["pushguard: warning: audit record not written: database is locked"])
    }

    func testAPushWhoseHandOverCannotBeWrittenIsRefused() {
        let push = Push()
        push.store.states["production"] = inSync("production")
        let decision = push.decide([update("refs/heads/main")]).withHandoffFailure("no space left")
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.auditRecords[0].reason.contains("hand-over to post-receive failed: no space left"))
        XCTAssertTrue(decision.lines.last!.contains("cannot be handed to post-receive"))
    }

    func testOnAGuessedAppNameOverrideAndSyncAreIgnoredAndSaidSo() {
        var push = Push()
        push.settings.app = nil
        push.options = PushOptions(override: Override(reason: "mine"), sync: true)
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1, "the check still runs; acting on another app's config does not")
        XCTAssertTrue(push.store.transmits.isEmpty)
        XCTAssertTrue(decision.lines[0].contains("-o pushguard.ack and -o pushguard.sync ignored"), "\(decision.lines)")
        XCTAssertTrue(decision.lines[0].contains("pushguard.app is not set"))
    }

    func testAMisspeltPushOptionIsNamedWithTheOptionProbablyMeant() {
        var push = Push()
        push.options = PushOptions.parse(["pushguard.akc=hotfix", "pushguard.Ack=x", "ci.skip"])
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1, "no override was given")
        let said = decision.lines.filter { $0.contains("not understood") }
        XCTAssertEqual(said.count, 2, "\(decision.lines)")
        XCTAssertTrue(said.allSatisfy { $0.contains("did you mean `pushguard.ack`?") }, "\(said)")
        XCTAssertFalse(decision.lines.joined().contains("hotfix"), "the value is not repeated")
        XCTAssertFalse(decision.lines.joined().contains("ci.skip"), "other tools' options are theirs")
    }

    // MARK: sync in the push

    func testSyncTransmitsThenAcceptsAndKeepsWhatWasOutOfSync() {
        var push = Push()
        push.options = PushOptions(sync: true)
        push.store.states["production"] = environment("production")
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/master")])
        XCTAssertEqual(push.store.transmits, ["production"], "one transmit per environment")
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertEqual(decision.auditRecords.map(\.decision), [.synced, .synced])
        XCTAssertEqual(decision.auditRecords[0].findings, [AuditRecord.KeyFinding(key: "NEW_AUTH_TOKEN", status: "staged")])
        XCTAssertTrue(decision.lines.contains("pushguard:   transmit: delivered"))
        XCTAssertTrue(decision.lines.contains { $0.contains("accepted after sync") })
    }

    func testAutoSyncDoesTheSameWithoutTheOption() {
        var push = Push()
        push.settings.environments = [EnvironmentSettings(name: "production", autoSync: true)]
        push.store.states["production"] = environment("production")
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .synced)
    }

    func testSyncIsNotAttemptedWhenAlreadyInSync() {
        var push = Push()
        push.options = PushOptions(sync: true)
        push.store.states["production"] = inSync("production")
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .accepted)
        XCTAssertTrue(push.store.transmits.isEmpty)
    }

    func testAFailedOrTimedOutTransmitRefusesThePushSayingWhy() {
        var push = Push()
        push.options = PushOptions(sync: true)
        push.store.states["production"] = environment("production")
        push.store.transmitOutcome = { _ in
            .failed(message: "the transmit command did not finish within 2000 ms and was killed (pushguard.timeout)",
                    output: ["\u{1b}[31mconnecting…"])
        }
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.lines.contains("pushguard:   transmit: \\x1b[31mconnecting…"), "\(decision.lines)")
        XCTAssertTrue(decision.lines.contains { $0.contains("sync in this push failed: the transmit command did not finish") })
        XCTAssertTrue(decision.auditRecords[0].reason.contains("sync failed: the transmit command did not finish"))
    }

    // MARK: store failures

    func testAStoreFailureRefusesUnderOnStoreErrorReject() {
        let push = Push()
        push.store.failure = Failure.store("cannot open sqlite:/var/lib/pushguard/state.db: no such file")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.lines[0].hasSuffix("rejected: the config store failed, so config sync cannot be checked"))
        XCTAssertTrue(decision.lines.contains("pushguard:   (pushguard.onStoreError = reject)"))
        XCTAssertEqual(decision.auditRecords.map(\.decision), [.rejected])
    }

    func testAStoreFailureWarnsUnderOnStoreErrorWarn() {
        var push = Push()
        push.settings.onStoreError = .warn
        push.store.failure = Failure.store("connection refused")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertEqual(decision.outcomes[0].decision, .warned)
        XCTAssertEqual(decision.outcomes[0].reason, "store failed: connection refused")
    }

    func testATimedOutStoreIsAskedOnceAndItsRefsAreNotAudited() {
        var push = Push()
        push.settings = mapped([("production", ["refs/heads/main"]), ("staging", ["refs/heads/staging"])])
        push.store.failure = Failure.store("the store did not answer within 2000 ms", timedOut: true)
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/staging")])
        XCTAssertEqual(push.store.lookups, ["production"], "after a time-out the store is not asked again")
        XCTAssertEqual(decision.outcomes.map(\.decision), [.rejected, .rejected])
        XCTAssertTrue(decision.auditRecords.isEmpty, "writing the audit would wait on the store again")
    }

    // MARK: rendering

    func testUnderGitLabARejectionStartsWithTheHookErrorMarker() {
        var push = Push()
        push.gitlab = true
        push.store.states["production"] = environment("production")
        XCTAssertTrue(push.decide([update("refs/heads/main")]).lines[0].hasPrefix("GL-HOOK-ERR: pushguard: push to"))
        push.store.states["production"] = environment("production", appliedOn: 3)
        var warned = Push()
        warned.gitlab = true
        warned.settings.mode = .warn
        warned.store.states["production"] = environment("production")
        XCTAssertFalse(warned.decide([update("refs/heads/main")]).lines[0].hasPrefix("GL-HOOK-ERR"))
    }

    func testWithoutAdvertisedPushOptionsNoOptionHintIsGiven() {
        var push = Push()
        push.pushOptionsEnabled = false
        push.store.states["production"] = environment("production")
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertFalse(lines.contains { $0.contains("git push -o") })
        XCTAssertTrue(lines.contains { $0.contains("receive.advertisePushOptions") })
    }

    func testRefNamesAndKeysFromThePushAreEscaped() {
        let push = Push()
        push.store.states["production"] = environment("production", key: "EVIL\u{1b}[2J")
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertFalse(lines.joined().contains("\u{1b}"))
        XCTAssertTrue(lines.joined().contains("EVIL\\x1b[2J"))
    }
}
