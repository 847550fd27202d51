import XCTest
@testable import PushGuardCore

final class SettingsTests: XCTestCase {
    func testMainAndMasterMapToProductionByDefault() {
        let settings = Settings()
        XCTAssertEqual(settings.environment(for: "refs/heads/main")?.name, "production")
        XCTAssertEqual(settings.environment(for: "refs/heads/master")?.name, "production")
        XCTAssertNil(settings.environment(for: "refs/heads/feature"))
        XCTAssertNil(settings.environment(for: "refs/tags/v1"))
    }

    func testAProductionSectionWithoutRefsKeepsTheDefaultMappingAndItsSettings() {
        var settings = Settings()
        settings.environments = [EnvironmentSettings(name: "production", autoSync: true)]
        XCTAssertEqual(settings.environment(for: "refs/heads/main")?.autoSync, true)
    }

    func testOnceRefsAreConfiguredOnlyThoseMap() {
        var settings = Settings()
        settings.environments = [EnvironmentSettings(name: "production", refs: ["refs/heads/release/*"], mode: .reject),
                                 EnvironmentSettings(name: "staging", refs: ["refs/heads/staging"], mode: .warn)]
        XCTAssertNil(settings.environment(for: "refs/heads/main"))
        XCTAssertEqual(settings.environment(for: "refs/heads/release/2026-11")?.name, "production")
        XCTAssertNil(settings.environment(for: "refs/heads/release/a/b"))
        XCTAssertEqual(settings.mode(of: settings.environment(for: "refs/heads/staging")!), .warn)
    }

    func testGlobs() {
        XCTAssertTrue(RefPattern.matches("refs/heads/*", "refs/heads/main"))
        XCTAssertFalse(RefPattern.matches("refs/heads/*", "refs/heads/a/b"))
        XCTAssertTrue(RefPattern.matches("refs/heads/**", "refs/heads/a/b"))
        XCTAssertTrue(RefPattern.matches("refs/heads/v?", "refs/heads/v1"))
        XCTAssertTrue(RefPattern.matches("refs/heads/[ps]*", "refs/heads/prod"))
        XCTAssertFalse(RefPattern.matches("refs/heads/[!ps]*", "refs/heads/prod"))
        XCTAssertFalse(RefPattern.matches("refs/heads/[unclosed", "refs/heads/u"))
        XCTAssertTrue(RefPattern.matches("refs/heads/main", "refs/heads/main"))
        XCTAssertFalse(RefPattern.matches("refs/heads/main", "refs/heads/main2"))
    }

    func testDurations() {
        XCTAssertEqual(parseDuration("2s"), 2000)
        XCTAssertEqual(parseDuration("500ms"), 500)
        XCTAssertEqual(parseDuration("1m"), 60_000)
        XCTAssertEqual(parseDuration("3"), 3000)
        XCTAssertNil(parseDuration("fast"))
        XCTAssertNil(parseDuration("-1s"))
        XCTAssertNil(parseDuration("99999999999999999999s"))
    }

    func testStateDocumentRoundTrips() throws {
        let state = EnvironmentState(app: "billing-api", environment: "production", desiredVersion: 42,
                                     config: [ConfigEntry(key: "NEW_AUTH_TOKEN", version: 42, digest: "hmac-sha256:ab",
                                                          changedAt: "2026-11-26T09:12:00Z", changedBy: "alice")],
                                     instances: [Instance(id: "web.1", appliedVersion: 41, state: .draining)], appliedVersion: 41)
        XCTAssertEqual(try StateDocument.decode(Array(StateDocument.encode(state).utf8)), state)
    }

