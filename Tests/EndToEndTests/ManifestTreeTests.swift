import Foundation
import XCTest

/// Trees that ordinary git never writes (entries out of git's order, a name twice), pushed for
/// real: PushGuard decides on the manifest git would deploy, or refuses when that cannot be told.
/// The trees are written byte by byte with `git hash-object -t tree --literally`, as an attacker
/// would; the receiving repository has git's default `receive.fsckObjects` (off).
final class ManifestTreeTests: XCTestCase {
    var sandbox: Sandbox!
    var repo: String!
    var work: String!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        repo = try sandbox.bareRepository("shop")
        work = sandbox.path("work")
        try sandbox.git("init", "-q", "-b", "main", work, in: sandbox.root.path)
    }

    override func tearDown() { sandbox = nil }

    /// An app.json requiring a variable that is not set in shop/production.
    private let needsPaymentKey = manifest(requiring: ["PAYMENT_KEY"])

    private func blob(_ text: String) throws -> String {
        let output = try sandbox.run(["git", "hash-object", "-w", "--stdin"], in: work, input: text)
        XCTAssertEqual(output.status, 0, output.all)
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes a tree object holding `entries` in exactly this order: `<mode> <name>\0<20-byte id>`.
    private func tree(_ entries: [(mode: String, name: String, id: String)]) throws -> String {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes += Array((entry.mode + " " + entry.name).utf8) + [0]
            var hex = Array(entry.id.utf8)[...]
            while hex.count >= 2 {
                bytes.append(UInt8(String(decoding: hex.prefix(2), as: UTF8.self), radix: 16)!)
                hex = hex.dropFirst(2)
            }
        }
        let file = sandbox.path("tree-\(UUID().uuidString.prefix(8))")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try sandbox.git("hash-object", "-t", "tree", "--literally", "-w", file, in: work)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func commit(_ tree: String) throws -> String {
        try sandbox.git("commit-tree", tree, "-m", "hand-written tree", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func push(_ commit: String, options: [String] = []) throws -> Output {
        try sandbox.run(["git", "push"] + options.flatMap { ["-o", $0] } + [repo, commit + ":refs/heads/main"], in: work)
    }

    /// `count` filler files named `prefix00`, `prefix01`, …, in git's order.
    private func fillers(_ prefix: String, _ count: Int) throws -> [(mode: String, name: String, id: String)] {
        try (0..<count).map { ("100644", prefix + String(format: "%02d", $0), try blob("filler \(prefix) \($0)\n")) }
    }

    private func decisions() throws -> [[String: Any]] {
        let output = try sandbox.pushguard("audit", "--json")
        let records = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] ?? []
        return records.filter { $0["decision"] as? String != "deployed" && $0["decision"] as? String != "registered" }
    }

    /// What git's own fsck says of the commit's objects in the work tree (the test's premise:
    /// the tree is one ordinary git would not write).
    private func fsck() throws -> String {
        try sandbox.run(["git", "fsck", "--no-dangling"], in: work).all
    }

    private func head(of repository: String) throws -> Output {
        try sandbox.run(["git", "rev-parse", "--verify", "-q", "refs/heads/main"], in: repository)
    }

    func testATreeOutOfGitsOrderIsRefusedNamingTheTreeAndRecorded() throws {
        // app.json and 30 files, written in reverse order (f29 … f00, app.json): a binary search
        // for app.json misses it.
        let entries = [("100644", "app.json", try blob(needsPaymentKey))] + (try fillers("f", 30))
        let tree = try tree(entries.reversed())
        let commit = try commit(tree)
        XCTAssertTrue(try fsck().contains("treeNotSorted"))
        // git deploys that app.json: an archive of the commit holds it.
        let archive = try sandbox.run(["sh", "-c", "git archive \(commit) | tar -xO app.json"], in: work)
        XCTAssertTrue(archive.stdout.contains("PAYMENT_KEY"), archive.all)

        let push = try push(commit)
        XCTAssertEqual(push.status, 1, push.all)
        let c12 = String(commit.prefix(12)), t12 = String(tree.prefix(12))
        XCTAssertTrue(push.stderr.contains("remote: pushguard: push to shop/production (refs/heads/main) rejected: app.json in \(c12) cannot be read: the commit's tree \(t12) is not sorted as git writes trees (git fsck: treeNotSorted), so PushGuard cannot tell which app.json git would deploy"), push.stderr)
        XCTAssertTrue(push.stderr.contains("remote: pushguard: fix app.json in \(c12):  write the commit again with ordinary git, which sorts trees (git read-tree \(c12), check app.json, git commit --amend; git fsck shows the tree), then push again"), push.stderr)
        XCTAssertEqual(try head(of: repo).status, 1, "the ref did not move")
        let record = try decisions().first
        XCTAssertEqual(record?["decision"] as? String, "rejected")
        XCTAssertEqual(record?["newId"] as? String, commit)
        XCTAssertTrue((record?["reason"] as? String ?? "").hasPrefix("app.json cannot be read: the commit's tree \(t12) is not sorted as git writes trees (git fsck: treeNotSorted)"), "\(String(describing: record))")
    }

    func testATreeWithTheManifestTwiceIsRefused() throws {
        // Sorted but for the name given twice; placed so that a binary search lands on the first
        // app.json (which requires nothing) while a checkout keeps the second.
        let harmless = try blob(#"{"env": {}}"#)
        let entries = try fillers("a", 16) + [("100644", "app.json", harmless), ("100644", "app.json", try blob(needsPaymentKey))]
            + fillers("f", 14)
        let commit = try commit(try tree(entries))
        XCTAssertTrue(try fsck().contains("duplicateEntries"))
        try sandbox.git("branch", "twice", commit, in: work)
        try sandbox.git("clone", "-q", "-b", "twice", work, sandbox.path("checkout"), in: sandbox.root.path)
        let deployed = try String(contentsOfFile: sandbox.path("checkout/app.json"), encoding: .utf8)
        XCTAssertTrue(deployed.contains("PAYMENT_KEY"), "a checkout deploys the second app.json: \(deployed)")

        let push = try push(commit)
        XCTAssertEqual(push.status, 1, push.all)
        XCTAssertTrue(push.stderr.contains("cannot be read: the commit's tree \(try sandbox.git("rev-parse", "--short=12", commit + "^{tree}", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) has two entries named app.json (git fsck: duplicateEntries), so PushGuard cannot tell which app.json git would deploy"), push.stderr)
        XCTAssertEqual(try head(of: repo).status, 1, "the ref did not move")
        XCTAssertEqual(try decisions().first?["decision"] as? String, "rejected")
    }

    func testTreesOnAManifestPathWithDirectoriesAreCheckedEachOne() throws {
        try sandbox.git("config", "pushguard.manifest", "deploy/app.json", in: repo)
        let readme = try blob("read me\n")
        // deploy/ written out of order, the root sorted.
        let unsorted = try tree(([("100644", "app.json", try blob(needsPaymentKey))] + (try fillers("f", 5))).reversed())
        let inner = try push(try commit(try tree([("100644", "README", readme), ("40000", "deploy", unsorted)])))
        XCTAssertEqual(inner.status, 1, inner.all)
        XCTAssertTrue(inner.stderr.contains("deploy/app.json in "), inner.stderr)
        XCTAssertTrue(inner.stderr.contains("cannot be read: the tree \(unsorted.prefix(12)) at deploy/ is not sorted as git writes trees (git fsck: treeNotSorted), so PushGuard cannot tell which deploy/app.json git would deploy"), inner.stderr)

        // A file and a directory both named deploy: in git's order (deploy, deploy.txt, deploy/),
        // so only the names tell them apart.
        let sorted = try tree([("100644", "app.json", try blob(needsPaymentKey))])
        let root = try tree([("100644", "README", readme), ("100644", "deploy", readme),
                             ("100644", "deploy.txt", readme), ("40000", "deploy", sorted)])
        let both = try push(try commit(root))
        XCTAssertEqual(both.status, 1, both.all)
        XCTAssertTrue(both.stderr.contains("cannot be read: the commit's tree \(root.prefix(12)) has two entries named deploy (git fsck: duplicateEntries)"), both.stderr)
        XCTAssertEqual(try decisions().count, 2, "each refusal is recorded")
    }

    func testATreeOfNamesEachStartingWithTheNextIsDecided() throws {
        // 4,000 directories a!!…!, …, a!!, a! (git's order: longest first), each name starting
        // with every name after it: the case a check comparing names pairwise makes quadratic.
        // That the check is linear is counted in TreeOrderTests; here the hook decides it.
        let empty = try sandbox.git("hash-object", "-t", "tree", "-w", "/dev/null", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = ("100644", "app.json", try blob(needsPaymentKey))
        let nested = try commit(try tree((1...4_000).reversed().map { ("40000", "a" + String(repeating: "!", count: $0), empty) } + [manifest]))
        XCTAssertFalse(try fsck().contains("error"), "git's own fsck finds nothing")
        let refused = try push(nested)
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertTrue(refused.stderr.contains("PAYMENT_KEY  missing  not set  required by app.json"), refused.stderr)
    }

    func testTreesInGitsOrderAreDecidedAsBefore() throws {
        // Written by hand in git's order, where a directory sorts as if its name ended in '/':
        // foo-bar, foo.txt, then the directory foo (plain byte order would put foo first).
        let readme = try blob("read me\n")
        let directory = try tree([("100644", "README", readme)])
        let entries = [("100644", "app.json", try blob(needsPaymentKey)), ("100644", "foo-bar", readme),
                       ("100644", "foo.txt", readme), ("40000", "foo", directory), ("100755", "zeta", readme)]
        let commit = try commit(try tree(entries))
        XCTAssertFalse(try fsck().contains("error"), "git's own fsck finds nothing")
        let refused = try push(commit)
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertFalse(refused.stderr.contains("cannot be read"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("PAYMENT_KEY  missing  not set  required by app.json"), refused.stderr)
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "PAYMENT_KEY=-", "--transmit", input: "k")
        let accepted = try push(commit)
        XCTAssertEqual(accepted.status, 0, accepted.all)
        XCTAssertEqual(try head(of: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines), commit)
        // And one written by ordinary git, with a manifest in a directory.
        try sandbox.git("config", "pushguard.manifest", "deploy/app.json", in: repo)
        try sandbox.commit(in: work, files: ["deploy/app.json": manifest(requiring: ["PAYMENT_KEY", "SMTP_URL"]), "deploy.txt": "x", "lib/a.rb": "x"],
                           message: "ordinary")
        let ordinary = try sandbox.run(["git", "push", repo, "+HEAD:refs/heads/main"], in: work)
        XCTAssertEqual(ordinary.status, 1, ordinary.all)
        XCTAssertTrue(ordinary.stderr.contains("SMTP_URL  missing  not set  required by deploy/app.json"), ordinary.stderr)
        XCTAssertFalse(ordinary.stderr.contains("PAYMENT_KEY"), ordinary.stderr)
    }

    /// doctor says whether git itself checks pushed objects, as a note (PushGuard refuses such
    /// trees on the manifest's path either way), and what it says is so.
    func testDoctorNotesWhetherGitChecksPushedObjects() throws {
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "TOKEN=-", input: "v")
        let off = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(off.status, 0, off.all)
        XCTAssertTrue(off.stdout.contains("note     receive.fsckObjects is off: git accepts pushed objects it would not write itself (unsorted trees, duplicate entries); PushGuard refuses those on the manifest's path only; to have git refuse them anywhere: git config receive.fsckObjects true"), off.stdout)
        XCTAssertTrue(off.stdout.contains("no problems found"), off.stdout)

        try sandbox.git("config", "transfer.fsckObjects", "true", in: repo)
        let transfer = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(transfer.status, 0, transfer.all)
        XCTAssertTrue(transfer.stdout.contains("ok       transfer.fsckObjects is on: git checks every pushed object"), transfer.stdout)
        XCTAssertFalse(transfer.stdout.contains("note "), transfer.stdout)

        // receive.fsckObjects wins over transfer.fsckObjects, as in git.
        try sandbox.git("config", "receive.fsckObjects", "false", in: repo)
        XCTAssertTrue(try sandbox.pushguard("doctor", "--repo", repo).stdout.contains("note     receive.fsckObjects is off"))

        try sandbox.git("config", "receive.fsckObjects", "true", in: repo)
        let on = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(on.status, 0, on.all)
        XCTAssertTrue(on.stdout.contains("ok       receive.fsckObjects is on: git checks every pushed object"), on.stdout)
        // What doctor says is so: git itself now refuses a tree out of order, anywhere.
        let readme = try blob("read me\n")
        let lib = try tree([("100644", "b.rb", readme), ("100644", "a.rb", readme)])
        let refused = try push(try commit(try tree([("100644", "README", readme), ("40000", "lib", lib)])))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("treeNotSorted"), refused.stderr)

        try sandbox.git("config", "receive.fsckObjects", "maybe", in: repo)
        let broken = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(broken.status, 1, broken.all)
        XCTAssertTrue(broken.stdout.contains("PROBLEM  receive.fsckObjects cannot be read: failed to parse 'maybe' as a boolean value; git refuses every push to this repository until it is a boolean: git config receive.fsckObjects true"), broken.stdout)
        let push = try push(try commit(try tree([("100644", "README", readme)])))
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("bad boolean config value 'maybe'"), push.stderr)
    }
}
