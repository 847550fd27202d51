import Foundation
import XCTest

/// For each language the scan reads: a real push adding a read (without a default) of a
/// variable the environment does not have is refused when the read insists on the variable, and
/// warned when it tolerates absence, naming the variable and where it is read; once the variable
/// is set and transmitted, the same push is accepted.
final class EnvironmentReadPushTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    /// Pushes a first commit without the read (deployed), then one adding `file` with the read
    /// of NEW_AUTH_TOKEN on `line`; expects the refusal (`insists`: the code fails without the
    /// variable) or the warning (it tolerates absence), then a silent acceptance after set +
    /// transmit.
    private func assertNewReadRefusedThenAccepted(_ path: String, _ source: String, line: Int, insists: Bool = true,
                                                  file: StaticString = #filePath, testLine: UInt = #line) throws {
        let repo = try sandbox.bareRepository("api")
        let work = try sandbox.workTree("work", remote: repo, files: ["README.md": "api\n"])
        let first = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(first.status, 0, first.all, file: file, line: testLine)
        try sandbox.commit(in: work, files: [path: source], message: "read the token")
        let refused = try sandbox.push("HEAD:refs/heads/main", from: work)
        if insists {
            XCTAssertNotEqual(refused.status, 0, refused.all, file: file, line: testLine)
            XCTAssertTrue(refused.stderr.contains("remote: pushguard: push to api/production (refs/heads/main) rejected: config not synchronized"),
                          refused.stderr, file: file, line: testLine)
        } else {
            XCTAssertEqual(refused.status, 0, refused.all, file: file, line: testLine)
            XCTAssertTrue(refused.stderr.contains("remote: pushguard: push to api/production (refs/heads/main) accepted with warning: config not synchronized"),
                          refused.stderr, file: file, line: testLine)
        }
        XCTAssertTrue(refused.stderr.contains("NEW_AUTH_TOKEN  missing  not set  read by \(path):\(line) (new in this push)"),
                      refused.stderr, file: file, line: testLine)
        XCTAssertEqual(refused.stderr.contains("tolerates absence"), !insists, refused.stderr, file: file, line: testLine)
        let set = try sandbox.pushguard("config", "set", "--app", "api", "--env", "production", "NEW_AUTH_TOKEN=-", "--transmit",
                                        input: "tok-SECRET-value")
        XCTAssertEqual(set.status, 0, set.all, file: file, line: testLine)
        let accepted = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(accepted.status, 0, accepted.all, file: file, line: testLine)
        XCTAssertFalse(accepted.stderr.contains("pushguard:"), accepted.stderr, file: file, line: testLine)
    }

    func testGoOsGetenv() throws {
        try assertNewReadRefusedThenAccepted("cmd/auth.go", """
            package main

            import "os"

            var token = os.Getenv("NEW_AUTH_TOKEN")
            """, line: 5, insists: false)
    }

    func testGoOsLookupEnv() throws {
        try assertNewReadRefusedThenAccepted("internal/auth/token.go", """
            package auth

            import "os"

            func Token() string {
            \ttoken, _ := os.LookupEnv("NEW_AUTH_TOKEN")
            \treturn token
            }
            """, line: 6, insists: false)
    }

    func testJavaScriptProcessEnv() throws {
        try assertNewReadRefusedThenAccepted("src/auth.js", """
            // Calls the private API.

            const token = process.env.NEW_AUTH_TOKEN;
            module.exports = { token };
            """, line: 3, insists: false)
    }

    func testJavaScriptProcessEnvBracket() throws {
        try assertNewReadRefusedThenAccepted("src/auth.js", """
            'use strict';
            const token = process.env["NEW_AUTH_TOKEN"];
            module.exports = { token };
            """, line: 2, insists: false)
    }

    func testTypeScriptProcessEnv() throws {
        try assertNewReadRefusedThenAccepted("src/auth.ts", """
            export function token(): string {
              // no fallback: the API refuses without it
              return process.env.NEW_AUTH_TOKEN as string;
            }
            """, line: 3, insists: false)
    }

    func testPythonOsEnvironSubscript() throws {
        try assertNewReadRefusedThenAccepted("app/auth.py", """
            import os

            TOKEN = os.environ["NEW_AUTH_TOKEN"]
            """, line: 3)
    }

    func testRubyEnvFetch() throws {
        try assertNewReadRefusedThenAccepted("lib/auth.rb", """
            module Auth
              # the private API's token
              TOKEN = ENV.fetch("NEW_AUTH_TOKEN")
            end
            """, line: 3)
    }

    func testRubyEnvSubscript() throws {
        try assertNewReadRefusedThenAccepted("app/models/auth.rb", """
            class Auth
              def token = ENV["NEW_AUTH_TOKEN"]
            end
            """, line: 2, insists: false)
    }

    func testRustEnvVar() throws {
        try assertNewReadRefusedThenAccepted("src/main.rs", """
            use std::env;

            fn token() -> String { env::var("NEW_AUTH_TOKEN").expect("NEW_AUTH_TOKEN") }
            """, line: 3)
    }

    func testJavaSystemGetenv() throws {
        try assertNewReadRefusedThenAccepted("src/main/java/com/example/Auth.java", """
            package com.example;

            public class Auth {
                static final String TOKEN = System.getenv("NEW_AUTH_TOKEN");
            }
            """, line: 4, insists: false)
    }

    func testPHPGetenv() throws {
        try assertNewReadRefusedThenAccepted("src/auth.php", """
            <?php

            $token = getenv('NEW_AUTH_TOKEN');
            """, line: 3, insists: false)
    }

    func testPHPEnvArray() throws {
        try assertNewReadRefusedThenAccepted("public/index.php", """
            <?php
            $token = $_ENV['NEW_AUTH_TOKEN'];
            """, line: 2, insists: false)
    }

    func testElixirSystemFetchEnv() throws {
        try assertNewReadRefusedThenAccepted("lib/auth.ex", """
            defmodule Auth do
              # the private API's token
              def token, do: System.fetch_env!("NEW_AUTH_TOKEN")
            end
            """, line: 3)
    }

    func testElixirSystemGetEnv() throws {
        try assertNewReadRefusedThenAccepted("config/runtime.exs", """
            import Config

            config :app, token: System.get_env("NEW_AUTH_TOKEN")
            """, line: 3, insists: false)
    }
}
