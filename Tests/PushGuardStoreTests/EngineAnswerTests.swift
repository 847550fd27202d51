import XCTest
import PushGuardCore
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

/// What the container source keeps between pushes and what decides whether it asks the engine
/// for health: a container's config and health check, read once for its lifetime.
final class ContainerCacheTests: DirectoryTestCase {
    private func source(key: [UInt8] = Array(repeating: 7, count: 32)) throws -> ContainerSource {
        let selector = try ContainerSelector.parse("label:app=shop", setting: "pushguard.production.containers").get()
        return ContainerSource(settings: ContainerSettings(selector: selector, socket: directory + "/engine.sock"),
                               environment: "production", timeoutMilliseconds: 1000, digestKey: key, cacheDirectory: directory)
    }

    private let web = String(repeating: "a", count: 64), worker = String(repeating: "b", count: 64)

    func testWhatWasInspectedReadsBackWithItsHealthCheck() throws {
        let source = try source()
        let variable = ContainerSource.Variable(name: "TOKEN", digest: "hmac-sha256:" + String(repeating: "0", count: 64), origin: .config)
        let cache = [web: ContainerSource.Inspected(variables: [variable], healthCheck: true),
                     worker: ContainerSource.Inspected(variables: [], healthCheck: false)]
        source.saveCache(cache)
        XCTAssertEqual(source.loadCache(), cache)
        XCTAssertEqual(try self.source(key: Array(repeating: 8, count: 32)).loadCache(), [:], "another digest key: stale")
        // A cache of the format before health checks were kept is not trusted: read again once.
        let path = try XCTUnwrap(source.cachePath)
        let old = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "pushguard-container-cache 2 ", with: "pushguard-container-cache 1 ")
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(source.loadCache(), [:])
        try "pushguard-container-cache 2 \(source.keyMark)\nC \(web) healthy\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(source.loadCache(), [:], "a line it does not know makes the whole cache stale")
    }

    func testHealthIsAskedForOnlyWhereTheStatusTextLeavesItOut() throws {
        func config(_ json: String) throws -> JSONObject { try XCTUnwrap(JSONParser.parse(Array(json.utf8)).objectValue) }
        XCTAssertTrue(ContainerSource.hasHealthCheck(try config(#"{"Healthcheck":{"Test":["CMD-SHELL","curl -f localhost"]}}"#)))
        XCTAssertFalse(ContainerSource.hasHealthCheck(try config(#"{"Healthcheck":{"Test":["NONE"]}}"#)), "switched off")
        XCTAssertFalse(ContainerSource.hasHealthCheck(try config(#"{"Healthcheck":null}"#)))
        XCTAssertFalse(ContainerSource.hasHealthCheck(try config(#"{"Env":["A=1"]}"#)))
        // Docker's status text says it; Podman's compatible list does not.
        XCTAssertTrue(ContainerSource.statusShowsHealth("Up 2 hours (healthy)"))
        XCTAssertTrue(ContainerSource.statusShowsHealth("Up 3 seconds (health: starting)"))
        XCTAssertTrue(ContainerSource.statusShowsHealth("Up 5 minutes (unhealthy)"))
        XCTAssertFalse(ContainerSource.statusShowsHealth("Up 5 minutes"))
    }
}
