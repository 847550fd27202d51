import Glibc

/// `PUSHGUARD_TRACE=1` prints how long each phase of a hook took, to stderr, for profiling.
public enum Trace {
    nonisolated(unsafe) private static var enabled: Bool? = nil
    nonisolated(unsafe) private static var last = 0

    public static func mark(_ phase: @autoclosure () -> String) {
        if enabled == nil { enabled = getenv("PUSHGUARD_TRACE") != nil }
        guard enabled == true else { return }
        let micros = Clock.monotonicMicroseconds()
        let line = "pushguard trace: \(phase()) +\(last == 0 ? 0 : micros - last) us\n"
        last = micros
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
