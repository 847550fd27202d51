import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// What became of a hook link to an earlier PushGuard binary.
enum Repointing {
    /// The link leads to this binary already (or is not a direct link to a PushGuard binary).
    case none
    /// Re-pointed (or would be, in a dry run): the line for the admin.
    case repointed(String)
    case failed(String)
}

/// Re-points a hook link that leads to another PushGuard binary (an install from another
/// prefix, such as /usr/local/bin/pushguard before the Debian package's /usr/bin/pushguard, which
/// may since have been removed: git then skips the hook and pushes go unchecked) to `binary`.
/// The new link replaces the old one with a rename, so no push finds the hook missing.
func repointEarlierPushGuardLink(_ path: String, binary: String, dryRun: Bool) -> Repointing {
    guard let earlier = HookName.earlierPushGuardTarget(path, binary: binary) else { return .none }
    let gone = Files.realPath(HookName.absoluteTarget(earlier, ofLinkAt: path)) == nil
    let line = "re-pointing \(escapedForTerminal(path)) from \(escapedForTerminal(earlier)) (an earlier install\(gone ? ", no longer there: git was skipping this hook" : "")) to \(escapedForTerminal(binary))"
    if dryRun { return .repointed(line) }
    let temporary = path + ".pushguard-new"
    if Files.exists(temporary) { Files.remove(temporary) }
    guard Files.makeSymbolicLink(at: temporary, to: binary) else {
        return .failed("cannot link \(escapedForTerminal(temporary)) to re-point \(escapedForTerminal(path)): \(lastErrorText())")
    }
    guard Files.rename(temporary, to: path) else {
        let reason = lastErrorText()
        Files.remove(temporary)
        return .failed("cannot re-point \(escapedForTerminal(path)) to \(escapedForTerminal(binary)): \(reason)")
    }
    return .repointed(line)
}

/// Where hooks go in a repository: git's own `hooks/` or GitLab's `custom_hooks/<hook>.d/`.
enum HookLayout: String {
    case git
    case gitlab

    /// The file path PushGuard occupies for `hook` in the repository at `gitDirectory`.
    func path(for hook: HookName, gitDirectory: String) -> String {
        switch self {
        case .git: return gitDirectory + "/hooks/" + hook.rawValue
        case .gitlab: return gitDirectory + "/custom_hooks/" + hook.rawValue + ".d/pushguard"
        }
    }
}

/// Puts PushGuard's hooks into one repository and takes them out again, keeping whatever was
/// there: an existing hook is renamed `<hook>.before-pushguard` and run first by PushGuard (or
/// `<hook>.after-pushguard`, run once PushGuard accepted, when it deploys: Dokku's pre-receive);
/// config PushGuard changes is recorded in `<git-dir>/pushguard-install` so uninstall can
/// restore it exactly.
///
/// There are two kinds of installation and each touches only its own things: a server
/// installation (a bare repository: pre-receive, update, post-receive and the recorded config)
/// and a client installation (a developer's clone: pre-push only, no config).
struct Installation {
    var gitDirectory: String
    var binary: String
    var layout: HookLayout
    var perRef: Bool
    var dryRun: Bool
    /// `--existing-hooks-after`: a hook found in PushGuard's place runs after PushGuard's check
    /// accepted the push, not before (Dokku's pre-receive is recognised without it).
    var existingHooksAfter = false
    /// A developer's clone: only the pre-push warning, no server config.
    var client = false
    /// The repository as the admin named it, for the commands suggested in messages.
    var requestedPath: String?
    /// The app name install records as `pushguard.app` when no config level sets one: the
    /// repository's path below `--root`, or its directory name for `--repo`. A recorded name
    /// is what lets pushers use `-o pushguard.sync` and `-o pushguard.ack` (a guessed one
    /// could be another repository's app of the same name).
    var app: String?
    /// What was done (or would be, in a dry run), for the admin to read.
    private(set) var log: [String] = []
    /// What is wrong and stopped the work, each with a fix.
    private(set) var problems: [String] = []
    /// Hooks linked by this run, taken out again if a later step fails.
    private var linkedNow: [HookName] = []

