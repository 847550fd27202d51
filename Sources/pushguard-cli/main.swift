import Glibc
import PushGuardCommands

// `pushguard-cli`: the admin CLI, run by `pushguard` for every command (see Executables).
exit(PushGuardMain.run(CommandLine.arguments))
