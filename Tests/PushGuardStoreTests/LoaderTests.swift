import XCTest
import Glibc
import CPostgres
import CCurl

/// libpq and libcurl are loaded with dlopen on first use. A library that lacks a symbol is
/// refused by name and released again, so no handle leaks.
///
/// These tests put a stub with the real library's soname into the process: a later
/// dlopen("libpq.so.5") finds the stub by soname. No other test in this target may load the
/// real libpq or libcurl in-process, or the loaders would answer from their cache.
final class LoaderTests: DirectoryTestCase {
    override class var directoryPrefix: String { "pushguard-loader" }

    /// Builds a shared library named `soname` defining only `symbols`.
    private func stub(soname: String, symbols: [String]) throws -> String {
        let source = directory + "/stub.c", library = directory + "/" + soname
        try symbols.map { "int \($0)(void) { return 0; }\n" }.joined().write(toFile: source, atomically: true, encoding: .utf8)
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-shared", "-fPIC", "-Wl,-soname," + soname, "-o", library, source]
        try compiler.run()
        compiler.waitUntilExit()
        XCTAssertEqual(compiler.terminationStatus, 0, "cc could not build the stub library")
        return library
    }

    private func assertRefusedAndReleased(soname: String, present: [String], missing: String,
                                          load: (UnsafeMutablePointer<CChar>, Int) -> Int32,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNil(dlopen(soname, RTLD_NOW | RTLD_NOLOAD), "the real \(soname) is already loaded in this process",
                     file: file, line: line)
        let path = try stub(soname: soname, symbols: present)
        guard let ours = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return XCTFail("cannot load the stub: \(String(cString: dlerror()))", file: file, line: line)
        }
        var error = [CChar](repeating: 0, count: 512)
        let code = error.withUnsafeMutableBufferPointer { load($0.baseAddress!, $0.count) }
        XCTAssertEqual(code, -1, file: file, line: line)
        let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        XCTAssertTrue(message.contains(missing), "names the missing symbol: \(message)", file: file, line: line)
        // Loading again fails the same way instead of using a half-loaded library.
        XCTAssertEqual(error.withUnsafeMutableBufferPointer { load($0.baseAddress!, $0.count) }, -1, file: file, line: line)
        dlclose(ours)
        // Only our reference held the stub: once released, it is gone from the process.
        let still = dlopen(path, RTLD_NOW | RTLD_NOLOAD)
        XCTAssertNil(still, "the loader kept a handle on a library it refused", file: file, line: line)
        if let still { dlclose(still) }
    }

    func testLibpqWithoutASymbolIsRefusedAndReleased() throws {
        try assertRefusedAndReleased(soname: "libpq.so.5", present: ["PQconnectStart"], missing: "PQconnectPoll") {
            pushguard_libpq_load($0, $1)
        }
    }

    func testLibcurlWithoutASymbolIsRefusedAndReleased() throws {
        try assertRefusedAndReleased(soname: "libcurl.so.4", present: ["curl_easy_init", "curl_easy_cleanup"],
                                     missing: "curl_easy_perform") {
            pushguard_curl_load($0, $1)
        }
    }
}