    static let stateFile = "pushguard-install"
    /// The repository's config as it was before the first install, restored byte for byte by
    /// uninstall when nobody changed the config since.
    static let configCopy = "pushguard-install.config"
    /// Where the hooks of one push hand their decisions over (see PushHandoff).
    static let handoffDirectory = "pushguard-push"
    /// Every variable install may set and record, as it spells them.
    static let managedNames: Set<String> = Set(managedConfig(perRef: true).map(\.0) + ["pushguard.app"])
    /// Config PushGuard sets at install, with the value it sets.
    /// True when the hook at `path` is Dokku's: a regular file (not followed through a link)
    /// whose text hands the push to `dokku git-hook`, which builds and deploys the app.
    static func isDokkuDeployHook(_ path: String) -> Bool {
        guard let bytes = try? Files.read(path, limit: 64 << 10, followLinks: false) else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("dokku git-hook")
    }

    static func managedConfig(perRef: Bool) -> [(String, String)] {
        var settings = [("receive.advertisePushOptions", "true")]
        if perRef { settings.append(("pushguard.perRef", "true")) }
        return settings
    }

    init(gitDirectory: String, binary: String, layout: HookLayout, perRef: Bool, dryRun: Bool) {
        self.gitDirectory = gitDirectory
        self.binary = binary
        self.layout = layout
        self.perRef = perRef
        self.dryRun = dryRun
    }

    /// The hooks this kind of installation links.
    var hooks: [HookName] {
        client ? [.prePush] : HookName.server(perRef: perRef)
    }

    /// The hooks this kind of installation may have linked, whichever options it was given:
    /// what its uninstall takes out, and nothing else.
    var hooksOfThisKind: [HookName] {
        client ? [.prePush] : HookName.server(perRef: true)
    }

    /// Links the hooks and sets the server's config. A server installation first reads the
    /// repository's settings through `readSettings`: settings that cannot be read stop the
    /// install (the hooks would fail on every push) and are reported. Returns the settings
    /// when the repository was installed (or would be, in a dry run), for its store.
    @discardableResult
    mutating func install(repository: Repository, readSettings: () throws -> Settings) -> Settings? {
        guard checkKind(repository, uninstalling: false) else { return nil }
        if layout == .git {
            do {
                if let hooksPath = try repository.config().string("core.hooksPath") {
                    problems.append("core.hooksPath is set to \(escapedForTerminal(hooksPath)): git runs hooks from there, not from \(escapedForTerminal(gitDirectory))/hooks. Unset it for this repository (git config --unset core.hooksPath) or link pushguard into that directory yourself.")
                    return nil
                }
            } catch {
                problems.append("cannot read core.hooksPath, so where git runs hooks from is unknown: \(error.message). Fix the repository's git config, then install again.")
                return nil
            }
        }
        var settings: Settings?
        if !client {
            do {
                settings = try readSettings()
            } catch {
                problems.append("the repository's settings cannot be read: \(Failure(error).description). Its hooks would fail on every push and its store cannot be prepared; fix the setting, then install again.")
                return nil
            }
        }
        guard checkHooksDirectoryIsInside(), checkUpdateHookIsNotManagedElsewhere(), client || configIsAPlainFile() else { return nil }
        let recordApp = settings?.app == nil ? app : nil
        let installed = asRepositoryOwner { installation in
            installation.linkHooksAndSetConfig(repository: repository, recordApp: recordApp)
        }
        return installed && !client ? settings : nil
    }

    /// The writing half of install, done as the repository's owner (see `asRepositoryOwner`):
    /// links the hooks, checks that the hooks' user can run them, then records and sets config.
    private mutating func linkHooksAndSetConfig(repository: Repository, recordApp: String?) -> Bool {
        guard client || configIsAPlainFile() else { return false }
        for hook in hooks { installHook(hook) }
        if problems.isEmpty && !dryRun, let hook = hooks.first {
            if let problem = Installation.hookCannotRun(layout.path(for: hook, gitDirectory: gitDirectory), binary: binary) {
                problems.append(problem)
            }
        }
        if !problems.isEmpty {
            // All or nothing: a partly installed repository is put back as it was.
            for hook in linkedNow { uninstallHook(hook) }
            if !linkedNow.isEmpty { log.append("rolled back: the repository is as it was") }
            return false
        }
        if client { return true }
        recordAndSetConfig(repository: repository, recordApp: recordApp)
        return problems.isEmpty
    }

