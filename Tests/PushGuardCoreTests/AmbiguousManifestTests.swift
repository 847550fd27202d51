import XCTest
@testable import PushGuardCore

/// A manifest whose tree git would not write (`Manifest.ambiguous`): decided like an unreadable
/// manifest, with its own fix.
final class AmbiguousManifestTests: XCTestCase {
    private let why = "the commit's tree 9a8b7c6d5e4f is not sorted as git writes trees (git fsck: treeNotSorted), so PushGuard cannot tell which app.json git would deploy"
    private let inSync = EnvironmentState(app: "shop", environment: "production", desiredVersion: 3,
                                          config: [ConfigEntry(key: "TOKEN", version: 3, digest: "d")],
                                          instances: [Instance(id: "web.1", appliedVersion: 3)])

    func testItIsDecidedLikeAnUnreadableManifestEvenWhenTheConfigIsInSync() {
        let rejected = Evaluator.evaluate(state: inSync, manifest: .ambiguous(why), mode: .reject)
        XCTAssertEqual(rejected.decision, .rejected)
        XCTAssertEqual(rejected.manifestProblem, why)
        XCTAssertTrue(rejected.manifestAmbiguous)
        XCTAssertFalse(rejected.inSync)
        XCTAssertEqual(Evaluator.evaluate(state: inSync, manifest: .ambiguous(why), mode: .warn).decision, .warned)
        XCTAssertEqual(Evaluator.evaluate(state: inSync, manifest: .ambiguous(why), mode: .reject,
                                          override: Override(reason: "hotfix")).decision, .overridden)
        let off = Evaluator.evaluate(state: inSync, manifest: .ambiguous(why), mode: .off)
        XCTAssertEqual(off.decision, .accepted)
        XCTAssertNil(off.manifestProblem)
        XCTAssertFalse(off.manifestAmbiguous)
        XCTAssertFalse(Evaluator.evaluate(state: inSync, manifest: .unreadable("it is empty"), mode: .reject).manifestAmbiguous)
    }

    func testItsFixIsToWriteTheCommitAgainWithOrdinaryGit() {
        let evaluation = Evaluator.evaluate(state: inSync, manifest: .ambiguous(why), mode: .reject)
        let commit = "0123456789abcdef0123456789abcdef01234567"
        XCTAssertEqual(Report().lines(for: evaluation, ref: "refs/heads/main", commit: commit), [
            "pushguard: push to shop/production (refs/heads/main) rejected: app.json in 0123456789ab cannot be read: " + why,
            "pushguard: fix app.json in 0123456789ab:  write the commit again with ordinary git, which sorts trees (git read-tree 0123456789ab, check app.json, git commit --amend; git fsck shows the tree), then push again",
            "pushguard: or deploy anyway (recorded):  git push -o pushguard.ack=\"reason\" …",
        ])
        // An unreadable manifest keeps its own fix.
        let unreadable = Evaluator.evaluate(state: inSync, manifest: .unreadable("it is empty"), mode: .reject)
        XCTAssertTrue(Report().lines(for: unreadable, ref: "refs/heads/main", commit: commit)
            .contains("pushguard: fix app.json in 0123456789ab:  commit app.json as a JSON object in a regular file under 1 MiB, then push again"))
    }
}
