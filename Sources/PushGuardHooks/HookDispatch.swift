import PushGuardCore
import PushGuardSystem

/// Runs one hook as git calls it: reads its input, runs the hook install kept from before
/// (its refusal stands), then PushGuard's own hook.
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
            guard read.bytes.count <= maxInput else { return refuse("hook input is larger than 64 MiB") }
            input = read.bytes
        }
        let chained = hook.chainedPath(hooksDirectory: parentDirectory(of: programPath))
        if Files.isExecutable(chained) {
            do {
                let result = try Subprocess.run([chained] + arguments, input: input, captureOutput: false)
                // The earlier hook's refusal stands; post-receive's status changes nothing.
                if result.status != 0 && hook != .postReceive { return result.status }
            } catch {
                printError([Report.prefix + "cannot run the existing hook \(escapedForTerminal(chained)): \(error)"])
                if hook != .postReceive { return 1 }
            }
        }
        let environment = processEnvironment
        // gitolite's administrative repository is how its admin fixes everything, PushGuard's
        // settings included: never guarded, so no store outage or mapping can lock them out
        // (gitolite links its common hooks, PushGuard's among them, into it too).
        if hook != .prePush, environment("GL_REPO") == "gitolite-admin" { return 0 }
        switch hook {
        case .preReceive: return PreReceiveHook.run(input: input, environment: environment, started: started)
        case .update: return UpdateHook.run(arguments: arguments, environment: environment, started: started)
        case .postReceive: return PostReceiveHook.run(input: input, environment: environment, started: started)
        case .prePush: return PrePushHook.run(input: input, arguments: arguments, environment: environment, started: started)
        }
    }
}
