import XCTest
import PushGuardCore

/// How environment-variable reads a push adds decide it (`pushguard.scan`), over fakes.
final class ScanDecisionTests: XCTestCase {
    /// A read of a key the environments here do not have (`inSync` holds NEW_AUTH_TOKEN, live).
    private let authRead = EnvironmentRead(name: "API_TOKEN", path: "cmd/auth.go", line: 3)
    private let stagedRead = EnvironmentRead(name: "NEW_AUTH_TOKEN", path: "cmd/auth.go", line: 3)

    /// A push to production (main) whose commit A adds `reads`, the environment in sync otherwise.
    private func push(_ reads: [EnvironmentRead], scan: ScanMode? = nil, environmentScan: ScanMode? = nil,
                      mode: Mode? = nil) -> Push {
        var push = Push()
        if let scan { push.settings.scan = scan }
        push.settings.environments = [EnvironmentSettings(name: "production", refs: ["refs/heads/main"], mode: mode,
                                                          scan: environmentScan)]
        push.store.states["production"] = inSync("production")
        push.scans.byCommit[commitA] = AddedReads(reads: reads)
        return push
    }

    func testANewReadOfAKeyNotSetRejectsNamingWhereItIsRead() {
        let decision = push([authRead]).decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .rejected)
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertTrue(decision.lines.contains("pushguard:   API_TOKEN  missing  not set  read by cmd/auth.go:3 (new in this push)"), "\(decision.lines)")
        XCTAssertTrue(decision.lines.contains("pushguard: set API_TOKEN:  pushguard config set --app billing-api --env production API_TOKEN=- --transmit"), "\(decision.lines)")
        XCTAssertEqual(decision.auditRecords.first?.findings,
                       [AuditRecord.KeyFinding(key: "API_TOKEN", status: "missing", readBy: "cmd/auth.go:3")])
    }

    func testANewReadOfALiveKeyIsNoFinding() {
        let push = push([stagedRead])
        // inSync("production") holds NEW_AUTH_TOKEN live on 3 of 3.
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .accepted)
        XCTAssertEqual(decision.lines, [])
    }

    func testANewReadOfAStagedKeyIsStagedAndSaysWhere() {
        let push = push([stagedRead])
        push.store.states["production"] = environment("production", appliedOn: 0)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .rejected)
        XCTAssertTrue(decision.lines.contains("pushguard:   NEW_AUTH_TOKEN  staged   applied on 0 of 3 instances  read by cmd/auth.go:3 (new in this push)"), "\(decision.lines)")
        XCTAssertFalse(decision.lines.joined().contains("scanIgnore"), "a set key is no candidate for silencing: \(decision.lines)")
    }

    func testScanWarnAcceptsWithAWarningWhenNewReadsAreTheOnlyFindings() {
        let decision = push([authRead], scan: .warn).decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .warned)
        XCTAssertEqual(decision.exitStatus, 0)
        XCTAssertTrue(decision.lines.contains { $0.contains("accepted with warning: config not synchronized") }, "\(decision.lines)")
        XCTAssertTrue(decision.lines.contains { $0.contains("pushguard.scan = warn") }, "\(decision.lines)")
        XCTAssertEqual(decision.auditRecords.first?.findings.first?.readBy, "cmd/auth.go:3")
    }

    func testScanWarnStillRejectsForAppJSONFindings() {
        let push = push([authRead], scan: .warn)
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"PAYMENT_KEY": {}}}"#)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .rejected)
        XCTAssertEqual(decision.outcomes[0].findings.map(\.key), ["API_TOKEN", "PAYMENT_KEY"])
    }

    func testScanWarnStillRejectsForAStagedStoredKeyTheCodeReads() {
        let push = push([stagedRead], scan: .warn)
        push.store.states["production"] = environment("production", appliedOn: 1)
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
    }

    func testAPerEnvironmentScanOverridesTheDefault() {
        XCTAssertEqual(push([authRead], scan: .off, environmentScan: .on).decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
        XCTAssertEqual(push([authRead], scan: .on, environmentScan: .warn).decide([update("refs/heads/main")]).outcomes[0].decision, .warned)
    }

    func testScanOffAsksNothingAndFindsNothing() {
        let push = push([authRead], scan: .off)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .accepted)
        XCTAssertEqual(push.scans.asked, [], "no scan where it is off")
    }

    func testModeOffAlsoMeansNoScan() {
        let push = push([authRead], mode: .off)
        XCTAssertEqual(push.decide([update("refs/heads/main")]).outcomes[0].decision, .accepted)
        XCTAssertEqual(push.scans.asked, [])
    }

    func testModeWarnWarnsForNewReads() {
        XCTAssertEqual(push([authRead], mode: .warn).decide([update("refs/heads/main")]).outcomes[0].decision, .warned)
    }

    func testAKeyBothRequiredAndReadKeepsBothFacts() {
        let push = push([authRead])
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"API_TOKEN": {}}}"#)
        let decision = push.decide([update("refs/heads/main")])
        let finding = decision.outcomes[0].findings.first
        XCTAssertEqual(finding?.requiredByManifest, true)
        XCTAssertEqual(finding?.readBy, authRead)
        XCTAssertTrue(decision.lines.contains("pushguard:   API_TOKEN  missing  not set  required by app.json, read by cmd/auth.go:3 (new in this push)"), "\(decision.lines)")
        XCTAssertFalse(decision.lines.joined().contains("scanIgnore"), "app.json requires it: silencing the read would not help")
    }

    func testAnOverrideDeploysAndRecordsTheReadSite() {
        var push = push([authRead])
        push.options = PushOptions.parse(["pushguard.ack=INC-9"])
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .overridden)
        XCTAssertEqual(decision.deploys.first?.findings.first?.readBy, "cmd/auth.go:3")
        XCTAssertTrue(decision.deploys.first?.noteText.contains("out of sync: API_TOKEN missing (read by cmd/auth.go:3)") ?? false)
    }

    func testASyncTransmitsWhenTheReadKeyIsStagedButNotWhenItIsNotSet() {
        var staged = push([stagedRead])
        staged.options = PushOptions.parse(["pushguard.sync"])
        staged.store.states["production"] = environment("production", appliedOn: 0)
        let synced = staged.decide([update("refs/heads/main")])
        XCTAssertEqual(synced.outcomes[0].decision, .synced)
        XCTAssertEqual(synced.outcomes[0].findings.first?.readBy, stagedRead)

        var missing = push([authRead])
        missing.options = PushOptions.parse(["pushguard.sync"])
        let refused = missing.decide([update("refs/heads/main")])
        XCTAssertEqual(refused.outcomes[0].decision, .rejected)
        XCTAssertEqual(missing.store.transmits, [], "a delivery cannot set a key")
        XCTAssertTrue(refused.lines.contains { $0.contains("nothing to transmit would fix this (API_TOKEN is not set)") }, "\(refused.lines)")
    }

    func testReadSitesFromPushedContentAreEscaped() {
        let decision = push([EnvironmentRead(name: "K\u{1b}[2J", path: "cmd/\u{202e}x.go", line: 1)]).decide([update("refs/heads/main")])
        let text = decision.lines.joined(separator: "\n")
        XCTAssertFalse(text.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\u{202e}" }, text)
        XCTAssertTrue(text.contains("read by cmd/\\u{202e}x.go:1"), text)
        XCTAssertEqual(decision.auditRecords.first?.escaped.findings.first?.readBy, "cmd/\\u{202e}x.go:1")
    }

    func testScanNotesAreSaidOncePerPush() {
        let push = push([])
        push.scans.byCommit[commitA] = AddedReads(notes: ["3 changed file(s) not scanned"])
        let decision = push.decide([update("refs/heads/main"), update("refs/heads/main2")])
        XCTAssertEqual(decision.lines.filter { $0.contains("not scanned") }, ["pushguard: warning: 3 changed file(s) not scanned"])
    }

    func testManyRefsAtOneCommitAreEvaluatedAsOne() {
        var push = push([authRead])
        push.settings.environments[0].refs = ["refs/heads/release/*"]
        let updates = (0..<50).map { update("refs/heads/release/\($0)") }
        let decision = push.decide(updates)
        XCTAssertEqual(Set(decision.outcomes.map(\.decision)), [.rejected])
        // The finding is said once, for the first ref; one line says the rest share it.
        XCTAssertEqual(decision.lines.filter { $0.contains("read by cmd/auth.go:3") }.count, 1)
        XCTAssertEqual(decision.lines.filter { $0.contains("rejected: the same 1 key, for 50 refs") }.count, 1, "\(decision.lines)")
    }

    // MARK: insisting and tolerant reads, what the application knows already

    private let tolerantRead = EnvironmentRead(name: "API_TOKEN", path: "cmd/auth.go", line: 3, insists: false)

    func testATolerantNewReadWarnsAndStrictMakesItRefuse() {
        let warned = push([tolerantRead]).decide([update("refs/heads/main")])
        XCTAssertEqual(warned.outcomes[0].decision, .warned)
        XCTAssertEqual(warned.exitStatus, 0)
        XCTAssertTrue(warned.lines.contains("pushguard:   API_TOKEN  missing  not set  read by cmd/auth.go:3 (new in this push), tolerates absence"), "\(warned.lines)")
        XCTAssertTrue(warned.lines.contains("pushguard:   (reads new in this push that tolerate an absent variable warn; pushguard.scan = strict makes them refuse)"), "\(warned.lines)")
        XCTAssertEqual(warned.auditRecords.first?.findings.first?.readBy, "cmd/auth.go:3")

        XCTAssertEqual(push([tolerantRead], scan: .strict).decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
        XCTAssertEqual(push([tolerantRead], environmentScan: .strict).decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
        // One insisting read among tolerant ones refuses.
        XCTAssertEqual(push([tolerantRead, EnvironmentRead(name: "DB_URL", path: "a.py", line: 1, insists: true)])
                        .decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
        // warn makes an insisting read warn.
        XCTAssertEqual(push([authRead], environmentScan: .warn).decide([update("refs/heads/main")]).outcomes[0].decision, .warned)
    }

    func testAReadTheApplicationAlreadyMakesIsNotNewAndIsLookedUpOnlyForUnsetKeys() {
        // API_TOKEN is read insistingly elsewhere in the application: no finding.
        let known = push([authRead])
        known.scans.knownByCommit[commitA] = [EnvironmentRead(name: "API_TOKEN", path: "cmd/server.go", line: 9, insists: true)]
        let accepted = known.decide([update("refs/heads/main")])
        XCTAssertEqual(accepted.outcomes[0].decision, .accepted)
        XCTAssertEqual(known.scans.knownAsked, [["API_TOKEN"]])
        // Read only tolerantly elsewhere: the insisting read is new, and refuses.
        let tolerantBefore = push([authRead])
        tolerantBefore.scans.knownByCommit[commitA] = [EnvironmentRead(name: "API_TOKEN", path: "cmd/server.go", line: 9, insists: false)]
        XCTAssertEqual(tolerantBefore.decide([update("refs/heads/main")]).outcomes[0].decision, .rejected)
        // A read of a key the environment has is never looked up.
        let live = push([stagedRead])
        _ = live.decide([update("refs/heads/main")])
        XCTAssertEqual(live.scans.knownAsked, [])
    }

    func testAVariableAppJSONDeclaresOptionalIsNoRequirement() {
        let push = push([authRead])
        push.manifests.byCommit[commitA] = appJSON(#"{"env": {"API_TOKEN": {"required": false}}}"#)
        let decision = push.decide([update("refs/heads/main")])
        XCTAssertEqual(decision.outcomes[0].decision, .accepted)
        XCTAssertEqual(decision.lines, [])
    }
}
