import XCTest
@testable import PushGuardStore

/// The one display form of a store URL: no password, token or secret-named parameter survives.
final class RedactionTests: XCTestCase {
    private func assertRedacted(_ url: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(StoreLocation.redacted(url), expected, file: file, line: line)
    }

    func testAuthorityPasswordIsHidden() {
        assertRedacted("postgres://u:SECRET@h/db", "postgres://u:***@h/db")
        assertRedacted("postgresql://u:SECRET@h:5432/db", "postgresql://u:***@h:5432/db")
        assertRedacted("postgres://u:@h/db", "postgres://u:***@h/db")
    }

    func testURLsWithoutSecretsAreUnchanged() {
        assertRedacted("postgres://u@h/db", "postgres://u@h/db")
        assertRedacted("postgres://h/db", "postgres://h/db")
        assertRedacted("postgres:///db?host=/var/run/postgresql", "postgres:///db?host=/var/run/postgresql")
        assertRedacted("postgres://u@h/db?sslmode=require&application_name=ci", "postgres://u@h/db?sslmode=require&application_name=ci")
        assertRedacted("https://platform.example/api", "https://platform.example/api")
        assertRedacted("sqlite:/var/lib/pushguard/state.db", "sqlite:/var/lib/pushguard/state.db")
    }

    /// Plain paths are shown as they are without being parsed; anything beyond letters, digits,
    /// `/._-` still goes through the redaction (and the terminal escaping).
    func testPlainPathsAreShownAsTheyAreAndNothingElseSkipsTheRedaction() {
        assertRedacted("/var/lib/pushguard/state.db", "/var/lib/pushguard/state.db")
        assertRedacted("relative/state-1_a.db", "relative/state-1_a.db")
        assertRedacted("/tmp/x password=abc", "/tmp/x password=***")
        assertRedacted("/tmp/token=abc", "/tmp/token=***")
        assertRedacted("--password", "--password")
        assertRedacted("/tmp/a\u{1b}b", "/tmp/a\\x1bb")
        XCTAssertEqual(StoreURL("/tmp/token=abc").scrub("failed: abc"), "failed: ***")
        XCTAssertEqual(StoreURL("/var/lib/pushguard/state.db").scrub("failed: abc"), "failed: abc")
    }

    func testPasswordsHoldingDelimiters() {
        assertRedacted("postgres://u:p@ss@h/db", "postgres://u:***@h/db")
        assertRedacted("postgres://u:pa:ss:w@h/db", "postgres://u:***@h/db")
        assertRedacted("postgres://u:a/b@h/db", "postgres://u:***@h/db")
        assertRedacted("postgres://u:p?w@h/db", "postgres://u:***@h/db")
        assertRedacted("postgres://u:p#w@h/db", "postgres://u:***@h/db")
        assertRedacted("postgres://u:p%40ss%3Aw%2F@h/db", "postgres://u:***@h/db")
        assertRedacted("postgres://us%40er:pw@[::1]:5432/db", "postgres://us%40er:***@[::1]:5432/db")
        assertRedacted("postgres://u:pw@h1:5432,h2:5433/db", "postgres://u:***@h1:5432,h2:5433/db")
    }

    func testAnAtSignInTheQueryIsNotAPassword() {
        assertRedacted("postgres://h/db?user=alice@corp", "postgres://h/db?user=alice@corp")
        assertRedacted("postgres://u:pw@h/db?user=alice@corp", "postgres://u:***@h/db?user=alice@corp")
    }

    func testSecretQueryParameters() {
        assertRedacted("postgres://u@h/db?password=SEKRET123", "postgres://u@h/db?password=***")
        assertRedacted("postgres://u@h/db?sslmode=verify-full&password=S1&application_name=x&sslpassword=S2&sslkey=/etc/k.pem",
                       "postgres://u@h/db?sslmode=verify-full&password=***&application_name=x&sslpassword=***&sslkey=***")
        assertRedacted("postgres://u@h/db?PassWord=S1&API_KEY=S2&x_Token=S3&client_secret=S4",
                       "postgres://u@h/db?PassWord=***&API_KEY=***&x_Token=***&client_secret=***")
        // A percent-encoded name is still a password.
        assertRedacted("postgres://u@h/db?pass%77ord=S1", "postgres://u@h/db?pass%77ord=***")
        assertRedacted("postgres://u:pw@h/db?password=S1", "postgres://u:***@h/db?password=***")
        assertRedacted("postgres://u@h/db?password=", "postgres://u@h/db?password=***")
        assertRedacted("postgres://u@h/db?password=a=b&dbname=x", "postgres://u@h/db?password=***&dbname=x")
    }

