/// One ref's outcome in a push: its environment's evaluation, or why it was not checked.
public struct RefOutcome: Equatable, Sendable {
    public var update: RefUpdate
    /// The environment the ref deploys to; nil when the ref was not checked (unmapped,
    /// a deletion, or mode off).
    public var environment: String?
    /// nil when not checked, or when the store failed before an evaluation was possible.
    public var evaluation: Evaluation?
    public var decision: Decision
    /// What was out of sync (before a sync in this push fixed it): the first
    /// `AuditRecord.maxFindings`, worst first; `findingCount` says how many there were in all.
    /// Refs that share an evaluation share this array, so 2,000 refs of a 30,000-key manifest
    /// hold one copy of 200 findings, not 2,000 copies of 30,000.
    public var findings: [KeyReport]
    /// How many findings there were, kept or not.
    public var findingCount: Int
    /// The first ref of this push whose evaluation this ref shares (same environment, manifest
    /// blob and added reads), when it is not this ref: its findings are said and recorded once,
    /// there.
    public var sameAs: String?
    /// Why: the override reason, a manifest problem, a store or transmit failure.
    public var reason: String
    /// The store failure behind the decision, if any.
    public var storeFailure: Failure?

    public init(update: RefUpdate, environment: String?, evaluation: Evaluation?, decision: Decision,
                findings: [KeyReport] = [], findingCount: Int? = nil, sameAs: String? = nil,
                reason: String = "", storeFailure: Failure? = nil) {
        self.update = update
        self.environment = environment
        self.evaluation = evaluation
        self.decision = decision
        self.findings = findings.count > AuditRecord.maxFindings ? Array(findings.prefix(AuditRecord.maxFindings)) : findings
        self.findingCount = max(findingCount ?? findings.count, self.findings.count)
        self.sameAs = sameAs
        self.reason = reason
        self.storeFailure = storeFailure
    }

    /// True when the ref was checked, and so gets an audit record (and a note when it moves).
    public var checked: Bool { environment != nil }

    /// Findings as records and notes keep them: bounded, so a manifest declaring 60,000 keys
    /// cannot make a record of megabytes.
    public var recordedFindings: [AuditRecord.KeyFinding] {
        findings.prefix(AuditRecord.maxFindings).map {
            AuditRecord.KeyFinding(key: $0.key, status: $0.status.rawValue, readBy: $0.readBy.map(AuditRecord.KeyFinding.site))
        }
    }

    /// The reason, saying how many findings were left out of the record.
    public var recordedReason: String {
        let left = findingCount - min(findings.count, AuditRecord.maxFindings)
        guard left > 0 else { return reason }
        return (reason.isEmpty ? "" : reason + "; ") + "\(left) more finding(s) not recorded"
    }
}

/// One deploy a push decided: a commit going to an environment by one or more refs. It
/// becomes a note (and a deploy record) only for refs post-receive saw move.
public struct DeployRecord: Equatable, Sendable {
    public var app: String
    public var refs: [String]
    public var newID: String
    public var environment: String
    public var decision: Decision
    public var configVersion: Int64
    public var findings: [AuditRecord.KeyFinding]
    public var reason: String
    public var pusher: String
    public var time: String

    public init(app: String, refs: [String], newID: String, environment: String, decision: Decision,
                configVersion: Int64, findings: [AuditRecord.KeyFinding], reason: String, pusher: String, time: String) {
        self.app = app
        self.refs = refs
        self.newID = newID
        self.environment = environment
        self.decision = decision
        self.configVersion = configVersion
        self.findings = findings
        self.reason = reason
        self.pusher = pusher
        self.time = time
    }

