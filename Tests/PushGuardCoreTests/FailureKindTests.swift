import PushGuardCore
import XCTest

/// The admin CLI's exit codes come from the kind of failure alone (docs/commands.md): a check
/// that failed 1, the admin's mistake 2, the store or the system 3.
final class FailureKindTests: XCTestCase {
    func testEachKindHasTheDocumentedExitCode() {
        let codes: [(Failure.Kind, Int32)] = [(.check, 1), (.usage, 2), (.settings, 2), (.git, 2), (.store, 3), (.system, 3)]
        for (kind, code) in codes { XCTAssertEqual(kind.exitCode, code, "\(kind)") }
    }

    /// Each kind's constructor gives its exit code, and the sentence the admin reads is the
    /// message, then "; " and the fix when there is one (the text PushGuard printed before the
    /// fix had a field of its own).
    func testEachConstructorsExitCodeAndTheSentenceWithAndWithoutAFix() {
        let made: [(Failure, Int32)] = [
            (.check("pushguard.production is not in sync"), 1),
            (.usage("give -e ENV"), 2),
            (.settings("pushguard.perRef is \"ture\"", fix: "use true or false"), 2),
            (.git(function: "git_config_open_default", code: -1, message: "no such file"), 2),
            (.store("SQLite store sqlite:/x does not exist", fix: "check the store setting for a typo"), 3),
            (.system("cannot read /etc/x: Permission denied", errno: 13), 3),
        ]
        for (failure, code) in made { XCTAssertEqual(failure.exitCode, code, "\(failure)") }

        XCTAssertEqual("\(Failure.usage("give -e ENV"))", "give -e ENV")
        let settings = Failure.settings("pushguard.perRef is \"ture\"", fix: "use true or false")
        XCTAssertEqual(settings.description, "pushguard.perRef is \"ture\"; use true or false")
        XCTAssertEqual(settings.message, "pushguard.perRef is \"ture\"")
        XCTAssertEqual(Failure.git(function: "git_config_open_default", code: -1, message: "no such file").description,
                       "git_config_open_default failed: no such file")
        XCTAssertEqual(Failure.git(function: nil, code: -36, message: "/srv/a.git belongs to git").description,
                       "/srv/a.git belongs to git")

        // Going on after the fix keeps the sentence as it read; anything not a Failure is a
        // store failure with its text.
        let continued = settings.continued(" (in /etc/gitconfig)")
        XCTAssertEqual(continued.description, "pushguard.perRef is \"ture\"; use true or false (in /etc/gitconfig)")
        XCTAssertEqual(continued.exitCode, 2)
        struct Other: Error, CustomStringConvertible { var description: String { "something else" } }
        XCTAssertEqual(Failure(Other()), .store("something else"))
        XCTAssertEqual(Failure(settings as any Error), settings)
    }
}
