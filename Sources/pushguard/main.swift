import CHookStartup
import Glibc
import PushGuardCommands

// Referenced so the CA-bundle interposer (CHookStartup) is always linked in.
_ = pushguard_ca_bundle_requests
exit(PushGuardMain.run(CommandLine.arguments))
