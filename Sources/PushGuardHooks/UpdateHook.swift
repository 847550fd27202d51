import PushGuardCore
import PushGuardGit
import PushGuardSystem

/// update: arguments `<ref> <old-id> <new-id>`, no stdin, no push options. Runs once per ref
/// after the quarantine was migrated; a non-zero exit refuses that ref only. Checks only when
/// installed per ref (`pushguard.perRef`); pre-receive handed it the push options.
enum UpdateHook {
    static func run(arguments: [String], environment: @escaping (String) -> String?, started: Int) -> Int32 {
        guard arguments.count == 3 else {
            return refuse(Report.updateHookArguments(arguments.count))
        }
        let update: RefUpdate
        do {
            update = try HookInput.update(old: arguments[1], new: arguments[2], ref: arguments[0])
        } catch {
            return refuse(Report.refusing(error.description))
        }
        let server: ServerRepository
        switch ServerRepository.open(environment: environment) {
        case .success(let opened): server = opened
        case .failure(let failure): return refuse(Report.refusing(failure.description))
        }
        // Exactly one of pre-receive and update checks a push, as chosen at install.
        guard server.settings.perRef else { return 0 }
        let pusher = Identity.pusher(environment: environment)
        let handoff = server.handoff
        let record = handoff.find(pusher: pusher, options: nil, updates: [update])
        // A store that failed for an earlier ref of this push is not asked again for this one.
        let store = record?.storeFailure.map { LazyStore(settings: server.settings, failedEarlier: $0) }
            ?? LazyStore(settings: server.settings, hookStart: started)
        let decider = server.decider(pusher: pusher, passed: record?.header.options ?? nil, environment: environment, store: store)
        var decision = decider.decide([update])
        var recordPath = record?.path
        if !decision.deploys.isEmpty {
            do {
                if let record {
                    try handoff.append(decision.deploys, to: record.path)
                } else {
                    let header = PushHandoff.Header(app: server.app, pusher: pusher, options: nil, updates: [update])
                    recordPath = try handoff.begin(header, deploys: decision.deploys)
                }
            } catch {
                decision = decision.withHandoffFailure(error.description)
            }
        }
        decision = PreReceiveHook.audit(decision, store: store)
        if record?.storeFailure == nil, let recordPath, let failure = store.failure {
            try? handoff.markStoreFailed(failure.description, in: recordPath)
        }
        printError(decision.lines)
        return decision.exitStatus
    }
}
