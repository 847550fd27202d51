import PushGuardCore
import PushGuardGit
import PushGuardStore

/// One ref's outcome in a push: its environment's evaluation, or why it was not checked.
struct RefOutcome {
    var update: RefUpdate
    /// nil when the ref was not checked (unmapped, deletion, mode off).
    var evaluation: Evaluation?
    var decision: Decision
    /// A store failure behind the decision, if any.
    var storeFailure: String?
}

/// The whole decision for a push: per-ref outcomes and the lines for the pusher.
struct PushDecision {
    var outcomes: [RefOutcome]
    var lines: [String]
    var rejected: Bool { outcomes.contains { $0.decision == .rejected } }
}

/// Decides a push: maps refs to environments, looks each environment up once, reads each
/// pushed commit's manifest, and evaluates. I/O comes in through the repository and the store
/// opener; the decision itself is `Evaluator`'s.
struct Guard {
    var settings: Settings
    var app: String
    var repository: Repository
    var openStore: () throws -> StateStore
    var options: PushOptions
    var pusher: String
    var gitlab: Bool
    var verboseAll = false

    func decide(_ updates: [RefUpdate]) -> PushDecision {
        var outcomes: [RefOutcome] = []
        var lines: [String] = []
        var states: [String: Result<EnvironmentState, StoreFailure>] = [:]
        var manifests: [String: Manifest] = [:]
        var store: Result<StateStore, StoreFailure>?

        for update in updates {
            guard !update.isDeletion, let environment = settings.environment(for: update.ref) else {
                outcomes.append(RefOutcome(update: update, evaluation: nil, decision: .accepted))
                continue
            }
            let mode = settings.mode(of: environment)
            let report = Report(gitlab: gitlab && lines.isEmpty, verbose: verboseAll || environment.verbose)
            if mode == .off {
                let evaluation = Evaluator.evaluate(state: EnvironmentState(app: app, environment: environment.name),
                                                    manifest: .absent, mode: .off)
                lines += report.lines(for: evaluation, ref: update.ref)
                outcomes.append(RefOutcome(update: update, evaluation: evaluation, decision: .accepted))
                continue
            }
            if states[environment.name] == nil {
                if store == nil {
                    store = Result { () throws(StoreFailure) in
                        do { return try openStore() } catch { throw StoreFailure(error) }
                    }
                }
                states[environment.name] = store!.flatMap { store in
                    Result { () throws(StoreFailure) in
                        do { return try store.state(app: app, environment: environment.name) } catch { throw StoreFailure(error) }
                    }
                }
            }
            switch states[environment.name]! {
            case .failure(let failure):
                let decision: Decision = settings.onStoreError == .warn ? .warned : .rejected
                let target = escapedForTerminal(app) + "/" + escapedForTerminal(environment.name)
                    + " (" + escapedForTerminal(update.ref) + ")"
                var first = Report.prefix + "push to " + target + (decision == .rejected
                    ? " rejected: the config store failed, so config sync cannot be checked"
                    : " accepted with warning: the config store failed, config sync not checked")
                if decision == .rejected && gitlab && lines.isEmpty { first = "GL-HOOK-ERR: " + first }
                lines.append(first)
                lines.append(Report.prefix + "  " + escapedForTerminal(failure.message))
                lines.append(Report.prefix + "  (pushguard.onStoreError = \(settings.onStoreError.rawValue))")
                outcomes.append(RefOutcome(update: update, evaluation: nil, decision: decision, storeFailure: failure.message))
            case .success(let state):
                let manifest: Manifest
                if let cached = manifests[update.newID] {
                    manifest = cached
                } else {
                    manifest = repository.manifest(commit: update.newID, path: settings.manifestPath)
                    manifests[update.newID] = manifest
                }
                let evaluation = Evaluator.evaluate(state: state, manifest: manifest, mode: mode, override: options.override)
                lines += report.lines(for: evaluation, ref: update.ref)
                outcomes.append(RefOutcome(update: update, evaluation: evaluation, decision: evaluation.decision))
            }
        }
        return PushDecision(outcomes: outcomes, lines: lines)
    }
}

/// A store that could not be opened or read, as one line for the pusher.
struct StoreFailure: Error {
    var message: String
    init(_ error: any Error) { message = "\(error)" }
}
