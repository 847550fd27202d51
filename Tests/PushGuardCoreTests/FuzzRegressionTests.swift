import Foundation
import XCTest
@testable import PushGuardCore

/// Replays every saved hostile input (and the fuzzers' seed corpora) through the three
/// parsers and the environment-read scanner, the way the fuzz targets in Fuzz/ drive them: no
/// trap, no raw control character in what a pusher would read, state documents that parse also
/// round-trip, reads that name a plain variable at a line the file has.
final class FuzzRegressionTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private func inputs() throws -> [(String, [UInt8])] {
        var found: [(String, [UInt8])] = []
        for folder in ["Tests/Fixtures/fuzz-regressions", "Fuzz/corpus/hook-input", "Fuzz/corpus/manifest", "Fuzz/corpus/state-document",
                       "Fuzz/corpus/env-reads"] {
            let directory = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name != "README.md" {
                found.append((folder + "/" + name, Array(try Data(contentsOf: directory.appendingPathComponent(name)))))
            }
        }
        return found
    }

    func testSavedInputsPassEveryParserCleanly() throws {
        let all = try inputs()
        XCTAssertGreaterThanOrEqual(all.count, 17)
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
            let lines = 1 + bytes.indices.filter { bytes[$0] == 10 || (bytes[$0] == 13 && ($0 + 1 == bytes.count || bytes[$0 + 1] != 10)) }.count
            for path in ["a.go", "a.py", "a.rb", "a.ts", "a.rs", "A.java", "A.kt", "a.php", "a.exs"] {
                for read in EnvironmentReadScanner.reads(in: bytes, path: path, ignore: .none) {
                    XCTAssertTrue(read.name.utf8.allSatisfy { $0 == 95 || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) }, "\(name): \(read.name)")
                    XCTAssertTrue((1...lines).contains(read.line), "\(name): \(path):\(read.line)")
                }
            }
            let patterns = bytes.split(separator: 10).first.map { $0.split(separator: 32).map { String(decoding: $0, as: UTF8.self) } } ?? []
            _ = ScanIgnore(patterns: patterns).ignores(path: String(decoding: bytes.prefix(4096), as: UTF8.self))
        }
    }

    func testHostileStateDocumentsAreRejectedWithAReason() throws {
        for name in ["state-huge-version.json", "state-negative-zero.json"] {
            let bytes = Array(try Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/fuzz-regressions/" + name)))
            XCTAssertThrowsError(try StateDocument.decode(bytes), name)
        }
    }
}
