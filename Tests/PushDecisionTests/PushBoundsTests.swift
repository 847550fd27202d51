import XCTest
import PushGuardCore

/// Every push is bounded, whatever it carries: refs sharing a manifest cost what one ref costs,
/// what the pusher reads and what the audit log keeps have a ceiling, and key names a length.
final class PushBoundsTests: XCTestCase {
    private func releases(mode: Mode? = nil) -> Settings {
        var settings = Settings()
        settings.app = "billing-api"
        settings.environments = [EnvironmentSettings(name: "production", refs: ["refs/heads/release/*"], mode: mode)]
        return settings
    }

    /// A commit id for `index` (40 hex digits).
    private func commit(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return "d" + String(repeating: "0", count: 39 - hex.count) + hex
    }

    /// The bytes the pusher reads: each line with git's `remote: ` and a newline.
    private func printed(_ lines: [String]) -> Int { lines.reduce(0) { $0 + $1.utf8.count + "remote: \n".utf8.count } }

    /// What the records of a push keep, as stored: findings and reasons, escaped.
    private func recordedBytes(_ records: [AuditRecord]) -> Int {
        records.map(\.escaped).reduce(0) { $0 + $1.findingsJSON.utf8.count + $1.reason.utf8.count }
    }

    func testTwoThousandRefsSharingA30000KeyManifestAreDecidedAsOne() {
        var push = Push()
        push.settings = releases()
        push.store.states["production"] = inSync("production")
        let manifest = Manifest.declared((0..<30_000).map { Requirement(key: "KEY_\($0)") })
        var updates: [RefUpdate] = []
        for index in 0..<PushDecider.maxMappedRefs {
            push.manifests.byCommit[commit(index)] = manifest
            push.manifests.blobs[commit(index)] = "the shared app.json"
            updates.append(update("refs/heads/release/\(index)", to: commit(index), from: zero))
        }
        let decision = push.decide(updates)
        XCTAssertEqual(decision.exitStatus, 1)
        XCTAssertEqual(push.store.lookups, ["production"])

        // One evaluation: every outcome holds the same 200 findings (one copy), and the count.
        XCTAssertTrue(decision.outcomes.allSatisfy { $0.findingCount == 30_000 && $0.findings.count == AuditRecord.maxFindings })
        let buffers = Set(decision.outcomes.map { $0.findings.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } })
        XCTAssertEqual(buffers.count, 1, "2,000 refs share one copy of the findings")
        XCTAssertEqual(decision.outcomes.compactMap(\.sameAs).count, PushDecider.maxMappedRefs - 1)

        // Said once: one block, then one line for the other 1,999 refs.
        let lines = decision.lines
        XCTAssertEqual(lines.filter { $0.contains("config not synchronized") }.count, 1, "\(lines.prefix(5))")
        XCTAssertEqual(lines.filter { $0.hasPrefix("pushguard:   KEY_") }.count, 20)
        XCTAssertTrue(lines.contains("pushguard: push to billing-api/production (refs/heads/release/1, refs/heads/release/2, refs/heads/release/3 and 1996 more) rejected: the same 30000 keys, for 2000 refs"),
                      "\(lines)")
        XCTAssertLessThan(printed(lines), 8 << 10, "one block and one line")

