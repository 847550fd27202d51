import Glibc
import PushGuardCore

/// Who is acting, and the environment they act in.
public enum Identity {
    /// The person behind a push or a command: the first set of the variables git servers use.
    public static func pusher(environment: (String) -> String?) -> String {
        for name in ["PUSHGUARD_USER", "GL_USERNAME", "GITHUB_USER_LOGIN", "GL_USER", "REMOTE_USER", "USER"] {
            if let value = environment(name), !value.isEmpty { return String(value.prefix(200)) }
        }
        return effectiveUserName() ?? "unknown"
    }

    /// The login name of the effective user id, if it has one.
    public static func effectiveUserName() -> String? { loginName(geteuid()) }

    /// The login name of `uid`, as the system has it, or nil.
    public static func loginName(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// The login name of `uid` for a message: escaped, or "uid N" when it has none.
    public static func userName(_ uid: uid_t) -> String {
        loginName(uid).map(escapedForTerminal) ?? "uid \(uid)"
    }

    /// True when running as root (the admin), as opposed to the git user that runs hooks.
    public static var isRoot: Bool { geteuid() == 0 }
}

/// The process environment as a lookup function (hooks and commands read it the same way).
public func processEnvironment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
