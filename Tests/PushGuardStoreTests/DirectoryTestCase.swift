import Foundation
import XCTest

/// A test case with a fresh temporary directory of its own, removed after each test.
class DirectoryTestCase: XCTestCase {
    var directory = ""

    /// Begins the directory's name, so a leftover says which tests made it.
    class var directoryPrefix: String { "pushguard-store" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = NSTemporaryDirectory() + "\(Self.directoryPrefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        super.tearDown()
    }
}

/// A precondition a test cannot run without: outside CI an unmet one skips the test; under
/// `CI=true` it is a failure (the end-to-end tests' `requireOrSkip` in Sandbox.swift, for this
/// target, which cannot see that one).
func requireOrSkip(_ condition: Bool, _ reason: @autoclosure () -> String,
                   file: StaticString = #filePath, line: UInt = #line) throws {
    guard !condition else { return }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("CI=true, and CI must run this test: \(reason())", file: file, line: line)
        throw PreconditionNotMet(description: reason())
    }
    throw XCTSkip(reason(), file: file, line: line)
}

struct PreconditionNotMet: Error, CustomStringConvertible { var description: String }
