import Glibc
import PushGuardCore

/// PushGuard is two executables. `pushguard` is what hooks link to and what admins type: it
/// holds the hooks and nothing of the admin CLI (no argument parser, no Foundation), because it
/// starts on every push. For every other command it runs `pushguard-cli`, the admin CLI, with the
/// same arguments. Each finds the other by its own real location: side by side in one directory
/// (a build tree), or installed as `PREFIX/bin/pushguard` and `PREFIX/lib/pushguard/pushguard-cli`.
public enum Executables {
    public static let hookBinaryName = "pushguard"
    public static let cliName = "pushguard-cli"
    /// Where an install puts the CLI, relative to PREFIX (`PREFIX/bin` holds `pushguard`).
    public static let cliDirectory = "lib/pushguard"

    /// The running executable, links resolved.
    public static var current: String? { Files.realPath("/proc/self/exe") }

    /// The places the CLI is looked for beside the hook binary at `hookBinary` (a real path), in order.
    public static func cliCandidates(besideHookBinary hookBinary: String) -> [String] {
        let directory = parentDirectory(of: hookBinary)
        return [directory + "/" + cliName, parentDirectory(of: directory) + "/" + cliDirectory + "/" + cliName]
    }

    /// The `pushguard` that hooks link to, seen from the CLI at `cli` (a real path): beside it,
    /// or `PREFIX/bin/pushguard` for `PREFIX/lib/pushguard/pushguard-cli`; nil when neither exists.
    public static func hookBinary(besideCLI cli: String) -> String? {
        let directory = parentDirectory(of: cli)
        var candidates = [directory + "/" + hookBinaryName]
        if directory.hasSuffix("/" + cliDirectory) {
            candidates.append(String(directory.dropLast(cliDirectory.count)) + "bin/" + hookBinaryName)
        }
        return candidates.first { access($0, X_OK) == 0 && !Files.isDirectory($0) }.flatMap(Files.realPath)
    }

    /// The binary hooks are to link to, from the running admin CLI: the `pushguard` beside it,
    /// else the running executable itself (it runs hooks too).
    public static func hookBinaryForInstall() -> String {
        let me = current ?? CommandLine.arguments[0]
        return hookBinary(besideCLI: me) ?? me
    }
}
