/// One ref's outcome in a push: its environment's evaluation, or why it was not checked.
public struct RefOutcome: Equatable, Sendable {
    public var update: RefUpdate
    /// The environment the ref deploys to; nil when the ref was not checked (unmapped,
    /// a deletion, or mode off).
    public var environment: String?
    /// nil when not checked, or when the store failed before an evaluation was possible.
    public var evaluation: Evaluation?
    public var decision: Decision
    /// What was out of sync (before a sync in this push fixed it).
    public var findings: [KeyReport]
    /// Why: the override reason, a manifest problem, a store or transmit failure.
    public var reason: String
    /// The store failure behind the decision, if any.
    public var storeFailure: StoreFailure?

    public init(update: RefUpdate, environment: String?, evaluation: Evaluation?, decision: Decision,
                findings: [KeyReport] = [], reason: String = "", storeFailure: StoreFailure? = nil) {
        self.update = update
        self.environment = environment
        self.evaluation = evaluation
        self.decision = decision
        self.findings = findings
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
        let left = findings.count - AuditRecord.maxFindings
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
    /// carrying the decision's findings, reason and config version.
    public static func auditRecords(_ deploys: [DeployRecord], updated: [RefUpdate], time: String) -> [AuditRecord] {
        var oldIDs: [String: String] = [:]
        for update in updated { oldIDs[update.ref + " " + update.newID] = update.oldID }
        return deploys.flatMap { deploy in
            deploy.refs.map { ref in
                AuditRecord(time: time, app: deploy.app, environment: deploy.environment, ref: ref,
                            oldID: oldIDs[ref + " " + deploy.newID] ?? "", newID: deploy.newID, pusher: deploy.pusher,
                            decision: .deployed, findings: deploy.findings,
                            reason: deploy.decision == .accepted ? "" : join(deploy.decision.rawValue, deploy.reason),
                            configVersion: deploy.configVersion)
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

    /// What the pusher reads.
    public var lines: [String] {
        request.gitlab && rejected ? Report.gitlabRejection(body) : body
    }

    /// One audit record per checked ref. Refs whose store did not answer in time get none:
    /// asking that store again would break the promise of a decision within the timeout.
    /// A push's records keep at most this many findings in all (each record at most
    /// `AuditRecord.maxFindings`): 2,000 refs of 30,000 keys must not make gigabytes.
    public static let maxRecordedFindings = 10_000

    public var auditRecords: [AuditRecord] {
        var budget = PushDecision.maxRecordedFindings
        return outcomes.filter { $0.checked && $0.storeFailure?.timedOut != true }.map { outcome in
            var findings = outcome.recordedFindings
            var reason = outcome.recordedReason
            if findings.count > budget {
                reason = join(reason, "\(findings.count - budget) finding(s) over the push's limit not recorded")
                findings = Array(findings.prefix(budget))
            }
            budget -= findings.count
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
        var deploys: [DeployRecord] = []
        var index: [String: Int] = [:]
        for outcome in outcomes where outcome.checked && outcome.decision.allowsPush {
            let key = outcome.update.newID + " " + (outcome.environment ?? "")
            if let known = index[key] {
                deploys[known].refs.append(outcome.update.ref)
                continue
            }
            index[key] = deploys.count
            deploys.append(DeployRecord(
                app: request.app, refs: [outcome.update.ref], newID: outcome.update.newID,
                environment: outcome.environment ?? "", decision: outcome.decision,
                configVersion: outcome.evaluation?.desiredVersion ?? 0, findings: outcome.recordedFindings,
                reason: outcome.recordedReason, pusher: request.pusher, time: request.time))
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
            decision.body.append(Report.prefix + "override of \(escapedForTerminal(decision.outcomes[index].update.ref)) refused: it cannot be recorded (\(escapedControls(message)))")
        }
        // A store failure already said the store failed; otherwise say the record is missing.
        if !refused && !outcomes.contains(where: { $0.storeFailure != nil }) {
            decision.body.append(Report.prefix + "warning: audit record not written: " + escapedControls(message))
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
            decision.body.append(Report.prefix + "refusing: this push's decision cannot be handed to post-receive (" + escapedControls(message) + "); ask an admin to check the repository's pushguard-push directory")
        }
        return decision
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
