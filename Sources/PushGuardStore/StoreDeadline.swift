import PushGuardCore
import PushGuardSystem

/// The time a push gives its store. In a hook every call of the HTTP and exec stores (state
/// reads, transmits, audit records) shares `pushguard.timeout`, counted from the hook's start:
/// a slow store makes the calls fail once the time is used up, instead of making each of them
/// wait the whole timeout. post-receive gets what pre-receive left of it, but at least 1 s
/// (`notAfter`). The admin commands give each call the whole timeout.
public struct StoreDeadline: Sendable {
    public let timeoutMilliseconds: Int
    /// On the monotonic clock; nil: each call gets the whole timeout.
    let end: Int?

    /// `timeoutMilliseconds` from `start` (a hook's start on `Clock.monotonicMilliseconds`),
    /// ending earlier at `notAfter` when given.
    public init(timeoutMilliseconds: Int, from start: Int, notAfter: Int? = nil) {
        self.timeoutMilliseconds = timeoutMilliseconds
        end = min(start + timeoutMilliseconds, notAfter ?? Int.max)
    }

    /// Where it ends on the monotonic clock; nil when each call gets the whole timeout.
    public var endMilliseconds: Int? { end }

    /// Each call gets the whole timeout (the admin commands).
    public init(eachCall timeoutMilliseconds: Int) {
        self.timeoutMilliseconds = timeoutMilliseconds
        end = nil
    }

    /// How long the next call may take; throws a time-out when nothing is left.
    func budget(_ what: String) throws(Failure) -> Int {
        guard let end else { return timeoutMilliseconds }
        let left = min(timeoutMilliseconds, end - Clock.monotonicMilliseconds())
        guard left > 0 else {
            throw Failure.store("\(what) not called: the \(timeoutMilliseconds) ms a push gives all its store calls (pushguard.timeout) are used up",
                             timedOut: true)
        }
        return left
    }

    /// The error of a call cut short: `what` is the store and call, `outcome` what happened.
    func cut(_ what: String, _ outcome: String = "") -> Failure {
        Failure.store(shared ? "\(what) did not answer within the \(timeoutMilliseconds) ms a push gives all its store calls\(outcome) (pushguard.timeout)"
                          : "\(what) did not answer within \(timeoutMilliseconds) ms\(outcome) (pushguard.timeout)",
                   timedOut: true)
    }

    /// Describes a cut call: the whole timeout, or what was left of the hook's.
    var shared: Bool { end != nil }
}
