import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// One ref's outcome in a push: its environment's evaluation, or why it was not checked.
struct RefOutcome {
    var update: RefUpdate
    /// nil when the ref was not checked (unmapped, deletion, mode off, store failure).
    var evaluation: Evaluation?
    var environment: String?
    var decision: Decision
    /// What was out of sync before a sync in this push fixed it; the evaluation's findings otherwise.
    var findings: [KeyReport]
    /// Why: the override reason, a manifest problem, a store or transmit failure.
    var reason: String
    /// The store failure behind the decision, if any.
    var storeFailure: StoreFailure? = nil

    /// True when the ref was checked and so gets an audit record (and a note when accepted).
    var checked: Bool { environment != nil }

    /// Findings as audit records and notes keep them: bounded, so a manifest declaring 60,000
    /// keys cannot make a record of megabytes.
    var recordedFindings: [AuditRecord.KeyFinding] {
        findings.prefix(AuditRecord.maxFindings).map { AuditRecord.KeyFinding(key: $0.key, status: $0.status.rawValue) }
    }

    /// The reason, saying how many findings were left out of the record.
    var recordedReason: String {
        let left = findings.count - AuditRecord.maxFindings
        guard left > 0 else { return reason }
        return (reason.isEmpty ? "" : reason + "; ") + "\(left) more finding(s) not recorded"
    }
}

/// The whole decision for a push: per-ref outcomes and the lines for the pusher.
struct PushDecision {
    var outcomes: [RefOutcome]
    var lines: [String]
    var rejected: Bool { outcomes.contains { $0.decision == .rejected } }
}

/// How config reaches instances during a push (`-o pushguard.sync`, `autoSync`).
enum TransmitOutcome {
    case transmitted(version: Int64, output: [String])
    case failed(message: String, output: [String])
}

/// Decides a push: maps refs to environments, looks each environment up once, reads each
/// pushed commit's manifest, syncs when asked, and evaluates. I/O comes in through the
/// repository, the store opener and the transmit function; the decision itself is `Evaluator`'s.
struct Guard {
    var settings: Settings
    var app: String
    var repository: Repository
    /// Opens the store (once; later calls give the same store or the same failure).
    var openStore: () throws -> StateStore
    /// Transmits an environment's pending config during the push.
    var transmit: (StateStore, String) -> TransmitOutcome
    var options: PushOptions
    var pusher: String
    var report: Report
    /// Under GitLab (`GL_ID` set) a rejection's first line starts with `GL-HOOK-ERR: `.
    var gitlab: Bool

    func decide(_ updates: [RefUpdate]) -> PushDecision {
        var outcomes: [RefOutcome?] = Array(repeating: nil, count: updates.count)
        var byEnvironment: [(EnvironmentSettings, [Int])] = []
        for (index, update) in updates.enumerated() {
            guard !update.isDeletion, let environment = settings.environment(for: update.ref),
                  settings.mode(of: environment) != .off else {
                outcomes[index] = RefOutcome(update: update, evaluation: nil, environment: nil, decision: .accepted,
                                             findings: [], reason: "")
                continue
            }
            if let slot = byEnvironment.firstIndex(where: { $0.0.name == environment.name }) {
                byEnvironment[slot].1.append(index)
            } else {
                byEnvironment.append((environment, [index]))
            }
        }
        var lines: [String] = []
        var manifests: [String: Manifest] = [:]
        var timedOut: StoreFailure?
        for (environment, indices) in byEnvironment {
            let refs = indices.map { updates[$0] }
            let manifestsForRefs = refs.map { update -> Manifest in
                if let cached = manifests[update.newID] { return cached }
                let manifest = repository.manifest(commit: update.newID, path: settings.manifestPath)
                manifests[update.newID] = manifest
                return manifest
            }
            // After one time-out the store is not asked again in this push: every environment
            // is decided within the timeout (+1 s), not once per environment.
            Trace.mark("manifests read")
            let decided = timedOut.map { storeFailed(environment, refs: refs, failure: $0) }
                ?? decideEnvironment(environment, refs: refs, manifests: manifestsForRefs)
            if let failure = decided.outcomes.lazy.compactMap({ $0.storeFailure }).first(where: { $0.timedOut }) {
                timedOut = failure
            }
            lines += decided.lines
            for (index, outcome) in zip(indices, decided.outcomes) { outcomes[index] = outcome }
        }
        let decided = outcomes.map { $0! }
        if gitlab && decided.contains(where: { $0.decision == .rejected }) { lines = Report.gitlabRejection(lines) }
        return PushDecision(outcomes: decided, lines: lines)
    }

