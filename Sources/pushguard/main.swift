import Glibc
import PushGuardCommands

exit(PushGuardMain.run(CommandLine.arguments))
