import Glibc
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// Reads all of stdin up to `limit` bytes; nil when there is more.
func readStandardInput(limit: Int) -> [UInt8]? {
    let read = Files.readAll(0, limit: limit)
    return read.bytes.count > limit ? nil : read.bytes
}

/// Runs one hook and returns its exit status.
public enum HookRunner {
    public static func run(_ hook: HookName, programPath: String, arguments: [String]) -> Int32 {
        Trace.mark("start \(hook.rawValue)")
        let environment = processEnvironment
        // Hook input is small (about 100 bytes a ref); more than 64 MiB is not git talking.
        var input: [UInt8] = []
        if hook != .update {
            guard let all = readStandardInput(limit: 64 << 20) else {
                printError([Report.prefix + "refusing: hook input is larger than 64 MiB"])
                return 2
            }
            input = all
        }
        let hooksDirectory = parentDirectory(of: programPath)
        let chained = hook.chainedPath(hooksDirectory: hooksDirectory)
        if access(chained, X_OK) == 0 {
            do {
                let result = try Subprocess.run([chained] + arguments, input: input, captureOutput: false)
                // The existing hook's refusal stands (post-receive's status changes nothing).
                if result.status != 0 && hook != .postReceive && hook != .prePush { return result.status }
            } catch {
                printError([Report.prefix + "cannot run the existing hook \(escapedForTerminal(chained)): \(error)"])
                if hook != .postReceive { return 1 }
            }
        }
        switch hook {
        case .preReceive:
            return checkPush(input: input, environment: environment, perRefHook: false)
        case .update:
            guard arguments.count == 3 else {
                printError([Report.prefix + "the update hook expects <ref> <old-id> <new-id>, got \(arguments.count) argument(s)"])
                return 2
            }
            do {
                let update = try HookInput.update(old: arguments[1], new: arguments[2], ref: arguments[0])
                return checkPush(updates: [update], environment: environment, perRefHook: true)
            } catch {
                printError([Report.prefix + "refusing: " + escapedForTerminal(error.description)])
                return 2
            }
        case .postReceive:
            return annotate(input: input, environment: environment)
        case .prePush:
            return checkBeforeUpload(input: input, arguments: arguments, environment: environment)
        }
    }

    /// pre-receive: parse stdin, then decide.
    static func checkPush(input: [UInt8], environment: @escaping (String) -> String?, perRefHook: Bool) -> Int32 {
        let updates: [RefUpdate]
        do {
            updates = try HookInput.parse(input)
        } catch {
            printError([Report.prefix + "refusing: " + escapedForTerminal(error.description)])
            return 2
        }
        return checkPush(updates: updates, environment: environment, perRefHook: perRefHook)
    }

