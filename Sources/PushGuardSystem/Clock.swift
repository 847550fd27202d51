import Glibc
import PushGuardCore

/// Time as PushGuard reads it: one monotonic clock for deadlines and traces, and wall-clock
/// timestamps for records.
public enum Clock {
    /// Milliseconds on the monotonic clock (deadlines: immune to wall-clock jumps).
    public static func monotonicMilliseconds() -> Int { monotonicMicroseconds() / 1000 }

    /// Microseconds on the monotonic clock.
    public static func monotonicMicroseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000
    }

    /// Seconds since the epoch on the wall clock.
    public static func epochSeconds() -> Int { Int(time(nil)) }

    /// The current time as RFC 3339 UTC, to the second.
    public static func timestamp() -> String { Timestamp.utc(secondsSinceEpoch: epochSeconds()) }
}
