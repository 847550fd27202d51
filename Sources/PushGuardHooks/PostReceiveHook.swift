import PushGuardCore
import PushGuardGit
import PushGuardSystem

/// post-receive: stdin as pre-receive, listing only the refs git really updated; push options
/// as pre-receive. Runs after the quarantine was migrated, so writing the notes ref is safe.
/// Its exit status changes nothing, so every problem is printed as a warning.
enum PostReceiveHook {
    static func run(input: [UInt8], environment: (String) -> String?) -> Int32 {
        let updates: [RefUpdate]
        let repository: Repository
        do {
            updates = try HookInput.parse(input)
            repository = try Repository.openFromEnvironment()
        } catch {
            return warn("no deploy notes written: \(error)")
        }
        let handoff = PushHandoff(gitDirectory: repository.gitDirectory)
        defer { handoff.removeStale() }
        let pusher = Identity.pusher(environment: environment)
        guard let record = handoff.find(pusher: pusher, options: .some(PushOptions.passed(environment: environment)),
                                        updates: updates)
            ?? handoff.find(pusher: pusher, options: nil, updates: updates) else {
            // No mapped ref was accepted in this push (or PushGuard did not decide it).
            return 0
        }
        handoff.remove(record.path)
        var warnings: [String] = []
        for deploy in DeployRecord.happened(record.deploys, updated: updates) {
            do {
                try repository.appendNote(on: deploy.newID, text: deploy.noteText, author: deploy.pusher)
            } catch {
                warnings.append(Report.prefix + "warning: no deploy note on \(deploy.newID.prefix(12)): \(error)")
            }
        }
        printError(warnings)
        return 0
    }

    private static func warn(_ text: String) -> Int32 {
        printError([Report.prefix + "warning: " + escapedForTerminal(text)])
        return 0
    }
}