    func testMalformedStateDocumentsSayWhatIsWrong() {
        func problem(_ text: String) -> String? {
            do { _ = try StateDocument.decode(Array(text.utf8)); return nil } catch { return error.message }
        }
        XCTAssertEqual(problem("[]"), "not a JSON object")
        XCTAssertEqual(problem(#"{"version": 2}"#), "unsupported \"version\" (expected 1)")
        XCTAssertEqual(problem(#"{"version": 1, "app": "a", "environment": "e", "desiredVersion": -1, "appliedVersion": 0, "config": [], "instances": []}"#),
                       "\"desiredVersion\" is not a non-negative integer")
        XCTAssertEqual(problem(#"{"version": 1, "app": "a", "environment": "e", "desiredVersion": 1, "appliedVersion": 0, "config": [{"key": "K"}], "instances": []}"#),
                       "missing \"config[0].version\"")
        XCTAssertEqual(problem(#"{"version": 1, "app": "a", "environment": "e", "desiredVersion": 1, "appliedVersion": 0, "config": [], "instances": [{"id": "w", "appliedVersion": 1, "state": "gone"}]}"#),
                       "instances[0].state must be \"active\" or \"draining\"")
        XCTAssertNotNil(problem("{"))
    }
}

/// Typos get the name probably meant.
final class VocabularyTests: XCTestCase {
    func testNearNamesAreSuggestedAndFarOnesAreNot() {
        XCTAssertEqual(Vocabulary.nearest(to: "refs", among: Vocabulary.environmentSettings), "ref")
        XCTAssertEqual(Vocabulary.nearest(to: "mod", among: Vocabulary.environmentSettings), "mode")
        XCTAssertEqual(Vocabulary.nearest(to: "timout", among: Vocabulary.settings), "timeout")
        XCTAssertEqual(Vocabulary.nearest(to: "autosync", among: Vocabulary.environmentSettings), "autoSync")
        XCTAssertEqual(Vocabulary.nearest(to: "trasnmitCommand", among: Vocabulary.settings), "transmitCommand")
        XCTAssertEqual(Vocabulary.nearest(to: "pushguard.akc", among: Vocabulary.pushOptions), "pushguard.ack")
        XCTAssertNil(Vocabulary.nearest(to: "colour", among: Vocabulary.environmentSettings))
    }

    func testTransmitTimeoutAndManifestEnvironmentAreKnownSettings() {
        XCTAssertEqual(Vocabulary.nearest(to: "transmitTimout", among: Vocabulary.settings), "transmitTimeout")
        XCTAssertEqual(Vocabulary.nearest(to: "manifestEnvironmnet", among: Vocabulary.environmentSettings), "manifestEnvironment")
        XCTAssertEqual(Settings().transmitTimeoutMilliseconds, 60_000, "a real delivery is slower than a store read")
        XCTAssertEqual(Settings().timeoutMilliseconds, 2_000)
        XCTAssertEqual(EnvironmentSettings(name: "review").manifestSection, "review")
        XCTAssertEqual(EnvironmentSettings(name: "pr", manifestEnvironment: "review").manifestSection, "review")
    }
}

final class ScanSettingsTests: XCTestCase {
    func testScanDefaultsToOnAndAnEnvironmentsOwnValueWins() {
        var settings = Settings()
        XCTAssertEqual(settings.scan(of: EnvironmentSettings(name: "production")), .on)
        settings.scan = .warn
        XCTAssertEqual(settings.scan(of: EnvironmentSettings(name: "production")), .warn)
        XCTAssertEqual(settings.scan(of: EnvironmentSettings(name: "production", scan: .off)), .off)
    }

    func testModeOffMeansNoScan() {
        let settings = Settings()
        XCTAssertEqual(settings.scan(of: EnvironmentSettings(name: "production", mode: .off, scan: .on)), .off)
    }

    func testTheScanSettingsAreKnownNames() {
        XCTAssertTrue(Vocabulary.settings.contains("scan"))
        XCTAssertTrue(Vocabulary.settings.contains("scanIgnore"))
        XCTAssertTrue(Vocabulary.environmentSettings.contains("scan"))
        XCTAssertEqual(Vocabulary.nearest(to: "scanIgnor", among: Vocabulary.settings), "scanIgnore")
    }
}
