import Glibc
import PushGuardCore
import PushGuardGit
import PushGuardHooks
import PushGuardSystem

/// `pushguard`: what hooks link to. It acts as a hook by the name it was called with; every
/// command is the admin CLI's, in `pushguard-cli` (see Executables), which it runs with the same
/// arguments. Neither the argument parser nor Foundation is linked here: they made every hook's
/// start and exit slower.
///
/// This is a function rather than main.swift's top-level code: Swift 6 runs top-level code on
/// the main actor, and checking that from its closures linked Swift's concurrency runtime and
/// libdispatch into every hook, with the constructors they run at each start.
enum Program {
    static func run() -> Never {
        let arguments = CommandLine.arguments
        let program = arguments.first ?? "pushguard"
        // A hook by the name it was called with, or `pushguard hook NAME [ARGS…]` with a known
        // NAME (anything else about `hook`, its help or a wrong name, is the CLI's to answer).
        if let hook = HookName.from(programPath: program) {
            endHook(HookDispatch.run(hook, programPath: program, arguments: Array(arguments.dropFirst())))
        }
        if arguments.count >= 3, arguments[1] == "hook",
           let status = HookDispatch.run(hookNamed: arguments[2], arguments: Array(arguments.dropFirst(3))) {
            endHook(status)
        }
        // A test entry point, not a command (it is in no help): clones through the linked
        // libgit2, so Tests/EndToEndTests/StartupTests can show that libgit2's network
        // transports are fenced.
        if arguments.count == 4 && arguments[1] == "__libgit2-clone" {
            do {
                try Repository.cloneThroughLibgit2(url: arguments[2], into: arguments[3])
                exit(0)
            } catch {
                printError(["pushguard: " + error.description])
                exit(1)
            }
        }
        let candidates = Executables.current.map(Executables.cliCandidates(besideHookBinary:)) ?? []
        for cli in candidates where Files.isExecutable(cli) {
            execv(cli, CommandLine.unsafeArgv)
            printError(["pushguard: cannot run the admin CLI \(escapedForTerminal(cli)): \(lastErrorText())"])
            exit(2)
        }
        printError(["pushguard: the admin commands are in \(Executables.cliName), which is not installed beside this binary (looked for "
                    + candidates.map { escapedForTerminal($0) }.joined(separator: " and ") + "); install both with ./install.sh"])
        exit(2)
    }

    /// The hook has closed its store and written its output (with write(2); stdio is flushed
    /// here all the same): end without running exit handlers and destructors, which touched
    /// pages for nothing (about 0.08 ms of CPU a hook, measured side by side).
    private static func endHook(_ status: Int32) -> Never {
        fflush(nil)
        _exit(status)
    }
}
