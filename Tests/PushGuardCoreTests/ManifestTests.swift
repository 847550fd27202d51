import XCTest
@testable import PushGuardCore

final class ManifestTests: XCTestCase {
    private func parse(_ text: String) -> Manifest { Manifest.parse(Array(text.utf8)) }

    func testStringEntriesAreRequiredWithTheirDescription() {
        XCTAssertEqual(parse(#"{"env": {"TOKEN": "auth for the private API"}}"#),
                       .declared([Requirement(key: "TOKEN", required: true, description: "auth for the private API")]))
    }

    func testObjectEntriesDefaultToRequired() {
        XCTAssertEqual(parse(#"{"env": {"TOKEN": {"description": "d", "generator": "secret"}}}"#),
                       .declared([Requirement(key: "TOKEN", required: true, description: "d")]))
    }

    func testRequiredFalseIsOptional() {
        let manifest = parse(#"{"env": {"SENTRY_DSN": {"required": false, "value": "x"}}}"#)
        XCTAssertEqual(manifest, .declared([Requirement(key: "SENTRY_DSN", required: false)]))
        XCTAssertTrue(manifest.requiredKeys.isEmpty)
    }

    func testManifestWithoutEnvDeclaresNothing() {
        XCTAssertEqual(parse(#"{"name": "billing-api", "scripts": {}}"#), .declared([]))
    }

    func testInvalidJSONIsUnreadableWithTheByteOffset() {
        guard case .unreadable(let why) = parse(#"{"env": {"TOKEN": }"#) else { return XCTFail("expected unreadable") }
        XCTAssertTrue(why.hasPrefix("app.json: invalid JSON at byte"), why)
    }

    func testNonObjectTopLevelIsUnreadable() {
        XCTAssertEqual(parse("[1, 2]"), .unreadable("app.json: the top level is not a JSON object"))
    }

    func testEnvOfTheWrongTypeIsUnreadable() {
        XCTAssertEqual(parse(#"{"env": ["TOKEN"]}"#), .unreadable("app.json: \"env\" is not a JSON object"))
    }

    func testEntryOfTheWrongTypeIsUnreadable() {
        XCTAssertEqual(parse(#"{"env": {"TOKEN": 42}}"#), .unreadable("app.json: env.TOKEN is neither a string nor an object"))
    }

    func testRequiredThatIsNotABooleanIsUnreadable() {
        XCTAssertEqual(parse(#"{"env": {"TOKEN": {"required": "yes"}}}"#),
                       .unreadable("app.json: env.TOKEN.required is not true or false"))
    }

    func testEmptyFileIsUnreadable() {
        guard case .unreadable = parse("") else { return XCTFail("expected unreadable") }
    }

    func testManifestOverOneMebibyteIsUnreadableWithoutParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: Manifest.maxSize + 1)
        XCTAssertEqual(Manifest.parse(big), .unreadable("app.json is \(Manifest.maxSize + 1) bytes, over the 1 MiB limit"))
    }

    func testDeepNestingIsUnreadableNotACrash() {
        let deep = String(repeating: "[", count: 200_000)
        guard case .unreadable = parse(#"{"env": "# + deep) else { return XCTFail("expected unreadable") }
    }

    func testInvalidUTF8IsUnreadable() {
        guard case .unreadable = Manifest.parse([UInt8(ascii: "{"), 0xff, UInt8(ascii: "}")]) else { return XCTFail("expected unreadable") }
    }
}
