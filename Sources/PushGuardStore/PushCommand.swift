import PushGuardCore
import PushGuardSystem

/// A command an admin set for a push to run: `pushguard.transmitCommand`, or an environment's
/// `syncCommand` where its instances are containers. The one way both are run.
public enum PushCommand {
    /// Runs `command` through `/bin/sh -c` with only what it needs of the hook's environment
    /// (the scrubbed environment of PushGuard's children; `pushguard.passEnv` adds names: its
    /// output reaches the pusher, and a hook's environment may hold secrets) and
    /// `PUSHGUARD_APP`/`_ENV`/`_USER`, bounded by `pushguard.transmitTimeout` and 256 KiB of
    /// output. `failure` says what went wrong, naming it "the `what` command"; `output` is the
    /// last lines it printed (10 after a failure, else 20). Throws when it could not be started.
    public static func run(_ command: String, what: String, settings: Settings, app: String, environment: String,
                           by: String) throws(Failure) -> (failure: String?, output: [String]) {
        let result = try Subprocess.run(["/bin/sh", "-c", command],
                                        environment: .scrubbed(passing: settings.passEnvironment,
                                                               setting: ["PUSHGUARD_APP": app, "PUSHGUARD_ENV": environment,
                                                                         "PUSHGUARD_USER": by]),
                                        captureOutput: true, mergeStandardError: true, outputLimit: 256 << 10,
                                        timeoutMilliseconds: settings.transmitTimeoutMilliseconds)
        let lines = splitLines(result.output, omittingEmpty: true).map { String(decoding: $0, as: UTF8.self) }
        if result.timedOut {
            return ("the \(what) command did not finish within \(settings.transmitTimeoutMilliseconds) ms and was killed (pushguard.transmitTimeout)", Array(lines.suffix(10)))
        }
        if result.status != 0 {
            return ("the \(what) command exited with status \(result.status)", Array(lines.suffix(10)))
        }
        return (nil, Array(lines.suffix(20)))
    }
}
