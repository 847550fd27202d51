import PushGuardCore
import PushGuardGit
import PushGuardSystem

/// post-receive: stdin as pre-receive, listing only the refs git really updated; push options
/// as pre-receive. Runs after the quarantine was migrated, so writing the notes ref is safe.
/// Its exit status changes nothing, so every problem is printed as a warning.
enum PostReceiveHook {
    static func run(input: [UInt8], environment: @escaping (String) -> String?, started: Int) -> Int32 {
        let updates: [RefUpdate]
        do {
            updates = try HookInput.parse(input)
        } catch {
            return warn(Report.nothingWritten(because: "\(error)"))
        }
        let server: ServerRepository
        switch ServerRepository.open(environment: environment) {
        case .success(let opened): server = opened
        case .failure(let failure): return warn(Report.nothingWritten(because: "\(failure)"))
        }
        let handoff = server.handoff
        defer { handoff.finishPush() }
        let pusher = Identity.pusher(environment: environment)
        let passed = PushOptions.passed(environment: environment)
        guard let record = handoff.find(pusher: pusher, options: .some(passed), updates: updates)
            ?? handoff.find(pusher: pusher, options: nil, updates: updates) else {
            // Normal when no ref PushGuard checks moved; otherwise the decision is lost: say so.
            return missingHandoff(updates, server: server, pusher: pusher, passed: passed, started: started)
        }
        handoff.remove(record.path)
        let deploys = DeployRecord.happened(record.deploys, updated: updates)
        guard !deploys.isEmpty else { return 0 }
        var warnings: [String] = []
        do {
            try server.repository.appendNotes(deploys.map { ($0.newID, $0.noteText) }, author: deploys[0].pusher)
        } catch {
            warnings.append(Report.notesNotWritten(deploys: deploys.count, error: "\(error)"))
        }
        let records = DeployRecord.auditRecords(deploys, updated: updates, time: Clock.timestamp())
        if let failure = record.storeFailure {
            // Asking it again would make the pusher wait a second timeout.
            warnings.append(Report.deployNotRecorded(storeFailedEarlier: failure, notesWritten: warnings.isEmpty,
                                                     gitDirectory: server.repository.gitDirectory))
            printError(warnings)
            return 0
        }
        do {
            // What pre-receive left of the push's time, but at least 1 s: the push's store
            // calls take at most pushguard.timeout + 1 s in all.
            let notAfter = record.header.storeDeadline.map { max($0, Clock.monotonicMilliseconds() + 1000) }
            let store = LazyStore(settings: server.settings, hookStart: started, notAfter: notAfter)
            try store.get().appendAudit(records)
        } catch {
            warnings.append(Report.deployNotRecorded(Failure(storeFailure: error).description))
        }
        printError(warnings)
        return 0
    }

    /// No hand-over record for this push: when refs PushGuard checks moved, their deploys get
    /// no note and no `deployed` record of their decision. The pusher is told which refs and
    /// why, and each gets a `deployed` audit record whose reason says the decision is unknown.
    static func missingHandoff(_ updates: [RefUpdate], server: ServerRepository, pusher: String, passed: [String]?,
                               started: Int) -> Int32 {
        let missed = updates.compactMap { update in
            PushDecider.checkedEnvironmentName(of: update, settings: server.settings,
                                               symbolicTarget: server.repository.symbolicTarget).map { (update, $0) }
        }
        Trace.mark("no hand-over: checked which moved refs needed one")
        guard !missed.isEmpty else { return 0 }
        let store = LazyStore(settings: server.settings, hookStart: started)
        let why = "the hand-over from pre-receive is missing ("
            + server.handoff.whyMissing(pusher: pusher, options: passed, updates: updates) + ")"
        let time = Clock.timestamp()
        let records = missed.map { update, name in
            AuditRecord(time: time, app: server.app, environment: name, ref: update.ref, oldID: update.oldID,
                        newID: update.newID, pusher: pusher, decision: .deployed, findings: [],
                        reason: "decision unknown: " + why, configVersion: 0)
        }
        var auditFailure: String?
        do {
            try store.get().appendAudit(records)
        } catch {
            auditFailure = Failure(storeFailure: error).description
        }
        printError([Report.deployNotNoted(refs: missed.map(\.0.ref), why: why, auditFailure: auditFailure)])
        return 0
    }

    /// Prints a warning (post-receive's exit status changes nothing).
    private static func warn(_ line: String) -> Int32 {
        printError([line])
        return 0
    }
}
