import XCTest
import PushGuardCore
@testable import PushGuardStore

/// Errors the stores produce name the store by its redacted form, whatever failed.
final class StoreErrorTests: XCTestCase {
    func testExecStoreFailuresHideTheHelpersCredentials() throws {
        let store = ExecStore(program: StoreURL(commandLine: "exit 5; --token SEKRET123"), timeoutMilliseconds: 5000)
        XCTAssertThrowsError(try store.state(app: "a", environment: "e")) { error in
            XCTAssertTrue(error is StoreError)
            XCTAssertTrue("\(error)".contains("exec store exit 5; --token *** get exited with status 5"), "\(error)")
            XCTAssertFalse("\(error)".contains("SEKRET123"), "\(error)")
        }
    }

    func testSQLiteFailuresHideURIParameters() throws {
        let path = "file:/nonexistent-\(UUID().uuidString)/state.db?password=SEKRET123"
        XCTAssertThrowsError(try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)) { error in
            XCTAssertTrue("\(error)".contains("SQLite store file:/nonexistent-"), "\(error)")
            XCTAssertTrue("\(error)".contains("password=***"), "\(error)")
            XCTAssertFalse("\(error)".contains("SEKRET123"), "\(error)")
        }
    }

    func testUnknownStoreURLsAreNamedRedacted() {
        XCTAssertThrowsError(try StoreLocation.parse("mysql://u:SEKRET123@h/db")) { error in
            XCTAssertTrue("\(error)".contains("mysql://u:***@h/db"), "\(error)")
        }
        XCTAssertThrowsError(try StoreLocation.parse("sqlite:")) { error in
            XCTAssertTrue("\(error)".contains("names no file"), "\(error)")
        }
    }
}
