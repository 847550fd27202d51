/// Byte searches eight bytes at a time (a hook may scan a few megabytes of changed source on a
/// push: a loop of one comparison per byte was a fifth of such a hook's time).
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of the lowest byte of `word` that is zero is set (bytes above it may be
    /// falsely marked, so only the lowest marked byte is exact).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highs
    }

    /// The index of the first byte at or after `start` that is `a` or `b`; `bytes.count` if none.
    static func firstIndex(of a: UInt8, or b: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let count = bytes.count
        var i = max(0, start)
        #if _endian(little)
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let spreadA = ones &* UInt64(a), spreadB = ones &* UInt64(b)
            while i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let marks = zeroBytes(word ^ spreadA) | zeroBytes(word ^ spreadB)
                if marks != 0 { return i + marks.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        #endif
        while i < count && bytes[i] != a && bytes[i] != b { i += 1 }
        return i
    }

    /// The index of the first byte at or after `start` that is the ASCII letter `lower` in either
    /// case; `bytes.count` if none. (`byte | 0x20` is `lower` only for the letter's two cases.)
    static func firstIndex(ofLetter lower: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let count = bytes.count
        var i = max(0, start)
        #if _endian(little)
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let spread = ones &* UInt64(lower), cases = ones &* 0x20
            while i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let marks = zeroBytes((word | cases) ^ spread)
                if marks != 0 { return i + marks.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        #endif
        while i < count && bytes[i] | 0x20 != lower { i += 1 }
        return i
    }

    /// True when `needle` occurs in `bytes` (case-sensitive).
    static func occurs(_ needle: Substring.UTF8View, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        let length = needle.count
        var i = 0
        while true {
            i = firstIndex(of: first, or: first, in: bytes, from: i)
            if i + length > bytes.count { return false }
            if UnsafeBufferPointer(rebasing: bytes[i..<i + length]).elementsEqual(needle) { return true }
            i += 1
        }
    }

    /// True when "env" occurs in any case. Found by its "v", the rarest of its letters in code.
    static func mentionsEnv(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 2
        while true {
            let v = firstIndex(ofLetter: UInt8(ascii: "v"), in: bytes, from: i)
            if v >= bytes.count { return false }
            if bytes[v - 2] | 0x20 == UInt8(ascii: "e") && bytes[v - 1] | 0x20 == UInt8(ascii: "n") { return true }
            i = v + 1
        }
    }
}
