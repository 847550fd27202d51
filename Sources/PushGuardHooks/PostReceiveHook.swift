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
            return warn("no deploy notes or records written: \(error)")
        }
        let server: ServerRepository
        switch ServerRepository.open(environment: environment) {
        case .success(let opened): server = opened
        case .failure(let failure): return warn("no deploy notes or records written: \(failure)")
        }
        let handoff = server.handoff
        defer {
            handoff.removeStale()
            handoff.removeDirectoryIfEmpty()
        }
        let pusher = Identity.pusher(environment: environment)
        guard let record = handoff.find(pusher: pusher, options: .some(PushOptions.passed(environment: environment)),
                                        updates: updates)
            ?? handoff.find(pusher: pusher, options: nil, updates: updates) else {
            // No mapped ref was let through in this push (or PushGuard did not decide it).
            return 0
        }
        handoff.remove(record.path)
        let deploys = DeployRecord.happened(record.deploys, updated: updates)
        guard !deploys.isEmpty else { return 0 }
        var warnings: [String] = []
        do {
            try server.repository.appendNotes(deploys.map { ($0.newID, $0.noteText) }, author: deploys[0].pusher)
        } catch {
            warnings.append(Report.prefix + "warning: no deploy notes written for \(deploys.count) deploy(s): \(error)")
        }
        let records = DeployRecord.auditRecords(deploys, updated: updates, time: Clock.timestamp())
        if let failure = record.storeFailure {
            // Asking it again would make the pusher wait a second timeout.
            warnings.append(Report.prefix + "warning: deploy not recorded in the audit log: the store failed earlier in this push ("
                + escapedForTerminal(failure) + "), so it was not asked again"
                + (warnings.isEmpty ? "; the deploy notes (" + PushDecider.notesRef + ") show it" : "")
                + ". Check the store with pushguard doctor --repo " + escapedForTerminal(server.repository.gitDirectory)
                + " (pushguard.store, pushguard.timeout)")
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
            warnings.append(Report.prefix + "warning: deploy not recorded in the audit log: " + escapedForTerminal(StoreFailure(error).message))
        }
        printError(warnings)
        return 0
    }

    private static func warn(_ text: String) -> Int32 {
        printError([Report.prefix + "warning: " + escapedForTerminal(text)])
        return 0
    }
}
