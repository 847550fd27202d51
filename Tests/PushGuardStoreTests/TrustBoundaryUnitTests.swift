import XCTest
import Glibc
import PushGuardCore
import PushGuardSystem
@testable import PushGuardStore

/// The pieces behind the trust boundaries (see EndToEndTests/TrustBoundaryTests for the same
/// through real pushes). Nothing here loads libcurl: see LoaderTests.
final class TrustBoundaryUnitTests: XCTestCase {
    // MARK: children's environment

    func testScrubbedEnvironmentKeepsOnlyTheFixedListWhatPassEnvNamesAndWhatIsSet() {
        setenv("PUSHGUARD_TEST_SECRET", "s3cret", 1)
        setenv("PUSHGUARD_TEST_NAMED", "named", 1)
        setenv("LC_PUSHGUARD_TEST", "not a locale category", 1)
        setenv("GIT_QUARANTINE_PATH", "/quarantine", 1)
        setenv("LC_TIME", "C", 1)
        defer {
            for name in ["PUSHGUARD_TEST_SECRET", "PUSHGUARD_TEST_NAMED", "LC_PUSHGUARD_TEST", "GIT_QUARANTINE_PATH", "LC_TIME"] {
                unsetenv(name)
            }
        }
        guard case .exactly(let variables) = ChildEnvironment.scrubbed(passing: ["PUSHGUARD_TEST_NAMED", "GIT_QUARANTINE_PATH", "UNSET_NAME"],
                                                                         setting: ["PUSHGUARD_APP": "billing-api"]) else {
            return XCTFail("not an exact environment")
        }
        XCTAssertEqual(variables["PUSHGUARD_TEST_NAMED"], "named")
        XCTAssertEqual(variables["PUSHGUARD_APP"], "billing-api")
        XCTAssertEqual(variables["LC_TIME"], "C")
        XCTAssertEqual(variables["PATH"], processEnvironment("PATH"))
        XCTAssertNil(variables["PUSHGUARD_TEST_SECRET"])
        XCTAssertNil(variables["LC_PUSHGUARD_TEST"])
        XCTAssertNil(variables["GIT_QUARANTINE_PATH"], "never passed, even when named")
        XCTAssertNil(variables["UNSET_NAME"])
        XCTAssertTrue(Set(variables.keys).isSubset(of: Set(PassedEnvironment.always + ["PUSHGUARD_TEST_NAMED", "PUSHGUARD_APP"])), "\(variables)")
    }

    func testAChildGetsExactlyTheScrubbedEnvironment() throws {
        setenv("PUSHGUARD_TEST_SECRET", "s3cret", 1)
        defer { unsetenv("PUSHGUARD_TEST_SECRET") }
        let result = try Subprocess.run(["/usr/bin/env"], environment: .scrubbed(setting: ["PUSHGUARD_ENV": "production"]),
                                        captureOutput: true, timeoutMilliseconds: 5000)
        let printed = String(decoding: result.output, as: UTF8.self)
        XCTAssertTrue(printed.contains("PUSHGUARD_ENV=production\n"), printed)
        XCTAssertFalse(printed.contains("s3cret"), printed)
    }

    func testPassEnvNames() {
        XCTAssertNil(PassedEnvironment.problem(with: "PGPASSWORD"))
        XCTAssertNil(PassedEnvironment.problem(with: "https_proxy"))
        XCTAssertNil(PassedEnvironment.problem(with: "GIT_DIR"))
        XCTAssertNotNil(PassedEnvironment.problem(with: "GIT_OBJECT_DIRECTORY"))
        XCTAssertNotNil(PassedEnvironment.problem(with: "A=B"))
        XCTAssertNotNil(PassedEnvironment.problem(with: "1ABC"))
        XCTAssertNotNil(PassedEnvironment.problem(with: "LC_*"))
        XCTAssertNotNil(PassedEnvironment.problem(with: ""))
    }

    // MARK: a helper's stderr

    func testStandardErrorIsCapturedBoundedKeepingItsEnd() throws {
        let result = try Subprocess.run(["/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a >&2; printf 'the reason' >&2"],
                                        captureOutput: true, captureStandardError: true, standardErrorLimit: 1000,
                                        timeoutMilliseconds: 5000)
        XCTAssertEqual(result.standardError.count, 1000)
        XCTAssertTrue(result.standardErrorTruncated)
        XCTAssertTrue(String(decoding: result.standardError, as: UTF8.self).hasSuffix("the reason"))
    }

