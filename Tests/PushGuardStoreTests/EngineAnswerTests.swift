import Foundation
import Glibc
import XCTest
import PushGuardCore
@testable import PushGuardStore

/// The Engine API's answers as the container source reads them off the socket: HTTP/1.x with a
/// length, chunks, or to the end of the connection; anything cut or not HTTP is an error.
final class EngineAnswerTests: XCTestCase {
    func parse(_ text: String) throws -> (Int, String) {
        let answer = try EngineConnection.parse(Array(text.utf8), label: "the container socket /s")
        return (answer.status, String(decoding: answer.body, as: UTF8.self))
    }

    /// Podman names its own API's version in every answer's headers; Docker does not. Only a
    /// plain version is taken: it goes into the next request's path.
    func testPodmanIsKnownByItsAPIVersionHeader() throws {
        func podmanAPI(_ header: String) throws -> String? {
            try EngineConnection.parse(Array("HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\n\(header)Content-Length: 2\r\n\r\n[]".utf8),
                                       label: "the container socket /s").podmanAPI
        }
        XCTAssertEqual(try podmanAPI("Libpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)\r\n"), "4.3.1")
        XCTAssertEqual(try podmanAPI("libpod-api-version:5.0.0\r\n"), "5.0.0")
        XCTAssertNil(try podmanAPI("Server: Docker/24.0.7 (linux)\r\n"), "Docker")
        XCTAssertNil(try podmanAPI("Libpod-Api-Version: 4.3.1/../../containers\r\n"), "not a version: never put in a path")
        XCTAssertNil(try podmanAPI("Libpod-Api-Version: 12345678901234567\r\n"))
        XCTAssertNil(try podmanAPI("Libpod-Api-Version: .4\r\n"))
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
        var cache = ContainerSource.Cache(containers: [web: ContainerSource.Inspected(variables: [variable], healthCheck: true),
                                                       worker: ContainerSource.Inspected(variables: [], healthCheck: false)])
        source.saveCache(cache)
        XCTAssertEqual(source.loadCache(), cache)
        cache.podmanAPI = "4.3.1"
        source.saveCache(cache)
        XCTAssertEqual(source.loadCache(), cache, "the engine said it is Podman")
        XCTAssertEqual(try self.source(key: Array(repeating: 8, count: 32)).loadCache(), ContainerSource.Cache(), "another digest key: stale")
        // A cache of an older format (before health checks, before the engine) is not trusted: read again once.
        let path = try XCTUnwrap(source.cachePath)
        let old = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "pushguard-container-cache 3 ", with: "pushguard-container-cache 2 ")
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(source.loadCache(), ContainerSource.Cache())
        for damaged in ["C \(web) healthy\n", "C \(web)\nP 4.3.1\n", "P 4.3.1/../x\n"] {
            try "pushguard-container-cache 3 \(source.keyMark)\n\(damaged)".write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertEqual(source.loadCache(), ContainerSource.Cache(), "a line it does not know makes the whole cache stale: \(damaged)")
        }
    }

    /// The list a push asks for: Docker's until an answer's headers said Podman, then Podman's
    /// own (its words mapped to Docker's, health from its status), and Docker's again when the
    /// socket's engine no longer serves Podman's API.
    func testThePodmanListIsAskedOnlyOnceTheEngineSaidItIsPodman() throws {
        let engine = try FakeEngine(socket: directory + "/engine.sock")
        defer { engine.stop() }
        let source = try source()
        let selected = #"{"app":"shop"}"#
        engine.answers = [
            "/v1.40/containers/json": (200, "Libpod-Api-Version: 4.3.1\r\n",
                                       #"[{"Id":"\#(web)","Names":["/web-1"],"State":"running","Status":"Up 3 minutes","Labels":\#(selected)}]"#),
            "/v1.40/containers/\(web)/json": (200, "", #"{"Config":{"Env":["TOKEN=1"]},"Image":""}"#),
            "/v4.3.1/libpod/containers/json": (200, "Libpod-Api-Version: 4.3.1\r\n", #"""
                [{"Id":"\#(web)","Names":["web-1"],"State":"running","Status":"unhealthy","Labels":\#(selected)},
                 {"Id":"\#(worker)","Names":["worker-1"],"State":"stopped","Status":"","Labels":\#(selected)}]
                """#),
        ]
        var reading = try source.read()
        XCTAssertEqual(engine.paths, ["/v1.40/containers/json", "/v1.40/containers/\(web)/json"])
        XCTAssertEqual(reading.live.map(\.name), ["web-1"])
        XCTAssertEqual(source.loadCache().podmanAPI, "4.3.1")

        engine.paths = []
        reading = try ContainerSource(settings: source.settings, environment: "production", timeoutMilliseconds: 1000,
                                      digestKey: source.digestKey, cacheDirectory: directory).read()
        XCTAssertEqual(engine.paths, ["/v4.3.1/libpod/containers/json"], "one list call, Podman's own, and no health call")
        XCTAssertEqual(reading.containers.map(\.name), ["web-1", "worker-1"])
        XCTAssertEqual(reading.containers.map { $0.notLiveBecause ?? "live" }, ["unhealthy", "exited"])

        // Docker on the same socket now: Podman's path is not found, Docker's list answers.
        engine.answers["/v4.3.1/libpod/containers/json"] = (404, "", #"{"message":"page not found"}"#)
        engine.answers["/v1.40/containers/json"]?.headers = ""
        engine.paths = []
        reading = try ContainerSource(settings: source.settings, environment: "production", timeoutMilliseconds: 1000,
                                      digestKey: source.digestKey, cacheDirectory: directory).read()
        XCTAssertEqual(engine.paths, ["/v4.3.1/libpod/containers/json", "/v1.40/containers/json"])
        XCTAssertEqual(reading.live.map(\.name), ["web-1"])
        XCTAssertNil(source.loadCache().podmanAPI, "forgotten: the next push asks Docker's list first")
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

/// An engine on a unix socket that answers each path (the query left out) from `answers` and
/// records the paths it was asked, one connection per request as the container source makes them.
final class FakeEngine: @unchecked Sendable {
    typealias Answer = (status: Int, headers: String, body: String)
    private let lock = NSLock()
    private var _answers: [String: Answer] = [:]
    private var _paths: [String] = []
    private let descriptor: Int32
    private var thread: Thread?

    var answers: [String: Answer] {
        get { lock.lock(); defer { lock.unlock() }; return _answers }
        set { lock.lock(); _answers = newValue; lock.unlock() }
    }
    var paths: [String] {
        get { lock.lock(); defer { lock.unlock() }; return _paths }
        set { lock.lock(); _paths = newValue; lock.unlock() }
    }

    init(socket path: String) throws {
        descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else { throw NSError(domain: "FakeEngine", code: Int(errno)) }
        let thread = Thread { [self] in serve() }
        self.thread = thread
        thread.start()
    }

    private func serve() {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return }
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !request.ends(with: Array("\r\n\r\n".utf8)) {
                let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                request += buffer[0..<count]
            }
            let target = String(decoding: request, as: UTF8.self).split(separator: " ").dropFirst().first.map(String.init) ?? ""
            let path = String(target.prefix { $0 != "?" })
            paths.append(path)
            let answer = answers[path] ?? (404, "", #"{"message":"page not found"}"#)
            let text = "HTTP/1.0 \(answer.status) X\r\nContent-Type: application/json\r\n\(answer.headers)Content-Length: \(answer.body.utf8.count)\r\n\r\n\(answer.body)"
            _ = Array(text.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
