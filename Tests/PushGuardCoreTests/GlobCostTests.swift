import XCTest
@testable import PushGuardCore

/// `pushguard.scanIgnore` globs and ref patterns: what they match (the README's rules, checked
/// against a plain recursive matcher) and what matching costs (counted in steps, not timed).
final class GlobCostTests: XCTestCase {
    private let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), question = UInt8(ascii: "?")

    /// The scanIgnore rules, written as directly as possible (exponential: small inputs only).
    /// `doubleSlashMayBeEmpty`: `**/` also matches no directory (scanIgnore; ref patterns: no).
    private func reference(_ p: [UInt8], _ i: Int, _ t: [UInt8], _ j: Int, doubleSlashMayBeEmpty: Bool) -> Bool {
        if i == p.count { return j == t.count }
        if p[i] == star {
            if i + 1 < p.count && p[i + 1] == star {
                if doubleSlashMayBeEmpty && i + 2 < p.count && p[i + 2] == slash
                    && reference(p, i + 3, t, j, doubleSlashMayBeEmpty: doubleSlashMayBeEmpty) { return true }
                return (j...t.count).contains { reference(p, i + 2, t, $0, doubleSlashMayBeEmpty: doubleSlashMayBeEmpty) }
            }
            var k = j
            while true {
                if reference(p, i + 1, t, k, doubleSlashMayBeEmpty: doubleSlashMayBeEmpty) { return true }
                if k == t.count || t[k] == slash { return false }
                k += 1
            }
        }
        if j == t.count { return false }
        if p[i] == question { return t[j] != slash && reference(p, i + 1, t, j + 1, doubleSlashMayBeEmpty: doubleSlashMayBeEmpty) }
        return p[i] == t[j] && reference(p, i + 1, t, j + 1, doubleSlashMayBeEmpty: doubleSlashMayBeEmpty)
    }

    /// Every pattern of up to 4 of `a b / * ?` against every path of up to 4 of `a b /`, then
    /// longer ones from a fixed pseudo-random sequence.
    func testGlobsMatchWhatTheRulesSayOnEveryShortPatternAndPath() {
        let patternBytes = Array("ab/*?".utf8), textBytes = Array("ab/".utf8)
        func all(_ alphabet: [UInt8], upTo length: Int) -> [[UInt8]] {
            var words: [[UInt8]] = [[]], last: [[UInt8]] = [[]]
            for _ in 0..<length {
                last = last.flatMap { word in alphabet.map { word + [$0] } }
                words += last
            }
            return words
        }
        var cases: [([UInt8], [[UInt8]])] = []
        let texts = all(textBytes, upTo: 4)
        for pattern in all(patternBytes, upTo: 4) where !pattern.isEmpty { cases.append((pattern, texts)) }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<3000 {
            cases.append(((0...next(8)).map { _ in patternBytes[next(5)] }, [(0..<next(10)).map { _ in textBytes[next(3)] }]))
        }
        // Patterns longer than one word of positions (64): the same after 64 literal bytes.
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 64)
        for _ in 0..<1000 {
            cases.append((long + (0...next(8)).map { _ in patternBytes[next(5)] }, [long + (0..<next(10)).map { _ in textBytes[next(3)] }]))
        }
        for (original, texts) in cases {
            let patternText = String(decoding: original, as: UTF8.self)
            let refPattern = original.contains(star) || original.contains(question) ? RefPattern.automaton(original) : nil
            // scanIgnore: a path glob drops its leading `/`s and reads a trailing `/` as `/**`.
            let glob = Glob(patternText)
            var pattern = original
            if glob?.isPath == true {
                while pattern.first == slash { pattern.removeFirst() }
                if pattern.last == slash { pattern += [star, star] }
            }
            for text in texts {
                // Ref patterns: `**` is any run, and `**/` needs its `/`.
                XCTAssertEqual(refPattern?.matches(text) ?? (original == text), reference(original, 0, text, 0, doubleSlashMayBeEmpty: false),
                               "ref pattern \(patternText) against \(String(decoding: text, as: UTF8.self))")
                guard let glob else { continue }
                XCTAssertEqual(glob.matches(text[...]), reference(pattern, 0, text, 0, doubleSlashMayBeEmpty: true),
                               "scanIgnore \(patternText) against \(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    func testRefPatternClassesStillMatchAsGitReadsThem() {
        XCTAssertTrue(RefPattern.matches("refs/heads/release-[0-9]*", "refs/heads/release-3.1"))
        XCTAssertFalse(RefPattern.matches("refs/heads/release-[0-9]*", "refs/heads/release-x"))
        XCTAssertTrue(RefPattern.matches("refs/heads/[!x]y", "refs/heads/zy"))
        XCTAssertFalse(RefPattern.matches("refs/heads/[!x]y", "refs/heads/xy"))
        XCTAssertFalse(RefPattern.matches("refs/heads[!x]y", "refs/heads/y"), "a class never matches /")
        XCTAssertTrue(RefPattern.matches("refs/heads/[]a]", "refs/heads/]"))
        XCTAssertTrue(RefPattern.matches("refs/heads/[ab", "refs/heads/[ab"), "an unclosed [ is itself")
        XCTAssertTrue(RefPattern.matches("refs/heads/main", "refs/heads/main"))
        XCTAssertFalse(RefPattern.matches("refs/heads/main", "refs/heads/main2"))
    }

    /// Patterns whose stars a backtracking matcher retries at every position (and a position-
    /// by-position simulation pays for on every byte), against paths of thousands of bytes:
    /// the cost is a few word operations per byte of the path, whatever the pattern.
    func testMatchingCostsAFewStepsPerByteOfThePathWhateverThePattern() {
        let patterns = [
            String(repeating: "*a", count: 127) + "*",             // 255 bytes, 128 stars in one component
            String(repeating: "**/", count: 85),                    // 255 bytes, 85 globstars
            String(repeating: "?*", count: 127) + "/",             // a path glob of 127 one-or-more runs
            "*.gen.go", "NEW_*", "scripts/**",                      // the ordinary ones
        ]
        let paths = [
            Array(repeating: UInt8(ascii: "a"), count: 4000),
            Array(String(repeating: "aaaaaaa/", count: 500).utf8),
            Array((String(repeating: "a", count: 3990) + ".gen.go").utf8),
        ]
        for pattern in patterns {
            let glob = Glob(pattern)!
            let bound = GlobAutomaton.stepsPerByte(width: glob.automaton.width)
            XCTAssertLessThanOrEqual(bound, 35, "a pattern of at most 256 bytes is at most 5 words, 7 steps each")
            for path in paths {
                var steps = 0
                _ = glob.matches(path[...], steps: &steps)
                XCTAssertLessThanOrEqual(steps, bound * (path.count + 1) + pattern.utf8.count,
                                         "\(pattern.prefix(20))… against a \(path.count)-byte path")
            }
        }
        // The same for ref patterns: a hook input line is at most 8 KiB.
        let ref = "refs/heads/" + String(repeating: "a", count: 8000)
        for pattern in ["refs/heads/" + String(repeating: "*a", count: 100) + "b", "refs/**/" + String(repeating: "?*", count: 100) + "b"] {
            var steps = 0
            XCTAssertFalse(RefPattern.matches(pattern, ref, steps: &steps))
            let width = RefPattern.automaton(Array(pattern.utf8)).width
            XCTAssertLessThanOrEqual(steps, GlobAutomaton.stepsPerByte(width: width) * (ref.utf8.count + 1) + pattern.utf8.count)
        }
    }

    func testAGlobsLiteralEndIsComparedBeforeTheAutomatonRuns() {
        let glob = Glob("*.gen.go")!
        var steps = 0
        XCTAssertFalse(glob.matches(Array(String(repeating: "a", count: 4000).utf8)[...], steps: &steps))
        XCTAssertLessThanOrEqual(steps, 7, "a path not ending in .gen.go costs its last 7 bytes")
        XCTAssertTrue(glob.matches(Array("x/y.gen.go".utf8).split(separator: slash).last!))
    }
}
