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

    func testReportsAreInTheSortsOrderWhateverOrderTheStoreGaveKeysIn() {
        // Keys in key order (as stores give them) and shuffled, with required and read keys
        // that are not stored: the order is always worst status first, then by key.
        var generator = SystemRandomNumberGenerator()
        for round in 0..<50 {
            var config = (0..<40).map { ConfigEntry(key: "K\(String(format: "%02d", $0))", version: Int64.random(in: 3...6, using: &generator),
                                                    digest: "d", deleted: $0 % 9 == 0) }
            if round % 2 == 1 { config.shuffle(using: &generator) }
            let manifest = Manifest.declared([Requirement(key: "K05"), Requirement(key: "ZZ_NEW"), Requirement(key: "AA_NEW")])
            let reads = [EnvironmentRead(name: "READ_ONLY", path: "a.go", line: 1), EnvironmentRead(name: "K07", path: "b.go", line: 2)]
            let reports = Evaluator.keyReports(state: state(config: config, instances: three), manifest: manifest, reads: reads)
            let sorted = reports.sorted { ($0.status, $0.key) < ($1.status, $1.key) }
            XCTAssertEqual(reports.map(\.key), sorted.map(\.key))
            XCTAssertEqual(Set(reports.map(\.status)).count > 1, true)
            XCTAssertTrue(["ZZ_NEW", "AA_NEW", "READ_ONLY", "K05", "K07"].allSatisfy { key in reports.contains { $0.key == key } })
        }
        let live = (0..<5).map { ConfigEntry(key: "L\($0)", version: 1, digest: "d") }
        XCTAssertEqual(Evaluator.keyReports(state: state(config: live, instances: three), manifest: .absent).map(\.key),
                       ["L0", "L1", "L2", "L3", "L4"])
    }

    func testLeavingOutLiveKeysNobodyNamesChangesNoDecisionFindingOrLine() {
        // What a store may leave out for a push (EnvironmentState.forDecision): keys applied
        // everywhere that the manifest does not require and the code does not newly read.
        var generator = SystemRandomNumberGenerator()
        let names = (0..<12).map { "KEY_\($0)" }
        for _ in 0..<400 {
            let config = names.filter { _ in Bool.random(using: &generator) }.map {
                ConfigEntry(key: $0, version: Int64.random(in: 1...6, using: &generator), digest: "d",
                            deleted: Int.random(in: 0..<5, using: &generator) == 0)
            }
            let instances = (0..<Int.random(in: 0...4, using: &generator)).map {
                Instance(id: "web.\($0)", appliedVersion: Int64.random(in: 0...6, using: &generator),
                         state: Int.random(in: 0..<4, using: &generator) == 0 ? .draining : .active)
            }
            let full = EnvironmentState(app: "api", environment: "production", desiredVersion: 6, config: config,
                                        instances: instances, appliedVersion: Int64.random(in: 0...6, using: &generator))
            let required = names.filter { _ in Int.random(in: 0..<4, using: &generator) == 0 }
            let manifest = Manifest.declared(required.map { Requirement(key: $0) })
            let reads = names.filter { _ in Int.random(in: 0..<5, using: &generator) == 0 }
                .map { EnvironmentRead(name: $0, path: "cmd/\($0).go", line: 3) }
            let trimmed = full.forDecision(named: Set(required).union(reads.map(\.name)))
            XCTAssertLessThanOrEqual(trimmed.config.count, full.config.count)
            for mode in [Mode.reject, .warn] {
                let whole = Evaluator.evaluate(state: full, manifest: manifest, mode: mode, reads: reads)
                let part = Evaluator.evaluate(state: trimmed, manifest: manifest, mode: mode, reads: reads)
                XCTAssertEqual(part.decision, whole.decision)
                XCTAssertEqual(part.inSync, whole.inSync)
                XCTAssertEqual(part.findings, whole.findings)
                XCTAssertEqual(Report().lines(for: part, ref: "refs/heads/main"), Report().lines(for: whole, ref: "refs/heads/main"))
                XCTAssertEqual(Report(verbose: true).lines(for: part, ref: "refs/heads/main"),
                               Report(verbose: true).lines(for: whole, ref: "refs/heads/main"))
            }
            // Everything left out was live; everything kept that is live was named.
            let live = Set(Evaluator.keyReports(state: full, manifest: .absent).filter { $0.status == .live }.map(\.key))
            for entry in full.config where !trimmed.config.contains(entry) {
                XCTAssertTrue(live.contains(entry.key) || entry.deleted, "\(entry) left out but not live")
            }
        }
    }

    func testEmptyEnvironmentWithoutManifestIsInSync() {
        let evaluation = Evaluator.evaluate(state: EnvironmentState(app: "a", environment: "e"), manifest: .absent, mode: .reject)
        XCTAssertTrue(evaluation.inSync)
        XCTAssertEqual(evaluation.decision, .accepted)
    }
}
