import ArgumentParser
import PushGuardCore
import PushGuardHooks
import PushGuardSystem

/// The admin CLI's root command.
struct PushGuardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushguard",
        abstract: "Refuse git pushes that would deploy code while its config is not synchronized.",
        discussion: "Installed as a repository's hooks it checks every push; called as pushguard it is the admin CLI. Exit codes: 0 success, 1 check failed or rejected, 2 usage or settings error, 3 store error.",
        version: PushGuardVersion.current,
        subcommands: [AppsCommand.self, ConfigCommand.self, InstancesCommand.self, StatusCommand.self, CheckCommand.self,
                      AuditCommand.self, HookCommand.self, InstallCommand.self, DoctorCommand.self, StoreCommand.self])
}

/// The multi-call entry point: a hook by the name it was called with, else the CLI.
public enum PushGuardMain {
    public static func run(_ arguments: [String]) -> Int32 {
        let program = arguments.first ?? "pushguard"
        if let hook = HookName.from(programPath: program) {
            return HookDispatch.run(hook, programPath: program, arguments: Array(arguments.dropFirst()))
        }
        do {
            var command = try PushGuardCommand.parseAsRoot(Array(arguments.dropFirst()))
            try command.run()
            return 0
        } catch let failure as Failure {
            printError(["pushguard: " + failure.description])
            return failure.exitCode
        } catch {
            let code = PushGuardCommand.exitCode(for: error)
            if code == .success {
                print(PushGuardCommand.fullMessage(for: error))
                return 0
            }
            if let exit = error as? ExitCode { return exit.rawValue }
            if code == .validationFailure {
                // Usage errors: the message and the help of the command, exit 2 as the spec says.
                printError([PushGuardCommand.fullMessage(for: error)])
                return 2
            }
            // Anything not a Failure: the cautious reading, a store failure (exit 3).
            let failure = Failure(error)
            printError(["pushguard: " + failure.description])
            return failure.exitCode
        }
    }
}
