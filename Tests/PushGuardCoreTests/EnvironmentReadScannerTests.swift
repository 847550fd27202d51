import XCTest
@testable import PushGuardCore

/// What the scanner reports for pushed source files: the variables a push makes the code read
/// without a default, each with its file and line.
final class EnvironmentReadScannerTests: XCTestCase {
    /// "NAME:line" for each read, in file order.
    private func reads(_ source: String, _ path: String, ignore: ScanIgnore = .none) -> [String] {
        EnvironmentReadScanner.reads(in: Array(source.utf8), path: path, ignore: ignore).map { "\($0.name):\($0.line)" }
    }

    private func names(_ source: String, _ path: String) -> [String] {
        EnvironmentReadScanner.reads(in: Array(source.utf8), path: path, ignore: .none).map(\.name)
    }

    // MARK: Go

    func testGoGetenvAndLookupEnvAreReadsWithTheirLine() {
        let source = """
        package main

        import "os"

        func main() {
        \ttoken := os.Getenv("NEW_AUTH_TOKEN")
        \turl, ok := os.LookupEnv("UPSTREAM_URL")
        \t_ = os.Getenv(name) // a name built at runtime
        \t_ = os.Getenv("BAD NAME")
        }
        """
        XCTAssertEqual(reads(source, "cmd/auth.go"), ["NEW_AUTH_TOKEN:6", "UPSTREAM_URL:7"])
        let read = EnvironmentReadScanner.reads(in: Array(source.utf8), path: "cmd/auth.go", ignore: .none).first
        // os.Getenv gives "" for an absent variable: the read tolerates absence.
        XCTAssertEqual(read, EnvironmentRead(name: "NEW_AUTH_TOKEN", path: "cmd/auth.go", line: 6, insists: false))
    }

    func testGoCommentsStringsAndRawStringsHoldNoReads() {
        let source = """
        // os.Getenv("IN_LINE_COMMENT")
        /* os.Getenv("IN_BLOCK_COMMENT")
           os.Getenv("STILL_IN_IT") */
        var doc = `os.Getenv("IN_RAW_STRING")
        still raw: os.Getenv("RAW_TOO")`
        var s = "os.Getenv(\\"IN_STRING\\")"
        var r = '"'
        var real = os.Getenv("REAL")
        """
        XCTAssertEqual(reads(source, "main.go"), ["REAL:8"])
    }

    func testGoMultiLineCallReportsTheNamesLine() {
        XCTAssertEqual(reads("x := os.Getenv(\n\t\"SPLIT\",\n)\ny := os.Getenv(\n\"SPLIT2\")", "a.go"), ["SPLIT2:5"])
    }

    // MARK: Python

    func testPythonReadsWithoutDefaultCountIncludingGetWithoutDefault() {
        let source = """
        import os
        a = os.environ["API_KEY"]
        b = os.environ.get("OPTIONAL_BUT_NO_DEFAULT")
        c = os.getenv('GETENV_NO_DEFAULT')
        d = os.environ.get("WITH_DEFAULT", "x")
        e = os.getenv("WITH_DEFAULT_2", None)
        f = os.getenv("KW_DEFAULT", default="1")
        g = os.environ.get("OR_DEFAULT") or "x"
        os.environ["WRITTEN"] = "1"
        del os.environ["DELETED"]
        h = os.environ["COMPARED"] == "1"
        """
        XCTAssertEqual(reads(source, "app/settings.py"),
                       ["API_KEY:2", "OPTIONAL_BUT_NO_DEFAULT:3", "GETENV_NO_DEFAULT:4", "COMPARED:11"])
    }

    func testPythonFromImportsCommentsAndStrings() {
        let source = """
        from os import environ, getenv
        # os.environ["COMMENTED"]
        \"\"\"
        os.environ["IN_DOCSTRING"]
        \"\"\"
        x = environ["BARE_ENVIRON"]
        y = getenv("BARE_GETENV")
        z = f"{os.environ['IN_FSTRING_CODE']} and {{os.environ['ESCAPED_BRACES']}}"
        w = r'os.getenv("RAW")'
        v = self.environ["NOT_OS"]
        """
        XCTAssertEqual(reads(source, "svc.py"), ["BARE_ENVIRON:6", "BARE_GETENV:7", "IN_FSTRING_CODE:8"])
        // Without the import, a bare environ is something else.
        XCTAssertEqual(reads("x = environ[\"X\"]\n", "svc.py"), [])
    }

    // MARK: Ruby

    func testRubyEnvIndexAndFetchWithoutDefault() {
        let source = """
        token = ENV["STRIPE_KEY"]
        host = ENV.fetch("REDIS_HOST")
        bare = ENV.fetch 'BARE_FETCH'
        a = ENV.fetch("WITH_DEFAULT", "x")
        b = ENV.fetch("WITH_BLOCK") { "x" }
        c = ENV.fetch("WITH_DO") do |k| "x" end
        d = ENV["OR_DEFAULT"] || "x"
        ENV["WRITTEN"] = "1"
        ENV["DEFAULTED"] ||= "1"
        e = ENV["INSISTS"] || raise("INSISTS must be set")
        # ENV["COMMENTED"]
        =begin
        ENV["IN_BLOCK_COMMENT"]
        =end
        f = "#{ENV['IN_INTERPOLATION']} and 'ENV[\\"NOT\\"]'"
        g = <<~SQL
          it's ENV["IN_HEREDOC"]
        SQL
        h = %w[don't ENV]
        i = ENV['AFTER_ALL_THAT']
        """
        XCTAssertEqual(reads(source, "config/initializers/stripe.rb"),
                       ["STRIPE_KEY:1", "REDIS_HOST:2", "BARE_FETCH:3", "INSISTS:10", "IN_INTERPOLATION:15", "AFTER_ALL_THAT:20"])
    }

    // MARK: JavaScript and TypeScript

