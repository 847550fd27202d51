import Glibc
import PushGuardCore
import XCTest

final class TimestampTests: XCTestCase {
    func testKnownInstants() {
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: -1), "1969-12-31T23:59:59Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 951_782_400), "2000-02-29T00:00:00Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 1_709_164_799), "2024-02-28T23:59:59Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 1_709_251_199), "2024-02-29T23:59:59Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 1_798_396_560), "2026-12-27T18:36:00Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 4_102_444_800), "2100-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 4_107_456_000), "2100-02-28T00:00:00Z")
        XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: 4_107_542_400), "2100-03-01T00:00:00Z")
    }

    /// The C library's calendar, on a spread of instants from 1700 to 2300 (the hooks no longer
    /// call it: it reads /etc/localtime first).
    func testAgreesWithTheCLibrary() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var seconds = Int.random(in: -8_520_000_000...10_410_000_000, using: &generator)
            if Bool.random(using: &generator) { seconds -= seconds % 86_400 }
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let expected = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
            XCTAssertEqual(Timestamp.utc(secondsSinceEpoch: seconds), expected, "\(seconds)")
        }
    }
}
