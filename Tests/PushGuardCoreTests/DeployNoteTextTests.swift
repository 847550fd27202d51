import XCTest
@testable import PushGuardCore

/// A commit's deploy note keeps every record added to it, within a bound.
final class DeployNoteTextTests: XCTestCase {
    private func record(_ index: Int, padding: Int = 0) -> String {
        "pushguard: accepted deploy of billing-api to production\nref: refs/heads/r\(index)\n"
            + (padding > 0 ? "reason: " + String(repeating: "x", count: padding) + "\n" : "") + "pusher: alice\n"
    }

    func testANewRecordGoesAfterTheEarlierOnesNeverInTheirPlace() {
        let override = "pushguard: overridden deploy of billing-api to production\noverride by alice: INC-7\n"
        let note = DeployNoteText.appending(record(1), to: override)
        XCTAssertEqual(note, override + "\n" + record(1))
        XCTAssertEqual(DeployNoteText.appending(record(1), to: nil), record(1))
        XCTAssertEqual(DeployNoteText.appending(record(1), to: "written by hand"), "written by hand\n\n" + record(1))
    }

    func testANoteOverItsBoundDropsItsOldestRecordsAndSaysHowMany() {
        var note: String?
        for index in 0..<400 { note = DeployNoteText.appending(record(index, padding: 200), to: note) }
        let text = note!
        XCTAssertLessThanOrEqual(text.utf8.count, DeployNoteText.maxBytes)
        XCTAssertGreaterThan(text.utf8.count, DeployNoteText.maxBytes - 1000, "it keeps as much as fits")
        XCTAssertTrue(text.hasSuffix(record(399, padding: 200)), "the newest record is whole")
        let kept = text.components(separatedBy: "pushguard: accepted deploy").count - 1
        let first = text.split(separator: "\n").first!
        XCTAssertEqual(first, "pushguard: \(400 - kept) earlier deploy record(s) trimmed from this note; the audit log keeps them")
        // Trimming again adds to the count instead of stacking markers.
        let again = DeployNoteText.appending(record(400, padding: 200), to: text)
        XCTAssertEqual(again.components(separatedBy: "trimmed from this note").count, 2)
        let keptAgain = again.components(separatedBy: "pushguard: accepted deploy").count - 1
        XCTAssertTrue(again.hasPrefix("pushguard: \(401 - keptAgain) earlier deploy record(s) trimmed"), String(again.prefix(120)))
    }

    func testARecordBiggerThanTheBoundOnItsOwnIsCut() {
        let note = DeployNoteText.appending(record(2, padding: 100_000), to: record(1))
        XCTAssertLessThanOrEqual(note.utf8.count, DeployNoteText.maxBytes)
        XCTAssertTrue(note.hasPrefix("pushguard: 1 earlier deploy record(s) trimmed"), String(note.prefix(120)))
        XCTAssertTrue(note.contains("ref: refs/heads/r2\n"), "the record's head is kept")
        XCTAssertTrue(note.hasSuffix("… (record cut: over 64 KiB)\n"), String(note.suffix(80)))
    }
}
