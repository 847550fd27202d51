/// The one error PushGuard throws past a module's edge: what kind of failure it is (and so the
/// admin CLI's exit code: the one place that maps failures to exit codes, no list of casts),
/// the sentence the admin or the pusher reads, and the fix when one is known. Each module adds
/// what only it knows as extensions: PushGuardSystem `failed(_:_:errno:)`, `reason` and
/// `alreadyExists`; PushGuardGit the initialiser that reads libgit2's last error and
/// `isOwnershipProblem`; PushGuardHooks `init(storeFailure:)`.
public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
    /// What failed, and so what the admin CLI exits with.
    public enum Kind: Sendable, Equatable {
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

    /// What failed; decides the exit code.
    public var kind: Kind
    /// What went wrong, without the fix (and, for .git, without the function's name).
    public var message: String
    /// The command or setting that mends it, when known: shown after the message and "; ".
    public var fix: String?
    /// The errno behind a .system failure, libgit2's error code behind a .git one; 0 otherwise.
    public var code: Int32
    /// The store did not answer within `pushguard.timeout`: calling it again would only wait again.
    public var timedOut: Bool
    /// The libgit2 function that failed (.git only): the description then starts "FUNCTION failed: ".
    public var function: String?

    public init(_ kind: Kind, _ message: String, fix: String? = nil, code: Int32 = 0, timedOut: Bool = false,
                function: String? = nil) {
        self.kind = kind
        self.message = message
        self.fix = fix
        self.code = code
        self.timedOut = timedOut
        self.function = function
    }

    /// The admin CLI's exit status for this failure.
    public var exitCode: Int32 { kind.exitCode }

    /// The one sentence the admin or the pusher reads: "[FUNCTION failed: ]MESSAGE[; FIX]".
    public var description: String {
        (function.map { "\($0) failed: " } ?? "") + message + (fix.map { "; " + $0 } ?? "")
    }

    public static func check(_ message: String, fix: String? = nil) -> Failure { Failure(.check, message, fix: fix) }
    public static func usage(_ message: String, fix: String? = nil) -> Failure { Failure(.usage, message, fix: fix) }
    public static func settings(_ message: String, fix: String? = nil) -> Failure { Failure(.settings, message, fix: fix) }
    public static func store(_ message: String, timedOut: Bool = false, fix: String? = nil) -> Failure {
        Failure(.store, message, fix: fix, timedOut: timedOut)
    }
    public static func system(_ message: String, errno code: Int32 = 0) -> Failure { Failure(.system, message, code: code) }
    /// `function`: nil when the message says it all (a repository git refuses to open).
    public static func git(function: String?, code: Int32, message: String) -> Failure {
        Failure(.git, message, code: code, function: function)
    }

    /// Any error as a Failure: itself when it is one, else a store failure (exit 3) with its
    /// text, the cautious reading of an error nothing classified.
    public init(_ error: any Error) {
        if let failure = error as? Failure {
            self = failure
        } else {
            self = .store("\(error)")
        }
    }

    /// The same failure with `more` added to the end of its sentence (after the fix, when
    /// there is one, so the text reads as before); the whole sentence becomes the message.
    public func continued(_ more: String) -> Failure {
        Failure(kind, description + more, code: code, timedOut: timedOut)
    }
}
