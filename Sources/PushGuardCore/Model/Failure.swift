/// What kind of failure an error is, and so what the admin CLI exits with: the one place that
/// maps failures to exit codes (no list of casts). Every error type PushGuard throws past a
/// module's edge says its kind by conforming to `Failure`.
public enum FailureKind: Sendable, Equatable {
    /// A check failed or a push would be rejected: exit 1.
    case check
    /// A command, option or argument the admin got wrong: exit 2.
    case usage
    /// A setting PushGuard cannot use (unknown name, bad value): exit 2.
    case settings
    /// git or a repository could not be read or written: exit 2.
    case git
    /// The store failed, refused or holds something PushGuard cannot use: exit 3.
    case store
    /// A file, process or other operating-system operation failed: exit 3.
    case system

    /// The admin CLI's exit status for this kind (see docs/commands.md).
    public var exitCode: Int32 {
        switch self {
        case .check: return 1
        case .usage, .settings, .git: return 2
        case .store, .system: return 3
        }
    }
}

/// An error that knows its kind; its description is the one sentence the admin reads.
public protocol Failure: Error, CustomStringConvertible {
    var kind: FailureKind { get }
}
