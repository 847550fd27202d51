import ArgumentParser
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
        doctor.ok("pushguard \(escapedForTerminal(Executables.hookBinaryForInstall()))")
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
            doctor.problem("settings cannot be used: \(Failure(error).description)")
        }
        // The repository is checked even when the settings are broken: its hooks and git
        // config can be diagnosed without them.
        if let repository { checkRepository(repository, settings, &doctor) }
        if let settings { checkStore(settings, gitDirectory: repository.flatMap { $0.isBare ? $0.gitDirectory : nil }, &doctor) }
        for line in doctor.lines { print(line) }
        if doctor.failed {
            print("\(doctor.problems) problem(s) found")
            throw ExitCode(1)
        }
        print("no problems found")
    }

    private func checkRepository(_ repository: Repository, _ settings: Settings?, _ doctor: inout Doctor) {
        let gitDirectory = repository.gitDirectory
        let config: GitConfig
        do {
            config = try repository.config()
        } catch {
            doctor.problem("the git config of \(escapedForTerminal(gitDirectory)) cannot be read: \(error.message)")
            return
        }
        do {
            if let hooksPath = try config.string("core.hooksPath") {
                doctor.problem("core.hooksPath is \(escapedForTerminal(hooksPath)): git runs hooks from there, so the hooks in \(escapedForTerminal(gitDirectory))/hooks never run. Unset it or link pushguard there.")
            }
        } catch {
            doctor.problem("core.hooksPath cannot be read (\(error.message)), so where git runs hooks from is unknown: fix it with git config core.hooksPath, or unset it")
        }
        if repository.isBare {
            checkServer(repository, config, settings, &doctor)
        } else {
            checkClient(repository, config, &doctor)
        }
    }

    /// A bare repository: the server hooks, push options and the ref mapping.
    private func checkServer(_ repository: Repository, _ config: GitConfig, _ settings: Settings?, _ doctor: inout Doctor) {
        let gitDirectory = repository.gitDirectory
        doctor.ok("repository \(escapedForTerminal(gitDirectory))")
        let layout: HookLayout = gitlab ? .gitlab : .git
        // Without usable settings pushguard.perRef is unknown: check the hooks every install links.
        let perRef = settings?.perRef ?? false
        let hooks = HookName.server(perRef: perRef).map { ($0, layout.path(for: $0, gitDirectory: gitDirectory)) }
        let ownerCannotRun = cannotRunAsOwner(hooks.map(\.1))
        for (hook, path) in hooks {
            checkHook(hook, path: path, ownerCannotRun: ownerCannotRun[path],
                      fix: "pushguard install --repo \(shellQuoted(gitDirectory))\(perRef ? " --per-ref" : "")\(gitlab ? " --gitlab" : "")", &doctor)
        }
        if settings != nil && !perRef && Files.exists(layout.path(for: .update, gitDirectory: gitDirectory)) && isOursLink(layout.path(for: .update, gitDirectory: gitDirectory)) {
            doctor.ok("update hook linked but pushguard.perRef is false: only pre-receive checks")
        }
        do {
            if try config.bool("receive.advertisePushOptions") != true {
                doctor.problem("receive.advertisePushOptions is not true: pushers cannot use -o pushguard.ack or -o pushguard.sync (install sets it)")
            }
        } catch {
            doctor.problem("receive.advertisePushOptions cannot be read: \(error.message); git refuses every push to this repository until it is a boolean: git config receive.advertisePushOptions true")
        }
        checkFsckObjects(config, &doctor)
        guard let settings else { return }
        let app = settings.app(gitDirectory: gitDirectory)
        let mapped = settings.environments.filter { !$0.refs.isEmpty }
        if mapped.isEmpty {
            doctor.ok("app \(escapedForTerminal(app)): refs/heads/main and refs/heads/master deploy to production (mode \(settings.mode.rawValue))")
        }
        for environment in mapped {
            doctor.ok("app \(escapedForTerminal(app)): \(environment.refs.map(escapedForTerminal).joined(separator: ", ")) deploy to \(escapedForTerminal(environment.name)) (mode \(settings.mode(of: environment).rawValue))")
        }
        if settings.app == nil {
            doctor.problem("pushguard.app is not set, so the app name \"\(escapedForTerminal(app))\" is only guessed from the directory name: pushers' -o pushguard.ack and -o pushguard.sync are ignored here. Record it: git config pushguard.app NAME (pushguard install does)")
        }
        // An environment section that sets options but maps no ref deploys nothing while
        // another section maps refs: its autoSync or mode never applies.
        if !mapped.isEmpty {
            for environment in settings.environments where environment.refs.isEmpty {
                doctor.problem("[pushguard \"\(escapedForTerminal(environment.name))\"] sets options but no ref, so no push deploys to \(escapedForTerminal(environment.name)): add git config pushguard.\(escapedForTerminal(environment.name)).ref refs/heads/BRANCH")
            }
        }
        if let command = settings.transmitCommand, !command.isEmpty {
            checkTransmitCommand(command, &doctor)
        } else if settings.environments.contains(where: \.autoSync), storeRecordsTransmits(settings.store) {
            doctor.problem("autoSync is on, but pushguard.transmitCommand is not set: with an SQLite or PostgreSQL store every such push fails its sync")
        }
        for environment in settings.environments where environment.containers != nil {
            checkContainers(environment, settings: settings, app: app, gitDirectory: gitDirectory, &doctor)
        }
    }

    /// An environment whose instances are containers: the socket is there and the hook's user
    /// (the repository's owner) may use it, the selector matches running containers, the
    /// desired config can be read, and the sync command can run.
    private func checkContainers(_ environment: EnvironmentSettings, settings: Settings, app: String, gitDirectory: String,
                                 _ doctor: inout Doctor) {
        guard let containers = environment.containers else { return }
        let name = escapedForTerminal(environment.name)
        let socket = escapedForTerminal(containers.socket)
        if let owner = try? Files.info(gitDirectory)?.owner, owner != 0, let info = try? Files.info(containers.socket) {
            let user = Identity.userName(owner)
            if !DoctorCommand.user(owner, mayUse: info) {
                doctor.problem("\(name): the hook's user \(user) (who owns the repository) cannot read and write the container socket \(socket) (mode \(String(info.mode & 0o777, radix: 8))): add it to the socket's group (usermod -aG docker \(user)) or give it a read-only socket proxy")
            } else {
                doctor.ok("\(name): the hook's user \(user) may use the container socket \(socket)")
            }
        }
        do {
            guard let source = try ContainerSource.open(settings: settings, environment: environment, useCache: false) else { return }
            let reading = try source.read()
            let live = reading.live
            if live.isEmpty {
                doctor.problem("\(name): \(escapedForTerminal(containers.selector.text)) matches no running container on \(socket)"
                    + (reading.containers.isEmpty ? "; check the project, service or app name (docker ps --filter label=\(escapedForTerminal(containers.selector.labelFilters[0])))"
                       : "; only: " + reading.containers.map { $0.shown + " " + ($0.notLiveBecause ?? "") }.joined(separator: ", ")))
            } else {
                doctor.ok("\(name): \(escapedForTerminal(containers.selector.text)) matches \(live.count) running container(s) on \(socket): "
                    + live.prefix(10).map(\.shown).joined(separator: ", ") + (live.count > 10 ? ", …" : ""))
            }
            for container in reading.containers {
                if let why = container.notLiveBecause { doctor.problem("\(name): container \(container.shown) is \(why), not counted as an instance") }
            }
            let files = containers.desiredFiles
            if !files.isEmpty {
                let desired = try source.desired(from: files)
                let named = files.map { escapedForTerminal($0.path) + ($0.optional && !Files.exists($0.path) ? " (none yet)" : "") }
                doctor.ok("\(name): desired config: \(desired.count) key(s) in " + named.joined(separator: ", "))
            } else {
                doctor.ok("\(name): desired config: PushGuard's store")
            }
        } catch {
            doctor.problem("\(name): \(Failure(error).description)")
        }
        if let command = containers.syncCommand {
            checkTransmitCommand(command, &doctor, setting: "pushguard.\(environment.name).syncCommand")
        } else if environment.autoSync {
            doctor.problem("\(name): autoSync is on, but pushguard.\(name).syncCommand is not set: every such push fails its sync")
        }
    }

    /// Whether `uid` may read and write a socket with this owner, group and mode.
    static func user(_ uid: UserID, mayUse info: FileInfo) -> Bool {
        if uid == 0 { return true }
        if info.owner == uid { return info.mode & 0o600 == 0o600 }
        if let groups = Identity.groups(of: uid), groups.contains(info.group) { return info.mode & 0o060 == 0o060 }
        return info.mode & 0o006 == 0o006
    }

    /// Whether git checks every pushed object itself (`receive.fsckObjects`, or when that is
    /// unset `transfer.fsckObjects`, as git reads them). Off is a note, not a problem: it is
    /// git's default, PushGuard refuses a tree git would not write on the manifest's path either
    /// way, and git's check is defence in depth for every other path. A value that is not a
    /// boolean is a problem: git refuses every push.
    private func checkFsckObjects(_ config: GitConfig, _ doctor: inout Doctor) {
        var values: [Bool?] = []
        for name in ["receive.fsckObjects", "transfer.fsckObjects"] {
            do {
                values.append(try config.bool(name))
            } catch {
                doctor.problem("\(name) cannot be read: \(error.message); git refuses every push to this repository until it is a boolean: git config \(name) true")
                return
            }
        }
        let (receive, transfer) = (values[0], values[1])
        if receive ?? transfer ?? false {
            doctor.ok("\(receive != nil ? "receive" : "transfer").fsckObjects is on: git checks every pushed object")
            return
        }
        doctor.note("receive.fsckObjects is off: git accepts pushed objects it would not write itself (unsorted trees, duplicate entries); PushGuard refuses those on the manifest's path only; to have git refuse them anywhere: git config receive.fsckObjects true")
    }

    /// SQLite and PostgreSQL only record a transmit; the platform's API and helpers perform it.
    private func storeRecordsTransmits(_ url: String) -> Bool {
        switch try? StoreLocation.parse(url) {
        case .sqlite, .postgres: return true
        default: return false
        }
    }

    /// The transmit command's program exists and may be run (the first word of the command
    /// line, as /bin/sh will find it).
    private func checkTransmitCommand(_ command: String, _ doctor: inout Doctor, setting: String = "pushguard.transmitCommand") {
        let program = String(command.split(separator: " ", maxSplits: 1).first ?? "")
        let candidates = program.contains("/") ? [program]
            : (processEnvironment("PATH") ?? "/usr/bin:/bin").split(separator: ":").map { $0 + "/" + program }
        if candidates.contains(where: { Files.isExecutable($0) && !Files.isDirectory($0) }) {
            doctor.ok("\(setting == "pushguard.transmitCommand" ? "transmit" : "sync") command \(escapedForTerminal(program)) found and executable")
        } else {
            doctor.problem("\(escapedForTerminal(setting)) runs \(escapedForTerminal(program)), which \(program.contains("/") ? "does not exist or is not executable" : "is not on PATH"): -o pushguard.sync and autoSync would fail")
        }
    }

    /// A clone with a work tree: the client's pre-push hook and the remotes it checks for.
    private func checkClient(_ repository: Repository, _ config: GitConfig, _ doctor: inout Doctor) {
        let gitDirectory = repository.gitDirectory
        doctor.ok("repository \(escapedForTerminal(gitDirectory)) (a clone with a work tree: the client pre-push hook is checked)")
        let path = HookLayout.git.path(for: .prePush, gitDirectory: gitDirectory)
        checkHook(.prePush, path: path, ownerCannotRun: cannotRunAsOwner([path])[path],
                  fix: "pushguard install --client --repo \(shellQuoted(repo ?? parentDirectory(of: gitDirectory)))", &doctor)
        do {
            var apps: [String] = []
            for name in try config.names(matching: "^remote\\..+\\.pushguard[aA]pp$") {
                let remote = name.dropFirst("remote.".count).dropLast(".pushguardapp".count)
                if let app = try config.string(name) { apps.append("remote \(escapedForTerminal(String(remote))) deploys \(escapedForTerminal(app))") }
            }
            if apps.isEmpty {
                doctor.problem("no remote names its app, so the pre-push hook checks nothing: git config remote.origin.pushguardApp APP")
            }
            for line in apps { doctor.ok(line) }
        } catch {
            doctor.problem("the remotes' pushguardApp settings cannot be read: \(error.message)")
        }
    }

    /// One hook: linked to pushguard and runnable (`ownerCannotRun`: why the hook's owner
    /// cannot run it, from `cannotRunAsOwner`), and any hook it keeps.
    private func checkHook(_ hook: HookName, path: String, ownerCannotRun: String?, fix: String, _ doctor: inout Doctor) {
        let binary = Executables.hookBinaryForInstall()
        if !Files.exists(path) {
            doctor.problem("\(hook.rawValue) hook missing: run `\(fix)`")
        } else if let earlier = HookName.earlierPushGuardTarget(path, binary: binary) {
            // An install from another prefix (/usr/local/bin before the Debian package's /usr/bin).
            if !Files.isExecutable(path) {
                doctor.problem("\(escapedForTerminal(path)) links to \(escapedForTerminal(earlier)), which is no longer there (an earlier install): git skips the hook, so pushes go unchecked; re-point it to \(escapedForTerminal(binary)): `\(fix)`")
            } else {
                doctor.problem("\(escapedForTerminal(path)) links to \(escapedForTerminal(earlier)), another PushGuard than this one (\(escapedForTerminal(binary))): pushes are checked by that version, and by none once it is removed; re-point it: `\(fix)`")
            }
        } else if !Files.isExecutable(path) {
            doctor.problem("\(escapedForTerminal(path)) is not executable (a dangling link or no run bit): git skips it")
        } else if Files.readLink(path) == nil {
            doctor.problem("\(escapedForTerminal(path)) is not a link to pushguard: something else will run; run `\(fix)`")
        } else if !isOursLink(path) {
            // Replaced: e.g. gitolite's setup put its own update hook back over PushGuard's.
            doctor.problem("\(escapedForTerminal(path)) was replaced: it links to \(escapedForTerminal(Files.readLink(path) ?? "")), not to pushguard, so PushGuard does not check here; run `\(fix)`")
        } else if let problem = ownerCannotRun {
            doctor.problem(problem)
        } else {
            doctor.ok("\(hook.rawValue) hook links to \(escapedForTerminal(Files.readLink(path) ?? ""))")
        }
        let directory = parentDirectory(of: path)
        for (saved, when) in zip(hook.keptPaths(hooksDirectory: directory), ["runs first", "runs after PushGuard accepted the push"])
        where Files.exists(saved) {
            if Files.isExecutable(saved) {
                doctor.ok("the earlier \(hook.rawValue) hook \(when) (\(escapedForTerminal(saved)))")
            } else {
                doctor.problem("the earlier \(hook.rawValue) hook \(escapedForTerminal(saved)) has no run bit: it is skipped (chmod +x it, or delete it)")
            }
        }
    }

    /// Root can run a hook that the owner of its directory (the repository's owner, who runs
    /// the hooks) cannot reach, such as a binary under /root (mode 0700): checked as that
    /// owner, for whom git would skip it, in one process for all of one directory's `paths`.
    /// Why each existing hook cannot be run, by path; empty when not root or root owns them.
    private func cannotRunAsOwner(_ paths: [String]) -> [String: String] {
        let existing = paths.filter { Files.exists($0) }
        guard Identity.isRoot, let first = existing.first,
              let info = try? Files.info(parentDirectory(of: first), followLinks: true), info.owner != 0 else { return [:] }
        let targets = existing.map { Files.realPath($0) ?? $0 }
        let answer = try? AsUser.run(uid: info.owner, gid: info.group) {
            Array(zip(existing, targets).map { Installation.hookCannotRun($0, binary: $1) ?? "" }.joined(separator: "\u{0}").utf8)
        }
        let problems = answer.map { $0.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) } }
        guard let problems, problems.count == existing.count else {
            return Dictionary(uniqueKeysWithValues: existing.map { ($0, "cannot check as the repository's owner that it can run \(escapedForTerminal($0))") })
        }
        return Dictionary(uniqueKeysWithValues: zip(existing, problems).filter { !$0.1.isEmpty })
    }

    private func isOursLink(_ path: String) -> Bool {
        HookName.isPushGuardLink(path, binary: Executables.hookBinaryForInstall())
    }

    /// The store opens and answers; for a server repository, it knows the repository's app
    /// and every environment a ref deploys to.
    private func checkStore(_ settings: Settings, gitDirectory: String?, _ doctor: inout Doctor) {
        do {
            let location = try StoreLocation.parse(settings.store)
            let store = try StoreOpener.open(settings.store, settings: settings, create: false)
            _ = try store.state(app: "pushguard-doctor", environment: "probe")
            doctor.ok("store \(StoreLocation.redacted(settings.store)) opens and answers")
            if let gitDirectory, let admin = store as? AdminStore {
                let app = settings.app(gitDirectory: gitDirectory)
                let mapped = settings.environments.filter { !$0.refs.isEmpty }.map(\.name)
                let known = Set(try admin.registry().filter { $0.app == app }.map(\.environment))
                for environment in mapped.isEmpty ? ["production"] : mapped where !known.contains(environment) {
                    doctor.problem("the store does not know \(escapedForTerminal(app))/\(escapedForTerminal(environment)), so its pushes are refused: pushguard apps create \(shellQuoted(app)) --env \(shellQuoted(environment))")
                }
            }
            if case .sqlite(let path) = location {
                if !Files.isWritable(path) || !Files.isWritable(parentDirectory(of: path)) {
                    doctor.problem("this user cannot write \(escapedForTerminal(path)) or its directory; hooks running as this user cannot record audits")
                }
                if let info = try? Files.info(parentDirectory(of: path), followLinks: true) {
                    doctor.ok("store directory owned by \(Identity.userName(info.owner))")
                }
            }
        } catch {
            doctor.problem("store: \(Failure(error).description)")
        }
    }
}

/// Collects doctor's findings.
private struct Doctor {
    var lines: [String] = []
    var problems = 0
    var failed: Bool { problems > 0 }

    mutating func ok(_ text: String) { lines.append("ok       " + text) }
    /// Advice that does not fail the check: the installation works without it.
    mutating func note(_ text: String) { lines.append("note     " + text) }
    mutating func problem(_ text: String) {
        problems += 1
        lines.append("PROBLEM  " + text)
    }
}
