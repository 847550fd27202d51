import Glibc

/// `PUSHGUARD_TRACE=1` prints how long each phase of a hook took, to stderr, for profiling. The
/// first and the last line also give the time on the monotonic clock (CLOCK_MONOTONIC, in µs),
/// so a parent that reads the same clock sees how long the process took to start and to exit.
public enum Trace {
    nonisolated(unsafe) private static var enabled: Bool? = nil
    nonisolated(unsafe) private static var last = 0

    public static func mark(_ phase: @autoclosure () -> String) {
        if enabled == nil { enabled = getenv("PUSHGUARD_TRACE") != nil }
        guard enabled == true else { return }
        let micros = Clock.monotonicMicroseconds()
        let name = phase()
        let at = last == 0 || name == "done" ? " (monotonic \(micros) us)" : ""
        let line = "pushguard trace: \(name) +\(last == 0 ? 0 : micros - last) us\(at)\n"
        last = micros
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
