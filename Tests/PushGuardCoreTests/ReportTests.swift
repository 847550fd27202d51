import XCTest
@testable import PushGuardCore

final class ReportTests: XCTestCase {
    private let instances = [Instance(id: "web.1", appliedVersion: 41), Instance(id: "web.2", appliedVersion: 41),
                             Instance(id: "web.3", appliedVersion: 40)]

    private func incident(mode: Mode = .reject, override: Override? = nil) -> Evaluation {
        let state = EnvironmentState(app: "billing-api", environment: "production", desiredVersion: 42,
                                     config: [ConfigEntry(key: "NEW_AUTH_TOKEN", version: 42, digest: "d"),
                                              ConfigEntry(key: "LOG_LEVEL", version: 41, digest: "d")],
                                     instances: instances)
        return Evaluator.evaluate(state: state, manifest: .declared([Requirement(key: "NEW_AUTH_TOKEN")]),
                                  mode: mode, override: override)
    }

    func testRejectionNamesTargetKeysCountsAndFixes() {
        let lines = Report().lines(for: incident(), ref: "refs/heads/main")
        XCTAssertEqual(lines, [
            "pushguard: push to billing-api/production (refs/heads/main) rejected: config not synchronized",
            "pushguard:   NEW_AUTH_TOKEN  staged   applied on 0 of 3 instances  required by app.json",
            "pushguard:   LOG_LEVEL       partial  applied on 2 of 3 instances",
            "pushguard: transmit first:  pushguard config transmit --app billing-api --env production",
            "pushguard: or sync in this push:  git push -o pushguard.sync …",
            "pushguard: or deploy anyway (recorded):  git push -o pushguard.ack=\"reason\" …",
        ])
    }

    func testWarningCarriesTheSameBlockWithoutTheOverrideHint() {
        let lines = Report().lines(for: incident(mode: .warn), ref: "refs/heads/main")
        XCTAssertEqual(lines.first, "pushguard: push to billing-api/production (refs/heads/main) accepted with warning: config not synchronized")
        XCTAssertTrue(lines.contains("pushguard:   LOG_LEVEL       partial  applied on 2 of 3 instances"))
        XCTAssertFalse(lines.contains { $0.contains("pushguard.ack") })
    }

    func testOverrideShowsTheReason() {
        let lines = Report().lines(for: incident(override: Override(reason: "hotfix for INC-7")), ref: "refs/heads/main")
        XCTAssertEqual(lines[0], "pushguard: push to billing-api/production (refs/heads/main) accepted by override (recorded): config not synchronized")
        XCTAssertEqual(lines[1], "pushguard:   override reason: hotfix for INC-7")
    }

    func testGitLabPrefixesTheFirstLineOfARejection() {
        let lines = Report.gitlabRejection(Report().lines(for: incident(), ref: "refs/heads/main"))
        XCTAssertTrue(lines[0].hasPrefix("GL-HOOK-ERR: pushguard: push to billing-api/production"))
        XCTAssertFalse(lines[1].hasPrefix("GL-HOOK-ERR"))
    }

    func testWithoutPushOptionsTheHintSaysHowToEnableThem() {
        let lines = Report(pushOptionsEnabled: false).lines(for: incident(), ref: "refs/heads/main")
        XCTAssertFalse(lines.contains { $0.contains("git push -o") })
        XCTAssertTrue(lines.last!.contains("receive.advertisePushOptions true"), lines.last!)
    }

    func testSyncedPushSaysWhatWasTransmitted() {
        var evaluation = Evaluator.evaluate(state: EnvironmentState(app: "a", environment: "e", desiredVersion: 7),
                                            manifest: .absent, mode: .reject)
        evaluation.decision = .synced
        XCTAssertEqual(Report().lines(for: evaluation, ref: "refs/heads/main"),
                       ["pushguard: push to a/e (refs/heads/main) accepted after sync: config version 7 transmitted in this push"])
    }

    func testInSyncIsSilentUnlessVerbose() {
        let state = EnvironmentState(app: "a", environment: "staging", desiredVersion: 3)
        let evaluation = Evaluator.evaluate(state: state, manifest: .absent, mode: .reject)
        XCTAssertEqual(Report().lines(for: evaluation, ref: "refs/heads/staging"), [])
        XCTAssertEqual(Report(verbose: true).lines(for: evaluation, ref: "refs/heads/staging"),
                       ["pushguard: a/staging (refs/heads/staging): config in sync (version 3)"])
    }