    func testJavaScriptProcessEnvForms() {
        let source = """
        const a = process.env.API_URL;
        const b = process.env["SECRET"];
        const c = process.env['SINGLE'];
        const d = process.env.WITH_OR || "x";
        const e = process.env.WITH_NULLISH ?? "x";
        const f = (process.env.CHAIN_DEFAULT || "").split(",");
        const g = process.env.SPLIT.split(",") || [];
        process.env.WRITTEN = "1";
        process.env.DEFAULTED ??= "1";
        delete process.env.DELETED;
        if (typeof process.env.TYPEOF === "undefined") {}
        process.env.hasOwnProperty("X");
        const { DESTRUCTURED } = process.env;
        const h = process.env[name];
        const i = process.env.COMPARED === "production";
        """
        // A comparison with a literal is no requirement (an optional flag).
        XCTAssertEqual(reads(source, "src/server.js"), ["API_URL:1", "SECRET:2", "SINGLE:3"])
    }

    func testJavaScriptCommentsStringsTemplatesAndRegularExpressions() {
        let source = """
        // process.env.LINE_COMMENT
        /* process.env.BLOCK_COMMENT */
        const s = "process.env.IN_STRING";
        const t = `process.env.IN_TEMPLATE ${process.env.IN_TEMPLATE_CODE} ${`${process.env.NESTED}`}`;
        const r = /"/.test(x); const after = process.env.AFTER_REGEX;
        const q = a / b; const div = process.env.AFTER_DIVISION;
        const jsx = <p>Don't panic</p>; const lost = process.env.SAME_LINE_AS_JSX_TEXT;
        const z = process.env.AFTER_JSX_TEXT;
        """
        // JSX text is not told from code: its apostrophe opens a string, which ends with the line.
        XCTAssertEqual(reads(source, "web/app.tsx"),
                       ["IN_TEMPLATE_CODE:4", "NESTED:4", "AFTER_REGEX:5", "AFTER_DIVISION:6", "AFTER_JSX_TEXT:8"])
    }

    func testTypeScriptNonNullAssertionKeepsTheRead() {
        XCTAssertEqual(reads("const a = process.env.A!;\nconst b = process.env.B! ?? 'x';", "a.mts"), ["A:1"])
    }

    // MARK: Rust

    func testRustVarAndVarOsWithoutDefault() {
        let source = """
        use std::env;
        fn main() {
            let a = env::var("DATABASE_URL").expect("set it");
            let b = std::env::var("FULL_PATH")?;
            let c = env::var_os("OS_STRING");
            let d = env::var("OK_ONLY").ok();
            let e = env::var("DEFAULT").unwrap_or("x".into());
            let f = env::var("DEFAULT_ELSE").unwrap_or_else(|_| "x".into());
            let g = env::var("DEFAULT_DEFAULT").unwrap_or_default();
            let h = env::var("OK_DEFAULT").ok().unwrap_or_default();
            let i = env::var("FLAG").is_ok();
            let j = env!("CARGO_PKG_VERSION");
            let k: &'static str = "env::var(\\"IN_STRING\\")"; let l = r#"env::var("RAW")"#;
            let m = 'x'; let n = env::var("AFTER_CHARS");
            /* env::var("BLOCK") /* nested */ env::var("STILL_BLOCK") */
        }
        #[cfg(test)]
        mod tests {
            fn t() { std::env::var("TEST_ONLY").unwrap(); }
        }
        fn later() { env::var("AFTER_TESTS"); }
        """
        XCTAssertEqual(reads(source, "src/main.rs"),
                       ["DATABASE_URL:3", "FULL_PATH:4", "OS_STRING:5", "OK_ONLY:6", "AFTER_CHARS:14", "AFTER_TESTS:21"])
    }

    // MARK: Java and Kotlin

    func testJavaGetenv() {
        let source = """
        class App {
            String a = System.getenv("JDBC_URL");
            String b = System.getenv().get("MAP_GET");
            String c = System.getenv().getOrDefault("WITH_DEFAULT", "x");
            Map<String, String> all = System.getenv();
            // System.getenv("COMMENTED")
            String d = \"\"\"
                System.getenv("IN_TEXT_BLOCK")
                \"\"\";
            char q = '"'; String e = System.getenv("AFTER_CHAR");
        }
        """
        XCTAssertEqual(reads(source, "src/main/java/com/x/App.java"), ["JDBC_URL:2", "MAP_GET:3", "AFTER_CHAR:10"])
    }

    func testKotlinElvisIsADefaultUnlessItThrows() {
        let source = """
        val a = System.getenv("PLAIN")
        val b = System.getenv("ELVIS") ?: "x"
        val c = System.getenv("ELVIS_THROW") ?: throw IllegalStateException("set it")
        val d = System.getenv("ELVIS_ERROR") ?: error("set it")
        val e = System.getenv("OR_EMPTY").orEmpty()
        val f = "${System.getenv("IN_TEMPLATE")}"
        """
        XCTAssertEqual(reads(source, "src/main/kotlin/App.kt"), ["PLAIN:1", "ELVIS_THROW:3", "ELVIS_ERROR:4", "IN_TEMPLATE:6"])
    }

    // MARK: PHP

    func testPHPGetenvAndEnvSuperglobal() {
        let source = """
        <p>Don't read this: getenv('IN_HTML')</p>
        <?php
        $a = getenv('DB_PASSWORD');
        $b = getenv("LOCAL_ONLY", true);
        $c = $_ENV['MAILER_DSN'];
        $d = getenv('ELVIS') ?: 'x';
        $e = getenv('NULL_COALESCE') ?? 'x';
        $f = $_ENV['ENV_DEFAULT'] ?? 'x';
        $g = $_SERVER['SERVER_VAR'];
        $h = $obj->getenv('METHOD');
        if (isset($_ENV['TESTED'])) {}
        # getenv('HASH_COMMENT')
        // getenv('SLASH_COMMENT') ?> <p>it's html</p> <?php
        $i = <<<EOT
        it's getenv('IN_HEREDOC')
        EOT;
        $j = GETENV('ANY_CASE');
        """
        XCTAssertEqual(reads(source, "public/index.php"), ["DB_PASSWORD:3", "LOCAL_ONLY:4", "MAILER_DSN:5", "ANY_CASE:17"])
    }

    // MARK: Elixir

