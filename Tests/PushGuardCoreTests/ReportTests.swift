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

    /// Characters that show as nothing, break a line or hide text are escaped, each on its own
    /// and inside text: categories Cf, Zl and Zp and the tag block, as `\u{…}`.
    func testEscapingShowsInvisibleAndFormatCharacters() {
        let invisible: [(Unicode.Scalar, String)] = [
            ("\u{200B}", "\\u{200b}"),   // zero width space
            ("\u{200C}", "\\u{200c}"), ("\u{200D}", "\\u{200d}"),  // zero width (non-)joiner
            ("\u{2028}", "\\u{2028}"),   // line separator (Zl)
            ("\u{2029}", "\\u{2029}"),   // paragraph separator (Zp)
            ("\u{E0000}", "\\u{e0000}"), ("\u{E0001}", "\\u{e0001}"),  // tag block: language tag
            ("\u{E0041}", "\\u{e0041}"), ("\u{E007F}", "\\u{e007f}"),  // tag A, cancel tag
            ("\u{FEFF}", "\\u{feff}"),   // byte order mark / zero width no-break space
            ("\u{2060}", "\\u{2060}"), ("\u{2061}", "\\u{2061}"), ("\u{2062}", "\\u{2062}"),
            ("\u{2063}", "\\u{2063}"), ("\u{2064}", "\\u{2064}"),  // word joiner, invisible operators
            ("\u{180E}", "\\u{180e}"),   // Mongolian vowel separator
            ("\u{00AD}", "\\xad"),       // soft hyphen
            ("\u{061C}", "\\u{61c}"), ("\u{200E}", "\\u{200e}"), ("\u{2066}", "\\u{2066}"),  // bidi marks, isolates
            ("\u{FFF9}", "\\u{fff9}"),   // interlinear annotation anchor
        ]
        for (scalar, shown) in invisible {
            let text = String(Character(scalar))
            XCTAssertEqual(escapedForTerminal(text), shown, "U+\(String(scalar.value, radix: 16))")
            XCTAssertEqual(escapedForTerminal("ab" + text + "cd"), "ab" + shown + "cd")
            XCTAssertEqual(escapedControls("ab" + text + "cd"), "ab" + shown + "cd")
        }
        // Visible text is left alone: letters, accents, emoji, CJK, a no-break space (Zs).
        for text in ["plain ünïcode", "naïve café", "日本語", "🙂", "a\u{00A0}b", "e\u{0301}"] {
            XCTAssertEqual(escapedForTerminal(text), text)
        }
    }

    /// A literal backslash is `\\`, so the text `E\x1b` and `E` followed by ESC differ.
    func testEscapingShowsALiteralBackslash() {
        XCTAssertEqual(escapedForTerminal("E\u{1b}"), "E\\x1b")
        XCTAssertEqual(escapedForTerminal("E\\x1b"), "E\\\\x1b")
        XCTAssertNotEqual(escapedForTerminal("E\u{1b}"), escapedForTerminal("E\\x1b"))
        XCTAssertEqual(escapedForTerminal("\\"), "\\\\")
        XCTAssertEqual(escapedForTerminal("C:\\dir\\file"), "C:\\\\dir\\\\file")
        XCTAssertEqual(escapedForTerminal("a\\u{202e}b"), "a\\\\u{202e}b")
        XCTAssertNotEqual(escapedForTerminal("a\u{202e}b"), escapedForTerminal("a\\u{202e}b"))
    }

    /// `escapedControls`, for text that may hold escapes already: the same characters, the
    /// backslash kept; applying it again changes nothing.
    func testEscapingControlsOnlyKeepsEscapesAndIsIdempotent() {
        XCTAssertEqual(escapedControls("E\u{1b}"), "E\\x1b")
        XCTAssertEqual(escapedControls("E\\x1b"), "E\\x1b")
        for text in ["a\u{1b}[2J\u{202e}\u{2028}\u{200b}\u{E0041}b\\c", "plain", "E\\x1b", escapedForTerminal("x\\\u{7}")] {
            let once = escapedControls(text)
            XCTAssertEqual(escapedControls(once), once)
            XCTAssertFalse(once.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.properties.generalCategory == .format })
        }
        XCTAssertEqual(escapedControls(escapedForTerminal("x\\\u{7}")), "x\\\\\\x07", "an escaped text is shown as escaped once")
    }

    func testShellQuotingOnlyWhenNeeded() {
        XCTAssertEqual(shellQuoted("billing-api"), "billing-api")
        XCTAssertEqual(shellQuoted("my app"), "'my app'")
        XCTAssertEqual(shellQuoted("it's"), "'it'\\''s'")
    }
}