    /// Decides the updates in the repository the hook runs in, records every decision in the
    /// audit log, and leaves accepted deploys for post-receive; exit 1 when any is rejected.
    static func checkPush(updates: [RefUpdate], environment: @escaping (String) -> String?, perRefHook: Bool) -> Int32 {
        let repository: Repository
        let settings: Settings
        let pushOptionsEnabled: Bool
        do {
            repository = try Repository.openFromEnvironment()
            Trace.mark("libgit2 initialised, repository opened")
            let config = try repository.config()
            settings = try SettingsLoader.load(config: config, environment: environment)
            pushOptionsEnabled = (try? config.bool("receive.advertisePushOptions")) == true
            Trace.mark("settings read")
        } catch {
            printError([Report.prefix + "refusing: cannot read the repository's settings: \(error)"])
            return 2
        }
        let record = PushRecord(gitDirectory: repository.gitDirectory)
        // Exactly one of pre-receive and update checks a push, as chosen at install. In per-ref
        // mode pre-receive only saves the push options: git gives none to the update hook.
        if settings.perRef != perRefHook {
            if !perRefHook {
                record.reset()
                record.saveOptions(environment: environment)
            }
            return 0
        }
        if !perRefHook { record.reset() }
        let saved = perRefHook ? record.savedOptions() : [:]
        let options = PushOptions.from(environment: perRefHook ? { saved[$0] } : environment)
        let app = settings.app ?? appName(gitDirectory: repository.gitDirectory)
        let pusher = Identity.pusher(environment: environment)
        let store = LazyStore(settings: settings)
        let guardian = Guard(settings: settings, app: app, repository: repository, openStore: store.get,
                             transmit: { store, environment in
                                 transmitDuringPush(store: store, settings: settings, app: app, environment: environment, by: pusher)
                             },
                             options: options, pusher: pusher,
                             report: Report(pushOptionsEnabled: pushOptionsEnabled),
                             gitlab: environment("GL_ID") != nil)
        var decision = guardian.decide(updates)
        Trace.mark("decided")
        let now = Clock.timestamp()
        // Every decision is audited, rejections included, in one write; an override that
        // cannot be recorded does not go through ("deploy anyway (recorded)"). A store that did
        // not answer in time is not asked again: the decision must come within the timeout.
        let audited = decision.outcomes.indices.filter {
            decision.outcomes[$0].checked && decision.outcomes[$0].storeFailure?.timedOut != true
        }
        let records = audited.map { index in
            let outcome = decision.outcomes[index]
            return AuditRecord(time: now, app: app, environment: outcome.environment ?? "", ref: outcome.update.ref,
                               oldID: outcome.update.oldID, newID: outcome.update.newID, pusher: pusher,
                               decision: outcome.decision,
                               findings: outcome.recordedFindings,
                               reason: outcome.recordedReason, configVersion: outcome.evaluation?.desiredVersion ?? 0)
        }
        do {
            if !records.isEmpty { try store.get().appendAudit(records) }
        } catch {
            let failure = StoreFailure(error).message
            for index in audited where decision.outcomes[index].decision == .overridden {
                decision.outcomes[index].decision = .rejected
                decision.lines.append(Report.prefix + "override of \(escapedForTerminal(decision.outcomes[index].update.ref)) refused: it cannot be recorded (\(escapedForTerminal(failure)))")
            }
            if !audited.contains(where: { decision.outcomes[$0].storeFailure != nil }) {
                decision.lines.append(Report.prefix + "warning: audit record not written: " + escapedForTerminal(failure))
            }
        }
        Trace.mark("audited")
        if !decision.rejected || perRefHook {
            // One entry per commit and environment: 1,000 branches of one commit are one deploy.
            var deploys: [PushRecord.Deploy] = []
            var index: [String: Int] = [:]
            for outcome in decision.outcomes where outcome.checked && outcome.decision.allowsPush {
                let key = outcome.update.newID + " " + (outcome.environment ?? "")
                if let known = index[key] {
                    deploys[known].refs.append(outcome.update.ref)
                    continue
                }
                index[key] = deploys.count
                deploys.append(PushRecord.Deploy(
                    refs: [outcome.update.ref], newID: outcome.update.newID, environment: outcome.environment ?? "",
                    decision: outcome.decision.rawValue, configVersion: outcome.evaluation?.desiredVersion ?? 0,
                    findings: outcome.recordedFindings, reason: outcome.recordedReason, pusher: pusher, time: now))
            }
            record.append(deploys)
        } else {
            record.remove()
        }
        Trace.mark("handed over to post-receive")
        printError(decision.lines)
        Trace.mark("done")
        return decision.rejected ? 1 : 0
    }

    /// pre-push, in a developer's clone: warns before any upload when the remote's app is out
    /// of sync. It never blocks: the server decides, and an unreachable store is only a note.
    static func checkBeforeUpload(input: [UInt8], arguments: [String], environment: @escaping (String) -> String?) -> Int32 {
        guard let remote = arguments.first, let updates = try? PrePushInput.parse(input),
              let repository = try? Repository.openFromEnvironment(), let config = try? repository.config(),
              let app = try? config.string("remote.\(remote).pushguardApp"),
              let settings = try? SettingsLoader.load(config: config, environment: environment) else {
            return 0
        }
        let store = LazyStore(settings: settings)
        let guardian = Guard(settings: settings, app: app, repository: repository, openStore: store.get,
                             transmit: { _, _ in .failed(message: "not transmitted from a developer's clone", output: []) },
                             options: PushOptions(), pusher: Identity.pusher(environment: environment),
                             report: Report(beforeUpload: true), gitlab: false)
        let decision = guardian.decide(updates)
        var lines = decision.lines
        if let failure = decision.outcomes.lazy.compactMap({ $0.storeFailure }).first {
            lines = [Report.prefix + "could not check config before upload (\(escapedForTerminal(failure.message))); pushing anyway"]
        }
        printError(lines)
        return 0
    }

    /// post-receive: a git note on each accepted, mapped ref's new commit. Runs after the refs
    /// were updated and the quarantine migrated, so writing the notes ref is safe here.
    static func annotate(input: [UInt8], environment: (String) -> String?) -> Int32 {
        guard let updates = try? HookInput.parse(input), let repository = try? Repository.openFromEnvironment() else {
            return 0
        }
        let record = PushRecord(gitDirectory: repository.gitDirectory)
        defer { record.remove() }
        let app = (try? repository.config()).flatMap { try? SettingsLoader.load(config: $0, environment: environment).app }
            ?? appName(gitDirectory: repository.gitDirectory)
        let updated = Set(updates.map { $0.ref + " " + $0.newID })
        var warnings: [String] = []
        // Only refs git really updated; entries for one commit and environment are merged
        // (the per-ref update hook records each ref on its own).
        var merged: [PushRecord.Deploy] = []
        for var deploy in record.deploys() {
            deploy.refs = deploy.refs.filter { updated.contains($0 + " " + deploy.newID) }
            if deploy.refs.isEmpty { continue }
            if let known = merged.firstIndex(where: { $0.newID == deploy.newID && $0.environment == deploy.environment }) {
                merged[known].refs += deploy.refs
            } else {
                merged.append(deploy)
            }
        }
        for deploy in merged {
            do {
                try repository.appendNote(on: deploy.newID, text: noteText(deploy, app: app), author: deploy.pusher)
            } catch {
                warnings.append(Report.prefix + "warning: no deploy note on \(deploy.newID.prefix(12)): \(error)")
            }
        }
        printError(warnings)
        return 0
    }