    /// The deploys that really happened: only refs git updated (as post-receive lists them),
    /// one record per commit and environment (the per-ref update hook records refs one by one).
    public static func happened(_ decided: [DeployRecord], updated: [RefUpdate]) -> [DeployRecord] {
        let moved = Set(updated.map { $0.ref + " " + $0.newID })
        var merged: [DeployRecord] = []
        var index: [String: Int] = [:]
        for var deploy in decided {
            deploy.refs = deploy.refs.filter { moved.contains($0 + " " + deploy.newID) }
            if deploy.refs.isEmpty { continue }
            let key = deploy.newID + " " + deploy.environment
            if let known = index[key] {
                for ref in deploy.refs where !merged[known].refs.contains(ref) { merged[known].refs.append(ref) }
            } else {
                index[key] = merged.count
                merged.append(deploy)
            }
        }
        return merged
    }
}

extension DeployRecord {
    /// The audit records of deploys that happened: one `deployed` record per ref that moved,
    /// carrying the decision's reason and config version; the deploy's findings are recorded
    /// with its first ref, and the others name that ref (1,000 branches of one commit do not
    /// repeat its findings 1,000 times).
    public static func auditRecords(_ deploys: [DeployRecord], updated: [RefUpdate], time: String) -> [AuditRecord] {
        var oldIDs: [String: String] = [:]
        for update in updated { oldIDs[update.ref + " " + update.newID] = update.oldID }
        return deploys.flatMap { deploy in
            deploy.refs.enumerated().map { position, ref in
                var reason = deploy.decision == .accepted ? "" : join(deploy.decision.rawValue, deploy.reason)
                if position > 0 && !deploy.findings.isEmpty {
                    reason = join(reason, "the same \(deploy.findings.count) finding(s) as \(deploy.refs[0]), recorded there")
                }
                return AuditRecord(time: time, app: deploy.app, environment: deploy.environment, ref: ref,
                                   oldID: oldIDs[ref + " " + deploy.newID] ?? "", newID: deploy.newID, pusher: deploy.pusher,
                                   decision: .deployed, findings: position == 0 ? deploy.findings : [],
                                   reason: reason, configVersion: deploy.configVersion)
            }
        }
    }
}

/// The whole decision for a push: per-ref outcomes, the lines for the pusher, the records to
/// keep, and the exit status. Built by `PushDecider`; hooks only write it out.
public struct PushDecision: Equatable, Sendable {
    public var request: PushRequest.Summary
    public var outcomes: [RefOutcome]
    /// The pusher's lines, before the GitLab marker (see `lines`).
    public var body: [String]

    public init(request: PushRequest.Summary, outcomes: [RefOutcome], body: [String]) {
        self.request = request
        self.outcomes = outcomes
        self.body = body
    }

    /// True when any ref is refused: pre-receive then refuses the whole push.
    public var rejected: Bool { outcomes.contains { $0.decision == .rejected } }

    /// The hook's exit status: 1 refuses (the push in pre-receive, the ref in update).
    public var exitStatus: Int32 { rejected ? 1 : 0 }

    /// What the pusher reads: at most `maxOutputBytes`.
    public var lines: [String] {
        let lines = request.gitlab && rejected ? Report.gitlabRejection(body) : body
        return PushDecision.bounded(lines, app: request.app, refs: outcomes.count)
    }

    /// What one push prints is cut at this many bytes (64 KiB), counted as the pusher sees
    /// them: each line with git's `remote: ` and a newline.
    public static let maxOutputBytes = 64 << 10

    /// Of the cut output, the last lines kept (the outcome: a push refused, an override not
    /// recorded) take at most this many bytes.
    static let outputTailBytes = 8 << 10

