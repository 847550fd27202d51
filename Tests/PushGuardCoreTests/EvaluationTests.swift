import XCTest
@testable import PushGuardCore

final class EvaluationTests: XCTestCase {
    private func state(config: [ConfigEntry], instances: [Instance] = [], applied: Int64 = 0) -> EnvironmentState {
        EnvironmentState(app: "billing-api", environment: "production",
                         desiredVersion: config.map(\.version).max() ?? 0,
                         config: config, instances: instances, appliedVersion: applied)
    }

    private func status(_ evaluation: Evaluation, _ key: String) -> KeyStatus? {
        evaluation.keys.first { $0.key == key }?.status
    }

    private let three = [Instance(id: "web.1", appliedVersion: 5), Instance(id: "web.2", appliedVersion: 5),
                         Instance(id: "web.3", appliedVersion: 4)]

    func testKeyAppliedOnEveryActiveInstanceIsLiveAndTheEnvironmentInSync() {
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "A", version: 4, digest: "d")], instances: three),
                                            manifest: .absent, mode: .reject)
        XCTAssertEqual(status(evaluation, "A"), .live)
        XCTAssertTrue(evaluation.inSync)
        XCTAssertEqual(evaluation.decision, .accepted)
    }

    func testKeyAppliedOnSomeInstancesIsPartialWithCounts() {
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "LOG_LEVEL", version: 5, digest: "d")], instances: three),
                                            manifest: .absent, mode: .reject)
        let report = evaluation.keys[0]
        XCTAssertEqual(report.status, .partial)
        XCTAssertEqual(report.appliedOn, 2)
        XCTAssertEqual(report.instanceCount, 3)
        XCTAssertEqual(evaluation.decision, .rejected)
    }

    func testKeyAppliedNowhereIsStaged() {
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "NEW_AUTH_TOKEN", version: 6, digest: "d")], instances: three),
                                            manifest: .absent, mode: .reject)
        XCTAssertEqual(status(evaluation, "NEW_AUTH_TOKEN"), .staged)
        XCTAssertEqual(evaluation.keys[0].appliedOn, 0)
    }

    func testRequiredKeyNotSetIsMissing() {
        let manifest = Manifest.declared([Requirement(key: "NEW_AUTH_TOKEN")])
        let evaluation = Evaluator.evaluate(state: state(config: [], instances: three), manifest: manifest, mode: .reject)
        XCTAssertEqual(status(evaluation, "NEW_AUTH_TOKEN"), .missing)
        XCTAssertTrue(evaluation.keys[0].requiredByManifest)
        XCTAssertEqual(evaluation.decision, .rejected)
    }

    func testOptionalManifestKeyNotSetIsNoFinding() {
        let manifest = Manifest.declared([Requirement(key: "SENTRY_DSN", required: false)])
        let evaluation = Evaluator.evaluate(state: state(config: [], instances: three), manifest: manifest, mode: .reject)
        XCTAssertTrue(evaluation.inSync)
        XCTAssertEqual(evaluation.decision, .accepted)
    }

    func testRequiredKeyThatIsSetAndLiveIsMarkedRequiredButNotAFinding() {
        let manifest = Manifest.declared([Requirement(key: "A")])
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "A", version: 4, digest: "d")], instances: three),
                                            manifest: manifest, mode: .reject)
        XCTAssertTrue(evaluation.keys[0].requiredByManifest)
        XCTAssertTrue(evaluation.inSync)
    }

    func testDrainingInstancesAreIgnored() {
        var instances = three
        instances[2].state = .draining
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "A", version: 5, digest: "d")], instances: instances),
                                            manifest: .absent, mode: .reject)
        XCTAssertEqual(status(evaluation, "A"), .live)
        XCTAssertEqual(evaluation.keys[0].instanceCount, 2)
    }

    func testWithoutInstancesTheEnvironmentLevelAppliedVersionDecides() {
        let config = [ConfigEntry(key: "OLD", version: 3, digest: "d"), ConfigEntry(key: "NEW", version: 4, digest: "d")]
        let evaluation = Evaluator.evaluate(state: state(config: config, applied: 3), manifest: .absent, mode: .reject)
        XCTAssertEqual(status(evaluation, "OLD"), .live)
        XCTAssertEqual(status(evaluation, "NEW"), .staged)
        XCTAssertEqual(evaluation.keys.first { $0.key == "NEW" }?.instanceCount, 0)
    }

    func testUnsetKeyStillCarriedByInstancesIsAStagedChange() {
        let config = [ConfigEntry(key: "LEGACY_URL", version: 6, digest: "", deleted: true)]
        let evaluation = Evaluator.evaluate(state: state(config: config, instances: three), manifest: .absent, mode: .reject)
        XCTAssertEqual(status(evaluation, "LEGACY_URL"), .staged)
        XCTAssertTrue(evaluation.keys[0].unset)
        XCTAssertEqual(evaluation.decision, .rejected)
    }

    func testUnsetKeyPartlyTransmittedIsPartial() {
        let config = [ConfigEntry(key: "LEGACY_URL", version: 5, digest: "", deleted: true)]
        let evaluation = Evaluator.evaluate(state: state(config: config, instances: three), manifest: .absent, mode: .reject)
        XCTAssertEqual(status(evaluation, "LEGACY_URL"), .partial)
    }

    func testUnsetKeyTransmittedEverywhereIsGone() {
        let config = [ConfigEntry(key: "LEGACY_URL", version: 4, digest: "", deleted: true)]
        let evaluation = Evaluator.evaluate(state: state(config: config, instances: three), manifest: .absent, mode: .reject)
        XCTAssertTrue(evaluation.keys.isEmpty)
        XCTAssertTrue(evaluation.inSync)
    }

    func testUnsetKeyTheCodeRequiresIsMissing() {
        let config = [ConfigEntry(key: "TOKEN", version: 4, digest: "", deleted: true)]
        let evaluation = Evaluator.evaluate(state: state(config: config, instances: three),
                                            manifest: .declared([Requirement(key: "TOKEN")]), mode: .reject)
        XCTAssertEqual(status(evaluation, "TOKEN"), .missing)
    }

    func testWarnModeAcceptsWithWarning() {
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "A", version: 6, digest: "d")], instances: three),
                                            manifest: .absent, mode: .warn)
        XCTAssertEqual(evaluation.decision, .warned)
        XCTAssertTrue(evaluation.decision.allowsPush)
    }

    func testOffModeChecksNothing() {
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "A", version: 6, digest: "d")], instances: three),
                                            manifest: .declared([Requirement(key: "B")]), mode: .off)
        XCTAssertEqual(evaluation.decision, .accepted)
        XCTAssertTrue(evaluation.keys.isEmpty)
    }

    func testOverrideAcceptsAnUnsynchronizedPushAndKeepsTheReason() {
        let evaluation = Evaluator.evaluate(state: state(config: [ConfigEntry(key: "A", version: 6, digest: "d")], instances: three),
                                            manifest: .absent, mode: .reject, override: Override(reason: "hotfix"))
        XCTAssertEqual(evaluation.decision, .overridden)
        XCTAssertEqual(evaluation.overrideReason, "hotfix")
    }

    func testOverrideOnAnInSyncPushIsAPlainAcceptance() {
        let evaluation = Evaluator.evaluate(state: state(config: []), manifest: .absent, mode: .reject, override: Override())
        XCTAssertEqual(evaluation.decision, .accepted)
    }

    func testUnreadableManifestIsAFindingThatRejects() {
        let evaluation = Evaluator.evaluate(state: state(config: []), manifest: .unreadable("app.json: bad"), mode: .reject)
        XCTAssertFalse(evaluation.inSync)
        XCTAssertEqual(evaluation.decision, .rejected)
        XCTAssertEqual(evaluation.manifestProblem, "app.json: bad")
    }

    func testFindingsAreListedWorstFirstThenByName() {
        let config = [ConfigEntry(key: "B_PARTIAL", version: 5, digest: "d"), ConfigEntry(key: "A_PARTIAL", version: 5, digest: "d"),
                      ConfigEntry(key: "Z_STAGED", version: 6, digest: "d")]
        let evaluation = Evaluator.evaluate(state: state(config: config, instances: three),
                                            manifest: .declared([Requirement(key: "M_MISSING")]), mode: .reject)
        XCTAssertEqual(evaluation.findings.map(\.key), ["M_MISSING", "Z_STAGED", "A_PARTIAL", "B_PARTIAL"])
    }

    func testEmptyEnvironmentWithoutManifestIsInSync() {
        let evaluation = Evaluator.evaluate(state: EnvironmentState(app: "a", environment: "e"), manifest: .absent, mode: .reject)
        XCTAssertTrue(evaluation.inSync)
        XCTAssertEqual(evaluation.decision, .accepted)
    }
}