        // Recorded once: the first ref's record keeps 200 findings, the others name it.
        let records = decision.auditRecords
        XCTAssertEqual(records.count, PushDecider.maxMappedRefs, "every decision is recorded")
        XCTAssertEqual(records[0].findings.count, AuditRecord.maxFindings)
        XCTAssertTrue(records[0].reason.contains("29800 more finding(s) not recorded"), records[0].reason)
        XCTAssertTrue(records.dropFirst().allSatisfy { $0.findings.isEmpty })
        XCTAssertEqual(records[1999].reason, "the same 30000 finding(s) as refs/heads/release/0, recorded there")
        XCTAssertLessThan(recordedBytes(records), 200 << 10)
    }

    func testAManifestKeyOverTheNameLimitIsAManifestProblemNotAMegabyteString() {
        var push = Push()
        push.settings = releases()
        push.store.states["production"] = inSync("production")
        // Just under the manifest's 1 MiB: a key of about a mebibyte, starting with an escape.
        let filler = String(repeating: "A", count: (1 << 20) - 40)
        push.manifests.byCommit[commitA] = Manifest.parse(Array(("{\"env\": {\"\\u001b[2J" + filler + "\": \"x\"}}").utf8))
        let decision = push.decide([update("refs/heads/release/1")])
        XCTAssertEqual(decision.exitStatus, 1)
        let lines = decision.lines
        let start = #""\u001b[2J"# + String(repeating: "A", count: 36) + #"…""#
        XCTAssertTrue(lines.contains("pushguard: push to billing-api/production (refs/heads/release/1) rejected: app.json in aaaaaaaaaaaa cannot be read: env has a key of \(filler.utf8.count + 4) bytes, over the limit of 256: " + start),
                      "\(lines.map { $0.prefix(300) })")
        XCTAssertTrue(lines.contains("pushguard: fix app.json in aaaaaaaaaaaa:  shorten that name in app.json to at most 256 bytes, commit, then push again"), "\(lines.map { $0.prefix(300) })")
        XCTAssertLessThan(printed(lines), 2048)
        let records = decision.auditRecords
        XCTAssertEqual(records.count, 1)
        XCTAssertLessThan(recordedBytes(records), 512, records[0].reason)
    }

    func testAKeyOfExactlyTheLimitIsStillAKey() {
        let key = String(repeating: "K", count: Manifest.maxKeyLength)
        XCTAssertEqual(Manifest.parse(Array(#"{"env": {"\#(key)": "x"}}"#.utf8)).requiredKeys, [key])
        let longer = key + "K"
        XCTAssertEqual(Manifest.parse(Array(#"{"environments": {"review": {"env": {"\#(longer)": "x"}}}}"#.utf8)),
                       .unreadable(#"environments.review.env has a key of 257 bytes, over the limit of 256: "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK…""#))
        XCTAssertEqual(Manifest.parse(Array(#"{"environments": {"\#(longer)": {}}}"#.utf8)),
                       .unreadable(#"environments has a section name of 257 bytes, over the limit of 256: "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK…""#))
    }

    func testWhatThePusherReadsIsCutAt64KiBSayingWhatWasCutAndWhereTheRestIs() {
        var push = Push()
        push.settings = releases()
        push.store.states["production"] = inSync("production")
        // 2,000 different manifests: nothing is shared, every ref has its own block.
        var updates: [RefUpdate] = []
        for index in 0..<PushDecider.maxMappedRefs {
            push.manifests.byCommit[commit(index)] = .declared((0..<30).map { Requirement(key: "KEY_\(index)_\($0)") })
            updates.append(update("refs/heads/release/\(index)", to: commit(index), from: zero))
        }
        let decision = push.decide(updates)
        XCTAssertGreaterThan(printed(decision.body), 1 << 20, "the whole text is megabytes")
        let lines = decision.lines
        XCTAssertLessThanOrEqual(printed(lines), PushDecision.maxOutputBytes)
        XCTAssertTrue(lines.first!.contains("(refs/heads/release/0) rejected"), lines.first!)
        let cut = lines.filter { $0.contains("not shown: a push prints at most 64 KiB") }
        XCTAssertEqual(cut.count, 1, "\(lines.suffix(3))")
        XCTAssertTrue(cut.first?.hasSuffix("every ref's decision is in the audit log: pushguard audit --app billing-api --limit 2000") == true, "\(cut)")
        XCTAssertTrue(lines.last!.contains("or deploy anyway (recorded)"), "the end is kept: \(lines.last!)")
        // Every ref is still decided and recorded.
        XCTAssertEqual(decision.auditRecords.count, PushDecider.maxMappedRefs)
    }

    func testARecordsFindingsAndReasonsStayWithinTheBytesBudget() {
        var push = Push()
        push.settings = releases(mode: .warn)
        push.store.states["production"] = inSync("production")
        // 100 different manifests of 200 keys of 256 bytes: 5 MB of findings if all were kept,
        // and an override reason of 16 KB on each record.
        let refs = 100
        var updates: [RefUpdate] = []
        for index in 0..<refs {
            let keys = (0..<200).map { key -> Requirement in
                let name = "K\(index)_\(key)_"
                return Requirement(key: name + String(repeating: "X", count: Manifest.maxKeyLength - name.utf8.count))
            }
            push.manifests.byCommit[commit(index)] = .declared(keys)
            updates.append(update("refs/heads/release/\(index)", to: commit(index), from: zero))
        }
        push.options.override = Override(reason: String(repeating: "because ", count: 2000))
        let decision = push.decide(updates)
        XCTAssertEqual(decision.exitStatus, 0)
        let records = decision.auditRecords
        XCTAssertEqual(records.count, refs)
        // 1 MiB of findings and reasons, then each further reason cut to 200 characters and a note.
        let bound = PushDecision.maxRecordedBytes + refs * 300
        XCTAssertLessThanOrEqual(recordedBytes(records), bound)
        XCTAssertTrue(records.last!.reason.hasSuffix("… (cut: the push's records keep at most 1 MiB)"), records.last!.reason)
        XCTAssertTrue(records.last!.findings.isEmpty)
        // The deploys (notes and `deployed` records) are held to the same budget.
        let deploys = decision.deploys
        XCTAssertEqual(deploys.count, refs)
        let deployBytes = deploys.reduce(0) { $0 + AuditRecord.json(findings: $1.findings).encoded().utf8.count + $1.reason.utf8.count }
        XCTAssertLessThanOrEqual(deployBytes, bound)
    }

    func testRefsOfOneCommitRecordTheirDeployFindingsOnce() {
        let deploy = DeployRecord(app: "billing-api", refs: (0..<1000).map { "refs/heads/release/\($0)" }, newID: commitA,
                                  environment: "production", decision: .warned, configVersion: 7,
                                  findings: (0..<200).map { AuditRecord.KeyFinding(key: "KEY_\($0)", status: "missing") },
                                  reason: "", pusher: "alice", time: "2026-11-27T10:00:00Z")
        let updated = deploy.refs.map { RefUpdate(oldID: zero, newID: commitA, ref: $0) }
        let records = DeployRecord.auditRecords([deploy], updated: updated, time: "2026-11-27T10:00:01Z")
        XCTAssertEqual(records.count, 1000)
        XCTAssertEqual(records[0].findings.count, 200)
        XCTAssertTrue(records.dropFirst().allSatisfy { $0.findings.isEmpty })
        XCTAssertEqual(records[999].reason, "warned; the same 200 finding(s) as refs/heads/release/0, recorded there")
    }
}
