import XCTest
import PushGuardCore

/// The workflow says only what is true: a sync runs only where it can help, hints follow the
/// settings, an accepted push is told what to do now, and the mode decides after a failed sync.
final class HonestWorkflowTests: XCTestCase {
    /// production with NEW_AUTH_TOKEN staged, and a manifest requiring `required`.
    private func push(requiring required: [String] = [], staged: Bool = true, options: PushOptions = PushOptions()) -> Push {
        var push = Push()
        push.options = options
        push.store.states["production"] = staged ? environment("production") : inSync("production")
        push.manifests.byCommit[commitA] = .declared(required.map { Requirement(key: $0) })
        return push
    }

    // MARK: a sync only where transmitting can help

    func testSyncIsNotRunForAKeyThatIsNotSetAtAll() {
        let push = push(requiring: ["STRIPE_KEY"], staged: false, options: PushOptions(sync: true))
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(push.store.transmits, [], "a transmit cannot set a key")
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.lines.contains("pushguard: billing-api/production: not synced in this push: nothing to transmit would fix this (STRIPE_KEY is not set), so nothing was transmitted"), "\(decision.lines)")
        XCTAssertFalse(decision.auditRecords[0].reason.contains("sync failed"))
    }

    func testAutoSyncIsNotRunForAnUnreadableManifest() {
        var push = push(staged: false)
        push.settings.environments = [EnvironmentSettings(name: "production", autoSync: true)]
        push.manifests.byCommit[commitA] = .unreadable("line 1, column 1: expected a JSON value, found \"x\"")
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(push.store.transmits, [], "no delivery to the platform on every such push")
        XCTAssertTrue(decision.lines.contains { $0.contains("not synced in this push: nothing to transmit would fix this (app.json cannot be read)") }, "\(decision.lines)")
    }

    func testSyncRunsWhenStagedKeysAreAmongTheFindingsAndWhatRemainsIsReported() {
        let push = push(requiring: ["STRIPE_KEY"], options: PushOptions(sync: true))
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(push.store.transmits, ["production"])
        XCTAssertEqual(decision.outcomes[0].decision, .rejected, "STRIPE_KEY is still not set")
        XCTAssertEqual(decision.auditRecords[0].findings, [AuditRecord.KeyFinding(key: "STRIPE_KEY", status: "missing")],
                       "the record says what is out of sync after the sync")
        XCTAssertFalse(decision.lines.contains { $0.contains("or sync in this push") }, "it just ran")
    }

    // MARK: hints follow the settings

    func testNoSyncHintWhereNothingCanTransmit() {
        var push = push()
        push.canTransmit = false
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertFalse(lines.contains { $0.contains("pushguard.sync") }, "\(lines)")
        XCTAssertTrue(lines.contains("pushguard: transmit first:  pushguard config transmit --app billing-api --env production"))
        XCTAssertTrue(lines.contains("pushguard: or deploy anyway (recorded):  git push -o pushguard.ack=\"reason\" …"))
    }

    func testNoSyncHintRightAfterTheSyncFailed() {
        let push = push(options: PushOptions(sync: true))
        push.store.transmitOutcome = { _ in .failed(message: "pushguard.transmitCommand is not set, so this server cannot transmit during a push", output: []) }
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertTrue(lines.contains { $0.contains("sync in this push failed: pushguard.transmitCommand is not set") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("or sync in this push") }, "\(lines)")
    }

    func testWithoutPushOptionsOrTransmitTheEnablingHintOffersOnlyTheOverride() {
        var push = push()
        push.pushOptionsEnabled = false
        push.canTransmit = false
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertFalse(lines.contains { $0.contains("-o pushguard.sync") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("pushguard: -o pushguard.ack is off here:") }, "\(lines)")
    }

    func testOnAGuessedAppNameNoOptionIsOffered() {
        var push = push()
        push.settings.app = nil
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertEqual(push.decide([update("refs/heads/main")]).exitStatus, 1)
        XCTAssertFalse(lines.contains { $0.contains("git push -o") }, "the options would be ignored: \(lines)")
        XCTAssertTrue(lines.contains("pushguard: transmit first:  pushguard config transmit --app billing-api --env production"))
    }

    // MARK: an accepted push says what to do now

    func testAnAcceptedOverrideSaysToTransmitNow() {
        let push = push(options: PushOptions(override: Override(reason: "INC-7")))
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .overridden)
        XCTAssertTrue(decision.lines.contains("pushguard: transmit now:  pushguard config transmit --app billing-api --env production"), "\(decision.lines)")
        XCTAssertFalse(decision.lines.contains { $0.contains("transmit first") || $0.contains("or sync in this push") }, "\(decision.lines)")
    }

    func testAWarningSaysToTransmitNow() {
        var push = push()
        push.settings.mode = .warn
        let lines = push.decide([update("refs/heads/main")]).lines
        XCTAssertTrue(lines.contains("pushguard: transmit now:  pushguard config transmit --app billing-api --env production"), "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("or sync in this push") })
    }

    // MARK: the mode decides after a failed sync

    func testWarnModeAcceptsAFailedSyncWithTheWarningAndTheFailure() {
        var push = push(options: PushOptions(sync: true))
        push.settings.mode = .warn
        push.store.transmitOutcome = { _ in .failed(message: "the transmit command exited with status 3", output: ["boom"]) }
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.exitStatus, 0, "asking for a sync never makes warn mode stricter")
        XCTAssertEqual(decision.outcomes[0].decision, .warned)
        XCTAssertTrue(decision.lines.contains("pushguard: billing-api/production: sync in this push failed: the transmit command exited with status 3"))
        XCTAssertTrue(decision.lines.contains { $0.contains("accepted with warning: config not synchronized") }, "\(decision.lines)")
        XCTAssertEqual(decision.auditRecords[0].reason, "sync failed: the transmit command exited with status 3")
        XCTAssertEqual(decision.deploys.map(\.decision), [.warned])
    }

    func testRejectModeStillRefusesAFailedSync() {
        let push = push(options: PushOptions(sync: true))
        push.store.transmitOutcome = { _ in .failed(message: "exited with status 3", output: []) }
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
    }

    func testAnOverrideStandsWhenItsSyncFails() {
        let push = push(options: PushOptions(override: Override(reason: "hotfix"), sync: true))
        push.store.transmitOutcome = { _ in .failed(message: "exited with status 3", output: []) }
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .overridden)
        XCTAssertEqual(decision.auditRecords[0].reason, "hotfix; sync failed: exited with status 3")
    }
}