    /// `lines` within `maxOutputBytes`: the first lines, a line saying what was cut and where
    /// every ref's decision is recorded, then the last lines.
    static func bounded(_ lines: [String], app: String, refs: Int) -> [String] {
        func cost(_ line: String) -> Int { line.utf8.count + "remote: \n".utf8.count }
        var total = 0
        for line in lines { total += cost(line) }
        if total <= maxOutputBytes { return lines }
        let cut = { (count: Int, bytes: Int) -> String in
            Report.outputCut(lines: count, bytes: bytes, limit: maxOutputBytes, app: app, refs: refs)
        }
        // The cut line's own size, with the largest numbers it can hold.
        let room = maxOutputBytes - cost(cut(lines.count, total))
        var tail = lines.count, tailBytes = 0
        while tail > 0, tailBytes + cost(lines[tail - 1]) <= outputTailBytes {
            tail -= 1
            tailBytes += cost(lines[tail])
        }
        var head = 0, headBytes = 0
        while head < tail, headBytes + cost(lines[head]) <= room - tailBytes {
            headBytes += cost(lines[head])
            head += 1
        }
        return Array(lines[..<head]) + [cut(tail - head, total - headBytes - tailBytes)] + Array(lines[tail...])
    }

    /// One audit record per checked ref. Refs whose store did not answer in time get none:
    /// asking that store again would break the promise of a decision within the timeout.
    /// A push's records keep at most this many findings in all (each record at most
    /// `AuditRecord.maxFindings`): 2,000 refs of 30,000 keys must not make gigabytes.
    public static let maxRecordedFindings = 10_000

    /// A push's records (and its deploys, which become notes and `deployed` records) keep at
    /// most this many bytes of findings and reasons in all, as stored (escaped): 1 MiB.
    public static let maxRecordedBytes = 1 << 20

    /// A reason past the push's byte budget is cut to this many Unicode scalars.
    static let cutReasonLength = 200

    public var auditRecords: [AuditRecord] {
        var budget = RecordBudget()
        return outcomes.filter { $0.checked && $0.storeFailure?.timedOut != true }.map { outcome in
            let (findings, reason) = budget.take(outcome)
            return AuditRecord(time: request.time, app: request.app, environment: outcome.environment ?? "",
                               ref: outcome.update.ref, oldID: outcome.update.oldID, newID: outcome.update.newID,
                               pusher: request.pusher, decision: outcome.decision, findings: findings,
                               reason: reason, configVersion: outcome.evaluation?.desiredVersion ?? 0)
        }
    }

    /// The deploys this decision lets through, one per commit and environment (1,000 branches
    /// of one commit are one deploy). None when the push is refused.
    public var deploys: [DeployRecord] {
        if rejected { return [] }
        var budget = RecordBudget()
        var deploys: [DeployRecord] = []
        var index: [String: Int] = [:]
        for outcome in outcomes where outcome.checked && outcome.decision.allowsPush {
            let key = outcome.update.newID + " " + (outcome.environment ?? "")
            if let known = index[key] {
                deploys[known].refs.append(outcome.update.ref)
                continue
            }
            index[key] = deploys.count
            // A note stays with its commit, so it names its findings even when an earlier
            // commit of this push had the same (within the push's byte budget).
            var own = outcome
            own.sameAs = nil
            let (findings, reason) = budget.take(own)
            deploys.append(DeployRecord(
                app: request.app, refs: [outcome.update.ref], newID: outcome.update.newID,
                environment: outcome.environment ?? "", decision: outcome.decision,
                configVersion: outcome.evaluation?.desiredVersion ?? 0, findings: findings,
                reason: reason, pusher: request.pusher, time: request.time))
        }
        return deploys
    }

    /// The decision after its audit records could not be written: an override is only
    /// "deploy anyway (recorded)" when it is recorded, so unrecorded overrides are refused.
    public func withAuditFailure(_ message: String) -> PushDecision {
        var decision = self
        let audited = Set(auditRecords.map { $0.ref + " " + $0.newID })
        var refused = false
        for index in decision.outcomes.indices where decision.outcomes[index].decision == .overridden
            && audited.contains(decision.outcomes[index].update.ref + " " + decision.outcomes[index].update.newID) {
            decision.outcomes[index].decision = .rejected
            refused = true
            decision.body.append(Report.overrideRefused(ref: decision.outcomes[index].update.ref, message: message))
        }
        // A store failure already said the store failed; otherwise say the record is missing.
        if !refused && !outcomes.contains(where: { $0.storeFailure != nil }) {
            decision.body.append(Report.auditNotWritten(message))
        }
        return decision
    }

