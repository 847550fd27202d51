import XCTest
@testable import PushGuardStore

/// The Engine API's answers as the container source reads them off the socket: HTTP/1.x with a
/// length, chunks, or to the end of the connection; anything cut or not HTTP is an error.
final class EngineAnswerTests: XCTestCase {
    func parse(_ text: String) throws -> (Int, String) {
        let (status, body) = try EngineConnection.parse(Array(text.utf8), label: "the container socket /s")
        return (status, String(decoding: body, as: UTF8.self))
    }

    func testLengthChunksAndToTheEnd() throws {
        XCTAssertEqual(try parse("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]xx").1, "[]")
        XCTAssertEqual(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n[{}\r\n1;ext\r\n]\r\n0\r\n\r\n").1, "[{}]")
        let (status, body) = try parse("HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"no such image\"}")
        XCTAssertEqual(status, 404)
        XCTAssertEqual(body, "{\"message\":\"no such image\"}")
    }

    func testCutOrForeignAnswersAreErrors() {
        XCTAssertThrowsError(try parse("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n[]")) { error in
            XCTAssertTrue("\(error)".contains("the answer was cut (2 of 10 bytes)"), "\(error)")
        }
        XCTAssertThrowsError(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n[]"))
        XCTAssertThrowsError(try parse("SSH-2.0-OpenSSH_9.2\r\n\r\n")) { error in
            XCTAssertTrue("\(error)".contains("the container socket /s: the answer is not HTTP"), "\(error)")
        }
        XCTAssertThrowsError(try parse("HTTP/1.0 200 OK\r\n"))
    }
}