    /// Why the current user (the hooks' user, when this runs as the repository's owner) cannot
    /// run the hook at `path`: git would print "hook was ignored because it's not set as
    /// executable" and accept pushes unchecked. Nil when it can.
    static func hookCannotRun(_ path: String, binary: String) -> String? {
        if Files.isExecutable(path) { return nil }
        let user = Identity.userName(Identity.effectiveUserID)
        let reason: String
        if let directory = AsUser.firstUnreachable(binary), directory != binary {
            reason = "\(escapedForTerminal(directory)) on the way to \(escapedForTerminal(binary)) cannot be entered by \(user)"
        } else {
            reason = "\(escapedForTerminal(binary)) cannot be run by \(user) (\(lastErrorText()))"
        }
        return "\(user), who runs this repository's hooks, cannot run \(escapedForTerminal(path)): \(reason). git would skip the hook (\"hook was ignored because it's not set as executable\") and accept pushes unchecked. Install pushguard where \(user) can reach it (./install.sh puts it in /usr/local/bin; the Debian package in /usr/bin), then install again."
    }

    /// The repository's owner, when root works on a repository another user owns.
    private var repositoryOwner: (uid: UserID, gid: GroupID)? {
        guard Identity.isRoot, let info = try? Files.info(gitDirectory, followLinks: true), info.owner != 0 else { return nil }
        return (info.owner, info.group)
    }

    /// Runs `work` as the repository's owner when root works on another user's repository,
    /// else here; the log and problems come back either way. The owner can swap any name in
    /// the repository for a link (its config between a check and libgit2's rename, a hooks
    /// directory, the install record): written as the owner, a link leads nowhere the owner
    /// could not write anyway, so root's files are out of reach whatever is raced.
    private mutating func asRepositoryOwner(_ work: (inout Installation) -> Bool) -> Bool {
        guard let owner = repositoryOwner else { return work(&self) }
        var copy = self
        do {
            let bytes = try AsUser.run(uid: owner.uid, gid: owner.gid) {
                let done = work(&copy)
                return ResultLines.encode(copy.log.map { (UInt8(ascii: "L"), $0) } + copy.problems.map { (UInt8(ascii: "P"), $0) }
                                          + (done ? [(UInt8(ascii: "K"), "")] : []))
            }
            var done = false
            for (kind, text) in ResultLines.decode(bytes) {
                switch kind {
                case UInt8(ascii: "L"): log.append(text)
                case UInt8(ascii: "P"): problems.append(text)
                default: done = true
                }
            }
            return done
        } catch {
            problems.append("\(error)")
            return false
        }
    }

    /// Takes out what this kind of installation added: a client's pre-push hook, or a server's
    /// hooks and the config it recorded. The other kind's hooks stay as they are.
    mutating func uninstall(repository: Repository) {
        guard checkKind(repository, uninstalling: true) else { return }
        _ = asRepositoryOwner { installation in
            for hook in installation.hooksOfThisKind { installation.uninstallHook(hook) }
            if installation.client { return true }
            installation.restoreConfig(repository: repository)
            installation.removeHandoffDirectory()
            return true
        }
    }

    /// The hand-over directory the hooks made: its records and then the directory.
    private mutating func removeHandoffDirectory() {
        let directory = gitDirectory + "/" + Installation.handoffDirectory
        guard Files.exists(directory) else { return }
        log.append("removing \(escapedForTerminal(directory)) (hand-over between the hooks of a push)")
        if dryRun { return }
        // Through the directory's own descriptor: if the git user swapped it for a link, root
        // removes nothing (and never files of the same names wherever the link leads).
        do {
            try Files.removeEntries(of: directory) { $0.hasSuffix(".push") || $0.contains(".push.tmp-") }
        } catch {
            problems.append("\(error); it is not the directory the hooks made, so nothing in it was removed")
            return
        }
        if !Files.removeDirectory(directory) {
            problems.append("cannot remove \(escapedForTerminal(directory)): \(lastErrorText()); it holds files PushGuard did not write")
        }
    }

    // MARK: kind

