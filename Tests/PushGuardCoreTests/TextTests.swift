import XCTest
@testable import PushGuardCore

/// The text helpers every module shares: one percent-decoder, one line splitter.
final class TextTests: XCTestCase {
    func testPercentDecodingTakesExactlyTwoHexDigits() {
        XCTAssertEqual(percentDecoded("p%40ss%3Aw%2f"), "p@ss:w/")
        XCTAssertEqual(percentDecoded("%e2%82%AC"), "€")
        // A sign is not a hex digit, though Swift's integer parser would accept one.
        XCTAssertEqual(percentDecoded("%+f"), "%+f")
        XCTAssertEqual(percentDecoded("a%-1b"), "a%-1b")
        XCTAssertEqual(percentDecoded("%zz%4"), "%zz%4")
        XCTAssertEqual(percentDecoded("%"), "%")
        XCTAssertEqual(percentDecoded("100%41"), "100A")
    }

    func testLinesEndAtLFWithOrWithoutCR() {
        let text = Array("one\r\ntwo\n\r\n\nthree\r".utf8)
        XCTAssertEqual(splitLines(text).map { String(decoding: $0, as: UTF8.self) },
                       ["one", "two", "", "", "three"])
        // Empty pieces go before the CR does: a line of a lone CR stays, empty.
        XCTAssertEqual(splitLines(text, omittingEmpty: true).map { String(decoding: $0, as: UTF8.self) },
                       ["one", "two", "", "three"])
        XCTAssertEqual(splitLines(Array("a\n".utf8)).count, 2)
        XCTAssertEqual(splitLines([UInt8]()).count, 1)
    }
}
