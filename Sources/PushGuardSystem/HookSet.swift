import Glibc
import PushGuardCore

/// The git hooks PushGuard acts as. Each reads exactly what git passes it (see githooks(5)).
public enum HookName: String, CaseIterable, Sendable {
    /// stdin: `<old> <new> <ref>` per ref; no arguments. Exit non-zero refuses the whole push.
    /// Runs while the pushed objects sit in git's quarantine directory.
    case preReceive = "pre-receive"
    /// arguments: `<ref> <old> <new>`; no stdin. Exit non-zero refuses this ref only.
    /// Runs after the quarantine was migrated; gets no push options.
    case update
    /// stdin as pre-receive; runs after refs were updated; its exit status changes nothing.
    case postReceive = "post-receive"
    /// client side: arguments `<remote-name> <url>`; stdin `<local-ref> <local-id> <remote-ref> <remote-id>`.
    case prePush = "pre-push"

    /// The hooks a server installation links: the update hook only when checking per ref.
    public static func server(perRef: Bool) -> [HookName] {
        perRef ? [.preReceive, .update, .postReceive] : [.preReceive, .postReceive]
    }

    /// The hook a program name stands for: `pre-receive`, or GitLab's `pre-receive.d/NAME`.
    public static func from(programPath path: String) -> HookName? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last else { return nil }
        if let hook = HookName(rawValue: String(last)) { return hook }
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".d") {
            return HookName(rawValue: String(parts[parts.count - 2].dropLast(2)))
        }
        return nil
    }

    /// Where install keeps the hook that was there before; PushGuard runs it first.
    public func chainedPath(hooksDirectory: String) -> String {
        hooksDirectory + "/" + rawValue + ".before-pushguard"
    }

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