    func testHTTPCredentials() {
        assertRedacted("https://user:pass@platform.example/api", "https://***@platform.example/api")
        // A token given as the user name is a credential too: the HTTP store never needs a user.
        assertRedacted("https://ghp_TOKEN@platform.example/api", "https://***@platform.example/api")
        assertRedacted("https://platform.example/api?token=abc", "https://platform.example/api?token=***")
        assertRedacted("http://127.0.0.1:8080/api?access_token=abc&page=2", "http://127.0.0.1:8080/api?access_token=***&page=2")
        assertRedacted("https://platform.example/api#access_token=abc", "https://platform.example/api#***")
    }

    func testOtherShapes() {
        assertRedacted("exec:/usr/lib/helper --token abc --app x", "exec:/usr/lib/helper --token *** --app x")
        assertRedacted("exec:API_KEY=abc /usr/lib/helper", "exec:API_KEY=*** /usr/lib/helper")
        assertRedacted("exec:/usr/lib/helper --password=abc", "exec:/usr/lib/helper --password=***")
        assertRedacted("exec:/usr/lib/helper https://u:pw@h/x", "exec:/usr/lib/helper https://***@h/x")
        assertRedacted("mysql://u:pw@h/db", "mysql://u:***@h/db")
        assertRedacted("nonsense password=abc", "nonsense password=***")
    }

    func testCommandLinesAndTextThatIsNotQuiteAURL() {
        assertRedacted("postgres://u:my pass@h/db", "postgres://u:***@h/db")
        assertRedacted("https://h/x --token abc", "https://h/x --token ***")
        assertRedacted("exec:https://u:pw@h/x --token abc", "exec:https://***@h/x --token ***")
        assertRedacted("exec:DSN=postgres://u:pw@h/db helper", "exec:DSN=postgres://u:***@h/db helper")
        assertRedacted("exec:helper API_TOKEN=https://u:pw@h/x", "exec:helper API_TOKEN=***")
    }

    func testStoreLocationsShowTheSameForm() throws {
        XCTAssertEqual(try StoreLocation.parse("postgres://u:pw@h/db?password=x").display, "postgres://u:***@h/db?password=***")
        XCTAssertEqual(try StoreLocation.parse("https://t@h/api").display, "https://***@h/api")
        XCTAssertEqual(try StoreLocation.parse("exec:https://u:pw@h/x --token abc").display, "exec:https://***@h/x --token ***")
        XCTAssertEqual(try StoreLocation.parse("sqlite:/var/lib/pushguard/state.db").display, "/var/lib/pushguard/state.db")
        guard case .exec(let program) = try StoreLocation.parse("exec:helper --token abc") else { return XCTFail("not exec") }
        XCTAssertEqual(program.text, "helper --token abc", "the helper still gets its arguments")
    }

    func testScrubRemovesEveryFormOfTheSecrets() {
        let url = StoreURL("postgres://u:p%40ss@h/db?sslpassword=k%2By&application_name=x")
        // libpq quotes the token it could not decode, or a host it could not resolve.
        XCTAssertEqual(url.scrub("invalid percent-encoded token: \"p%40ss\""), "invalid percent-encoded token: \"***\"")
        XCTAssertEqual(url.scrub("password p@ss refused; key k+y"), "password *** refused; key ***")
        XCTAssertEqual(url.scrub("nothing secret\u{1b}"), "nothing secret\\x1b")
        let http = StoreURL("https://user:pw@platform.example/api")
        XCTAssertEqual(http.scrub("Failed for user pw"), "Failed for *** ***")
        XCTAssertEqual(StoreURL("postgres://h/db").scrub("connection refused"), "connection refused")
        // A short secret is hidden where it stands alone, not inside every word.
        let short = StoreURL("postgres://u:x@h/db?password=ab")
        XCTAssertEqual(short.scrub("accepting x, \"ab\" and x"), "accepting ***, \"***\" and ***")
        XCTAssertEqual(short.scrub("abort"), "abort")
    }

    func testControlCharactersAreEscaped() {
        assertRedacted("postgres://u:pw@h/d\u{1b}[31mb", "postgres://u:***@h/d\\x1b[31mb")
        assertRedacted("postgres://u\u{1b}:pw@h/db", "postgres://u\\x1b:***@h/db")
    }

    func testParseErrorsNeverShowSecrets() {
        XCTAssertThrowsError(try StoreLocation.parse("mysql://u:SEKRET@h/db?password=SEKRET")) { error in
            XCTAssertFalse("\(error)".contains("SEKRET"), "\(error)")
        }
    }
}