    func testRelayedStderrIsEscapedPrefixedAndBounded() {
        let lines = ExecStore.relayed(Array("a\u{1b}[2J\u{202e}b\r\n\n".utf8), truncated: false)
        XCTAssertEqual(lines, [#"pushguard:   helper: a\x1b[2J\u{202e}b"#], "escaped, CR and trailing empty lines dropped")
        let many = ExecStore.relayed(Array((1...30).map { "line \($0)\n" }.joined().utf8), truncated: false)
        XCTAssertEqual(many.count, ExecStore.relayedLines + 1)
        XCTAssertEqual(many.first, "pushguard:   helper: … 10 earlier lines not shown")
        XCTAssertEqual(many.last, "pushguard:   helper: line 30")
        let long = ExecStore.relayed(Array(String(repeating: "x", count: 1000).utf8), truncated: true)
        XCTAssertEqual(long.first, "pushguard:   helper: … earlier output not shown")
        XCTAssertEqual(long.last, "pushguard:   helper: " + String(repeating: "x", count: ExecStore.relayedLineLength) + "…")
        XCTAssertEqual(ExecStore.relayed([], truncated: false), [])
    }

    // MARK: names are never options

    func testExecStoreRefusesNamesThatLookLikeOptionsWithoutRunningTheHelper() throws {
        let marker = NSTemporaryDirectory() + "pushguard-ran-\(UUID().uuidString.prefix(8))"
        defer { unlink(marker) }
        let store = ExecStore(program: StoreURL(commandLine: "touch \(marker);"), timeoutMilliseconds: 5000)
        XCTAssertThrowsError(try store.state(app: "--help", environment: "production")) { error in
            XCTAssertTrue("\(error)".contains("app name --help starts with \"-\""), "\(error)")
        }
        XCTAssertThrowsError(try store.state(app: "billing-api", environment: "-e")) { error in
            XCTAssertTrue("\(error)".contains("environment name -e starts with \"-\""), "\(error)")
        }
        XCTAssertThrowsError(try store.transmit(app: "-x", environment: "production", instances: nil, by: "a", at: "t"))
        XCTAssertNotEqual(access(marker, F_OK), 0, "the helper never ran")
    }

    // MARK: plain http and the token

    func testLoopbackHosts() {
        func loopback(_ url: String) -> Bool { HTTPStore.Origin(url: url)?.isLoopback ?? false }
        for url in ["http://127.0.0.1:8080/x", "http://127.1.2.3", "http://localhost:1/", "http://LOCALHOST",
                    "http://[::1]:80/p", "http://[0:0:0:0:0:0:0:1]/", "http://user@127.0.0.1/"] {
            XCTAssertTrue(loopback(url), url)
        }
        for url in ["http://example.invalid/", "http://128.0.0.1", "http://127.0.0", "http://127.0.0.1.example.com",
                    "http://0127.0.0.1", "http://127.1", "http://2130706433", "http://[::ffff:127.0.0.1]/",
                    "http://[::2]", "http://localhost.example.com", "http://localhost.", "http://a.localhost", "http://127.0.0.256", "http://10.0.0.1"] {
            XCTAssertFalse(loopback(url), url)
        }
    }

    func testPlainHTTPWithATokenFileToAnotherHostIsRefusedBeforeTheTokenIsRead() {
        // The token file does not exist: the refusal comes first, naming the setting.
        XCTAssertThrowsError(try HTTPStore(url: StoreURL("http://config.example.com/api"), tokenFile: "/nonexistent/token",
                                           timeoutMilliseconds: 1000)) { error in
            XCTAssertTrue("\(error)".contains("refusing to send the token from pushguard.tokenFile over plain http to config.example.com"), "\(error)")
            XCTAssertTrue("\(error)".contains("https://"), "\(error)")
        }
    }

    // MARK: audit records

    func testEscapedAuditRecordsHoldNoControlCharactersAndReadingBackChangesNothing() {
        let record = AuditRecord(time: "t", app: "a\u{202e}", environment: "e", ref: "refs/heads/\u{202e}x", oldID: "0", newID: "1",
                                 pusher: "p\u{1b}\\x1b", decision: .overridden,
                                 findings: [.init(key: "K\u{9b}", status: "staged")], reason: "x\u{1b}[31m\u{202e}y", configVersion: 1)
        let escaped = record.escaped
        XCTAssertEqual(escaped.reason, #"x\x1b[31m\u{202e}y"#)
        XCTAssertEqual(escaped.app, #"a\u{202e}"#)
        XCTAssertEqual(escaped.pusher, #"p\x1b\\x1b"#, "ESC and the text \\x1b differ")
        XCTAssertEqual(escaped.findings.first?.key, #"K\x9b"#)
        XCTAssertEqual(escaped.readBack, escaped, "a stored record read back is shown as stored")
        let json = escaped.json.encoded()
        XCTAssertFalse(json.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202e}" }, json)
        XCTAssertEqual(try JSONParser.parse(json).objectValue?["reason"]?.stringValue, #"x\x1b[31m\u{202e}y"#)
    }
}
