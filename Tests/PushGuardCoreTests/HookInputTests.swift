import XCTest
@testable import PushGuardCore

final class HookInputTests: XCTestCase {
    private let zero = String(repeating: "0", count: 40)
    private let a = String(repeating: "a", count: 40)
    private let b = String(repeating: "b", count: 40)

    func testParsesOneLinePerRef() throws {
        let text = "\(a) \(b) refs/heads/main\n\(zero) \(b) refs/heads/new\n\(a) \(zero) refs/heads/gone\n"
        let updates = try HookInput.parse(Array(text.utf8))
        XCTAssertEqual(updates.map(\.ref), ["refs/heads/main", "refs/heads/new", "refs/heads/gone"])
        XCTAssertFalse(updates[0].isCreation || updates[0].isDeletion)
        XCTAssertTrue(updates[1].isCreation)
        XCTAssertTrue(updates[2].isDeletion)
    }

    func testEmptyInputIsNoUpdates() throws {
        XCTAssertEqual(try HookInput.parse([]), [])
    }

    func testSHA256IdsAreAccepted() throws {
        let long = String(repeating: "c", count: 64)
        XCTAssertEqual(try HookInput.parse(Array("\(long) \(long) refs/heads/main".utf8)).count, 1)
    }

    func testLinesWithoutThreeFieldsAreRejectedWithTheLineNumber() {
        XCTAssertThrowsError(try HookInput.parse(Array("\(a) \(b) refs/heads/main\n\(a) \(b)\n".utf8))) { error in
            XCTAssertEqual((error as? HookInputError)?.line, 2)
        }
    }

    func testNonHexIdsAreRejected() {
        XCTAssertThrowsError(try HookInput.parse(Array("\(String(repeating: "g", count: 40)) \(b) refs/heads/main".utf8)))
    }

    func testNulBytesAndInvalidUTF8InRefsAreRejected() {
        XCTAssertThrowsError(try HookInput.parse(Array("\(a) \(b) refs/heads/ma".utf8) + [0] + Array("in".utf8)))
        XCTAssertThrowsError(try HookInput.parse(Array("\(a) \(b) refs/heads/".utf8) + [0xff]))
    }

    func testAVeryLongLineIsRejected() {
        let line = Array("\(a) \(b) refs/heads/".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 2 << 20)
        XCTAssertThrowsError(try HookInput.parse(line))
    }

    func testPushOptionsAckWithAndWithoutReasonAndSync() {
        let environment = ["GIT_PUSH_OPTION_COUNT": "3", "GIT_PUSH_OPTION_0": "pushguard.ack=hotfix INC-7",
                           "GIT_PUSH_OPTION_1": "pushguard.sync", "GIT_PUSH_OPTION_2": "ci.skip"]
        let options = PushOptions.from { environment[$0] }
        XCTAssertEqual(options.override, Override(reason: "hotfix INC-7"))
        XCTAssertTrue(options.sync)
        let plain = PushOptions.from { ["GIT_PUSH_OPTION_COUNT": "1", "GIT_PUSH_OPTION_0": "pushguard.ack"][$0] }
        XCTAssertEqual(plain.override, Override(reason: nil))
        XCTAssertFalse(PushOptions.from { _ in nil }.advertised)
    }
}
