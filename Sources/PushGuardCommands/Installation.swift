import Glibc
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

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
/// there: an existing hook is renamed `<hook>.before-pushguard` and run first by PushGuard;
/// config PushGuard changes is recorded in `<git-dir>/pushguard-install` so uninstall can
/// restore it exactly.
struct Installation {
    var gitDirectory: String
    var binary: String
    var layout: HookLayout
    var perRef: Bool
    var dryRun: Bool
    /// A developer's clone: only the pre-push warning, no server config.
    var client = false
    /// What was done (or would be, in a dry run), for the admin to read.
    private(set) var log: [String] = []
    /// What is wrong and stopped the work, each with a fix.
    private(set) var problems: [String] = []
    /// Hooks linked by this run, taken out again if a later step fails.
    private var linkedNow: [HookName] = []

    static let stateFile = "pushguard-install"
    /// Config PushGuard sets at install, with the value it sets.
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

    var hooks: [HookName] {
        client ? [.prePush] : HookName.server(perRef: perRef)
    }

    mutating func install(repository: Repository) {
        if layout == .git, let hooksPath = try? repository.config().string("core.hooksPath") {
            problems.append("core.hooksPath is set to \(escapedForTerminal(hooksPath)): git runs hooks from there, not from \(escapedForTerminal(gitDirectory))/hooks. Unset it for this repository (git config --unset core.hooksPath) or link pushguard into that directory yourself.")
            return
        }
        guard checkHooksDirectoryIsInside() else { return }
        for hook in hooks { installHook(hook) }
        if !problems.isEmpty {
            // All or nothing: a partly installed repository is put back as it was.
            for hook in linkedNow { uninstallHook(hook) }
            if !linkedNow.isEmpty { log.append("rolled back: the repository is as it was") }
            return
        }
        if client { return }
        recordAndSetConfig(repository: repository)
    }

    mutating func uninstall(repository: Repository) {
        for hook in HookName.allCases { uninstallHook(hook) }
        restoreConfig(repository: repository)
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

    private mutating func installHook(_ hook: HookName) {
        let path = layout.path(for: hook, gitDirectory: gitDirectory)
        if isOurs(path) {
            log.append("\(hook.rawValue): already installed")
            return
        }
        let saved = hook.chainedPath(hooksDirectory: parentDirectory(of: path))
        if Files.exists(path) {
            if Files.exists(saved) {
                problems.append("\(escapedForTerminal(path)) and \(escapedForTerminal(saved)) both exist; move one away, then install again.")
                return
            }
            if access(path, X_OK) != 0 {
                log.append("\(hook.rawValue): the existing hook has no run bit, so git was skipping it; kept as \(escapedForTerminal(saved)), still skipped (chmod +x it to run it)")
            } else {
                log.append("\(hook.rawValue): keeping the existing hook as \(escapedForTerminal(saved)); PushGuard runs it first and its refusal stands")
            }
            if !dryRun && rename(path, saved) != 0 {
                problems.append("cannot move \(escapedForTerminal(path)) aside: \(lastErrorText())")
                return
            }
        }
        log.append("\(hook.rawValue): linking \(escapedForTerminal(path)) -> \(escapedForTerminal(binary))")
        if dryRun { return }
        do {
            try Files.makeDirectory(parentDirectory(of: path))
        } catch {
            problems.append("\(error)")
            return
        }
        if symlink(binary, path) != 0 {
            problems.append("cannot link \(escapedForTerminal(path)): \(lastErrorText())")
            if Files.exists(saved) { _ = rename(saved, path) }
        } else {
            linkedNow.append(hook)
        }
    }

    private mutating func uninstallHook(_ hook: HookName) {
        let path = layout.path(for: hook, gitDirectory: gitDirectory)
        let saved = hook.chainedPath(hooksDirectory: parentDirectory(of: path))
        if isOurs(path) {
            log.append("\(hook.rawValue): removing \(escapedForTerminal(path))")
            if !dryRun { unlink(path) }
        }
        if Files.exists(saved) && !Files.exists(path) {
            log.append("\(hook.rawValue): restoring the hook that was there before")
            if !dryRun && rename(saved, path) != 0 {
                problems.append("cannot restore \(escapedForTerminal(saved)): \(lastErrorText())")
            }
        }
        if layout == .gitlab && !dryRun { _ = rmdir(parentDirectory(of: path)) }  // only when empty
    }

    // MARK: config

    private var stateFilePath: String { gitDirectory + "/" + Installation.stateFile }

    /// Records the values config had before the first install, then sets PushGuard's.
    private mutating func recordAndSetConfig(repository: Repository) {
        do {
            let config = try LocalConfig(repository: repository)
            var recorded = readState()
            var changed = false
            for (name, value) in Installation.managedConfig(perRef: perRef) {
                let before = try config.string(name)
                if recorded[name] == nil {
                    recorded[name] = before ?? "\u{0}unset"
                    changed = true
                }
                if before != value {
                    log.append("setting \(name) = \(value)")
                    if !dryRun { try config.set(name, value) }
                }
            }
            if changed && !dryRun { try writeState(recorded) }
        } catch {
            problems.append("cannot update the repository's config: \(error)")
        }
    }

    private mutating func restoreConfig(repository: Repository) {
        let recorded = readState()
        guard !recorded.isEmpty else { return }
        do {
            let config = try LocalConfig(repository: repository)
            for (name, before) in recorded.sorted(by: { $0.key < $1.key }) {
                if before == "\u{0}unset" {
                    log.append("removing \(name) (it was not set before install)")
                    if !dryRun { try config.unset(name) }
                } else {
                    log.append("restoring \(name) = \(escapedForTerminal(before))")
                    if !dryRun { try config.set(name, before) }
                }
            }
            if !dryRun { unlink(stateFilePath) }
        } catch {
            problems.append("cannot restore the repository's config: \(error)")
        }
    }

    /// `name<TAB>value` lines; the value `\0unset` means the variable was absent.
    private func readState() -> [String: String] {
        guard let text = try? Files.readTextIfPresent(stateFilePath, limit: 65536) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            values[String(parts[0])] = parts[1] == "unset" ? "\u{0}unset" : String(parts[1].dropFirst())
        }
        return values
    }

    private func writeState(_ values: [String: String]) throws {
        let text = values.sorted { $0.key < $1.key }.map { name, value in
            name + "\t" + (value == "\u{0}unset" ? "unset" : "=" + value)
        }.joined(separator: "\n") + "\n"
        try Files.writeAtomically(stateFilePath, Array(text.utf8), mode: 0o644)
    }
}
