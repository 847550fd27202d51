import Glibc
import PushGuardCommands
import PushGuardGit
import PushGuardSystem

let arguments = CommandLine.arguments
// A test entry point, not a command (it is in no help): clones through the linked libgit2, so
// Tests/EndToEndTests/StartupTests can show that libgit2's network transports are fenced.
if arguments.count == 4 && arguments[1] == "__libgit2-clone" {
    do {
        try Repository.cloneThroughLibgit2(url: arguments[2], into: arguments[3])
        exit(0)
    } catch {
        printError(["pushguard: " + error.description])
        exit(1)
    }
}
exit(PushGuardMain.run(arguments))