    func testMissingKeyOffersTheSetCommandReadingStdin() {
        let state = EnvironmentState(app: "billing-api", environment: "production", instances: instances)
        let evaluation = Evaluator.evaluate(state: state, manifest: .declared([Requirement(key: "NEW_AUTH_TOKEN")]), mode: .reject)
        let lines = Report().lines(for: evaluation, ref: "refs/heads/main")
        XCTAssertEqual(lines[1], "pushguard:   NEW_AUTH_TOKEN  missing  not set  required by app.json")
        XCTAssertEqual(lines[2], "pushguard: set NEW_AUTH_TOKEN:  pushguard config set --app billing-api --env production NEW_AUTH_TOKEN=- --transmit")
    }

    func testLongListsAreCut() {
        let config = (0..<30).map { ConfigEntry(key: "KEY_\($0 < 10 ? "0" : "")\($0)", version: 42, digest: "d") }
        let state = EnvironmentState(app: "a", environment: "e", desiredVersion: 42, config: config, instances: instances)
        let lines = Report(maxKeys: 20).lines(for: Evaluator.evaluate(state: state, manifest: .absent, mode: .reject), ref: "refs/heads/main")
        XCTAssertEqual(lines.filter { $0.contains("staged") }.count, 20)
        XCTAssertTrue(lines.contains("pushguard:   … and 10 more"))
    }

    func testControlCharactersFromTheStoreAndRefAreEscaped() {
        let state = EnvironmentState(app: "a", environment: "e", desiredVersion: 42,
                                     config: [ConfigEntry(key: "EVIL\u{1b}[2J", version: 42, digest: "d")], instances: instances)
        let lines = Report().lines(for: Evaluator.evaluate(state: state, manifest: .absent, mode: .reject), ref: "refs/heads/ma\u{7}in")
        XCTAssertFalse(lines.joined().unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f })
        XCTAssertTrue(lines[0].contains("refs/heads/ma\\x07in"))
        XCTAssertTrue(lines[1].contains("EVIL\\x1b[2J"))
    }

    func testKeyColumnsAlignAcrossRows() {
        let keys = [KeyReport(key: "STRIPE_KEY", status: .missing, appliedOn: 0, instanceCount: 3, requiredByManifest: true),
                    KeyReport(key: "NEW_AUTH_TOKEN", status: .staged, appliedOn: 0, instanceCount: 3, requiredByManifest: true),
                    KeyReport(key: "OLD", status: .partial, appliedOn: 1, instanceCount: 3, unset: true, requiredByManifest: true),
                    KeyReport(key: "LOG_LEVEL", status: .partial, appliedOn: 2, instanceCount: 3)]
        let lines = Report().keyLines(keys)
        XCTAssertEqual(lines, [
            "pushguard:   STRIPE_KEY      missing  not set                           required by app.json",
            "pushguard:   NEW_AUTH_TOKEN  staged   applied on 0 of 3 instances       required by app.json",
            "pushguard:   OLD             partial  unset, still on 2 of 3 instances  required by app.json",
            "pushguard:   LOG_LEVEL       partial  applied on 2 of 3 instances",
        ])
        let column = Set(lines.dropLast().map { $0.range(of: "required by")!.lowerBound.utf16Offset(in: $0) })
        XCTAssertEqual(column.count, 1, "\(lines)")
    }

    func testUnsetTextSaysWhereTheOldValueRemains() {
        let report = KeyReport(key: "K", status: .partial, appliedOn: 1, instanceCount: 3, unset: true)
        XCTAssertEqual(Report.appliedText(report), "unset, still on 2 of 3 instances")
    }

    func testEscapingLeavesPlainTextAloneAndShowsBidiOverrides() {
        XCTAssertEqual(escapedForTerminal("plain ünïcode"), "plain ünïcode")
        XCTAssertEqual(escapedForTerminal("a\u{202E}b\nc"), "a\\u{202e}b\\nc")
        XCTAssertEqual(escapedForTerminal("\u{9b}"), "\\x9b")
    }

    func testShellQuotingOnlyWhenNeeded() {
        XCTAssertEqual(shellQuoted("billing-api"), "billing-api")
        XCTAssertEqual(shellQuoted("my app"), "'my app'")
        XCTAssertEqual(shellQuoted("it's"), "'it'\\''s'")
    }
}
