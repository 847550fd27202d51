import ArgumentParser
import Glibc
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// `pushguard doctor [--repo PATH]`: checks an installation end to end, in plain words.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check an installation end to end and say what is wrong (exit 1 when anything is).")

    @Option(help: "A repository to check the hooks, settings and store of.") var repo: String?
    @Flag(help: "Check GitLab's custom_hooks layout.") var gitlab = false
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        var doctor = Doctor()
        doctor.ok("pushguard \(escapedForTerminal(Files.realPath("/proc/self/exe") ?? "?"))")
        var repository: Repository?
        if let repo {
            do {
                repository = try Repository.open(path: repo)
            } catch {
                doctor.problem("\(escapedForTerminal(repo)) is not a git repository: \(error)")
            }
        }
        var settings: Settings?
        do {
            settings = try storeOptions.settings(repository: repository)
            doctor.ok("settings read (store \(StoreLocation.redacted(settings!.store)), mode \(settings!.mode.rawValue), timeout \(settings!.timeoutMilliseconds) ms)")
        } catch {
            doctor.problem("settings cannot be used: \(CommandFailure.from(error).description)")
        }
        if let repository, let settings { checkRepository(repository, settings, &doctor) }
        if let settings { checkStore(settings, &doctor) }
        for line in doctor.lines { print(line) }
        if doctor.failed {
            print("\(doctor.problems) problem(s) found")
            throw ExitCode(1)
        }
        print("no problems found")
    }

    private func checkRepository(_ repository: Repository, _ settings: Settings, _ doctor: inout Doctor) {
        let gitDirectory = repository.gitDirectory
        doctor.ok("repository \(escapedForTerminal(gitDirectory))" + (repository.isBare ? "" : " (not bare: pushes to its checked-out branch are refused by git)"))
        if let hooksPath = try? repository.config().string("core.hooksPath") {
            doctor.problem("core.hooksPath is \(escapedForTerminal(hooksPath)): git runs hooks from there, so the hooks in \(escapedForTerminal(gitDirectory))/hooks never run. Unset it or link pushguard there.")
        }
        let layout: HookLayout = gitlab ? .gitlab : .git
        let expected = HookName.server(perRef: settings.perRef)
        for hook in expected {
            let path = layout.path(for: hook, gitDirectory: gitDirectory)
            if !Files.exists(path) {
                doctor.problem("\(hook.rawValue) hook missing: run `pushguard install --repo \(shellQuoted(gitDirectory))\(settings.perRef ? " --per-ref" : "")\(gitlab ? " --gitlab" : "")`")
            } else if access(path, X_OK) != 0 {
                doctor.problem("\(escapedForTerminal(path)) is not executable (a dangling link or no run bit): git skips it")
            } else if Files.readLink(path) == nil {
                doctor.problem("\(escapedForTerminal(path)) is not a link to pushguard: something else will run")
            } else {
                doctor.ok("\(hook.rawValue) hook links to \(escapedForTerminal(Files.readLink(path) ?? ""))")
            }
            let saved = hook.chainedPath(hooksDirectory: parentDirectory(of: path))
            if Files.exists(saved) {
                if access(saved, X_OK) == 0 {
                    doctor.ok("the earlier \(hook.rawValue) hook runs first (\(escapedForTerminal(saved)))")
                } else {
                    doctor.problem("the earlier \(hook.rawValue) hook \(escapedForTerminal(saved)) has no run bit: it is skipped (chmod +x it, or delete it)")
                }
            }
        }
        if !settings.perRef && Files.exists(layout.path(for: .update, gitDirectory: gitDirectory)) && isOursLink(layout.path(for: .update, gitDirectory: gitDirectory)) {
            doctor.ok("update hook linked but pushguard.perRef is false: only pre-receive checks")
        }
        if (try? repository.config().bool("receive.advertisePushOptions")) != true {
            doctor.problem("receive.advertisePushOptions is not true: pushers cannot use -o pushguard.ack or -o pushguard.sync (install sets it)")
        }
        let app = settings.app(gitDirectory: gitDirectory)
        let mapped = settings.environments.filter { !$0.refs.isEmpty }
        if mapped.isEmpty {
            doctor.ok("app \(escapedForTerminal(app)): refs/heads/main and refs/heads/master deploy to production (mode \(settings.mode.rawValue))")
        }
        for environment in mapped {
            doctor.ok("app \(escapedForTerminal(app)): \(environment.refs.map(escapedForTerminal).joined(separator: ", ")) deploy to \(escapedForTerminal(environment.name)) (mode \(settings.mode(of: environment).rawValue))")
        }
    }

    private func isOursLink(_ path: String) -> Bool {
        HookName.isPushGuardLink(path, binary: Files.realPath("/proc/self/exe") ?? "")
    }

    private func checkStore(_ settings: Settings, _ doctor: inout Doctor) {
        do {
            let location = try StoreLocation.parse(settings.store)
            let store = try StoreOpener.open(settings.store, settings: settings, create: false)
            _ = try store.state(app: "pushguard-doctor", environment: "probe")
            doctor.ok("store \(StoreLocation.redacted(settings.store)) opens and answers")
            if case .sqlite(let path) = location {
                if access(path, W_OK) != 0 || access(parentDirectory(of: path), W_OK) != 0 {
                    doctor.problem("this user cannot write \(escapedForTerminal(path)) or its directory; hooks running as this user cannot record audits")
                }
                var info = stat()
                if stat(parentDirectory(of: path), &info) == 0, let owner = getpwuid(info.st_uid) {
                    doctor.ok("store directory owned by \(String(cString: owner.pointee.pw_name))")
                }
            }
        } catch {
            doctor.problem("store: \(CommandFailure.from(error).description)")
        }
    }
}

/// Collects doctor's findings.
private struct Doctor {
    var lines: [String] = []
    var problems = 0
    var failed: Bool { problems > 0 }

    mutating func ok(_ text: String) { lines.append("ok       " + text) }
    mutating func problem(_ text: String) {
        problems += 1
        lines.append("PROBLEM  " + text)
    }
}