    /// A client installation belongs in a clone, a server installation in a bare repository;
    /// the other way round is almost always a forgotten or extra `--client`, so it is refused
    /// with the command that was probably meant. Uninstall goes ahead where this kind's hooks
    /// are linked anyway (put there by an earlier version), so they can still be taken out.
    private mutating func checkKind(_ repository: Repository, uninstalling: Bool) -> Bool {
        if client != repository.isBare { return true }
        if uninstalling && hooksOfThisKind.contains(where: { isOurs(layout.path(for: $0, gitDirectory: gitDirectory)) }) {
            return true
        }
        let path = requestedPath ?? gitDirectory
        let quoted = shellQuoted(path)
        let action = uninstalling ? "install --uninstall" : "install"
        if client {
            problems.append("\(escapedForTerminal(path)) is a bare repository: the client hook belongs in a developer's clone; for a server, drop --client: pushguard \(action) --repo \(quoted)")
        } else {
            problems.append("\(escapedForTerminal(path)) is a clone with a work tree, not a bare repository: the server hooks belong in the bare repository that pushes go to; for a developer's clone, add --client: pushguard \(action) --client --repo \(quoted)")
        }
        return false
    }

    // MARK: hooks

    private func isOurs(_ path: String) -> Bool { HookName.isPushGuardLink(path, binary: binary) }

    /// Refuses hooks directories that are links leading out of the repository.
    private mutating func checkHooksDirectoryIsInside() -> Bool {
        let directory = parentDirectory(of: layout.path(for: .preReceive, gitDirectory: gitDirectory))
        guard let resolved = Files.realPath(directory), let root = Files.realPath(gitDirectory) else { return true }
        if resolved == root || resolved.hasPrefix(root + "/") { return true }
        problems.append("\(escapedForTerminal(directory)) is a link to \(escapedForTerminal(resolved)), outside the repository; PushGuard does not follow it. Install into that directory by hand or replace the link.")
        return false
    }

