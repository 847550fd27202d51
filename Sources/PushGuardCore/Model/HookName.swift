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

    /// Where install keeps a hook that was there before and must run only after PushGuard
    /// accepted the push: one that deploys (Dokku's pre-receive builds and releases the app).
    public func chainedAfterPath(hooksDirectory: String) -> String {
        hooksDirectory + "/" + rawValue + ".after-pushguard"
    }

    /// Both places a kept hook can be, the one run first before the one run after.
    public func keptPaths(hooksDirectory: String) -> [String] {
        [chainedPath(hooksDirectory: hooksDirectory), chainedAfterPath(hooksDirectory: hooksDirectory)]
    }
}
