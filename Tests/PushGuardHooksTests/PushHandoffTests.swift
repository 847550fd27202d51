import Foundation
import XCTest
import PushGuardCore
import PushGuardSystem
@testable import PushGuardHooks

/// The hand-over between one push's hooks, keyed by the push: pushes whose hooks share a
/// parent process (GitLab's Gitaly) never see each other's decisions.
final class PushHandoffTests: XCTestCase {
    private var gitDirectory = ""

    override func setUpWithError() throws {
        gitDirectory = NSTemporaryDirectory() + "pushguard-handoff-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: gitDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: gitDirectory)
    }

    private let a = String(repeating: "a", count: 40), b = String(repeating: "b", count: 40)
    private let c = String(repeating: "c", count: 40)

    private func deploy(_ ref: String, _ commit: String, reason: String, pusher: String) -> DeployRecord {
        DeployRecord(app: "billing-api", refs: [ref], newID: commit, environment: "production", decision: .overridden,
                     configVersion: 3, findings: [], reason: reason, pusher: pusher, time: "t")
    }

    /// Other pushes' post-receive hooks finish while this push's pre-receive writes its record:
    /// what they leave behind never takes the directory from under it. (Removing the directory
    /// when empty did: 2,300 of these 3,000 records were refused.)
    func testARecordIsWrittenWhileOtherPushesFinish() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let push = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        // The other pushes' post-receive runs until this one is done: a second thread, as a
        // second process would.
        final class Remover: @unchecked Sendable {
            let lock = NSCondition()
            var stop = false, done = false
        }
        let state = Remover()
        Thread {
            while true {
                state.lock.lock(); let stop = state.stop; state.lock.unlock()
                if stop { break }
                handoff.finishPush()
            }
            state.lock.lock(); state.done = true; state.lock.signal(); state.lock.unlock()
        }.start()
        var failures: [String] = []
        for _ in 0..<3000 {
            do {
                let path = try handoff.begin(.init(app: "billing-api", pusher: "alice", options: nil, updates: push))
                handoff.remove(path)
            } catch {
                failures.append(error.description)
            }
        }
        state.lock.lock()
        state.stop = true
        while !state.done { state.lock.wait() }
        state.lock.unlock()
        XCTAssertEqual(failures.count, 0, "records not written: \(Set(failures))")
    }

    func testInterleavedPushesKeepTheirOwnDecisions() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let pushA = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        let pushB = [RefUpdate(oldID: c, newID: b, ref: "refs/heads/main")]
        try handoff.begin(.init(app: "billing-api", pusher: "alice", options: ["pushguard.ack=A"], updates: pushA),
                          deploys: [deploy("refs/heads/main", a, reason: "A", pusher: "alice")])
        try handoff.begin(.init(app: "billing-api", pusher: "bob", options: ["pushguard.ack=B"], updates: pushB),
                          deploys: [deploy("refs/heads/main", b, reason: "B", pusher: "bob")])
        let foundA = try XCTUnwrap(handoff.find(pusher: "alice", options: .some(["pushguard.ack=A"]), updates: pushA))
        XCTAssertEqual(foundA.deploys.map(\.reason), ["A"])
        handoff.remove(foundA.path)
        let foundB = try XCTUnwrap(handoff.find(pusher: "bob", options: .some(["pushguard.ack=B"]), updates: pushB))
        XCTAssertEqual(foundB.deploys.map(\.reason), ["B"])
    }

    func testTheSamePusherPushingTwoBranchesAtOnceGetsEachPushsRecord() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let one = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        let two = [RefUpdate(oldID: c, newID: b, ref: "refs/heads/staging")]
        try handoff.begin(.init(app: "x", pusher: "alice", options: nil, updates: one), deploys: [deploy("refs/heads/main", a, reason: "1", pusher: "alice")])
        try handoff.begin(.init(app: "x", pusher: "alice", options: nil, updates: two), deploys: [deploy("refs/heads/staging", b, reason: "2", pusher: "alice")])
        XCTAssertEqual(handoff.find(pusher: "alice", options: .some(nil), updates: two)?.deploys.map(\.reason), ["2"])
        XCTAssertEqual(handoff.find(pusher: "alice", options: .some(nil), updates: one)?.deploys.map(\.reason), ["1"])
    }

    func testPostReceiveFindsItsPushWhenLaterHooksRefusedSomeRefs() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let pushed = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main"), RefUpdate(oldID: c, newID: a, ref: "refs/heads/dev")]
        try handoff.begin(.init(app: "x", pusher: "carol", options: [], updates: pushed),
                          deploys: [deploy("refs/heads/main", a, reason: "", pusher: "carol")])
        // Only dev moved: post-receive's own key differs, but the push is still found.
        let moved = [pushed[1]]
        XCTAssertNotNil(handoff.find(pusher: "carol", options: .some([]), updates: moved))
        XCTAssertNil(handoff.find(pusher: "mallory", options: .some([]), updates: moved))
        XCTAssertNil(handoff.find(pusher: "carol", options: .some(["pushguard.sync"]), updates: moved))
    }

    func testTheUpdateHookAppendsToThePushPreReceiveHandedOver() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let pushed = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main"), RefUpdate(oldID: c, newID: b, ref: "refs/heads/staging")]
        try handoff.begin(.init(app: "x", pusher: "alice", options: ["pushguard.ack=why"], updates: pushed))
        let record = try XCTUnwrap(handoff.find(pusher: "alice", options: nil, updates: [pushed[1]]))
        XCTAssertEqual(record.header.options, ["pushguard.ack=why"])
        try handoff.append([deploy("refs/heads/staging", b, reason: "why", pusher: "alice")], to: record.path)
        XCTAssertEqual(handoff.read(record.path)?.deploys.map(\.refs), [["refs/heads/staging"]])
    }

    func testRecordsOfPushesThatNeverReachedPostReceiveAgeOut() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let path = try handoff.begin(.init(app: "x", pusher: "alice", options: nil,
                                           updates: [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]))
        handoff.removeStale(now: Clock.epochSeconds() + 60)
        XCTAssertTrue(Files.exists(path), "a push in progress is kept")
        // A slow update hook, or the wall clock stepped forward: still kept.
        handoff.removeStale(now: Clock.epochSeconds() + 11 * 60)
        XCTAssertTrue(Files.exists(path), "a record eleven minutes old may still be needed")
        handoff.removeStale(now: Clock.epochSeconds() + 23 * 3600)
        XCTAssertTrue(Files.exists(path))
        handoff.removeStale(now: Clock.epochSeconds() + PushHandoff.staleAfterSeconds + 5)
        XCTAssertFalse(Files.exists(path))
    }

    func testWhyARecordIsMissingNamesAnUnreadableRecord() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let updates = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        XCTAssertTrue(handoff.whyMissing(pusher: "alice", options: nil, updates: updates)
            .hasPrefix("no record of this push in pushguard-push/; "))
        let path = try handoff.begin(.init(app: "x", pusher: "alice", options: nil, updates: updates))
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertNil(handoff.find(pusher: "alice", options: .some(nil), updates: updates))
        let key = PushHandoff.key(pusher: "alice", options: nil, updates: updates)
        XCTAssertEqual(handoff.whyMissing(pusher: "alice", options: nil, updates: updates),
                       "its record pushguard-push/\(key).push cannot be read")
        XCTAssertTrue(handoff.whyMissing(pusher: "bob", options: nil, updates: updates)
            .hasPrefix("no record of this push in pushguard-push/, and 1 record(s) there cannot be read; "))
    }

    func testAPlantedLinkIsNeitherFollowedNorRead() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let updates = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        let victim = gitDirectory + "/victim"
        FileManager.default.createFile(atPath: victim, contents: Data("precious\n".utf8))
        try FileManager.default.createDirectory(atPath: handoff.directory, withIntermediateDirectories: true)
        let key = PushHandoff.key(pusher: "alice", options: nil, updates: updates)
        try FileManager.default.createSymbolicLink(atPath: handoff.directory + "/" + key + ".push", withDestinationPath: victim)
        XCTAssertNil(handoff.read(handoff.directory + "/" + key + ".push"))
        try handoff.begin(.init(app: "x", pusher: "alice", options: nil, updates: updates))
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
    }

    /// The update hook appends to the record pre-receive wrote: never through a link planted
    /// in its place, and never to a record that is gone (it is not created anew).
    func testTheUpdateHookAppendsNeitherThroughAPlantedLinkNorToAMissingRecord() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let updates = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        let path = try handoff.begin(.init(app: "x", pusher: "alice", options: nil, updates: updates))
        let victim = gitDirectory + "/victim"
        FileManager.default.createFile(atPath: victim, contents: Data("precious\n".utf8))
        handoff.remove(path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        XCTAssertThrowsError(try handoff.append([deploy("refs/heads/main", a, reason: "x", pusher: "alice")], to: path)) {
            XCTAssertEqual(($0 as? Failure)?.code, ELOOP, "\($0)")
        }
        XCTAssertThrowsError(try handoff.markStoreFailed("store down", in: path))
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        handoff.remove(path)
        XCTAssertThrowsError(try handoff.append([deploy("refs/heads/main", a, reason: "x", pusher: "alice")], to: path)) {
            XCTAssertEqual(($0 as? Failure)?.code, ENOENT, "\($0)")
        }
        XCTAssertFalse(Files.exists(path), "a record that is gone is not created by appending")
    }

    func testAHandOverDirectoryThatIsNotADirectoryIsAnError() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        FileManager.default.createFile(atPath: handoff.directory, contents: Data())
        XCTAssertThrowsError(try handoff.begin(.init(app: "x", pusher: "alice", options: nil,
                                                     updates: [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")])))
    }

    func testAStoreFailureIsHandedOnOnceAndLeavesTheDeploysAsTheyWere() throws {
        let handoff = PushHandoff(gitDirectory: gitDirectory)
        let pushed = [RefUpdate(oldID: c, newID: a, ref: "refs/heads/main")]
        let path = try handoff.begin(.init(app: "x", pusher: "dave", options: nil, updates: pushed),
                                     deploys: [deploy("refs/heads/main", a, reason: "before", pusher: "dave")])
        XCTAssertNil(handoff.read(path)?.storeFailure)
        try handoff.markStoreFailed("exec store helper get did not answer", in: path)
        try handoff.markStoreFailed("a second failure is not added", in: path)
        try handoff.append([deploy("refs/heads/main", a, reason: "after", pusher: "dave")], to: path)
        let record = try XCTUnwrap(handoff.find(pusher: "dave", options: .some(nil), updates: pushed))
        XCTAssertEqual(record.storeFailure, "exec store helper get did not answer")
        XCTAssertEqual(record.deploys.map(\.reason), ["before", "after"], "the failure line is not read as a deploy")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("storeFailed") }.count, 1)
    }
}