    /// One environment: one store look-up, an optional sync, then one evaluation per ref.
    private func decideEnvironment(_ environment: EnvironmentSettings, refs: [RefUpdate], manifests: [Manifest])
        -> (outcomes: [RefOutcome], lines: [String]) {
        let mode = settings.mode(of: environment)
        var report = self.report
        report.verbose = report.verbose || environment.verbose
        let state: EnvironmentState
        let store: StateStore
        do {
            store = try openStore()
            Trace.mark("store opened")
            state = try store.state(app: app, environment: environment.name)
            Trace.mark("state of \(environment.name) read")
        } catch {
            return storeFailed(environment, refs: refs, failure: StoreFailure(error))
        }
        var evaluations = evaluateOnce(refs, manifests) { manifest in
            Evaluator.evaluate(state: state, manifest: manifest, mode: mode, override: options.override)
        }
        var lines: [String] = []
        var pendingBeforeSync: [[KeyReport]]?
        var syncFailure: String?
        let wantsSync = options.sync || environment.autoSync
        if wantsSync && evaluations.contains(where: { !$0.inSync }) {
            let target = escapedForTerminal(app) + "/" + escapedForTerminal(environment.name)
            switch transmit(store, environment.name) {
            case .transmitted(let version, let output):
                lines += output.map { Report.prefix + "  transmit: " + escapedForTerminal($0) }
                lines.append(Report.prefix + "\(target): transmitted config version \(version) in this push")
                pendingBeforeSync = evaluations.map(\.findings)
                do {
                    let synced = try store.state(app: app, environment: environment.name)
                    evaluations = evaluateOnce(refs, manifests) { manifest in
                        var evaluation = Evaluator.evaluate(state: synced, manifest: manifest, mode: mode, override: options.override)
                        if evaluation.inSync { evaluation.decision = .synced }
                        return evaluation
                    }
                } catch {
                    return storeFailed(environment, refs: refs, failure: StoreFailure(error))
                }
            case .failed(let message, let output):
                lines += output.map { Report.prefix + "  transmit: " + escapedForTerminal($0) }
                lines.append(Report.prefix + "\(target): sync in this push failed: " + escapedForTerminal(message))
                syncFailure = message
                // The push does not go out half-synced: a failed transmit rejects it.
                evaluations = evaluations.map { evaluation in
                    var failed = evaluation
                    failed.decision = .rejected
                    return failed
                }
            }
        }
        var outcomes: [RefOutcome] = []
        for (index, (update, evaluation)) in zip(refs, evaluations).enumerated() {
            lines += report.lines(for: evaluation, ref: update.ref)
            var reason = evaluation.overrideReason ?? ""
            if let problem = evaluation.manifestProblem { reason = join(reason, problem) }
            if let syncFailure { reason = join(reason, "sync failed: " + syncFailure) }
            outcomes.append(RefOutcome(update: update, evaluation: evaluation, environment: environment.name,
                                       decision: evaluation.decision,
                                       findings: pendingBeforeSync?[index] ?? evaluation.findings, reason: reason))
        }
        return (outcomes, lines)
    }

    /// One evaluation per pushed commit, shared by every ref that pushes it (1,000 release
    /// branches of one commit cost one evaluation).
    private func evaluateOnce(_ refs: [RefUpdate], _ manifests: [Manifest],
                              _ evaluate: (Manifest) -> Evaluation) -> [Evaluation] {
        var byCommit: [String: Evaluation] = [:]
        return zip(refs, manifests).map { update, manifest in
            if let known = byCommit[update.newID] { return known }
            let evaluation = evaluate(manifest)
            byCommit[update.newID] = evaluation
            return evaluation
        }
    }

    private func storeFailed(_ environment: EnvironmentSettings, refs: [RefUpdate], failure: StoreFailure)
        -> (outcomes: [RefOutcome], lines: [String]) {
        let decision: Decision = settings.onStoreError == .warn ? .warned : .rejected
        var lines: [String] = []
        var outcomes: [RefOutcome] = []
        for update in refs {
            let target = escapedForTerminal(app) + "/" + escapedForTerminal(environment.name)
                + " (" + escapedForTerminal(update.ref) + ")"
            lines.append(Report.prefix + "push to " + target + (decision == .rejected
                ? " rejected: the config store failed, so config sync cannot be checked"
                : " accepted with warning: the config store failed, config sync not checked"))
            lines.append(Report.prefix + "  " + escapedForTerminal(failure.message))
            lines.append(Report.prefix + "  (pushguard.onStoreError = \(settings.onStoreError.rawValue))")
            outcomes.append(RefOutcome(update: update, evaluation: nil, environment: environment.name, decision: decision,
                                       findings: [], reason: "store failed: " + failure.message, storeFailure: failure))
        }
        return (outcomes, lines)
    }

    private func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : a + "; " + b }
}

/// A store that could not be opened or read, as one line for the pusher.
struct StoreFailure: Error {
    var message: String
    /// The store did not answer in time; further calls in this hook are skipped.
    var timedOut: Bool
    init(_ error: any Error) {
        message = (error as? StoreFailure)?.message ?? "\(error)"
        timedOut = (error as? StoreFailure)?.timedOut ?? (error as? StoreError)?.timedOut ?? false
    }
}
