import PushGuardCore
import PushGuardGit
import PushGuardSystem

/// pre-receive: stdin `<old-id> SP <new-id> SP <ref>` per ref, no arguments; push options in
/// `GIT_PUSH_OPTION_*`. Runs while the pushed objects sit in git's quarantine, so it writes no
/// ref. A non-zero exit refuses the whole push. Decides every mapped ref (unless the update
/// hook checks per ref), audits every decision, and hands the deploys to post-receive.
enum PreReceiveHook {
    static func run(input: [UInt8], environment: @escaping (String) -> String?, started: Int) -> Int32 {
        let updates: [RefUpdate]
        do {
            updates = try HookInput.parse(input)
        } catch {
            return refuse(Report.refusing(error.description))
        }
        let server: ServerRepository
        switch ServerRepository.open(environment: environment) {
        case .success(let opened): server = opened
        case .failure(let failure): return refuse(Report.refusing(failure.description))
        }
        let pusher = Identity.pusher(environment: environment)
        let passed = PushOptions.passed(environment: environment)
        let store = LazyStore(settings: server.settings, hookStart: started)
        var header = PushHandoff.Header(app: server.app, pusher: pusher, options: passed, updates: updates)
        if server.settings.perRef {
            // The update hook decides each ref but gets no push options: hand them over.
            do {
                try server.handoff.begin(header)
            } catch {
                return refuse(Report.optionsNotHandedOver("\(error)"), status: 1)
            }
            return 0
        }
        // post-receive's store calls get what this hook leaves of the push's time.
        header.storeDeadline = store.deadline?.endMilliseconds
        let decider = server.decider(pusher: pusher, passed: passed, environment: environment, store: store)
        Trace.mark("pusher, push options and clock read")
        var decision = decider.decide(updates)
        Trace.mark("decided")
        var handedOver: String?
        let deploys = decision.deploys
        if !deploys.isEmpty {
            do {
                handedOver = try server.handoff.begin(header, deploys: deploys)
            } catch {
                decision = decision.withHandoffFailure(error.description)
            }
        }
        Trace.mark("handed over to post-receive")
        decision = audit(decision, store: store)
        if decision.rejected, let handedOver { server.handoff.remove(handedOver) }
        // post-receive does not ask a store that failed here again: one timeout per push.
        if !decision.rejected, let handedOver, let failure = store.failure {
            try? server.handoff.markStoreFailed(failure.description, in: handedOver)
        }
        Trace.mark("audited")
        printError(decision.lines)
        Trace.mark("done")
        return decision.exitStatus
    }

    /// Writes the decision's audit records in one go; returns the decision as it stands after.
    static func audit(_ decision: PushDecision, store: LazyStore) -> PushDecision {
        let records = decision.auditRecords
        guard !records.isEmpty else { return decision }
        do {
            try store.get().appendAudit(records)
            return decision
        } catch {
            return decision.withAuditFailure(Failure(storeFailure: error).description)
        }
    }
}
