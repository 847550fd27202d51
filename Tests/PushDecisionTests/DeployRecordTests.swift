import XCTest
import Foundation
import PushGuardCore

/// What post-receive turns into notes: only refs that moved, never a value.
final class DeployRecordTests: XCTestCase {
    private func deploy(_ refs: [String], _ commit: String = commitA, environment: String = "production",
                        decision: Decision = .accepted) -> DeployRecord {
        DeployRecord(app: "billing-api", refs: refs, newID: commit, environment: environment, decision: decision,
                     configVersion: 7, findings: [], reason: "", pusher: "alice", time: "2026-11-27T10:00:00Z")
    }

    func testOnlyRefsGitReallyUpdatedBecomeDeploys() {
        let decided = [deploy(["refs/heads/main", "refs/heads/master"]), deploy(["refs/heads/staging"], environment: "staging")]
        // A later hook (gitolite's update hook, a protected branch) refused master and staging.
        let happened = DeployRecord.happened(decided, updated: [update("refs/heads/main")])
        XCTAssertEqual(happened.map(\.refs), [["refs/heads/main"]])
    }

    func testARefThatMovedToAnotherCommitIsNotThisDeploy() {
        let happened = DeployRecord.happened([deploy(["refs/heads/main"])], updated: [update("refs/heads/main", to: commitB)])
        XCTAssertTrue(happened.isEmpty)
    }

    func testPerRefRecordsOfOneCommitAndEnvironmentMergeIntoOneDeploy() {
        let decided = [deploy(["refs/heads/release/1"]), deploy(["refs/heads/release/2"]), deploy(["refs/heads/release/1"])]
        let happened = DeployRecord.happened(decided, updated: [update("refs/heads/release/1"), update("refs/heads/release/2")])
        XCTAssertEqual(happened.count, 1)
        XCTAssertEqual(happened[0].refs, ["refs/heads/release/1", "refs/heads/release/2"])
    }

    func testTheNoteNamesTheDecisionOverrideAndPusherWithControlCharactersEscaped() {
        var record = deploy(["refs/heads/main"], decision: .overridden)
        record.reason = "hotfix \u{1b}[31m\u{202e}"
        record.findings = [AuditRecord.KeyFinding(key: "NEW_AUTH_TOKEN", status: "staged")]
        let note = record.noteText
        XCTAssertTrue(note.hasPrefix("pushguard: overridden deploy of billing-api to production\nref: refs/heads/main\nconfig version: 7\n"))
        XCTAssertTrue(note.contains("out of sync: NEW_AUTH_TOKEN staged"))
        XCTAssertTrue(note.contains("override by alice: hotfix \\x1b[31m\\u{202e}"), note)
        XCTAssertFalse(note.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x202e })
    }

    func testARecordSurvivesTheHandOverAndAGarbledOneIsAnError() throws {
        var record = deploy(["refs/heads/main"], decision: .synced)
        record.findings = [AuditRecord.KeyFinding(key: "A", status: "partial")]
        XCTAssertEqual(try DeployRecord(json: try JSONParser.parse(record.json.encoded())), record)
        var garbled = record.json.encoded()
        garbled = garbled.replacingOccurrences(of: "\"synced\"", with: "\"shipped\"")
        XCTAssertThrowsError(try DeployRecord(json: try JSONParser.parse(garbled)))
    }
}
