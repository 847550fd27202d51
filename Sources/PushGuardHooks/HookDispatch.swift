import PushGuardCore
import PushGuardSystem

/// Runs one hook as git calls it: reads its input, runs the hook install kept from before
/// (its refusal stands), then PushGuard's own hook, then a kept hook that must run only after
/// PushGuard accepted (`<hook>.after-pushguard`: Dokku's deploy).
public enum HookDispatch {
    /// Hook input is small (about 100 bytes a ref); more than 64 MiB is not git talking.
    static let maxInput = 64 << 20

    /// `pushguard hook NAME [ARGS…]` (in both executables): the hook NAME as if git had called
    /// it from a hooks directory; nil when NAME is not a hook PushGuard acts as.
    public static func run(hookNamed name: String, arguments: [String]) -> Int32? {
        guard let hook = HookName(rawValue: name) else { return nil }
        return run(hook, programPath: "hooks/" + name, arguments: arguments)
    }

    public static func run(_ hook: HookName, programPath: String, arguments: [String]) -> Int32 {
        Trace.mark("start \(hook.rawValue)")
        // The store calls of this hook share pushguard.timeout from here.
        let started = Clock.monotonicMilliseconds()
        var input: [UInt8] = []
        if hook != .update {
            let read = Files.readAll(0, limit: maxInput)
            guard read.bytes.count <= maxInput else { return refuse(Report.hookInputTooLarge(limit: maxInput)) }
            input = read.bytes
        }
        let hooksDirectory = parentDirectory(of: programPath)
        // A kept hook's refusal stands; post-receive's status changes nothing.
        if let status = runKept(hook.chainedPath(hooksDirectory: hooksDirectory), arguments, input),
           status != 0 && hook != .postReceive {
            return status
        }
        let environment = processEnvironment
        // gitolite's administrative repository is how its admin fixes everything, PushGuard's
        // settings included: never guarded, so no store outage or mapping can lock them out
        // (gitolite links its common hooks, PushGuard's among them, into it too).
        let status: Int32
        if hook != .prePush, environment("GL_REPO") == "gitolite-admin" {
            status = 0
        } else {
            switch hook {
            case .preReceive: status = PreReceiveHook.run(input: input, environment: environment, started: started)
            case .update: status = UpdateHook.run(arguments: arguments, environment: environment, started: started)
            case .postReceive: status = PostReceiveHook.run(input: input, environment: environment, started: started)
            case .prePush: status = PrePushHook.run(input: input, arguments: arguments, environment: environment, started: started)
            }
        }
        // A kept hook that deploys runs only once PushGuard accepted; its refusal stands too.
        guard status == 0 || hook == .postReceive,
              let after = runKept(hook.chainedAfterPath(hooksDirectory: hooksDirectory), arguments, input) else { return status }
        return hook == .postReceive ? status : after
    }

    /// Runs a hook install kept (`path`) with git's arguments and stdin: its exit status, or nil
    /// when there is none to run (no such file, or no run bit: git skipped it before too).
    ///
    /// As root (a push by root into a repository, or `pushguard hook` typed by root), a kept
    /// hook runs only when root alone controls it and the way to it: root runs nothing another
    /// user could have put there. One that someone else controls refuses the push instead.
    private static func runKept(_ path: String, _ arguments: [String], _ input: [UInt8]) -> Int32? {
        guard Files.isExecutable(path) else { return nil }
        if Identity.isRoot {
            let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
            // The way there (links root placed followed), then the file it leads to.
            let other = PathTrust.firstOtherControl(absolute).map { ($0.path, $0.owner) }
                ?? (try? Files.info(absolute, followLinks: true)).flatMap { $0.owner == 0 ? nil : (absolute, $0.owner) }
            if let (controlled, owner) = other {
                printError([Report.keptHookNotRunAsRoot(path, controlledPath: controlled, owner: Identity.userName(owner))])
                return 1
            }
        }
        do {
            return try Subprocess.run([path] + arguments, input: input, captureOutput: false).status
        } catch {
            printError([Report.cannotRunExistingHook(path, error: "\(error)")])
            return 1
        }
    }
}
