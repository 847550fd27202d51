@testable import PushGuardCore
import XCTest

/// The word-at-a-time searches the scanner's fast paths use must find exactly what a plain loop
/// finds, at every offset and length (word boundaries, the tail, the first bytes).
final class ByteScanTests: XCTestCase {
    private func plainMentionsEnv(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 3 else { return false }
        return (0...(bytes.count - 3)).contains {
            bytes[$0] | 0x20 == UInt8(ascii: "e") && bytes[$0 + 1] | 0x20 == UInt8(ascii: "n") && bytes[$0 + 2] | 0x20 == UInt8(ascii: "v")
        }
    }

    func testMentionsEnvAtEveryOffsetAndCase() {
        for length in 0...40 {
            for offset in 0...max(0, length - 3) where length >= 3 {
                for word in ["env", "ENV", "Env", "eNv"] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                    bytes.replaceSubrange(offset..<offset + 3, with: Array(word.utf8))
                    XCTAssertTrue(bytes.withUnsafeBufferPointer(ByteScan.mentionsEnv), "\(word) at \(offset) of \(length)")
                }
            }
            let none = [UInt8](repeating: UInt8(ascii: "v"), count: length)
            XCTAssertFalse(none.withUnsafeBufferPointer(ByteScan.mentionsEnv))
        }
    }

    func testMentionsEnvAgreesWithAPlainSearchOnNearMisses() {
        // Deterministic pseudo-random bytes over a small alphabet full of near misses.
        let alphabet = Array("enNvVE \u{00}\u{65}\u{45}\u{C5}\u{E5}".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<3000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 58)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            XCTAssertEqual(bytes.withUnsafeBufferPointer(ByteScan.mentionsEnv), plainMentionsEnv(bytes), "\(bytes)")
        }
    }

    func testFirstIndexOfEitherByteAcrossWordBoundaries() {
        for length in 0...33 {
            for position in 0..<max(1, length) where length > 0 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                bytes[position] = 0x0D
                for start in 0...length {
                    let found = bytes.withUnsafeBufferPointer { ByteScan.firstIndex(of: 0x0A, or: 0x0D, in: $0, from: start) }
                    XCTAssertEqual(found, start <= position ? position : length, "CR at \(position) of \(length) from \(start)")
                }
            }
        }
    }

    func testOccursFindsANameAtEveryOffsetOnly() {
        let name = "NEW_AUTH_TOKEN"
        for length in name.utf8.count...40 {
            for offset in 0...(length - name.utf8.count) {
                var bytes = [UInt8](repeating: UInt8(ascii: "N"), count: length)
                bytes.replaceSubrange(offset..<offset + name.utf8.count, with: Array(name.utf8))
                XCTAssertTrue(bytes.withUnsafeBufferPointer { ByteScan.occurs(Substring(name).utf8, in: $0) }, "at \(offset) of \(length)")
                bytes[offset + name.utf8.count - 1] = UInt8(ascii: "X")
                XCTAssertFalse(bytes.withUnsafeBufferPointer { ByteScan.occurs(Substring(name).utf8, in: $0) }, "cut at \(offset) of \(length)")
            }
        }
    }

    /// A file that cannot read a name is one the scan may skip: the answer must never be "no"
    /// for a file that does read it.
    func testMayReadIsNeverFalseForAFileThatReadsTheName() {
        let source = Array("package main\nimport \"os\"\nvar t = os.Getenv(\"NEW_AUTH_TOKEN\")\n".utf8)
        source.withUnsafeBufferPointer { bytes in
            XCTAssertEqual(EnvironmentReadScanner.reads(in: bytes, path: "cmd/auth.go", ignore: .none).map(\.name), ["NEW_AUTH_TOKEN"])
            XCTAssertTrue(EnvironmentReadScanner.mayRead(anyOf: ["NEW_AUTH_TOKEN", "OTHER"], in: bytes))
            XCTAssertFalse(EnvironmentReadScanner.mayRead(anyOf: ["OTHER", "NEW_AUTH"+"_SECRET"], in: bytes))
            XCTAssertFalse(EnvironmentReadScanner.mayRead(anyOf: [], in: bytes))
            let many = Set((0..<40).map { "NAME_\($0)" })
            XCTAssertTrue(EnvironmentReadScanner.mayRead(anyOf: many, in: bytes), "with many names the file is lexed")
        }
    }
}