    /// The deploy record a note carries: never a value, everything escaped.
    static func noteText(_ deploy: PushRecord.Deploy, app: String) -> String {
        var lines = ["pushguard: \(deploy.decision) deploy of \(escapedForTerminal(app)) to \(escapedForTerminal(deploy.environment))",
                     (deploy.refs.count == 1 ? "ref: " : "refs: ") + deploy.refs.prefix(5).map(escapedForTerminal).joined(separator: ", ")
                        + (deploy.refs.count > 5 ? ", … and \(deploy.refs.count - 5) more" : ""),
                     "config version: \(deploy.configVersion)"]
        if !deploy.findings.isEmpty {
            let keys = deploy.findings.prefix(50).map { escapedForTerminal($0.key) + " " + $0.status }.joined(separator: ", ")
            let more = deploy.findings.count > 50 ? ", … and \(deploy.findings.count - 50) more" : ""
            lines.append((deploy.decision == "synced" ? "synced in this push: " : "out of sync: ") + keys + more)
        }
        if deploy.decision == "overridden" {
            lines.append("override by \(escapedForTerminal(deploy.pusher))" + (deploy.reason.isEmpty ? "" : ": " + escapedForTerminal(deploy.reason)))
        }
        lines.append("pusher: " + escapedForTerminal(deploy.pusher))
        lines.append("time: " + escapedForTerminal(deploy.time))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Opens the store on first use and keeps it for the rest of the hook.
final class LazyStore {
    private let settings: Settings
    private var opened: Result<StateStore, StoreFailure>?

    init(settings: Settings) { self.settings = settings }

    func get() throws -> StateStore {
        if opened == nil {
            opened = Result { () throws(StoreFailure) in
                do {
                    return try StoreOpener.open(settings.store, settings: settings, create: false)
                } catch {
                    throw StoreFailure(error)
                }
            }
        }
        return try opened!.get()
    }
}

/// The merged step: transmit an environment's pending config during the push. Stores that
/// transmit themselves do it; for SQLite/PostgreSQL `pushguard.transmitCommand` does, and its
/// success is recorded as a transmit.
func transmitDuringPush(store: StateStore, settings: Settings, app: String, environment: String, by: String) -> TransmitOutcome {
    do {
        if store.transmitsConfig {
            return .transmitted(version: try store.transmit(app: app, environment: environment, instances: nil,
                                                            by: by, at: Clock.timestamp()), output: [])
        }
        guard let command = settings.transmitCommand, !command.isEmpty else {
            return .failed(message: "pushguard.transmitCommand is not set, so this server cannot transmit during a push; run pushguard config transmit --app \(shellQuoted(app)) --env \(shellQuoted(environment))", output: [])
        }
        let result = try Subprocess.run(["/bin/sh", "-c", command],
                                        extraEnvironment: ["PUSHGUARD_APP": app, "PUSHGUARD_ENV": environment],
                                        captureOutput: true, mergeStandardError: true, outputLimit: 256 << 10,
                                        timeoutMilliseconds: settings.timeoutMilliseconds)
        let lines = String(decoding: result.output, as: UTF8.self).split(separator: "\n").map(String.init)
        if result.timedOut {
            return .failed(message: "the transmit command did not finish within \(settings.timeoutMilliseconds) ms and was killed (pushguard.timeout)",
                           output: Array(lines.suffix(10)))
        }
        if result.status != 0 {
            return .failed(message: "the transmit command exited with status \(result.status)", output: Array(lines.suffix(10)))
        }
        let version = try store.transmit(app: app, environment: environment, instances: nil, by: by, at: Clock.timestamp())
        return .transmitted(version: version, output: Array(lines.suffix(20)))
    } catch {
        return .failed(message: StoreFailure(error).message, output: [])
    }
}

/// The default app name: the repository directory's name without `.git`.
func appName(gitDirectory: String) -> String {
    var name = gitDirectory
    while name.hasSuffix("/") { name.removeLast() }
    if name.hasSuffix("/.git") { name.removeLast(5) }
    name = String(name.split(separator: "/").last ?? "app")
    if name.hasSuffix(".git") { name.removeLast(4) }
    return name.isEmpty ? "app" : name
}
