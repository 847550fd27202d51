import Foundation
import XCTest
@testable import PushGuardCore

/// Replays every saved hostile input (and the fuzzers' seed corpora) through the three
/// parsers, the way the fuzz targets in Fuzz/ drive them: no trap, no raw control character
/// in what a pusher would read, state documents that parse also round-trip.
final class FuzzRegressionTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private func inputs() throws -> [(String, [UInt8])] {
        var found: [(String, [UInt8])] = []
        for folder in ["Tests/Fixtures/fuzz-regressions", "Fuzz/corpus/hook-input", "Fuzz/corpus/manifest", "Fuzz/corpus/state-document"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name != "README.md" {
                found.append((folder + "/" + name, Array(try Data(contentsOf: directory.appendingPathComponent(name)))))
            }
        }
        return found
    }

    func testSavedInputsPassEveryParserCleanly() throws {
        let all = try inputs()
        XCTAssertGreaterThanOrEqual(all.count, 8)
        for (name, bytes) in all {
            if let updates = try? HookInput.parse(bytes) {
                for update in updates { XCTAssertFalse(escapedForTerminal(update.ref).unicodeScalars.contains { $0.value < 0x20 }, name) }
            }
            let manifest = Manifest.parse(bytes)
            let state = EnvironmentState(app: "app", environment: "production", desiredVersion: 2,
                                         config: [ConfigEntry(key: "A", version: 2, digest: "d")],
                                         instances: [Instance(id: "w1", appliedVersion: 1)])
            for line in Report().lines(for: Evaluator.evaluate(state: state, manifest: manifest, mode: .reject), ref: "refs/heads/main") {
                XCTAssertFalse(line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(name): \(line)")
            }
            if let decoded = try? StateDocument.decode(bytes) {
                XCTAssertEqual(try StateDocument.decode(Array(StateDocument.encode(decoded).utf8)), decoded, name)
            }
        }
    }

    func testHostileStateDocumentsAreRejectedWithAReason() throws {
        for name in ["state-huge-version.json", "state-negative-zero.json"] {
            let bytes = Array(try Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/fuzz-regressions/" + name)))
            XCTAssertThrowsError(try StateDocument.decode(bytes), name)
        }
    }
}
