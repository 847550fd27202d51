import XCTest
import PushGuardSystem

/// What the user database says about a user, as hooks and doctor ask it.
final class IdentityTests: XCTestCase {
    func testAUsersGroupsHoldItsPrimaryGroup() throws {
        let root = try XCTUnwrap(Identity.user(named: "root"))
        XCTAssertEqual(root.uid, 0)
        XCTAssertEqual(Identity.primaryGroup(of: 0), root.gid)
        XCTAssertEqual(try XCTUnwrap(Identity.groups(of: 0)).first, root.gid, "getgrouplist lists the primary group first")
    }

    func testAUserTheDatabaseDoesNotKnowHasNoGroups() {
        // The largest id is never given to an account ((uid_t)-1 means "no change" to chown).
        XCTAssertNil(Identity.groups(of: UserID.max))
        XCTAssertNil(Identity.primaryGroup(of: UserID.max))
        XCTAssertNil(Identity.user(named: "pushguard-no-such-user"))
    }
}
