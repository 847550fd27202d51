import PushGuardCore
import XCTest

/// The admin CLI's exit codes come from the kind of failure alone (docs/commands.md): a check
/// that failed 1, the admin's mistake 2, the store or the system 3.
final class FailureKindTests: XCTestCase {
    func testEachKindHasTheDocumentedExitCode() {
        let codes: [(Failure.Kind, Int32)] = [(.check, 1), (.usage, 2), (.settings, 2), (.git, 2), (.store, 3), (.system, 3)]
        for (kind, code) in codes { XCTAssertEqual(kind.exitCode, code, "\(kind)") }
    }
}