    func testElixirSystemEnv() {
        let source = """
        import Config
        config :app, secret: System.get_env("SECRET_KEY_BASE")
        config :app, url: System.fetch_env!("DATABASE_URL")
        config :app, ok: System.fetch_env("FETCH_TUPLE")
        config :app, d: System.get_env("WITH_DEFAULT", "x")
        config :app, e: System.get_env("OR_DEFAULT") || "x"
        config :app, f: System.get_env("OR_RAISE") || raise "OR_RAISE is missing"
        config :app, g: System.get_env "NO_PARENS"
        # System.get_env("COMMENTED")
        @doc \"\"\"
        System.get_env("IN_HEREDOC")
        \"\"\"
        x = ~s(System.get_env("IN_SIGIL")); y = ?"; z = System.get_env("AFTER_CHAR")
        w = "#{System.get_env("IN_INTERPOLATION")}"
        """
        XCTAssertEqual(reads(source, "config/runtime.exs"),
                       ["SECRET_KEY_BASE:2", "DATABASE_URL:3", "FETCH_TUPLE:4", "OR_RAISE:7", "NO_PARENS:8", "AFTER_CHAR:13", "IN_INTERPOLATION:14"])
    }

    func testAMisreadQuoteHidesAtMostTheRestOfItsLine() {
        XCTAssertEqual(reads("x := \"unterminated\ny := os.Getenv(\"Y\")", "a.go"), ["Y:2"])
        XCTAssertEqual(reads("a = 'open\nb = os.environ['B']", "a.py"), ["B:2"])
        XCTAssertEqual(reads("String a = \"open\nString b = System.getenv(\"B\");", "A.java"), ["B:2"])
    }

    func testOperatorsThatLookLikeLiteralsAreOperators() {
        // Ruby's modulo and division, and a `<<` append, do not open a literal or a heredoc.
        XCTAssertEqual(reads("a = b % c\nd = x / y; e = ENV['E']\nlist << item\nf = ENV['F']", "a.rb"), ["E:2", "F:4"])
        // Rust lifetimes are not character literals.
        XCTAssertEqual(reads("fn f<'a>(x: &'a str) -> &'a str { let v = env::var(\"V\"); x }", "a.rs"), ["V:1"])
        // Kotlin block comments nest; Go's do not.
        XCTAssertEqual(reads("/* a /* b */ System.getenv(\"HIDDEN\") */ val c = System.getenv(\"C\")", "A.kt"), ["C:1"])
        XCTAssertEqual(reads("/* a /* b */ x := os.Getenv(\"SEEN\")", "a.go"), ["SEEN:1"])
    }

    func testDefaultsAfterAChainOfCalls() {
        XCTAssertEqual(reads("a = ENV['A'].presence || 'x'\nb = ENV['B'].presence", "a.rb"), ["B:2"])
        XCTAssertEqual(reads("a = os.environ.get('A', '').strip() or None\nb = os.environ.get('B').strip()", "a.py"), ["B:2"])
        XCTAssertEqual(reads("let a = env::var(\"A\").map(|v| v.len()).unwrap_or(0);\nlet b = env::var(\"B\").map(|v| v.len())?;", "a.rs"), ["B:2"])
        XCTAssertEqual(reads("const a = process.env?.A;\nconst b = process.env.B?.trim() ?? '';\nconst c = process.env?.['C'];", "a.js"), ["A:1", "C:3"])
    }

    // MARK: files

    func testOnlyScannedLanguagesOutsideTestsAndVendoredCodeAreScanned() {
        let scanned = ["cmd/auth.go", "app.py", "lib/x.rb", "config.ru", "a.js", "a.mjs", "a.cjs", "a.jsx", "a.ts", "a.tsx",
                       "a.mts", "a.cts", "src/main.rs", "A.java", "A.kt", "index.php", "lib/a.ex", "config/runtime.exs",
                       "deps.go", "src/deps/x.py", "latest/x.go", "contest.py", "vendor.go", "dir//x.go", "café/ünïcode.py"]
        for path in scanned { XCTAssertTrue(EnvironmentReadScanner.scans(path: path, ignore: .none), path) }
        let skipped = [
            // not a scanned language
            "README.md", "app.json", "script.sh", "build.gradle.kts", "Makefile", "go", ".go/x", "x.go/y", "", "/", "x.",
            "x.GO", "x.go.bak",
            // tests
            "auth_test.go", "test_app.py", "app_test.py", "conftest.py", "x_spec.rb", "x_test.rb", "a.test.ts", "a.spec.js",
            "a.test.tsx", "AppTest.java", "AppTests.java", "AppIT.java", "AppTest.kt", "UserTest.php", "x_test.exs",
            "test/x.go", "tests/x.py", "spec/x.rb", "src/__tests__/a.js", "src/__mocks__/a.js", "pkg/testdata/x.go",
            "src/test/java/A.java", "benches/b.rs", "a/b/tests/c.rs", "a//test//x.go", "café/ü_test.go",
            // vendored, build scripts, declarations, bundles
            "vendor/github.com/x/y.go", "web/node_modules/x/index.js", "third_party/a.py", "third-party/a.py",
            "deps/plug/lib/plug.ex", "_build/dev/x.ex", "lib/site-packages/x.py", ".venv/lib/x.py",
            "build.rs", "crates/x/build.rs", "types/index.d.ts", "public/app.min.js",
        ]
        for path in skipped {
            XCTAssertFalse(EnvironmentReadScanner.scans(path: path, ignore: .none), path)
            XCTAssertEqual(reads("os.Getenv(\"X\") process.env.X ENV['X'] System.getenv(\"X\")", path), [], path)
        }
        XCTAssertEqual(EnvironmentReadScanner.language(of: "a/b.tsx"), "javascript")
        XCTAssertNil(EnvironmentReadScanner.language(of: "a.b/c"))
    }

