import XCTest
import PushGuardCore

/// `joinedText` gives what the library's `joined(separator:)` gives: every array of up to three
/// of these pieces (combining marks, CR LF split across elements, NUL, flags), every separator.
final class JoinedTextTests: XCTestCase {
    func testJoinsAsTheLibraryDoes() {
        let pieces = ["", "a", "é", "\u{301}", "\r", "\n", "\r\n", ", ", "$1", "🇫", "🇷", "\u{0}"]
        var arrays: [[String]] = [[]]
        for _ in 0..<3 { arrays += arrays.filter { $0.count == arrays.last!.count }.flatMap { array in pieces.map { array + [$0] } } }
        XCTAssertEqual(arrays.count, 1 + 12 + 144 + 1728)
        for elements in arrays {
            XCTAssertEqual(elements.joinedText(), elements.joined(), "\(elements)")
            for separator in pieces {
                XCTAssertEqual(elements.joinedText(separator: separator), elements.joined(separator: separator), "\(elements) \(separator)")
            }
        }
    }
}