    /// The decision after the hand-over to post-receive could not be written: without it no
    /// note or deploy record would follow, so every checked ref is refused (fail closed).
    public func withHandoffFailure(_ message: String) -> PushDecision {
        var decision = self
        var refused = false
        for index in decision.outcomes.indices
            where decision.outcomes[index].checked && decision.outcomes[index].decision.allowsPush {
            decision.outcomes[index].decision = .rejected
            decision.outcomes[index].reason = join(decision.outcomes[index].reason, "hand-over to post-receive failed: " + message)
            refused = true
        }
        if refused {
            decision.body.append(Report.handoffFailed(message))
        }
        return decision
    }
}

/// What one push may still record: `PushDecision.maxRecordedFindings` findings and
/// `PushDecision.maxRecordedBytes` bytes of findings and reasons, counted as stored (escaped).
/// A ref sharing an earlier ref's evaluation records no findings: its reason names that ref.
struct RecordBudget {
    var findings = PushDecision.maxRecordedFindings
    var bytes = PushDecision.maxRecordedBytes

    /// The findings and reason `outcome`'s record keeps, taken from the budget.
    mutating func take(_ outcome: RefOutcome) -> (findings: [AuditRecord.KeyFinding], reason: String) {
        var reason: String
        var findings: [AuditRecord.KeyFinding] = []
        if let first = outcome.sameAs, outcome.findingCount > 0 {
            reason = join(outcome.reason, "the same \(outcome.findingCount) finding(s) as \(first), recorded there")
        } else {
            reason = outcome.recordedReason
            let wanted = outcome.recordedFindings
            for finding in wanted {
                let size = RecordBudget.size(of: finding)
                guard findings.count < self.findings, size <= bytes else { break }
                bytes -= size
                findings.append(finding)
            }
            self.findings -= findings.count
            if findings.count < wanted.count {
                reason = join(reason, "\(wanted.count - findings.count) finding(s) over the push's limit not recorded"
                              + " (a push records at most \(PushDecision.maxRecordedFindings) findings and \(PushDecision.maxRecordedBytes >> 20) MiB)")
            }
        }
        let size = escapedForTerminal(reason).utf8.count
        if size > bytes && reason.unicodeScalars.count > PushDecision.cutReasonLength {
            // Past the budget a reason is cut: its start says what kind of reason it was.
            var cut = String.UnicodeScalarView()
            cut.append(contentsOf: reason.unicodeScalars.prefix(PushDecision.cutReasonLength))
            reason = String(cut) + "… (cut: the push's records keep at most \(PushDecision.maxRecordedBytes >> 20) MiB)"
        }
        bytes -= min(bytes, escapedForTerminal(reason).utf8.count)
        return (findings, reason)
    }

    /// A finding's bytes as stored: its escaped fields and its JSON punctuation.
    static func size(of finding: AuditRecord.KeyFinding) -> Int {
        escapedForTerminal(finding.key).utf8.count + escapedForTerminal(finding.status).utf8.count
            + (finding.readBy.map { escapedForTerminal($0).utf8.count + 12 } ?? 0) + 26
    }
}

/// Joins two reasons with "; ".
func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : (b.isEmpty ? a : a + "; " + b) }

extension PushRequest {
    /// The parts of a request that records carry.
    public struct Summary: Equatable, Sendable {
        public var app: String
        public var pusher: String
        public var time: String
        public var gitlab: Bool
        public init(app: String, pusher: String, time: String, gitlab: Bool) {
            self.app = app
            self.pusher = pusher
            self.time = time
            self.gitlab = gitlab
        }
    }

    public var summary: Summary { Summary(app: app, pusher: pusher, time: time, gitlab: gitlab) }
}