    /// `--per-ref` moves the update hook aside. Where another system manages that hook
    /// (gitolite's is its per-branch access control, linked from ~/.gitolite/hooks/common and
    /// restored on its next setup), moving it would break that system or, once restored, end
    /// PushGuard's check in silence: refused, with the alternative.
    private mutating func checkUpdateHookIsNotManagedElsewhere() -> Bool {
        guard hooks.contains(.update) else { return true }
        let path = layout.path(for: .update, gitDirectory: gitDirectory)
        guard Files.exists(path), !isOurs(path) else { return true }
        let target = Files.readLink(path) ?? ""
        let text = (try? Files.read(path, limit: 65536, followLinks: false)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard target.contains("gitolite") || text.contains("gitolite") else { return true }
        problems.append("\(escapedForTerminal(path)) is gitolite's update hook (its per-branch access control); --per-ref would move it aside, and gitolite puts it back on its next setup, which would end PushGuard's check without a word. Install without --per-ref: pre-receive checks every push, and gitolite's update hook still runs.")
        return false
    }

    private mutating func installHook(_ hook: HookName) {
        let path = layout.path(for: hook, gitDirectory: gitDirectory)
        if isOurs(path) {
            switch repointEarlierPushGuardLink(path, binary: binary, dryRun: dryRun) {
            case .none: log.append("\(hook.rawValue): already installed")
            case .repointed(let line): log.append("\(hook.rawValue): " + line)
            case .failed(let problem): problems.append(problem)
            }
            return
        }
        let directory = parentDirectory(of: path)
        let deploys = existingHooksAfter || Installation.isDokkuDeployHook(path)
        let saved = deploys ? hook.chainedAfterPath(hooksDirectory: directory) : hook.chainedPath(hooksDirectory: directory)
        if Files.exists(path) {
            for kept in hook.keptPaths(hooksDirectory: directory) where Files.exists(kept) {
                problems.append("\(escapedForTerminal(path)) and \(escapedForTerminal(kept)) both exist; move one away, then install again.")
                return
            }
            if !Files.isExecutable(path) {
                log.append("\(hook.rawValue): the existing hook has no run bit, so git was skipping it; kept as \(escapedForTerminal(saved)), still skipped (chmod +x it to run it)")
            } else if deploys {
                log.append("\(hook.rawValue): keeping the existing hook as \(escapedForTerminal(saved)); PushGuard runs it only after its check accepted the push, and its refusal stands"
                           + (existingHooksAfter ? "" : " (it is Dokku's deploy: a refused push must not deploy)"))
            } else {
                log.append("\(hook.rawValue): keeping the existing hook as \(escapedForTerminal(saved)); PushGuard runs it first and its refusal stands")
            }
            if !dryRun && !Files.rename(path, to: saved) {
                problems.append("cannot move \(escapedForTerminal(path)) aside: \(lastErrorText())")
                return
            }
        }
        log.append("\(hook.rawValue): linking \(escapedForTerminal(path)) -> \(escapedForTerminal(binary))")
        if dryRun { return }
        do {
            try Files.makeDirectory(directory)
        } catch {
            problems.append("\(error)")
            return
        }
        if !Files.makeSymbolicLink(at: path, to: binary) {
            problems.append("cannot link \(escapedForTerminal(path)): \(lastErrorText())")
            if Files.exists(saved) && !Files.rename(saved, to: path) {
                problems.append("cannot put the existing hook back from \(escapedForTerminal(saved)): \(lastErrorText()); move it back by hand")
            }
        } else {
            linkedNow.append(hook)
        }
    }

    private mutating func uninstallHook(_ hook: HookName) {
        let path = layout.path(for: hook, gitDirectory: gitDirectory)
        let directory = parentDirectory(of: path)
        let saved = hook.keptPaths(hooksDirectory: directory).first(where: Files.exists) ?? hook.chainedPath(hooksDirectory: directory)
        if isOurs(path) {
            log.append("\(hook.rawValue): removing \(escapedForTerminal(path))")
            if !dryRun && !Files.remove(path) {
                problems.append("cannot remove \(escapedForTerminal(path)): \(lastErrorText())")
                return
            }
        }
        if Files.exists(saved) && !Files.exists(path) {
            log.append("\(hook.rawValue): restoring the hook that was there before")
            if !dryRun && !Files.rename(saved, to: path) {
                problems.append("cannot restore \(escapedForTerminal(saved)): \(lastErrorText())")
            }
        }
        if layout == .gitlab && !dryRun { Files.removeDirectory(parentDirectory(of: path)) }  // only when empty
    }

    // MARK: config

    private var stateFilePath: String { gitDirectory + "/" + Installation.stateFile }

    private var configPath: String { gitDirectory + "/config" }
    private var configCopyPath: String { gitDirectory + "/" + Installation.configCopy }

    /// The config file's mode and owner, which libgit2's rewrite (a new file renamed into
    /// place) would otherwise replace with root's and 0644: gitolite keeps it 0600. Nil unless
    /// it is a regular file (`lstat`: a link's target is not the repository's config).
    private func configAttributes() -> FileInfo? {
        guard let info = try? Files.info(configPath), info.kind == .regular else { return nil }
        return info
    }

    /// Gives the config its mode (and, as root, its owner) back through a descriptor that does
    /// not follow a link: the git user can swap the name between libgit2's rename and this
    /// change, and a change by path would then reach whatever file the link names.
    private mutating func restoreAttributes(_ before: FileInfo?) {
        guard let before, !dryRun else { return }
        do {
            try Files.changeOwnerAndMode(configPath, owner: Identity.isRoot ? (before.owner, before.group) : nil,
                                         mode: { _ in before.mode })
        } catch {
            problems.append("cannot give \(escapedForTerminal(configPath)) back its mode and owner: \(error)")
        }
    }

    /// Root reads and rewrites the config of a repository another user owns: a config that is
    /// a symbolic link would make libgit2 write, and install copy, whatever file it names.
    private mutating func configIsAPlainFile() -> Bool {
        guard Identity.isRoot, let info = try? Files.info(configPath), info.kind != .regular else { return true }
        problems.append("\(escapedForTerminal(configPath)) is \(info.kind == .symbolicLink ? "a symbolic link (to \(escapedForTerminal(Files.readLink(configPath) ?? "?")))" : "not a regular file"); run as root, pushguard neither writes nor copies through it. Make it the repository's own file (git config needs no link), then install again.")
        return false
    }

    /// Files root reads in a repository are read without following a link there, so a link the
    /// owner planted cannot make root copy another file into the repository. Other users
    /// read their own repositories as before.
    private var followLinks: Bool { !Identity.isRoot }

    /// Records the values config had before the first install (and a copy of the file), then
    /// sets PushGuard's.
    private mutating func recordAndSetConfig(repository: Repository, recordApp: String?) {
        guard configIsAPlainFile() else { return }
        let attributes = configAttributes()
        do {
            let config = try LocalConfig(repository: repository)
            var recorded = try readState()
            if recorded.isEmpty && !dryRun && !Files.exists(configCopyPath) {
                try Files.writeAtomically(configCopyPath, try Files.read(configPath, limit: 1 << 20, followLinks: followLinks),
                                          mode: (attributes?.mode ?? 0o600) & 0o777)
            }
            var changed = false
            for (name, value) in Installation.managedConfig(perRef: perRef) + (recordApp.map { [("pushguard.app", $0)] } ?? []) {
                let before = try config.string(name)
                if recorded[name] == nil {
                    recorded[name] = before ?? "\u{0}unset"
                    changed = true
                }
                if before != value {
                    log.append("setting \(name) = \(value)")
                    if !dryRun {
                        try config.set(name, value)
                        changed = true
                    }
                }
            }
            restoreAttributes(attributes)
            if changed && !dryRun {
                recorded[Installation.configAfterKey] = hexString(SHA256.hash(try Files.read(configPath, limit: 1 << 20, followLinks: followLinks)))
                try writeState(recorded)
            }
        } catch {
            restoreAttributes(attributes)
            problems.append("cannot update the repository's config: \(error)")
        }
    }

    /// The state line holding the config's digest right after install.
    static let configAfterKey = "#config-after"

    /// Puts config back: the file as it was before install when nobody changed it since,
    /// else each recorded variable.
    private mutating func restoreConfig(repository: Repository) {
        guard configIsAPlainFile() else { return }
        let attributes = configAttributes()
        do {
            var recorded = try readState()
            guard !recorded.isEmpty else { return }
            let after = recorded.removeValue(forKey: Installation.configAfterKey)
            let current = hexString(SHA256.hash(try Files.read(configPath, limit: 1 << 20, followLinks: followLinks)))
            if let after, after == current, Files.exists(configCopyPath) {
                log.append("restoring the config as it was before install")
                if !dryRun {
                    // The copy is install's own file: a link there was planted, never followed.
                    try Files.writeAtomically(configPath, try Files.read(configCopyPath, limit: 1 << 20, followLinks: false),
                                              mode: (attributes?.mode ?? 0o644) & 0o777,
                                              owner: attributes.map { ($0.owner, $0.group) })
                }
            } else {
                let config = try LocalConfig(repository: repository)
                for (name, before) in recorded.sorted(by: { $0.key < $1.key }) {
                    // The record is in a file the repository's owner can write: only the
                    // variables install sets, spelled as install spells them, are restored
                    // from it, whatever else it lists.
                    guard Installation.managedNames.contains(name) else {
                        log.append("ignoring \(escapedForTerminal(String(name.prefix(80)))) in \(Installation.stateFile): install never sets it")
                        continue
                    }
                    if before == "\u{0}unset" {
                        log.append("removing \(name) (it was not set before install)")
                        if !dryRun { try config.unset(name) }
                    } else {
                        log.append("restoring \(name) = \(escapedForTerminal(before))")
                        if !dryRun { try config.set(name, before) }
                    }
                }
                restoreAttributes(attributes)
            }
            if !dryRun {
                Files.remove(stateFilePath)
                Files.remove(configCopyPath)
            }
        } catch {
            restoreAttributes(attributes)
            problems.append("cannot restore the repository's config: \(error)")
        }
    }

    /// `name<TAB>value` lines; the value `\0unset` means the variable was absent. No file is no
    /// record; a file that cannot be read throws (uninstall must not guess what to restore).
    private func readState() throws -> [String: String] {
        guard let text = try Files.readTextIfPresent(stateFilePath, limit: 65536, followLinks: false) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            values[String(parts[0])] = parts[1] == "unset" ? "\u{0}unset" : String(parts[1].dropFirst())
        }
        return values
    }

    private mutating func writeState(_ values: [String: String]) throws {
        let text = values.sorted { $0.key < $1.key }.map { name, value in
            name + "\t" + (value == "\u{0}unset" ? "unset" : "=" + value)
        }.joined(separator: "\n") + "\n"
        let mode = (configAttributes()?.mode ?? 0o644) & 0o666
        try Files.writeAtomically(stateFilePath, Array(text.utf8), mode: mode)
    }
}
