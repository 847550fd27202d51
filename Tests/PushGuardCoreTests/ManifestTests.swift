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

    func testInvalidJSONIsUnreadableWithLineAndColumn() {
        XCTAssertEqual(parse("{\n  \"env\": {\"TOKEN\": }\n}"),
                       .unreadable("line 2, column 20: expected a JSON value, found \"}\""))
        // A Python literal, a trailing comma, a raw newline in a string: where editors show them.
        XCTAssertEqual(parse("{\"env\": {\"A\": {\"required\": True}}}"),
                       .unreadable("line 1, column 28: expected a JSON value, found \"T\""))
        XCTAssertEqual(parse("{\"env\": {\"A\": \"x\",\n}}"), .unreadable("line 2, column 1: expected '\"' to begin an object key, found \"}\""))
        XCTAssertEqual(parse("{\"scripts\": {\"postdeploy\": \"a\nb\"}}"), .unreadable("line 1, column 30: unescaped control character in string"))
    }

    func testNonObjectTopLevelIsUnreadable() {
        XCTAssertEqual(parse("[1, 2]"), .unreadable("the top level is not a JSON object"))
    }

    func testEnvOfTheWrongTypeIsUnreadable() {
        XCTAssertEqual(parse(#"{"env": ["TOKEN"]}"#), .unreadable("\"env\" is not a JSON object"))
    }

    func testEmptyFileIsUnreadable() {
        XCTAssertEqual(parse(""), .unreadable("it is empty"))
    }

    func testManifestOverOneMebibyteIsUnreadableWithoutParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: Manifest.maxSize + 1)
        XCTAssertEqual(Manifest.parse(big), .unreadable("it is \(Manifest.maxSize + 1) bytes, over the 1 MiB limit"))
    }

    func testDeepNestingIsUnreadableNotACrash() {
        let deep = String(repeating: "[", count: 200_000)
        guard case .unreadable = parse(#"{"env": "# + deep) else { return XCTFail("expected unreadable") }
    }

    func testInvalidUTF8IsUnreadable() {
        XCTAssertEqual(Manifest.parse([UInt8(ascii: "{"), 0xff, UInt8(ascii: "}")]), .unreadable("line 1, column 2: invalid UTF-8"))
    }

    // MARK: read as Heroku reads it

    func testARepeatedTopLevelNameIsNotAnErrorAndTheLastOneCounts() {
        let manifest = parse(#"{"stack": "heroku-20", "env": {"A": "x"}, "stack": "container"}"#)
        XCTAssertEqual(manifest.requiredKeys, ["A"])
        XCTAssertEqual(manifest.offSchema, [], "a repeated name PushGuard does not read changes nothing it says")
        let twice = parse(#"{"env": {"OLD": "x"}, "env": {"NEW": "y"}}"#)
        XCTAssertEqual(twice.requiredKeys, ["NEW"])
        XCTAssertEqual(twice.offSchema, [#""env" appears 2 times (the last one counts)"#])
    }

    func testARepeatedEnvKeyIsRequiredIfAnyOccurrenceIs() {
        let manifest = parse(#"{"env": {"API_ID": {"required": false}, "LOG": "l", "API_ID": {"description": "the id", "value": "1"}}}"#)
        XCTAssertEqual(manifest.requiredKeys, ["API_ID", "LOG"])
        guard case .declared(let requirements, _, let notes) = manifest else { return XCTFail("\(manifest)") }
        XCTAssertEqual(requirements, [Requirement(key: "API_ID", required: true, description: "the id"), Requirement(key: "LOG", description: "l")])
        XCTAssertEqual(notes, ["env.API_ID appears 2 times (required if any is)"])
        let bothOptional = parse(#"{"env": {"K": {"required": false}, "K": {"required": false}}}"#)
        XCTAssertEqual(bothOptional.requiredKeys, [])
    }

    func testOffSchemaShapesAreDecidedAndNotedNeverRefused() {
        let manifest = parse("""
            {"env": {
              "DEBUG": true, "FLAG": false, "LIST": [], "NOTHING": null,
              "PORT": {"value": 5000}, "TLS": {"value": true, "required": false},
              "QUIET": {"required": "False"},
              "PATH_X": {"default": 5}, "DOKKU_X": {"sync": true, "required": false},
              "OK": {"description": "fine", "value": "", "generator": "secret"}
            }}
            """)
        XCTAssertEqual(manifest.requiredKeys, ["DEBUG", "FLAG", "LIST", "NOTHING", "PORT", "QUIET", "PATH_X", "OK"],
                       "required unless \"required\" is the JSON false")
        XCTAssertEqual(manifest.offSchema, [
            "env.DEBUG is true, not a string or object (read as required)",
            "env.FLAG is false, not a string or object (read as required)",
            "env.LIST is an array, not a string or object (read as required)",
            "env.NOTHING is null, not a string or object (read as required)",
            "env.PORT.value is 5000, not a string",
            "env.TLS.value is true, not a string",
            "env.QUIET.required is \"False\", not true or false (read as required)",
            "env.PATH_X has unknown field \"default\"",
            "env.DOKKU_X has unknown field \"sync\"",
        ])
    }

    func testAStringRequiredIsReadAsRequired() {
        XCTAssertEqual(parse(#"{"env": {"TOKEN": {"required": "yes"}}}"#).requiredKeys, ["TOKEN"])
        XCTAssertEqual(parse(#"{"env": {"TOKEN": {"required": "false"}}}"#).requiredKeys, ["TOKEN"])
    }

    func testNotesCutLongNamesAndNeverCarryRawValues() {
        let key = String(repeating: "K", count: Manifest.maxKeyLength)
        let notes = parse(#"{"env": {"\#(key)": 7, "A": {"value": {"secret": "s3cr3t"}}}}"#).offSchema
        XCTAssertEqual(notes[0], "env." + String(repeating: "K", count: 60) + "… is 7, not a string or object (read as required)")
        XCTAssertEqual(notes[1], "env.A.value is an object, not a string")
    }

    // MARK: environments

    func testAnEnvironmentsSectionsEnvReplacesTheBaseEnv() {
        let manifest = parse("""
            {"env": {"SECRET_TOKEN": {"generator": "secret"}, "WEB_CONCURRENCY": "5"},
             "environments": {"test": {"env": {"SECRET_TOKEN": "t"}}, "review": {"scripts": {}}}}
            """)
        XCTAssertEqual(manifest.requiredKeys, ["SECRET_TOKEN", "WEB_CONCURRENCY"])
        XCTAssertEqual(manifest.requiredKeys(section: "test"), ["SECRET_TOKEN"], "replaced, not merged")
        XCTAssertEqual(manifest.requirements(section: "test").section, "test")
        XCTAssertEqual(manifest.requiredKeys(section: "review"), ["SECRET_TOKEN", "WEB_CONCURRENCY"], "no env of its own: the base applies")
        XCTAssertNil(manifest.requirements(section: "review").section)
        XCTAssertEqual(manifest.requiredKeys(section: "production"), ["SECRET_TOKEN", "WEB_CONCURRENCY"])
    }

    func testASectionMayDeclareWhatTheBaseDoesNot() {
        let manifest = parse(#"{"environments": {"review": {"env": {"DEBUG": true, "HOST": {"required": false}}}}}"#)
        XCTAssertEqual(manifest.requiredKeys, [])
        XCTAssertEqual(manifest.requiredKeys(section: "review"), ["DEBUG"])
        XCTAssertEqual(manifest.offSchema, ["environments.review.env.DEBUG is true, not a string or object (read as required)"])
    }

    func testEnvironmentsOfTheWrongShapeAreUnreadable() {
        XCTAssertEqual(parse(#"{"environments": ["test"]}"#), .unreadable("\"environments\" is not a JSON object"))
        XCTAssertEqual(parse(#"{"environments": {"test": true}}"#), .unreadable("environments.test is not a JSON object"))
        XCTAssertEqual(parse(#"{"environments": {"test": {"env": "x"}}}"#), .unreadable("environments.test.env is not a JSON object"))
    }

    func testManyRepeatedNamesAreReadInLinearTime() {
        // 10,000 entries, each repeated, and one entry with 30,000 fields: quadratic work would take minutes.
        var text = "{\"env\": {"
        for index in 0..<10_000 { text += "\"K\(index)\": \"a\", \"K\(index)\": {\"required\": false}, " }
        text += "\"WIDE\": {" + (0..<30_000).map { "\"f\($0 % 100)\": 1" }.joined(separator: ", ") + "}}}"
        let started = ContinuousClock.now
        let manifest = parse(text)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        XCTAssertLessThan(text.utf8.count, Manifest.maxSize)
        XCTAssertEqual(manifest.requiredKeys.count, 10_001)
    }
}
