import Foundation
import XCTest
import PushGuardCore
@testable import PushGuardStore

/// Errors the stores produce name the store by its redacted form, whatever failed.
final class StoreErrorTests: XCTestCase {
    func testExecStoreFailuresHideTheHelpersCredentials() throws {
        // A credential as an assignment before the program: the helper's environment.
        let store = ExecStore(program: StoreURL(commandLine: "API_TOKEN=SEKRET123 exit 5;"), timeoutMilliseconds: 5000)
        XCTAssertThrowsError(try store.state(app: "a", environment: "e")) { error in
            XCTAssertEqual((error as? Failure)?.kind, .store)
            XCTAssertTrue("\(error)".contains("exec store API_TOKEN=*** exit 5; get exited with status 5"), "\(error)")
            XCTAssertFalse("\(error)".contains("SEKRET123"), "\(error)")
        }
    }

    func testACredentialAmongTheHelpersArgumentsIsRefusedBeforeItRuns() throws {
        let marker = NSTemporaryDirectory() + "pushguard-ran-\(UUID().uuidString.prefix(8))"
        defer { unlink(marker) }
        for commandLine in ["touch \(marker); --token SEKRET123", "touch \(marker); token=SEKRET123",
                            "touch \(marker); https://user:SEKRET123@platform.example"] {
            let store = ExecStore(program: StoreURL(commandLine: commandLine), timeoutMilliseconds: 5000)
            XCTAssertThrowsError(try store.state(app: "a", environment: "e")) { error in
                XCTAssertTrue("\(error)".contains("not called: its arguments carry a credential"), "\(error)")
                XCTAssertTrue("\(error)".contains("exec:NAME=VALUE PROGRAM"), "\(error)")
                XCTAssertFalse("\(error)".contains("SEKRET123"), "\(error)")
            }
            XCTAssertThrowsError(try store.appendAudit([AuditRecord(time: "t", app: "a", environment: "e", ref: "r", oldID: "o",
                                                                    newID: "n", pusher: "p", decision: .accepted, findings: [], reason: "", configVersion: 0)]))
        }
        XCTAssertNotEqual(access(marker, F_OK), 0, "the helper never ran")
        XCTAssertNil(ExecStore.argumentCredential("PLATFORM_TOKEN=SEKRET123 _X=1 /usr/bin/helper --region eu"))
        XCTAssertNotNil(ExecStore.argumentCredential("/usr/bin/helper PLATFORM_TOKEN=SEKRET123"), "after the program it is an argument")
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