    func testPlatformVariablesAreNeverReported() {
        let source = ["PORT", "HOME", "PATH", "USER", "PWD", "TMPDIR", "LANG", "TZ", "HOSTNAME", "DYNO", "SHELL", "TERM", "DATABASE_URL"]
            .map { "os.Getenv(\"\($0)\")" }.joined(separator: "\n")
        XCTAssertEqual(reads(source, "main.go"), ["DATABASE_URL:13"])
        XCTAssertFalse(EnvironmentReadScanner.platformVariables.contains("NODE_ENV"))
    }

    /// A NUL byte (git would call the file binary) does not hide a read: a file named as source
    /// is lexed as text, wherever the NUL is.
    func testANULByteDoesNotStopTheScanAndOversizedFilesAreNotRead() {
        var binary = Array("os.Getenv(\"X\")\n".utf8)
        binary.append(0)
        XCTAssertEqual(EnvironmentReadScanner.reads(in: binary, path: "a.go", ignore: .none).map(\.name), ["X"])
        let sources: [(path: String, text: String)] = [
            ("config/app.rb", "# build \u{0} marker\nkey = ENV.fetch(\"RUBY_NEW\")\n"),
            ("app/settings.py", "import os\n# build \u{0} marker\nkey = os.environ[\"PYTHON_NEW\"]\n"),
            ("src/server.js", "// build \u{0} marker\nconst key = process.env.JS_NEW;\n"),
        ]
        for (path, text) in sources {
            XCTAssertTrue(text.utf8.contains(0))
            XCTAssertEqual(EnvironmentReadScanner.reads(in: Array(text.utf8), path: path, ignore: .none).count, 1, path)
        }
        // A NUL between tokens or inside a string is one more byte as well.
        XCTAssertEqual(reads("x := os.Getenv(\"A\")\u{0}\ny := os.Getenv(\"B\u{0}\")\n", "a.go"), ["A:1"])
        var late = Array("x := os.Getenv(\"LATE\")\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 9000)
        late.append(0)
        XCTAssertEqual(EnvironmentReadScanner.reads(in: late, path: "a.go", ignore: .none).map(\.name), ["LATE"])
        let read = Array("x := os.Getenv(\"BIG\")\n".utf8)
        let fits = read + [UInt8](repeating: UInt8(ascii: "\n"), count: EnvironmentReadScanner.maxFileSize - read.count)
        XCTAssertEqual(EnvironmentReadScanner.reads(in: fits, path: "a.go", ignore: .none).map(\.name), ["BIG"])
        XCTAssertEqual(EnvironmentReadScanner.reads(in: fits + [10], path: "a.go", ignore: .none), [])
    }

    func testLineNumbersWithCRLFAndLoneCR() {
        let crlf = "package main\r\n\r\n// c\r\nvar a = os.Getenv(\"A\")\r\nvar b = `x\r\ny`\r\nvar c = os.Getenv(\"C\")\r\n"
        XCTAssertEqual(reads(crlf, "a.go"), ["A:4", "C:7"])
        XCTAssertEqual(reads("x\ry\r\nz = os.environ['Z']", "a.py"), ["Z:3"])
        XCTAssertEqual(reads("a = ENV['A']\r\nb = <<~X\r\n  it's\r\nX\r\nc = ENV['C']\r\n", "a.rb"), ["A:1", "C:5"])
    }

    func testNamesMustBeLiteralIdentifiersOfBoundedLength() {
        let long = String(repeating: "A", count: EnvironmentReadScanner.maxNameLength)
        XCTAssertEqual(names("os.Getenv(\"\(long)\")", "a.go"), [long])
        XCTAssertEqual(names("os.Getenv(\"\(long)B\")", "a.go"), [])
        XCTAssertEqual(names("os.Getenv(\"1ABC\") os.Getenv(\"A-B\") os.Getenv(\"\") os.Getenv(\"A\\u0042\") os.Getenv(\"_ok9\")", "a.go"), ["_ok9"])
        XCTAssertEqual(names("os.Getenv(\"ÉTÉ\")", "a.go"), [])
    }

    func testBizarreInputNeverTrapsAndReadsWhatItCan() {
        let hostile: [[UInt8]] = [
            [], [0xFF, 0xFE, 0x80], Array("\"".utf8), Array("'".utf8), Array("`${".utf8), Array("/*".utf8), Array("r#\"".utf8),
            Array(String(repeating: "`${", count: 5000).utf8), Array(String(repeating: "#{\"", count: 5000).utf8),
            Array(String(repeating: "(", count: 20000).utf8), Array(String(repeating: ")]}", count: 20000).utf8),
            Array("<<~A\n<<~B\n".utf8), Array("<<<".utf8), Array("?".utf8), Array("~s".utf8), Array("%w".utf8), Array("'\\".utf8),
            Array("os.Getenv(\"".utf8), Array("process.env.".utf8), Array("ENV.fetch(".utf8), Array("env::var(".utf8),
            [0xC3] + Array("os.Getenv(\"X\")".utf8) + [0xE2, 0x82],
            Array("${".utf8), Array("<%".utf8), Array("<%=".utf8), Array("<%ENV[".utf8), Array("ENV<%".utf8), Array("ENV<%=ENV[-%".utf8), Array("-%>".utf8), Array("${A:".utf8),
            Array(String(repeating: "${A:", count: 20000).utf8), Array(String(repeating: "<%# ENV %>}", count: 5000).utf8),
        ]
        let paths = ["a.go", "a.py", "a.rb", "a.js", "a.rs", "A.java", "A.kt", "a.php", "a.ex", "application.yml", "config/a.yml"]
        for bytes in hostile {
            for path in paths { _ = EnvironmentReadScanner.reads(in: bytes, path: path, ignore: .none) }
        }
        XCTAssertEqual(EnvironmentReadScanner.reads(in: [0xC3] + Array(" os.Getenv(\"X\")".utf8) + [0xE2], path: "a.go", ignore: .none).map(\.name), ["X"])
        // Many reads, each with an unclosed call after it, stay cheap (bracket pairs are found once).
        let many = String(repeating: "process.env.A.b(\n", count: 20000)
        XCTAssertEqual(names(many, "a.js").count, 20000)
    }

    // MARK: scanIgnore

    func testIgnorePatternsWithoutSlashMatchNamesAndPathComponents() {
        let ignore = ScanIgnore(patterns: ["FEATURE_*", "DEBUG", "scripts", "*.gen.go"])
        XCTAssertTrue(ignore.ignores(name: "FEATURE_X"))
        XCTAssertTrue(ignore.ignores(name: "DEBUG"))
        XCTAssertFalse(ignore.ignores(name: "DEBUG_SQL"))
        XCTAssertFalse(ignore.ignores(name: "feature_x"))
        XCTAssertTrue(ignore.ignores(path: "tools/scripts/seed.py"))
        XCTAssertTrue(ignore.ignores(path: "api/types.gen.go"))
        XCTAssertFalse(ignore.ignores(path: "api/types.go"))
        XCTAssertFalse(ignore.ignores(path: "scriptsx/a.py"))
        XCTAssertEqual(reads("a = ENV['FEATURE_NEW']\nb = ENV['DEBUG']\nc = ENV['KEEP']", "a.rb", ignore: ignore), ["KEEP:3"])
        XCTAssertFalse(EnvironmentReadScanner.scans(path: "tools/scripts/seed.py", ignore: ignore))
        XCTAssertEqual(reads("x = os.environ['X']", "tools/scripts/seed.py", ignore: ignore), [])
    }

    func testIgnorePatternsWithSlashMatchWholePaths() {
        let ignore = ScanIgnore(patterns: ["tools/", "/cmd/*/dev.go", "**/fixtures/**", "src/**/legacy_*.js", "a?c/x.py"])
        XCTAssertTrue(ignore.ignores(path: "tools/a.go"))
        XCTAssertTrue(ignore.ignores(path: "tools/deep/a.go"))
        XCTAssertFalse(ignore.ignores(path: "src/tools/a.go"))
        XCTAssertTrue(ignore.ignores(path: "cmd/api/dev.go"))
        XCTAssertFalse(ignore.ignores(path: "cmd/api/v2/dev.go"))
        XCTAssertTrue(ignore.ignores(path: "fixtures/a.py"))
        XCTAssertTrue(ignore.ignores(path: "a/b/fixtures/c/d.py"))
        XCTAssertTrue(ignore.ignores(path: "src/legacy_a.js"))
        XCTAssertTrue(ignore.ignores(path: "src/x/y/legacy_a.js"))
        XCTAssertTrue(ignore.ignores(path: "abc/x.py"))
        XCTAssertFalse(ignore.ignores(path: "a/c/x.py"))
        // Path patterns never match names.
        XCTAssertFalse(ScanIgnore(patterns: ["*/X"]).ignores(name: "X"))
        XCTAssertFalse(ScanIgnore.none.ignores(name: "X"))
        XCTAssertFalse(ScanIgnore.none.ignores(path: "x.go"))
        XCTAssertEqual(ScanIgnore(patterns: ["A"]), ScanIgnore(patterns: ["A"]))
    }

    func testIgnorePatternProblemsAreNamed() {
        XCTAssertNil(ScanIgnore.problem(in: "FEATURE_*"))
        XCTAssertNotNil(ScanIgnore.problem(in: ""))
        XCTAssertNotNil(ScanIgnore.problem(in: "/"))
        XCTAssertNotNil(ScanIgnore.problem(in: "A\nB"))
        XCTAssertNotNil(ScanIgnore.problem(in: String(repeating: "a", count: ScanIgnore.maxPatternLength + 1)))
        // Unusable patterns match nothing rather than everything.
        XCTAssertFalse(ScanIgnore(patterns: ["", "/"]).ignores(path: "a.go"))
    }

    func testHostileGlobsStayLinear() {
        let pattern = String(repeating: "*a", count: 100) + "b"
        let ignore = ScanIgnore(patterns: [pattern, String(repeating: "**/", count: 80) + "x"])
        XCTAssertFalse(ignore.ignores(name: String(repeating: "a", count: 5000)))
        XCTAssertFalse(ignore.ignores(path: String(repeating: "a/", count: 2000)))
    }

    // MARK: added

    func testAddedReportsNamesNewToTheChangedFilesOncePerName() {
        let before = [EnvironmentRead(name: "OLD", path: "b.go", line: 3)]
        let after = [
            EnvironmentRead(name: "OLD", path: "b.go", line: 4),
            EnvironmentRead(name: "NEW", path: "b.go", line: 9),
            EnvironmentRead(name: "NEW", path: "b.go", line: 2),
            EnvironmentRead(name: "NEW", path: "a.go", line: 7),
            EnvironmentRead(name: "OTHER", path: "a.go", line: 8),
            EnvironmentRead(name: "MOVED", path: "z.go", line: 1),
        ]
        XCTAssertEqual(EnvironmentReadScanner.added(before: before + [EnvironmentRead(name: "MOVED", path: "y.go", line: 5)], after: after), [
            EnvironmentRead(name: "NEW", path: "a.go", line: 7),
            EnvironmentRead(name: "OTHER", path: "a.go", line: 8),
        ])
        XCTAssertEqual(EnvironmentReadScanner.added(before: [], after: []), [])
        XCTAssertEqual(EnvironmentReadScanner.added(before: after, after: after), [])
    }

    func testAddedFromScannedVersionsOfAFile() {
        let old = EnvironmentReadScanner.reads(in: Array("a := os.Getenv(\"A\")\n".utf8), path: "cmd/auth.go", ignore: .none)
        let new = EnvironmentReadScanner.reads(in: Array("a := os.Getenv(\"A\")\nt := os.Getenv(\"NEW_AUTH_TOKEN\")\n// os.Getenv(\"X\")\n".utf8),
                                               path: "cmd/auth.go", ignore: .none)
        XCTAssertEqual(EnvironmentReadScanner.added(before: old, after: new),
                       [EnvironmentRead(name: "NEW_AUTH_TOKEN", path: "cmd/auth.go", line: 2, insists: false)])
    }

    // MARK: insisting and tolerant reads

    /// "NAME:line:insists" or "NAME:line:tolerates" for each read.
    private func kinds(_ source: String, _ path: String) -> [String] {
        EnvironmentReadScanner.reads(in: Array(source.utf8), path: path, ignore: .none)
            .map { "\($0.name):\($0.line):" + ($0.insists ? "insists" : "tolerates") }
    }

    func testReadsThatFailWhenTheVariableIsAbsentInsistOthersTolerate() {
        XCTAssertEqual(kinds("""
            import os
            a = os.environ["A"]
            b = os.environ.get("B")
            c = os.getenv("C").lower()
            d = os.getenv("D")
            """, "app/settings.py"), ["A:2:insists", "B:3:tolerates", "C:4:insists", "D:5:tolerates"])
        XCTAssertEqual(kinds("""
            A = ENV.fetch("A")
            B = ENV["B"]
            C = ENV["C"].split(",")
            D = ENV["D"].to_i
            E = ENV["E"] || raise("E is missing")
            F = ENV["F"]&.split(",")
            """, "config/initializers/a.rb"), ["A:1:insists", "B:2:tolerates", "C:3:insists", "D:4:tolerates", "E:5:insists", "F:6:tolerates"])
        XCTAssertEqual(kinds("""
            const a = process.env.A;
            const b = process.env.B.split(",");
            const c = process.env.C?.split(",");
            """, "src/config.ts"), ["A:1:tolerates", "B:2:insists", "C:3:tolerates"])
        XCTAssertEqual(kinds("""
            fn config() -> Result<(), E> {
                let a = env::var("A").unwrap();
                let b = env::var("B").expect("B");
                let c = env::var("C")?;
                let d = env::var("D").ok();
                let e = std::env::var("E").ok().map(|v| v.len());
                Ok(())
            }
            """, "src/main.rs"), ["A:2:insists", "B:3:insists", "C:4:insists", "D:5:tolerates", "E:6:tolerates"])
        XCTAssertEqual(kinds("""
            config :app,
              a: System.fetch_env!("A"),
              b: System.get_env("B"),
              c: System.get_env("C") || raise("C is missing")
            """, "config/runtime.exs"), ["A:2:insists", "B:3:tolerates", "C:4:insists"])
        // Converted straight away, a get_env raises on the nil of an absent variable; with a
        // default first, or converted later, it does not.
        XCTAssertEqual(kinds("""
            config :app,
              a: String.to_integer(System.get_env("A")),
              b: System.get_env("B") |> String.to_integer(),
              c: String.to_integer(System.get_env("C") || "4000"),
              d: String.to_integer(System.get_env("D", "4000")),
              e: System.get_env("E") |> parse_port(),
              f: Integer.parse(System.get_env("F"))
            """, "config/runtime.exs"), ["A:2:insists", "B:3:insists", "E:6:tolerates", "F:7:insists"])
        XCTAssertEqual(kinds("val a = System.getenv(\"A\")!!\nval b = System.getenv(\"B\")\n", "src/main/kotlin/App.kt"),
                       ["A:1:insists", "B:2:tolerates"])
        XCTAssertEqual(kinds("String a = System.getenv(\"A\").trim();\nString b = System.getenv(\"B\");\n", "src/main/java/App.java"),
                       ["A:1:insists", "B:2:tolerates"])
        XCTAssertEqual(kinds("package main\nvar a = os.Getenv(\"A\")\n", "main.go"), ["A:2:tolerates"])
    }

    func testPresenceTestsAndComparisonsWithALiteralAreNoFindings() {
        XCTAssertEqual(reads("""
            if (process.env.A) {}
            const b = !process.env.B;
            const c = !!process.env.C;
            const d = process.env.D ? "x" : "y";
            const e = process.env.E && start();
            const f = process.env.F === "true";
            const g = "production" !== process.env.G;
            const h = Boolean(process.env.H);
            const kept = process.env.KEPT;
            """, "src/flags.js"), ["KEPT:9"])
        XCTAssertEqual(reads("""
            if ENV["A"] == "true"
            end
            threshold = ENV["B"].present? ? ENV["B"].to_f : 100
            plugin :x if ENV["C"]
            x = ENV["D"].blank?
            unless ENV["E"]
            end
            kept = ENV["KEPT"]
            """, "config/initializers/flags.rb"), ["B:3", "KEPT:8"])
        // B's use after its presence test is a read, one that tolerates absence.
        XCTAssertEqual(kinds("t = ENV[\"B\"].present? ? ENV[\"B\"].split(\",\") : []\n", "config/initializers/flags.rb"), ["B:1:tolerates"])
        XCTAssertEqual(reads("""
            import os
            if os.getenv("A"):
                pass
            if v := os.getenv("B"):
                pass
            c = os.environ.get("C") in ("1", "true")
            d = not os.environ.get("D")
            e = os.getenv("E", "").lower() == "true"
            f = os.getenv("F") == "1"
            kept = os.getenv("KEPT")
            """, "app/settings.py"), ["KEPT:10"])
        XCTAssertEqual(reads("""
            mode = case System.get_env("A") do
              nil -> :web
              "worker" -> :worker
            end
            if System.get_env("B") do
            end
            c = System.get_env("C") == "1"
            if port = System.get_env("D") do
            end
            kept = System.get_env("KEPT")
            """, "config/runtime.exs"), ["KEPT:10"])
        // A value compared with another value is still a read.
        XCTAssertEqual(reads("const ok = password === process.env.PASSWORD;\n", "pages/api/auth.js"), ["PASSWORD:1"])
    }

    func testATestForAbsenceFollowedByAnErrorInsists() {
        XCTAssertEqual(kinds("""
            if (!process.env.API_KEY) throw new Error("API_KEY is missing");
            if (!process.env.SECRET) {
              throw new Error("SECRET is missing");
            }
            if (!process.env.OPTIONAL) { console.warn("no OPTIONAL"); }
            """, "src/config.ts"), ["API_KEY:1:insists", "SECRET:2:insists"])
        XCTAssertEqual(kinds("""
            import os
            if not os.getenv("TOKEN"):
                raise RuntimeError("TOKEN is missing")
            if not os.getenv("OPTIONAL"):
                print("no OPTIONAL")
            """, "app/settings.py"), ["TOKEN:2:insists"])
        XCTAssertEqual(kinds("""
            raise "KEY is missing" unless ENV["KEY"]
            unless ENV["OTHER"] then raise "OTHER is missing" end
            puts "no OPTIONAL" unless ENV["OPTIONAL"]
            """, "config/initializers/keys.rb"), ["KEY:1:insists", "OTHER:2:insists"])
    }

    func testDefaultsBehindAConversionOrNilSafeCallAreSeen() {
        XCTAssertEqual(reads("""
            const a = Number(process.env.A) || 86400;
            const b = parseInt(process.env.B) ?? 5;
            const kept = Number(process.env.KEPT);
            """, "src/limits.ts"), ["KEPT:3"])
        XCTAssertEqual(reads("""
            port = ENV['SMTP_PORT']&.to_i || 587
            size = ENV['SIZE'].to_i || 5
            kept = ENV['KEPT']&.to_i
            """, "config/initializers/mail.rb"), ["KEPT:3"])
        // What is called on a conversion's result is not called on the absent variable.
        XCTAssertEqual(kinds("const h = String(process.env.H).toLowerCase();\n", "src/detect.ts"), ["H:1:tolerates"])
    }

    func testAMethodCalledAfterThePresenceTestOfTheSameVariableTolerates() {
        XCTAssertEqual(kinds("""
            if (process.env.IGNORE_IP) {
              const ips = process.env.IGNORE_IP.split(",");
            }
            const brokers = process.env.KAFKA_BROKER.split(",");
            """, "pages/api/collect.js"), ["IGNORE_IP:2:tolerates", "KAFKA_BROKER:4:insists"])
    }

    // MARK: framework forms

    func testFrameworkReadersAreRecognised() {
        // Laravel: env('X') gives null when absent; the second argument is a default.
        XCTAssertEqual(kinds("""
            <?php
            return [
                'key' => env('APP_KEY'),
                'debug' => env('APP_DEBUG', false),
                'secret' => Env::getOrFail('APP_SECRET'),
                'other' => $config->env('NOT_A_READ'),
            ];
            """, "config/app.php"), ["APP_KEY:3:tolerates", "APP_SECRET:5:insists"])
        // urfave/cli: the flag falls back to the variables.
        XCTAssertEqual(kinds("""
            package main
            var flags = []cli.Flag{
                &cli.StringFlag{Name: "db", EnvVars: []string{"DATABASE_URL", "DB_URL"}},
                &cli.StringFlag{Name: "key", Sources: cli.EnvVars("API_KEY")},
            }
            """, "cmd/server/main.go"), ["DATABASE_URL:3:tolerates", "DB_URL:3:tolerates", "API_KEY:4:tolerates"])
        // clap: #[arg(env = "X")].
        XCTAssertEqual(kinds("""
            #[derive(Parser)]
            struct Args {
                #[arg(long, env = "DATABASE_URL")]
                database_url: String,
            }
            """, "src/main.rs"), ["DATABASE_URL:3:tolerates"])
        // Spring: @Value("${X}") fails the start; ${X:default} and dotted properties do not count.
        XCTAssertEqual(kinds("""
            class Config {
                @Value("${DATABASE_URL}") String url;
                @Value("${POOL_SIZE:10}") int pool;
                @Value("${server.port}") int port;
            }
            """, "src/main/java/app/Config.java"), ["DATABASE_URL:2:insists"])
        // django-environ: env("X") raises ImproperlyConfigured without a default.
        XCTAssertEqual(kinds("""
            import environ
            env = environ.Env()
            SECRET_KEY = env("SECRET_KEY")
            DEBUG = env.bool("DEBUG", default=False)
            DATABASE_URL = env.str("DATABASE_URL")
            """, "app/settings.py"), ["SECRET_KEY:3:insists", "DATABASE_URL:5:insists"])
        XCTAssertEqual(reads("x = env(\"NOT_DJANGO_ENVIRON\")\n", "app/other.py"), [])
    }

    // MARK: built-in exclusions

    func testBuiltInExclusionsByKindAndScanIncludeLiftsThem() {
        let cases: [(String, ExcludedPathKind?)] = [
            ("scripts/build-geo.js", .tooling), ("next.config.mjs", .tooling), ("ui/vite.config.ts", .tooling),
            ("rollup.tracker.config.js", .tooling), ("webpack.config.js", .tooling), ("mix.exs", .tooling),
            ("lib/tasks/cleanup.rake", .tooling), ("client/cypress/cypress.js", .tooling),
            ("config/dev.exs", .devConfig), ("config/test.exs", .devConfig), ("config/environments/development.rb", .devConfig),
            ("app/settings/local.py", .devConfig), ("local_settings.py", .devConfig),
            ("db/seeds.rb", .seeds), ("priv/repo/seeds.exs", .seeds), ("database/seeders/UserSeeder.php", .seeds),
            ("db/migrate/001_init.rb", .seeds),
            ("config/deploy.rb", .deploy), ("config/deploy/production.rb", .deploy), (".github/scripts/release.js", .deploy),
            ("demo/app.js", .demo), ("src/Button.stories.tsx", .demo), ("examples/basic/main.go", .examples),
            ("benchmarks/load.py", .benchmarks), ("public/js/app.js", .bundles), ("priv/static/assets/app.js", .bundles),
            ("dist/server.js", .bundles), ("static/app.bundle.js", .bundles), ("lib/vendored/client.rb", .vendored),
            ("config/runtime.exs", nil), ("config/environments/production.rb", nil), ("src/lib/kafka.ts", nil),
            ("app/settings/production.py", nil), ("src/main/java/com/example/Auth.java", nil), ("lib/hexpm/application.ex", nil), ("config/app.php", nil),
        ]
        for (path, kind) in cases {
            XCTAssertEqual(EnvironmentReadScanner.exclusion(of: path), kind, path)
            XCTAssertEqual(EnvironmentReadScanner.scans(path: path, ignore: .none), kind == nil, path)
            if let kind {
                XCTAssertTrue(EnvironmentReadScanner.scans(path: path, ignore: ScanIgnore(patterns: [], including: [kind])), path)
            }
        }
        let source = Array("const key = process.env.SEED_KEY.trim();\n".utf8)
        XCTAssertEqual(EnvironmentReadScanner.reads(in: source, path: "scripts/seed.js", ignore: .none), [])
        XCTAssertEqual(EnvironmentReadScanner.reads(in: source, path: "scripts/seed.js", ignore: ScanIgnore(patterns: [], including: [.tooling])).map(\.name),
                       ["SEED_KEY"])
    }

    // MARK: new to the application

    func testAReadTolerantBeforeAndInsistingNowIsNewAndAnInsistingOneBeforeSettlesIt() {
        let tolerant = EnvironmentRead(name: "X", path: "a.ex", line: 1, insists: false)
        let insisting = EnvironmentRead(name: "X", path: "b.ex", line: 2, insists: true)
        XCTAssertEqual(EnvironmentReadScanner.added(before: [tolerant], after: [insisting]), [insisting])
        XCTAssertEqual(EnvironmentReadScanner.added(before: [insisting], after: [tolerant, insisting]), [])
        XCTAssertEqual(EnvironmentReadScanner.added(before: [tolerant], after: [tolerant]), [])
        // The insisting site is reported before an earlier tolerant one of the same name.
        let earlier = EnvironmentRead(name: "X", path: "a.ex", line: 9, insists: false)
        XCTAssertEqual(EnvironmentReadScanner.added(before: [], after: [earlier, insisting]), [insisting])

        XCTAssertEqual(EnvironmentReadScanner.newToApplication([insisting], known: [tolerant]), [insisting])
        XCTAssertEqual(EnvironmentReadScanner.newToApplication([tolerant], known: [tolerant]), [])
        XCTAssertEqual(EnvironmentReadScanner.newToApplication([insisting, EnvironmentRead(name: "Y", path: "c.ex", line: 1)],
                                                               known: [insisting]).map(\.name), ["Y"])
    }

    // MARK: configuration files

    func testSpringPlaceholdersInApplicationFilesInsistUnlessDefaulted() {
        // ${X} fails the start; ${X:default} tolerates, and so does a placeholder inside a default;
        // dotted or lower-case names are properties; comments hold no reads; PORT is the platform's.
        XCTAssertEqual(kinds("""
            spring:
              datasource:
                url: ${NEW_DB_URL}
                pool: ${POOL_SIZE:10}
                user: ${DB_USER:${LEGACY_DB_USER}}
              port: ${server.port} and ${lower_case}
            # url: ${COMMENTED_OUT}
            key: "jdbc:${DB_HOST}:${DB_PORT:5432}" # ${TRAILING_COMMENT}
            listen: ${PORT}
            broken: ${UNCLOSED
            nested: ${9STARTS_WITH_DIGIT}
            """, "src/main/resources/application.yml"),
            ["NEW_DB_URL:3:insists", "POOL_SIZE:4:tolerates", "DB_USER:5:tolerates", "LEGACY_DB_USER:5:tolerates",
             "DB_HOST:8:insists", "DB_PORT:8:tolerates"])
        XCTAssertEqual(kinds("""
            ! a comment ${BANG_COMMENT}
            # a comment ${HASH_COMMENT}
            app.secret=${APP_SECRET}
            app.timeout=${TIMEOUT:30s}
            """, "src/main/resources/application-prod.properties"), ["APP_SECRET:3:insists", "TIMEOUT:4:tolerates"])
        // Only Spring's application files: any other YAML is not read, nor a test or dev/test profile.
        let source = "url: ${NEW_DB_URL}\n"
        XCTAssertEqual(names(source, "config/application.yaml"), ["NEW_DB_URL"])
        for path in ["docker-compose.yml", "src/main/resources/bootstrap.yml", "src/test/resources/application.yml",
                     "src/main/resources/application-dev.yml", "src/main/resources/application-test.properties"] {
            XCTAssertEqual(names(source, path), [], path)
        }
        XCTAssertEqual(EnvironmentReadScanner.exclusion(of: "src/main/resources/application-local.yml"), .devConfig)
        XCTAssertNil(EnvironmentReadScanner.exclusion(of: "src/main/resources/application-prod.yml"))
    }

    func testRubyInERBTagsOfConfigYAMLIsReadAsRuby() {
        XCTAssertEqual(kinds("""
            production:
              host: <%= ENV.fetch("DB_HOST") %>
              user: <%= ENV['DB_USER'] %>
              pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
              password: <%= ENV["DB_PASSWORD"] || "secret" %>
              # not in a tag: ENV.fetch("PLAIN_TEXT")
              <%# ENV.fetch("ERB_COMMENT") %>
              <%% ENV.fetch("ESCAPED") %>
              <% if ENV["FEATURE_ON"] -%>
              region: <%= ENV.fetch("AWS_REGION") -%><%= ENV.fetch("AWS_ZONE") %>
              <% end %>
            """, "config/database.yml"),
            ["DB_HOST:2:insists", "DB_USER:3:tolerates", "AWS_REGION:10:insists", "AWS_ZONE:10:insists"])
        let source = "key: <%= ENV.fetch('S3_BUCKET') %>\n"
        for path in ["config/storage.yml", "config/nginx.conf.erb", "app/config/settings.yml.erb"] {
            XCTAssertEqual(names(source, path), ["S3_BUCKET"], path)
        }
        // Not under config/, a dev/test file, or not YAML/ERB: not read.
        for path in ["app/views/storage.yml", "locales/en.yml", "config/test.yml", "config/development.yml.erb", "config/storage.txt"] {
            XCTAssertEqual(names(source, path), [], path)
        }
        // A read moved from the code into an ERB YAML file is one the application already makes.
        let code = EnvironmentReadScanner.reads(in: Array("ENV.fetch('S3_BUCKET')\n".utf8), path: "config/initializers/s3.rb", ignore: .none)
        let moved = EnvironmentReadScanner.reads(in: Array(source.utf8), path: "config/storage.yml", ignore: .none)
        XCTAssertEqual(EnvironmentReadScanner.added(before: code, after: moved), [])
    }
}
