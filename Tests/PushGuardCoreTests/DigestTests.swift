import XCTest
@testable import PushGuardCore

final class DigestTests: XCTestCase {
    private func sha256Hex(_ text: String) -> String {
        hexString(SHA256.hash(Array(text.utf8)))
    }

    /// Bytes (i * 7 + 3) mod 256 for i in 0..<count; the expected digests below were computed with
    /// python3 -c 'import hashlib; print(hashlib.sha256(bytes((i*7+3)&0xff for i in range(N))).hexdigest())'.
    private func patternedMessage(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }

    // MARK: FIPS 180-4 published vectors

    func testHashOfEmptyMessageMatchesFIPSVector() {
        XCTAssertEqual(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testHashOfABCMatchesFIPSVector() {
        XCTAssertEqual(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testHashOf448BitMessageMatchesFIPSVector() {
        XCTAssertEqual(
            sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testHashOfOneMillionAsMatchesFIPSVector() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(
            hexString(SHA256.hash(message)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // MARK: Padding boundaries

    func testHashesAroundThePaddingBoundaryMatchReferenceValues() {
        let expected: [(Int, String)] = [
            (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"),
            (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"),
            (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"),
            (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"),
            (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"),
        ]
        for (length, digest) in expected {
            XCTAssertEqual(hexString(SHA256.hash(patternedMessage(count: length))), digest,
                           "length \(length)")
        }
    }

    func testHashIsAlways32Bytes() {
        for length in [0, 1, 55, 56, 64, 119, 120, 128, 1000] {
            XCTAssertEqual(SHA256.hash(patternedMessage(count: length)).count, 32, "length \(length)")
        }
    }

    // MARK: HMAC-SHA256, RFC 4231

    func testHMACCase1ShortKeyHiThere() {
        let mac = HMACSHA256.authenticationCode(
            key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        XCTAssertEqual(hexString(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    func testHMACCase2KeyShorterThanOutput() {
        let mac = HMACSHA256.authenticationCode(
            key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(hexString(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testHMACCase3CombinedKeyAndDataLength() {
        let mac = HMACSHA256.authenticationCode(
            key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))
        XCTAssertEqual(hexString(mac), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
    }

    func testHMACCase6KeyLongerThanBlockSizeIsHashedFirst() {
        let mac = HMACSHA256.authenticationCode(
            key: [UInt8](repeating: 0xaa, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        XCTAssertEqual(hexString(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testHMACCase7LongKeyAndLongData() {
        let message = "This is a test using a larger than block-size key and a larger than block-size data."
            + " The key needs to be hashed before being used by the HMAC algorithm."
        let mac = HMACSHA256.authenticationCode(
            key: [UInt8](repeating: 0xaa, count: 131), message: Array(message.utf8))
        XCTAssertEqual(hexString(mac), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    // MARK: hexString

    func testHexStringIsLowercaseAndZeroPadded() {
        XCTAssertEqual(hexString([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
        XCTAssertEqual(hexString([]), "")
    }
}
