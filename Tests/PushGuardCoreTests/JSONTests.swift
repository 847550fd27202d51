import XCTest
@testable import PushGuardCore

final class JSONTests: XCTestCase {
    // MARK: Helpers

    private func parse(_ text: String, maxDepth: Int = 64) throws -> JSONValue {
        try JSONParser.parse(text, maxDepth: maxDepth)
    }

    /// Asserts that parsing `bytes` fails at `offset` with a message containing `fragment`.
    private func assertRejects(
        _ bytes: [UInt8], at offset: Int, containing fragment: String, maxDepth: Int = 64,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let value = try JSONParser.parse(bytes, maxDepth: maxDepth)
            XCTFail("expected rejection of \(bytes.prefix(40)), got \(value)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.offset, offset, "offset for \(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment),
                          "message \"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }

    private func assertRejects(
        _ text: String, at offset: Int, containing fragment: String, maxDepth: Int = 64,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertRejects(Array(text.utf8), at: offset, containing: fragment, maxDepth: maxDepth,
                      file: file, line: line)
    }

    // MARK: Accepting and round-tripping

    func testNestedDocumentRoundTripsThroughCompactAndPrettyEncoding() throws {
        let text = #"{"name":"push\"guard\\","version":-1.5e3,"ok":true,"off":false,"none":null,"#
            + #""list":[1,[2,[]],{"deep":{"er":["é","😀","\u0001"]}}],"empty":{},"zero":-0}"#
        let value = try parse(text)
        XCTAssertEqual(value.encoded(), text)
        XCTAssertEqual(try parse(value.encoded()), value)
        XCTAssertEqual(try parse(value.encoded(pretty: true)), value)
        XCTAssertEqual(value.objectValue?.keys, ["name", "version", "ok", "off", "none", "list", "empty", "zero"])
        XCTAssertEqual(value.objectValue?["name"]?.stringValue, #"push"guard\"#)
        XCTAssertEqual(value.objectValue?["version"], .number("-1.5e3"))
        XCTAssertEqual(value.objectValue?["ok"]?.boolValue, true)
        XCTAssertEqual(value.objectValue?["list"]?.arrayValue?.count, 3)
    }

    func testWhitespaceBetweenTokensIsAcceptedAndDropped() throws {
        let value = try parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n")
        XCTAssertEqual(value.encoded(), #"{"a":[1,2]}"#)
    }

    func testLeadingByteOrderMarkIsSkipped() throws {
        XCTAssertEqual(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)), .array([.number("1")]))
    }

    func testNumberLexemesArePreservedExactly() throws {
        for lexeme in ["0", "-0", "42", "1.25", "1E+2", "0.5e-3", "-1.5e3", "123456789012345678901234567890"] {
            XCTAssertEqual(try parse(lexeme), .number(lexeme))
        }
        let huge = String(repeating: "9", count: 10_000)
        XCTAssertEqual(try parse(huge), .number(huge))
    }

    func testAllSimpleEscapesDecode() throws {
        let value = try parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\u0000""#)
        XCTAssertEqual(value.stringValue, "\"\\/\u{8}\u{c}\n\r\tAé€\u{0}")
    }

    func testSurrogatePairEscapeDecodesToAstralScalar() throws {
        XCTAssertEqual(try parse(#""\ud83d\ude00""#).stringValue, "😀")
        XCTAssertEqual(try parse(#""x\uD83D\uDE00y""#).stringValue, "x😀y")
    }

    func testRawMultibyteUTF8IsAccepted() throws {
        XCTAssertEqual(try parse("\"é€😀\u{10FFFF}\"").stringValue, "é€😀\u{10FFFF}")
    }

    func testObjectKeepsInsertionOrderAndSubscriptFindsTheLastMatch() throws {
        let object = try XCTUnwrap(parse(#"{"b":1,"a":2,"c":3}"#).objectValue)
        XCTAssertEqual(object.keys, ["b", "a", "c"])
        XCTAssertEqual(object["a"], .number("2"))
        XCTAssertNil(object["z"])
        // A repeated name means its last value, as JSON.parse, Ruby and Python read it.
        let built = JSONObject([(key: "k", value: .number("1")), (key: "k", value: .number("2"))])
        XCTAssertEqual(built["k"], .number("2"))
        XCTAssertEqual(built.count(of: "k"), 2)
    }

    func testDuplicateNamesCanBeKeptForDocumentsPeopleWrite() throws {
        let value = try JSONParser.parse(#"{"stack":"heroku-18","env":{"A":{"x":1,"x":2}},"stack":"container"}"#,
                                         duplicateNames: .keepAll)
        let object = try XCTUnwrap(value.objectValue)
        XCTAssertEqual(object.keys, ["stack", "env", "stack"])
        XCTAssertEqual(object["stack"], .string("container"), "the last one wins")
        XCTAssertEqual(object["env"]?.objectValue?["A"]?.objectValue?["x"], .number("2"))
        // Keeping duplicates keeps every other rule: depth, encoding, syntax.
        XCTAssertThrowsError(try JSONParser.parse(String(repeating: "[", count: 40), maxDepth: 32, duplicateNames: .keepAll))
        XCTAssertThrowsError(try JSONParser.parse([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")], duplicateNames: .keepAll))
        XCTAssertThrowsError(try JSONParser.parse(#"{"a":1,}"#, duplicateNames: .keepAll))
    }

    func testAnErrorOffsetIsShownAsLineAndColumn() {
        let text = Array("{\n  \"name\": \"é\",\n  \"env\": x\n}".utf8)
        let offset = text.firstIndex(of: UInt8(ascii: "x"))!
        XCTAssertEqual(JSONParser.position(of: offset, in: text).line, 3)
        XCTAssertEqual(JSONParser.position(of: offset, in: text).column, 10)
        XCTAssertEqual(JSONParser.position(of: 0, in: text).column, 1)
        // Columns count characters: "é" is two bytes and one column.
        let accented = Array("\"é\"x".utf8)
        XCTAssertEqual(JSONParser.position(of: 4, in: accented).column, 4)
        // A byte order mark is not a column.
        XCTAssertEqual(JSONParser.position(of: 3, in: [0xEF, 0xBB, 0xBF, UInt8(ascii: "x")]).column, 1)
        XCTAssertEqual(JSONParser.position(of: 99, in: text).line, 4, "past the end is the end")
    }

    func testObjectEqualityIsOrderSensitive() {
        let ab = JSONObject([(key: "a", value: .null), (key: "b", value: .null)])
        let ba = JSONObject([(key: "b", value: .null), (key: "a", value: .null)])
        XCTAssertEqual(ab, JSONObject([(key: "a", value: .null), (key: "b", value: .null)]))
        XCTAssertNotEqual(ab, ba)
        XCTAssertNotEqual(ab, JSONObject([(key: "a", value: .null)]))
    }

    func testNestingUpToMaxDepthIsAccepted() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNoThrow(try parse(text))
        XCTAssertEqual(try parse("7", maxDepth: 0), .number("7"))
    }

    // MARK: Rejections

    func testEmptyAndWhitespaceOnlyInputAreRejected() {
        assertRejects("", at: 0, containing: "unexpected end of input")
        assertRejects("  \n", at: 3, containing: "unexpected end of input")
        assertRejects([0xEF, 0xBB, 0xBF], at: 3, containing: "unexpected end of input")
    }

    func testTrailingGarbageIsRejected() {
        assertRejects("[1] x", at: 4, containing: "unexpected data after JSON value")
        assertRejects("1 2", at: 2, containing: "unexpected data after JSON value")
        assertRejects("truex", at: 4, containing: "unexpected data after JSON value")
    }

    func testDuplicateKeysAreRejectedAtTheSecondKey() {
        assertRejects(#"{"a":1,"a":2}"#, at: 7, containing: #"duplicate key "a""#)
        assertRejects(#"{"x":{"a":1,"b":{},"a":2}}"#, at: 19, containing: #"duplicate key "a""#)
    }

    func testDuplicateKeyInLargeObjectIsRejected() {
        var text = "{"
        for i in 0..<40 { text += "\"k\(i)\":\(i)," }
        let offset = text.utf8.count
        text += "\"k3\":0}"
        assertRejects(text, at: offset, containing: #"duplicate key "k3""#)
    }

    func testDuplicateKeyMessageEscapesControlCharacters() {
        do {
            _ = try JSONParser.parse(#"{"a\u001b[31m":1,"a\u001b[31m":2}"#)
            XCTFail("expected duplicate key error")
        } catch {
            XCTAssertEqual(error.message, #"duplicate key "a\u001b[31m""#)
            XCTAssertFalse(error.description.unicodeScalars.contains { $0.value < 0x20 })
        }
    }

    func testMalformedNumbersAreRejected() {
        assertRejects("01", at: 0, containing: "leading zero")
        assertRejects("[-012]", at: 2, containing: "leading zero")
        assertRejects("+1", at: 0, containing: "expected a JSON value")
        assertRejects(".5", at: 0, containing: "expected a JSON value")
        assertRejects("1.", at: 2, containing: "expected a digit after '.'")
        assertRejects("1.e5", at: 2, containing: "expected a digit after '.'")
        assertRejects("1e", at: 2, containing: "exponent")
        assertRejects("1e+", at: 3, containing: "exponent")
        assertRejects("-", at: 1, containing: "expected a digit")
        assertRejects("-a", at: 1, containing: "expected a digit")
    }

    func testNaNAndInfinityAreRejected() {
        assertRejects("NaN", at: 0, containing: "expected a JSON value")
        assertRejects("[Infinity]", at: 1, containing: "expected a JSON value")
        assertRejects("-Infinity", at: 1, containing: "expected a digit")
    }

    func testInvalidLiteralsAreRejected() {
        assertRejects("tru", at: 0, containing: "invalid literal")
        assertRejects("[nul]", at: 1, containing: "invalid literal")
        assertRejects("True", at: 0, containing: "expected a JSON value")
    }

    func testSingleQuotesAndCommentsAreRejected() {
        assertRejects("['a']", at: 1, containing: "expected a JSON value")
        assertRejects(#"{'a':1}"#, at: 1, containing: "to begin an object key")
        assertRejects("/* c */ 1", at: 0, containing: "expected a JSON value")
        assertRejects("[1] // c", at: 4, containing: "unexpected data after JSON value")
        assertRejects("[1, /*x*/ 2]", at: 4, containing: "expected a JSON value")
    }

    func testTrailingCommasAreRejected() {
        assertRejects("[1,]", at: 3, containing: "expected a JSON value")
        assertRejects(#"{"a":1,}"#, at: 7, containing: "to begin an object key")
    }

    func testStructuralErrorsReportTheOffendingByte() {
        assertRejects("[1 2]", at: 3, containing: "expected ',' or ']'")
        assertRejects(#"{"a" 1}"#, at: 5, containing: "expected ':'")
        assertRejects(#"{"a":1 "b":2}"#, at: 7, containing: "expected ',' or '}'")
        assertRejects("{1:2}", at: 1, containing: "to begin an object key")
        assertRejects("[", at: 1, containing: "unexpected end of input")
        assertRejects("[1,", at: 3, containing: "unexpected end of input")
        assertRejects(#"{"a":1"#, at: 6, containing: "expected ',' or '}'")
        assertRejects("]", at: 0, containing: "expected a JSON value")
    }

    func testOnlyFourWhitespaceCharactersAreAllowed() {
        assertRejects("\u{0C}1", at: 0, containing: "expected a JSON value")
        assertRejects("[\u{A0}1]", at: 1, containing: "expected a JSON value")
        assertRejects("[\u{FEFF}1]", at: 1, containing: "expected a JSON value")
    }

    func testRawControlCharactersInStringsAreRejected() {
        assertRejects("\"a\tb\"", at: 2, containing: "control character")
        assertRejects("\"a\nb\"", at: 2, containing: "control character")
        assertRejects([0x22, 0x00, 0x22], at: 1, containing: "control character")
    }

    func testUnterminatedStringsAreRejected() {
        assertRejects("\"abc", at: 4, containing: "unterminated string")
        assertRejects("\"abc\\", at: 5, containing: "unterminated string")
        assertRejects("\"\\u12", at: 5, containing: "unterminated string")
    }

    func testInvalidEscapesAreRejected() {
        assertRejects(#""\x""#, at: 1, containing: "invalid escape")
        assertRejects(#""ab\'""#, at: 3, containing: "invalid escape")
        assertRejects(#""\U0041""#, at: 1, containing: "invalid escape")
    }

    func testInvalidUnicodeEscapeHexIsRejected() {
        assertRejects(#""\u12G4""#, at: 5, containing: "invalid hex digit")
        assertRejects(#""\u-123""#, at: 3, containing: "invalid hex digit")
    }

    func testLoneAndMismatchedSurrogatesAreRejected() {
        assertRejects(#""\ud83d""#, at: 1, containing: "unpaired high surrogate")
        assertRejects(#""ab\ud83dx""#, at: 3, containing: "unpaired high surrogate")
        assertRejects(#""\ude00""#, at: 1, containing: "unpaired low surrogate")
        assertRejects(#""\ud83d\u0041""#, at: 7, containing: "not followed by a low surrogate")
        assertRejects(#""\ud83d\ud83d""#, at: 7, containing: "not followed by a low surrogate")
        assertRejects(#""\ude00\ud83d""#, at: 1, containing: "unpaired low surrogate")
    }

    func testInvalidUTF8IsRejectedEverywhere() {
        let cases: [(bytes: [UInt8], offset: Int)] = [
            ([0x22, 0x80, 0x22], 1),                    // stray continuation byte
            ([0x22, 0xC0, 0xAF, 0x22], 1),              // overlong '/'
            ([0x22, 0xC1, 0xBF, 0x22], 1),              // overlong
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),        // 3-byte overlong
            ([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1),  // 4-byte overlong
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),        // UTF-16 surrogate D800 encoded in UTF-8
            ([0x22, 0xED, 0xBF, 0xBF, 0x22], 1),        // surrogate DFFF
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // U+110000
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),  // lead byte beyond U+10FFFF
            ([0x22, 0xFF, 0x22], 1),
            ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),        // truncated before closing quote
            ([0x22, 0xE2, 0x82], 1),                    // truncated at end of input
            ([0x22, 0xF0, 0x9F, 0x98], 1),              // truncated 4-byte sequence
            ([0x5B, 0xFF, 0x5D], 1),                    // outside any string
            ([0x5B, 0x31, 0x5D, 0x20, 0xC3], 4),        // after the value
            ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0xE2, 0x82], 6), // inside an object
        ]
        for (bytes, offset) in cases {
            assertRejects(bytes, at: offset, containing: "invalid UTF-8")
        }
    }

    func testNestingDeeperThanMaxDepthIsRejectedBeforeDescending() {
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        assertRejects(tooDeep, at: 64, containing: "nesting deeper than 64 levels")
        assertRejects(#"{"a":{"a":{"a":1}}}"#, at: 10, containing: "nesting deeper than 2 levels", maxDepth: 2)
        assertRejects("[]", at: 0, containing: "nesting deeper than 0 levels", maxDepth: 0)
    }

    func testTwoHundredThousandOpenBracketsThrowTheDepthError() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        assertRejects(bytes, at: 64, containing: "nesting deeper than 64 levels")
    }

    func testErrorDescriptionNamesTheByteOffset() {
        XCTAssertEqual(JSONError(message: "expected ',' or '}'", offset: 12).description,
                       "invalid JSON at byte 12: expected ',' or '}'")
    }

    // MARK: Accessors

    func testInt64ValueIsExactForIntegerLexemesThatFit() {
        XCTAssertEqual(JSONValue.number("42").int64Value, 42)
        XCTAssertEqual(JSONValue.number("-7").int64Value, -7)
        XCTAssertEqual(JSONValue.number("0").int64Value, 0)
        XCTAssertEqual(JSONValue.number("-0").int64Value, 0)
        XCTAssertEqual(JSONValue.number("9223372036854775807").int64Value, Int64.max)
        XCTAssertEqual(JSONValue.number("-9223372036854775808").int64Value, Int64.min)
    }

    func testInt64ValueIsNilForFractionsExponentsOverflowAndNonNumbers() {
        for lexeme in ["1.0", "1e2", "1E2", "9223372036854775808", "-9223372036854775809",
                       "99999999999999999999999", "", "-", "01", "+1", " 1", "1 "] {
            XCTAssertNil(JSONValue.number(lexeme).int64Value, lexeme)
        }
        XCTAssertNil(JSONValue.string("42").int64Value)
    }

    func testTypedAccessorsReturnNilForOtherKinds() {
        XCTAssertNil(JSONValue.null.stringValue)
        XCTAssertNil(JSONValue.number("1").boolValue)
        XCTAssertNil(JSONValue.array([]).objectValue)
        XCTAssertNil(JSONValue.object(JSONObject()).arrayValue)
        XCTAssertEqual(JSONValue.array([]).arrayValue, [])
    }

    // MARK: Encoding

    func testJSONQuotedEscapesControlCharactersAndDelete() {
        XCTAssertEqual(jsonQuoted("\u{1b}[31m"), "\"\\u001b[31m\"")
        XCTAssertEqual(jsonQuoted("\u{7f}"), "\"\\u007f\"")
        XCTAssertEqual(jsonQuoted("a\"b\\c\n\t\r\u{8}\u{c}\u{0}\u{1f}"),
                       #""a\"b\\c\n\t\r\b\f\u0000\u001f""#)
    }

    func testJSONQuotedKeepsNonASCIIAsRawUTF8() {
        XCTAssertEqual(jsonQuoted("é/😀"), "\"é/😀\"")
    }

    func testPrettyEncodingOfSmallObjectIsExact() {
        let value = JSONValue.object(JSONObject([
            (key: "name", value: .string("x")),
            (key: "list", value: .array([.number("1"), .bool(true), .null])),
            (key: "empty", value: .object(JSONObject())),
            (key: "none", value: .array([])),
            (key: "inner", value: .object(JSONObject([(key: "k", value: .number("-2.5"))]))),
        ]))
        let expected = """
            {
              "name": "x",
              "list": [
                1,
                true,
                null
              ],
              "empty": {},
              "none": [],
              "inner": {
                "k": -2.5
              }
            }
            """
        XCTAssertEqual(value.encoded(pretty: true), expected)
        XCTAssertEqual(value.encoded(),
                       #"{"name":"x","list":[1,true,null],"empty":{},"none":[],"inner":{"k":-2.5}}"#)
    }

    // MARK: Size

    func testFiveMegabyteArrayOfStringsParses() throws {
        let element = Array(#""abcdefghij\n\u00e9 é 😀 klmnopqrstuvwxyz","#.utf8)
        let count = 5 * 1024 * 1024 / element.count + 1
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(count * element.count + 8)
        for _ in 0..<count { bytes.append(contentsOf: element) }
        bytes.append(contentsOf: Array(#""last"]"#.utf8))
        XCTAssertGreaterThan(bytes.count, 5 * 1024 * 1024)

        let elements = try XCTUnwrap(JSONParser.parse(bytes).arrayValue)
        XCTAssertEqual(elements.count, count + 1)
        XCTAssertEqual(elements.first?.stringValue, "abcdefghij\né é 😀 klmnopqrstuvwxyz")
        XCTAssertEqual(elements.last?.stringValue, "last")
    }
}
