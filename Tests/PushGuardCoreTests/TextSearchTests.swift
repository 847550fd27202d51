import PushGuardCore
import XCTest

/// The hook's own text search against Swift's string-processing library, which the tests may
/// link (the hook executable does not): the same answers on random text, combining characters
/// and CR LF (one character each) included.
final class TextSearchTests: XCTestCase {
    private let alphabet: [String] = ["a", "b", "ab", "=", "e\u{301}", "e", "\u{301}", "\r\n", "\n", "*", "://"]

    private func randomText(_ generator: inout SystemRandomNumberGenerator, maxParts: Int) -> String {
        (0..<Int.random(in: 0...maxParts, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
    }

    func testAgreesWithSwiftStringProcessing() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let text = randomText(&generator, maxParts: 12)
            let target = randomText(&generator, maxParts: 3)
            guard !target.isEmpty else { continue }
            XCTAssertEqual(text.occurrences(of: target), Array(text.ranges(of: target)), "\(text.debugDescription) / \(target.debugDescription)")
            XCTAssertEqual(text.firstOccurrence(of: target), text.firstRange(of: target))
            // Against firstRange: `contains` here would be Foundation's (XCTest imports it),
            // which compares UTF-16 units and finds "\n=" in "\r\n=".
            XCTAssertEqual(text.containsText(target), text.firstRange(of: target) != nil)
            XCTAssertEqual(text.replacingEvery(target, with: "<>"), text.replacing(target, with: "<>"))
            let substring = text.dropFirst(text.isEmpty ? 0 : 1)
            XCTAssertEqual(substring.occurrences(of: target), Array(substring.ranges(of: target)))
        }
    }

    func testExamples() {
        XCTAssertEqual("aaaa".occurrences(of: "aa").count, 2, "occurrences do not overlap")
        XCTAssertEqual("user:pw@host pw".replacingEvery("pw", with: "***"), "user:***@host ***")
        XCTAssertFalse("e\u{301}x".containsText("e"), "by characters: é is not e")
        XCTAssertTrue("postgres://h".containsText("://"))
        XCTAssertEqual("ab".occurrences(of: ""), [], "an empty target occurs nowhere")
        XCTAssertFalse("ab".containsText(""))
        XCTAssertEqual("ab".replacingEvery("", with: "*"), "ab")
        XCTAssertNil("a".firstOccurrence(of: "ab"), "a target longer than what is left")
    }
}
