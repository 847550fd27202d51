// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) in pure Swift.
// No Foundation: Core is pure. Hooks use it to key the hand-over between hooks; the CLI
// for value digests (HMAC).
// All arithmetic on message words uses wrapping operators, and the message
// length is folded into the padding with truncating conversions, so no input
// length can trap.

/// SHA-256 message digest (FIPS 180-4).
public enum SHA256 {
    /// Size of the digest in bytes.
    static let digestSize = 32
    /// Size of one compression block in bytes.
    static let blockSize = 64

    /// Round constants: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
        0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
        0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
        0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
        0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Initial hash value: first 32 bits of the fractional parts of the square roots of the first 8 primes.
    private static let initialState: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]

    /// Returns the 32-byte SHA-256 digest of `message`.
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var state = initialState
        var schedule = [UInt32](repeating: 0, count: 64)
        let k = roundConstants

        // Whole blocks straight from the message, without copying it.
        let wholeBlocks = message.count / blockSize
        message.withUnsafeBufferPointer { buffer in
            var offset = 0
            for _ in 0..<wholeBlocks {
                compress(&state, block: buffer, at: offset, schedule: &schedule, k: k)
                offset += blockSize
            }
        }

        // Final one or two blocks: leftover bytes, 0x80, zero fill, 64-bit big-endian bit length.
        var tail = Array(message[(wholeBlocks * blockSize)...])
        tail.append(0x80)
        while tail.count % blockSize != blockSize - 8 {
            tail.append(0)
        }
        // The length is defined modulo 2^64 bits; truncating conversions cannot trap.
        let bitLength = UInt64(truncatingIfNeeded: message.count) &<< 3
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                compress(&state, block: buffer, at: offset, schedule: &schedule, k: k)
                offset += blockSize
            }
        }

        var digest = [UInt8]()
        digest.reserveCapacity(digestSize)
        for word in state {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// Processes the 64-byte block starting at `offset` of `block` into `state`.
    private static func compress(
        _ state: inout [UInt32],
        block: UnsafeBufferPointer<UInt8>,
        at offset: Int,
        schedule w: inout [UInt32],
        k: [UInt32]
    ) {
        for t in 0..<16 {
            let i = offset + t * 4
            w[t] = UInt32(block[i]) << 24 | UInt32(block[i + 1]) << 16
                | UInt32(block[i + 2]) << 8 | UInt32(block[i + 3])
        }
        for t in 16..<64 {
            let x = w[t - 15]
            let y = w[t - 2]
            let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
            let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }

        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
            let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = bigSigma0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state[0] = state[0] &+ a
        state[1] = state[1] &+ b
        state[2] = state[2] &+ c
        state[3] = state[3] &+ d
        state[4] = state[4] &+ e
        state[5] = state[5] &+ f
        state[6] = state[6] &+ g
        state[7] = state[7] &+ h
    }
}

/// HMAC with SHA-256 as the hash function (RFC 2104).
public enum HMACSHA256 {
    /// Returns the 32-byte HMAC-SHA256 of `message` under `key`; keys longer than 64 bytes are hashed first.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = SHA256.blockSize
        var blockKey = key.count > blockSize ? SHA256.hash(key) : key
        blockKey.append(contentsOf: repeatElement(0, count: blockSize - blockKey.count))

        var inner = [UInt8]()
        inner.reserveCapacity(blockSize + message.count)
        for byte in blockKey { inner.append(byte ^ 0x36) }
        inner.append(contentsOf: message)
        let innerDigest = SHA256.hash(inner)

        var outer = [UInt8]()
        outer.reserveCapacity(blockSize + innerDigest.count)
        for byte in blockKey { outer.append(byte ^ 0x5c) }
        outer.append(contentsOf: innerDigest)
        return SHA256.hash(outer)
    }
}

/// Lowercase hex of bytes.
public func hexString(_ bytes: [UInt8]) -> String {
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes { appendHex(byte, to: &out) }
    return String(decoding: out, as: UTF8.self)
}

/// Appends the two lowercase hex digits of `byte` (the one hex encoder `hexString` and the
/// JSON writer share).
func appendHex(_ byte: UInt8, to out: inout [UInt8]) {
    let digits: StaticString = "0123456789abcdef"
    out.append(digits.utf8Start[Int(byte >> 4)])
    out.append(digits.utf8Start[Int(byte & 0x0f)])
}
