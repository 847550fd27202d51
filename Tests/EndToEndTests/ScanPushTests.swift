import Foundation
import XCTest
import PushGuardCore

/// What the scan for new environment-variable reads compares, what it leaves out, and its
/// settings, through real pushes (Go and JavaScript reads).
final class ScanPushTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private let goRead = "package main\n\nimport \"os\"\n\nvar token = os.Getenv(\"NEW_AUTH_TOKEN\")\n"
    private let rejectedLine = "NEW_AUTH_TOKEN  missing  not set  read by cmd/auth.go:5 (new in this push)"

    /// The repository `api` with a first commit (no read) deployed to production by main. Its
    /// `pushguard.scan` is `strict` unless `config` sets it: the reads these tests add
    /// (`os.Getenv`, `process.env.X`) tolerate absence, and refuse only in `strict`.
    private func deployedRepository(config: [(String, String)] = []) throws -> (repo: String, work: String) {
        let scan = config.contains { $0.0 == "pushguard.scan" } ? [] : [("pushguard.scan", "strict")]
        let repo = try sandbox.bareRepository("api", config: scan + config)
        let work = try sandbox.workTree("work", remote: repo, files: ["README.md": "api\n"])
        let first = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(first.status, 0, first.all)
        return (repo, work)
    }

    private func audit() throws -> [[String: Any]] {
        try pushRecords(try sandbox.pushguard("audit", "--json"))
    }

    private func findings(_ record: [String: Any]?) -> [[String: String]] {
        (record?["findings"] as? [[String: String]]) ?? []
    }

    func testAuditRowsNotesAndTheAuditTableSayWhereTheKeyIsRead() throws {
        let (repo, work) = try deployedRepository()
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead], message: "token")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(rejectedLine), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("set NEW_AUTH_TOKEN:  pushguard config set --app api --env production NEW_AUTH_TOKEN=- --transmit"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("git config --add pushguard.scanIgnore NEW_AUTH_TOKEN"), refused.stderr)
        let rejected = try audit().first
        XCTAssertEqual(rejected?["decision"] as? String, "rejected")
        XCTAssertEqual(findings(rejected), [["key": "NEW_AUTH_TOKEN", "status": "missing", "readBy": "cmd/auth.go:5"]])

        let overridden = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=INC-9 token comes tonight"])
        XCTAssertEqual(overridden.status, 0, overridden.all)
        let records = try audit()
        let deployed = records.first { $0["decision"] as? String == "deployed" && $0["newId"] as? String != nil
            && ($0["reason"] as? String ?? "").hasPrefix("overridden") }
        XCTAssertEqual(findings(deployed), [["key": "NEW_AUTH_TOKEN", "status": "missing", "readBy": "cmd/auth.go:5"]])
        XCTAssertEqual(findings(records.first { $0["decision"] as? String == "overridden" }).first?["readBy"], "cmd/auth.go:5")
        let note = try sandbox.git("notes", "--ref=pushguard", "show", "refs/heads/main", in: repo)
        XCTAssertTrue(note.stdout.contains("out of sync: NEW_AUTH_TOKEN missing (read by cmd/auth.go:5)"), note.stdout)
        let table = try sandbox.pushguard("audit", "-a", "api")
        XCTAssertTrue(table.stdout.contains("NEW_AUTH_TOKEN missing (read by cmd/auth.go:5)"), table.stdout)
    }

    func testANewRefIsComparedWithTheEnvironmentsLastDeploy() throws {
        let (_, work) = try deployedRepository(config: [("pushguard.production.ref", "refs/heads/release/*")])
        // main maps to nothing here: the first deploy is release/1.
        let first = try sandbox.push("HEAD:refs/heads/release/1", from: work)
        XCTAssertEqual(first.status, 0, first.all)
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead], message: "token")
        let refused = try sandbox.push("HEAD:refs/heads/release/2", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(rejectedLine), refused.stderr)
    }

    func testANewRefWithoutADeployIsComparedWithTheMergeBaseOfTheDeployedRef() throws {
        let repo = try sandbox.bareRepository("api", install: ["none"])
        let work = try sandbox.workTree("work", remote: repo, files: ["README.md": "api\n", "src/old.js": "const old = process.env.OLD_TOKEN;\n"])
        // main exists before PushGuard guards the repository: no deploy is recorded.
        try sandbox.git("push", "-q", "origin", "HEAD:refs/heads/main", in: work)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        try sandbox.git("config", "--add", "pushguard.production.ref", "refs/heads/main", in: repo)
        try sandbox.git("config", "--add", "pushguard.production.ref", "refs/heads/hotfix/*", in: repo)
        try sandbox.git("config", "pushguard.scan", "strict", in: repo)
        try sandbox.commit(in: work, files: ["src/auth.js": "const token = process.env.NEW_AUTH_TOKEN;\n"], message: "token")
        let refused = try sandbox.push("HEAD:refs/heads/hotfix/1", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("NEW_AUTH_TOKEN  missing  not set  read by src/auth.js:1 (new in this push)"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("OLD_TOKEN"), "read before the push: \(refused.stderr)")
    }

    func testAFirstPushWithNothingToCompareWithReportsNoRead() throws {
        let repo = try sandbox.bareRepository("api", config: [("pushguard.scan", "strict")])
        let work = try sandbox.workTree("work", remote: repo, files: ["cmd/auth.go": goRead])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertFalse(push.stderr.contains("NEW_AUTH_TOKEN"), push.stderr)
        // The next push has a base: what it adds is reported, what the first push brought is not.
        try sandbox.commit(in: work, files: ["src/flags.js": "const flags = process.env.FEATURE_FLAGS;\n"], message: "flags")
        let next = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(next.status, 0, next.all)
        XCTAssertTrue(next.stderr.contains("FEATURE_FLAGS  missing  not set  read by src/flags.js:1 (new in this push)"), next.stderr)
        XCTAssertFalse(next.stderr.contains("NEW_AUTH_TOKEN"), next.stderr)
    }

    func testAReadPresentBeforeThePushIsNotReported() throws {
        let repo = try sandbox.bareRepository("api", config: [("pushguard.scan", "strict")])
        let work = try sandbox.workTree("work", remote: repo, files: ["cmd/auth.go": goRead])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        try sandbox.commit(in: work, files: ["cmd/auth.go": "// changed\n" + goRead + "var flags = os.Getenv(\"FEATURE_FLAGS\")\n",
                                             "cmd/more.go": goRead.replacingOccurrences(of: "var token", with: "var again")],
                           message: "touch the file that reads it")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("FEATURE_FLAGS  missing  not set  read by cmd/auth.go:7 (new in this push)"), push.stderr)
        XCTAssertFalse(push.stderr.contains("NEW_AUTH_TOKEN"), "read before the push, in a changed file and a new one: \(push.stderr)")
    }

    func testReadsWithADefaultInTestsAndOfPlatformVariablesAreNotReported() throws {
        let (_, work) = try deployedRepository()
        try sandbox.commit(in: work, files: [
            "src/config.js": "const level = process.env.LOG_LEVEL || 'info';\nconst region = process.env.REGION ?? 'eu';\nconst flags = process.env.FEATURE_FLAGS;\n",
            "cmd/auth_test.go": "package main\n\nimport \"os\"\n\nvar fake = os.Getenv(\"TEST_TOKEN\")\n",
            "test/helper.js": "const url = process.env.TEST_DATABASE_URL;\n",
            "cmd/server.go": "package main\n\nimport \"os\"\n\nvar port = os.Getenv(\"PORT\")\n",
            "node_modules/dep/index.js": "module.exports = process.env.DEP_SECRET;\n",
        ], message: "reads that need nothing, and one that does")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        let rows = push.stderr.split(separator: "\n").filter { $0.contains("(new in this push)") }
        XCTAssertEqual(rows.map { $0.trimmingCharacters(in: .whitespaces) }, ["remote: pushguard:   FEATURE_FLAGS  missing  not set  read by src/config.js:3 (new in this push), tolerates absence"],
                       "only the read without a default, outside tests, of a variable the platform does not set")
    }

    func testScanIgnoreSilencesByNameAndByPath() throws {
        let (repo, work) = try deployedRepository()
        try sandbox.git("config", "--add", "pushguard.scanIgnore", "NEW_*", in: repo)
        try sandbox.git("config", "--add", "pushguard.scanIgnore", "jobs/*", in: repo)
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead, "jobs/sync.js": "const key = process.env.SYNC_KEY;\n"],
                           message: "ignored reads")
        let accepted = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(accepted.status, 0, accepted.all)
        XCTAssertFalse(accepted.stderr.contains("pushguard:"), accepted.stderr)
        // Without the path glob the job's read counts.
        try sandbox.git("config", "--unset", "pushguard.scanIgnore", "jobs", in: repo)
        try sandbox.commit(in: work, files: ["jobs/sync.js": "const key = process.env.SYNC_KEY2;\n"], message: "another")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("SYNC_KEY2  missing  not set  read by jobs/sync.js:1 (new in this push)"), refused.stderr)
    }

    func testScanWarnAcceptsNewReadsAloneButNotAppJSONFindings() throws {
        let (_, work) = try deployedRepository(config: [("pushguard.scan", "warn")])
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead], message: "token")
        let warned = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(warned.status, 0, warned.all)
        XCTAssertTrue(warned.stderr.contains("accepted with warning: config not synchronized"), warned.stderr)
        XCTAssertTrue(warned.stderr.contains(rejectedLine), warned.stderr)
        XCTAssertTrue(warned.stderr.contains("pushguard.scan = warn"), warned.stderr)
        XCTAssertEqual(try audit().first { $0["decision"] as? String != "deployed" }?["decision"] as? String, "warned")

        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["PAYMENT_KEY"]),
                                             "src/pay.js": "const k = process.env.PAYMENT_KEY;\nconst s = process.env.NEW_SECRET;\n"],
                           message: "payments")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0, "app.json's finding follows the mode: \(refused.all)")
        XCTAssertTrue(refused.stderr.contains("PAYMENT_KEY  missing  not set  required by app.json, read by src/pay.js:1 (new in this push)"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("NEW_SECRET   missing  not set  read by src/pay.js:2 (new in this push)"), refused.stderr)
    }

    func testScanOffForAnEnvironmentScansNothing() throws {
        let (_, work) = try deployedRepository(config: [("pushguard.production.scan", "off")])
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead], message: "token")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertFalse(push.stderr.contains("pushguard:"), push.stderr)
    }

    func testAMistypedScanValueRefusesThePushNamingTheProbableValue() throws {
        let (repo, work) = try deployedRepository()
        try sandbox.git("config", "pushguard.scan", "of", in: repo)
        try sandbox.commit(in: work, files: ["README.md": "api 2\n"], message: "docs")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("pushguard.scan is \"of\"; did you mean `off`? (use on, strict, warn or off)"), push.stderr)
        try sandbox.git("config", "pushguard.scan", "reject", in: repo)
        let again = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("pushguard.scan is \"reject\"; did you mean `on`?"), again.stderr)
    }

    func testSyncInThePushTransmitsAStagedKeyTheCodeNewlyReads() throws {
        let (repo, work) = try deployedRepository()
        try sandbox.git("config", "pushguard.transmitCommand", "true", in: repo)
        let set = try sandbox.pushguard("config", "set", "--app", "api", "--env", "production", "NEW_AUTH_TOKEN=-", input: "tok")
        XCTAssertEqual(set.status, 0, set.all)
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead], message: "token")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("NEW_AUTH_TOKEN  staged   not transmitted (no instances)  read by cmd/auth.go:5 (new in this push)"), refused.stderr)
        let synced = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(synced.status, 0, synced.all)
        XCTAssertTrue(synced.stderr.contains("accepted after sync"), synced.stderr)
        let record = try audit().first { $0["decision"] as? String == "synced" }
        XCTAssertEqual(findings(record), [["key": "NEW_AUTH_TOKEN", "status": "staged", "readBy": "cmd/auth.go:5"]])
    }

    func testCheckShowsNewReadsAgainstTheLastDeployOrAGivenBase() throws {
        let (repo, work) = try deployedRepository()
        try sandbox.commit(in: work, files: ["cmd/auth.go": goRead], message: "token")
        try sandbox.git("push", "-q", "origin", "HEAD:refs/heads/wip", in: work)
        let rejected = try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "wip")
        XCTAssertEqual(rejected.status, 1, rejected.all)
        XCTAssertTrue(rejected.stderr.contains(rejectedLine), rejected.stderr)
        let sameBase = try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "wip", "--base", "wip")
        XCTAssertEqual(sameBase.status, 0, sameBase.all)
        XCTAssertFalse(sameBase.stderr.contains("NEW_AUTH_TOKEN"), sameBase.stderr)
        let badBase = try sandbox.pushguard("check", "--repo", repo, "--ref", "main", "--commit", "wip", "--base", "nope")
        XCTAssertEqual(badBase.status, 2, badBase.all)
        XCTAssertTrue(badBase.stderr.contains("--base nope is not a commit"), badBase.stderr)
    }

    func testAReadMovedToAnotherFileIsNotNew() throws {
        let repo = try sandbox.bareRepository("api", config: [("pushguard.scan", "strict")])
        let work = try sandbox.workTree("work", remote: repo, files: ["cmd/auth.go": goRead])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        try FileManager.default.createDirectory(atPath: work + "/internal/auth", withIntermediateDirectories: true)
        try sandbox.git("mv", "cmd/auth.go", "internal/auth/token.go", in: work)
        try sandbox.commit(in: work, files: ["src/flags.js": "const flags = process.env.FEATURE_FLAGS;\n"], message: "move the read")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("FEATURE_FLAGS  missing  not set  read by src/flags.js:1 (new in this push)"), push.stderr)
        XCTAssertFalse(push.stderr.contains("NEW_AUTH_TOKEN"), "moved, not new: \(push.stderr)")
    }

    /// A NUL byte in a comment (git calls the file binary) does not hide a new read in Ruby,
    /// Python or JavaScript: the file is scanned as the source its name says it is.
    func testANULByteInACommentDoesNotHideANewRead() throws {
        let (_, work) = try deployedRepository()
        try sandbox.commit(in: work, files: [
            "config/app.rb": "# generated \u{0} marker\nkey = ENV.fetch(\"RUBY_NEW_KEY\")\n",
            "app/settings.py": "import os\n# generated \u{0} marker\nkey = os.environ[\"PYTHON_NEW_KEY\"]\n",
            "src/server.js": "// generated \u{0} marker\nconst key = process.env.JS_NEW_KEY;\n",
        ], message: "reads behind a NUL")
        let binary = try sandbox.run(["git", "diff", "--numstat", "HEAD~1", "HEAD"], in: work)
        XCTAssertTrue(binary.stdout.contains("-\t-\tconfig/app.rb"), "git calls it binary: \(binary.stdout)")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        let lines = refused.stderr.split(separator: "\n")
        for (key, site) in [("RUBY_NEW_KEY", "config/app.rb:2"), ("PYTHON_NEW_KEY", "app/settings.py:3"), ("JS_NEW_KEY", "src/server.js:2")] {
            XCTAssertTrue(lines.contains { $0.contains(key + " ") && $0.contains("missing  not set  read by \(site) (new in this push)") },
                          "\(key)\n\(refused.stderr)")
        }
    }

    func testAChangedFileTooLargeToScanIsSaidNotSkippedInSilence() throws {
        let (_, work) = try deployedRepository()
        let large = "package main\n\n// " + String(repeating: "x", count: EnvironmentReadScanner.maxFileSize) + "\n"
        try sandbox.commit(in: work, files: ["cmd/generated.go": large], message: "generated code")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("1 changed file(s) in ") && push.stderr.contains("not scanned for new environment-variable reads (first: cmd/generated.go)"),
                      push.stderr)
    }

    func testASmallFileWhoseDeltaBaseIsTooLargeToScanIsStillScanned() throws {
        // Pushed objects are kept as packs, as git does for pushes of more than 100 objects.
        let (repo, work) = try deployedRepository(config: [("receive.unpackLimit", "1")])
        // 600 KiB of generated code, over the scan's limit, deployed; then cut to its first
        // 24 KiB plus a read. git sends the new version as a delta against the old one, so
        // reading it means inflating a base larger than any blob the scan reads.
        let lines = (0..<12_000).map { "var generated\(String(format: "%05d", $0)) = \"\(String(repeating: "g", count: 32))\"\n" }
        let large = "package main\n\n" + lines.joined()
        XCTAssertGreaterThan(large.utf8.count, EnvironmentReadScanner.maxFileSize)
        try sandbox.commit(in: work, files: ["cmd/generated.go": large], message: "generated code")
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let small = "package main\n\nimport \"os\"\n\nvar token = os.Getenv(\"NEW_AUTH_TOKEN\")\n" + lines.prefix(500).joined()
        try sandbox.commit(in: work, files: ["cmd/generated.go": small], message: "less generated code")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("NEW_AUTH_TOKEN  missing  not set  read by cmd/generated.go:5 (new in this push)"), refused.stderr)
        // The old version is too large to compare with, and is said to be (not "not scanned":
        // the new version was).
        XCTAssertTrue(refused.stderr.contains("1 changed file(s) in ") && refused.stderr.contains(
            " not compared with their old versions, over 524288 bytes (first: cmd/generated.go): a read the old versions already had may be reported as new"),
                      refused.stderr)
        XCTAssertFalse(refused.stderr.contains("not scanned for new environment-variable reads"), refused.stderr)

        // What the test is about: the pushed blob is a delta against the 600 KiB one.
        let set = try sandbox.pushguard("config", "set", "--app", "api", "--env", "production", "NEW_AUTH_TOKEN=-", "--transmit",
                                        input: "tok-SECRET-value")
        XCTAssertEqual(set.status, 0, set.all)
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let smallID = try sandbox.git("rev-parse", "HEAD:cmd/generated.go", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let largeID = try sandbox.git("rev-parse", "HEAD~1:cmd/generated.go", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let packs = try sandbox.run(["sh", "-c", "for p in objects/pack/*.idx; do git verify-pack -v \"$p\"; done"], in: repo)
        let entry = packs.stdout.split(separator: "\n").first { $0.hasPrefix(smallID + " ") }
        XCTAssertNotNil(entry, packs.stdout)
        XCTAssertEqual(entry.map { String($0.split(separator: " ").last ?? "") }, largeID, "not a delta against the large version: \(entry ?? "")")
    }

    func testAPushChangingMoreFilesThanTheScanBoundSaysHowManyWereLeftOut() throws {
        let (_, work) = try deployedRepository()
        // 10,001 Go files, written by one process (file by file from here takes half a minute).
        let generate = try sandbox.run(["sh", "-c", """
            for d in $(seq 0 99); do mkdir -p gen/d$d; done
            awk 'BEGIN { for (i = 0; i <= 10000; i++) { f = "gen/d" (i % 100) "/f" i ".go"; print "package gen" > f; close(f) } }'
            """], in: work)
        XCTAssertEqual(generate.status, 0, generate.all)
        try sandbox.commit(in: work, files: [:], message: "10,001 generated files")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("remote: pushguard: warning: 1 changed file(s) in ")
                      && push.stderr.contains("not scanned for new environment-variable reads: a push scans at most 10000 files"), push.stderr)
    }

    // MARK: the default, `on`

    func testByDefaultAnInsistingReadRefusesATolerantOneWarnsAndAReadTheApplicationHasIsNotNew() throws {
        let repo = try sandbox.bareRepository("api")
        let work = try sandbox.workTree("work", remote: repo, files: [
            "README.md": "api\n",
            "app/db.py": "import os\nDATABASE_URL = os.environ[\"DATABASE_URL\"]\n",
        ])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        // A tolerant read (os.Getenv gives ""), a presence test, a read in build tooling, and an
        // insisting read of a variable the application already insists on elsewhere.
        try sandbox.commit(in: work, files: [
            "cmd/auth.go": goRead,
            "src/flags.js": "if (process.env.BETA_FLAG) { enableBeta(); }\n",
            "scripts/build.js": "const key = process.env.BUILD_KEY.trim();\n",
            "app/jobs.py": "import os\nURL = os.environ[\"DATABASE_URL\"]\n",
        ], message: "tolerant reads")
        let warned = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(warned.status, 0, warned.all)
        XCTAssertTrue(warned.stderr.contains("accepted with warning: config not synchronized"), warned.stderr)
        XCTAssertTrue(warned.stderr.contains(rejectedLine + ", tolerates absence"), warned.stderr)
        XCTAssertTrue(warned.stderr.contains("(reads new in this push that tolerate an absent variable warn; pushguard.scan = strict makes them refuse)"), warned.stderr)
        for absent in ["BETA_FLAG", "BUILD_KEY", "DATABASE_URL"] {
            XCTAssertFalse(warned.stderr.contains(absent), "\(absent): \(warned.stderr)")
        }
        // An insisting read refuses.
        try sandbox.commit(in: work, files: ["app/pay.py": "import os\nKEY = os.environ[\"PAYMENT_KEY\"]\n"], message: "payments")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("PAYMENT_KEY  missing  not set  read by app/pay.py:2 (new in this push)"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("tolerates absence"), refused.stderr)
        // pushguard.scanInclude scans a built-in exclusion anyway; a mistyped kind is named.
        try sandbox.git("config", "pushguard.scanInclude", "tolling", in: repo)
        let mistyped = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(mistyped.status, 0)
        XCTAssertTrue(mistyped.stderr.contains("pushguard.scanInclude is \"tolling\"; did you mean `tooling`?"), mistyped.stderr)
        try sandbox.git("config", "pushguard.scanInclude", "tooling", in: repo)
        try sandbox.commit(in: work, files: ["scripts/build.js": "const key = process.env.BUILD_KEY2.trim();\n"], message: "build")
        let included = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=payment key comes tonight"])
        XCTAssertEqual(included.status, 0, included.all)
        XCTAssertTrue(included.stderr.contains("BUILD_KEY2   missing  not set  read by scripts/build.js:1 (new in this push)"), included.stderr)
    }

    /// Spring's `${X}` in application.yml insists, `${X:default}` tolerates; the Ruby in a Rails
    /// config/ ERB YAML file is read, so a read the application makes there is not new in code.
    func testSpringPlaceholdersAndERBYAMLReadsThroughAPush() throws {
        let repo = try sandbox.bareRepository("api")
        let work = try sandbox.workTree("work", remote: repo, files: [
            "README.md": "api\n",
            "config/storage.yml": "amazon:\n  service: S3\n  bucket: <%= ENV.fetch('S3_BUCKET') %>\n",
        ])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let yml = "spring:\n  datasource:\n    url: ${NEW_DB_URL:postgres://localhost}\n  port: ${server.port}\n"
        try sandbox.commit(in: work, files: [
            "src/main/resources/application.yml": yml,
            "config/initializers/storage.rb": "BUCKET = ENV.fetch('S3_BUCKET')\n",
        ], message: "tolerant placeholder; the bucket read also in code")
        let warned = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(warned.status, 0, warned.all)
        XCTAssertTrue(warned.stderr.contains("accepted with warning: config not synchronized"), warned.stderr)
        XCTAssertTrue(warned.stderr.contains("NEW_DB_URL  missing  not set  read by src/main/resources/application.yml:3 (new in this push), tolerates absence"),
                      warned.stderr)
        XCTAssertFalse(warned.stderr.contains("S3_BUCKET"), "read by config/storage.yml already: \(warned.stderr)")
        XCTAssertFalse(warned.stderr.contains("server.port"), warned.stderr)

        try sandbox.commit(in: work, files: ["src/main/resources/application.yml": yml.replacingOccurrences(of: ":postgres://localhost}", with: "}")],
                           message: "the database URL is required")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("NEW_DB_URL  missing  not set  read by src/main/resources/application.yml:3 (new in this push)"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("tolerates absence"), refused.stderr)
    }
}
