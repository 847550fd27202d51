import Glibc
import PushGuardCore

/// A user id and a group id, as other modules name them (they use no Glibc of their own).
public typealias UserID = uid_t
public typealias GroupID = gid_t

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

    /// The effective user id this process acts as.
    public static var effectiveUserID: uid_t { geteuid() }

    /// The effective group id this process acts as.
    public static var effectiveGroupID: gid_t { getegid() }

    /// The user id and primary group of the login `name`, or nil when there is no such user.
    public static func user(named name: String) -> (uid: uid_t, gid: gid_t)? {
        guard let entry = getpwnam(name) else { return nil }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// The primary group of `uid`, or nil when the user database has no entry for it.
    public static func primaryGroup(of uid: uid_t) -> gid_t? {
        getpwuid(uid).map { $0.pointee.pw_gid }
    }

    /// Every group `uid` belongs to (its primary group and those the group database lists it
    /// in, as `initgroups` would set them); nil when the user database has no entry for it or
    /// it is in more than 64 groups.
    public static func groups(of uid: uid_t) -> [gid_t]? {
        guard let entry = getpwuid(uid) else { return nil }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: 64)
        guard getgrouplist(entry.pointee.pw_name, entry.pointee.pw_gid, &groups, &count) >= 0 else { return nil }
        return Array(groups.prefix(Int(count)))
    }
}

/// The process environment as a lookup function (hooks and commands read it the same way).
public func processEnvironment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
