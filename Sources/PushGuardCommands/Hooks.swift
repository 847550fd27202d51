import Glibc
import PushGuardCore
import PushGuardGit
import PushGuardStore

/// The git hooks PushGuard acts as. Each reads exactly what git passes it (see githooks(5)).
public enum HookName: String, CaseIterable, Sendable {
    /// stdin: `<old> <new> <ref>` per ref; no arguments. Exit non-zero refuses the whole push.
    /// Runs while the pushed objects sit in git's quarantine directory.
    case preReceive = "pre-receive"
    /// arguments: `<ref> <old> <new>`; no stdin. Exit non-zero refuses this ref only.
    /// Runs after the quarantine was migrated; gets no push options.
    case update
    /// stdin as pre-receive; runs after refs were updated; its exit status changes nothing.
    case postReceive = "post-receive"
    /// client side: arguments `<remote-name> <url>`; stdin `<local-ref> <local-id> <remote-ref> <remote-id>`.
    case prePush = "pre-push"

    /// The hook a program name stands for: `pre-receive`, or GitLab's `pre-receive.d/NAME`.
    public static func from(programPath path: String) -> HookName? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last else { return nil }
        if let hook = HookName(rawValue: String(last)) { return hook }
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".d") {
            return HookName(rawValue: String(parts[parts.count - 2].dropLast(2)))
        }
        return nil
    }
}

/// The process environment as a lookup function (tests and hooks read it the same way).
func processEnvironment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}

/// Writes lines to stderr in one call (git relays a hook's stderr to the pusher as `remote:`).
func printError(_ lines: [String]) {
    guard !lines.isEmpty else { return }
    let text = lines.joined(separator: "\n") + "\n"
    var offset = 0
    let bytes = Array(text.utf8)
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress! + offset, bytes.count - offset) }
        if written <= 0 { if errno == EINTR { continue } else { break } }
        offset += written
    }
}

/// Reads all of stdin up to `limit` bytes; nil when there is more.
func readStandardInput(limit: Int) -> [UInt8]? {
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, 65536) }
        if count < 0 { if errno == EINTR { continue } else { break } }
        if count == 0 { break }
        data += buffer.prefix(count)
        if data.count > limit { return nil }
    }
    return data
}

/// Runs one hook and returns its exit status.
public enum HookRunner {
    /// The file install leaves an existing hook under; PushGuard runs it first.
    public static func chainedPath(hooksDirectory: String, hook: HookName) -> String {
        hooksDirectory + "/" + hook.rawValue + ".before-pushguard"
    }

    public static func run(_ hook: HookName, programPath: String, arguments: [String]) -> Int32 {
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
        let chained = chainedPath(hooksDirectory: hooksDirectory, hook: hook)
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
        case .postReceive, .prePush:
            return 0
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

    /// Decides the updates in the repository the hook runs in; exit 1 when any is rejected.
    static func checkPush(updates: [RefUpdate], environment: @escaping (String) -> String?, perRefHook: Bool) -> Int32 {
        let repository: Repository
        let settings: Settings
        do {
            repository = try Repository.openFromEnvironment()
            settings = try SettingsLoader.load(config: try repository.config(), environment: environment)
        } catch {
            printError([Report.prefix + "refusing: cannot read the repository's settings: \(error)"])
            return 2
        }
        // Exactly one of pre-receive and update checks a push, as chosen at install.
        if settings.perRef != perRefHook { return 0 }
        let app = settings.app ?? appName(gitDirectory: repository.gitDirectory)
        let guardian = Guard(settings: settings, app: app, repository: repository,
                             openStore: { try StoreOpener.open(settings.store, timeoutMilliseconds: settings.timeoutMilliseconds, create: false) },
                             options: PushOptions.from(environment: environment),
                             pusher: pusherIdentity(environment: environment),
                             gitlab: environment("GL_ID") != nil)
        let decision = guardian.decide(updates)
        printError(decision.lines)
        return decision.rejected ? 1 : 0
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
