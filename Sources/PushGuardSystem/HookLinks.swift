import PushGuardCore

/// Telling PushGuard's hook links from others: reads links on the file system, so it lives
/// here beside the other file calls, not with the hook names in the core.
extension HookName {
    /// True when `path` is a symbolic link to PushGuard: to `binary` itself, or to any file
    /// named `pushguard` (an earlier install from another prefix is still ours), directly or
    /// through other links (gitolite links each repository's hook to its common hooks).
    public static func isPushGuardLink(_ path: String, binary: String) -> Bool {
        guard let target = Files.readLink(path) else { return false }
        if namesPushGuard(target) { return true }
        guard let resolved = Files.realPath(absoluteTarget(target, ofLinkAt: path)) else { return false }
        return resolved == Files.realPath(binary) || resolved.hasSuffix("/pushguard")
    }

    /// The target of a hook link that leads straight to another PushGuard binary than `binary`:
    /// one from an earlier install under another prefix (`/usr/local/bin/pushguard` before the
    /// Debian package's `/usr/bin/pushguard`), which may since have been removed (git then skips
    /// the hook, and pushes go unchecked). Nil when the link leads to `binary`, is not a link to
    /// a file named `pushguard`, or leads there through another link (gitolite's common hooks:
    /// that link is the one to re-point).
    public static func earlierPushGuardTarget(_ path: String, binary: String) -> String? {
        guard let target = Files.readLink(path), namesPushGuard(target), target != binary else { return nil }
        if let resolved = Files.realPath(absoluteTarget(target, ofLinkAt: path)), resolved == Files.realPath(binary) { return nil }
        return target
    }

    /// A link target that names a file called `pushguard`.
    private static func namesPushGuard(_ target: String) -> Bool {
        target == "pushguard" || target.hasSuffix("/pushguard")
    }

    /// A link's target as a path from `/`: a relative target is relative to the link's directory.
    public static func absoluteTarget(_ target: String, ofLinkAt path: String) -> String {
        target.hasPrefix("/") ? target : parentDirectory(of: path) + "/" + target
    }
}
