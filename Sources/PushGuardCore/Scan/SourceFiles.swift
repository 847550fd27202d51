/// The languages the scanner reads.
enum SourceLanguage: Sendable {
    case go, python, ruby, javascript, rust, java, kotlin, php, elixir

    var name: String {
        switch self {
        case .go: return "go"
        case .python: return "python"
        case .ruby: return "ruby"
        case .javascript: return "javascript"
        case .rust: return "rust"
        case .java: return "java"
        case .kotlin: return "kotlin"
        case .php: return "php"
        case .elixir: return "elixir"
        }
    }
}

/// Which repository paths are scanned: by extension, minus test files and directories, vendored
/// code and build scripts. Components are compared exactly (case-sensitive, bytewise), at any
/// depth. The push path asks this of every changed file, twice, so it works on the path's bytes
/// in place: no split, no substrings, no string comparison (which compares by Unicode rules and
/// was a third of a 1,000-file scan).
enum SourceFiles {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Directories holding tests, in any language, and directories holding other people's code,
    /// in any language.
    private static let excludedDirectories: [StaticString] = [
        "test", "tests", "spec", "specs", "__tests__", "__mocks__", "testdata", "benches",
        "vendor", "node_modules", "third_party", "third-party", "bower_components", "jspm_packages",
        "site-packages", ".venv", "__pypackages__",
    ]
    /// Elixir's dependencies and build output (`deps/` is an ordinary name in other languages).
    private static let excludedElixirDirectories: [StaticString] = ["deps", "_build"]

    private static let extensions: [(StaticString, SourceLanguage)] = [
        ("go", .go), ("py", .python), ("rb", .ruby), ("rake", .ruby), ("ru", .ruby),
        ("js", .javascript), ("mjs", .javascript), ("cjs", .javascript), ("jsx", .javascript),
        ("ts", .javascript), ("tsx", .javascript), ("mts", .javascript), ("cts", .javascript),
        ("rs", .rust), ("java", .java), ("kt", .kotlin), ("php", .php), ("ex", .elixir), ("exs", .elixir),
    ]

    static func isExcludedDirectory(_ name: Bytes, language: SourceLanguage) -> Bool {
        excludedDirectories.contains { equals(name, $0) }
            || (language == .elixir && excludedElixirDirectories.contains { equals(name, $0) })
    }

    static func language(of path: String) -> SourceLanguage? {
        withBytes(of: path) { language(of: $0) }
    }

    /// By the extension: what follows the last `.` of the last path component.
    static func language(of path: Bytes) -> SourceLanguage? {
        var k = path.count
        while k > 0 {
            let c = path[k - 1]
            if c == UInt8(ascii: "/") { return nil }
            if c == UInt8(ascii: ".") { break }
            k -= 1
        }
        guard k > 0 else { return nil }
        let ext = Bytes(rebasing: path[k...])
        return extensions.first { equals(ext, $0.0) }?.1
    }

    /// Not a test, not vendored, not a build script or declaration file.
    static func isProductCode(_ path: String, language: SourceLanguage) -> Bool {
        withBytes(of: path) { isProductCode($0, language: language) }
    }

    static func isProductCode(_ path: Bytes, language: SourceLanguage) -> Bool {
        // Components between slashes; empty ones (a leading, doubled or trailing `/`) are skipped.
        var file: Bytes?
        var start = 0
        for k in 0...path.count where k == path.count || path[k] == UInt8(ascii: "/") {
            defer { start = k + 1 }
            guard k > start else { continue }
            if let directory = file, isExcludedDirectory(directory, language: language) { return false }
            file = Bytes(rebasing: path[start..<k])
        }
        guard let file else { return false }
        return !isTestOrTooling(file, language: language)
    }

    private static func isTestOrTooling(_ file: Bytes, language: SourceLanguage) -> Bool {
        switch language {
        case .go:
            return hasSuffix(file, "_test.go")
        case .python:
            return hasPrefix(file, "test_") || hasSuffix(file, "_test.py") || equals(file, "conftest.py") || equals(file, "tests.py")
        case .ruby:
            return hasSuffix(file, "_spec.rb") || hasSuffix(file, "_test.rb") || hasPrefix(file, "test_")
        case .javascript:
            // foo.test.ts, foo.spec.jsx; declaration files (.d.ts) and minified bundles hold no reads of ours.
            guard let dot = file.lastIndex(of: UInt8(ascii: ".")) else { return false }
            let stem = Bytes(rebasing: file[..<dot])
            return hasSuffix(stem, ".test") || hasSuffix(stem, ".spec") || hasSuffix(stem, ".d") || hasSuffix(stem, ".min")
        case .rust:
            // Cargo's build script reads the variables Cargo sets for it at build time.
            return equals(file, "build.rs")
        case .java:
            return hasSuffix(file, "Test.java") || hasSuffix(file, "Tests.java") || hasSuffix(file, "IT.java")
        case .kotlin:
            return hasSuffix(file, "Test.kt") || hasSuffix(file, "Tests.kt")
        case .php:
            return hasSuffix(file, "Test.php")
        case .elixir:
            return hasSuffix(file, "_test.exs")
        }
    }

    // MARK: bytes

    /// `body` on the string's UTF-8 bytes: in place for a native string, else on a copy.
    static func withBytes<R>(of string: String, _ body: (Bytes) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }

    private static func equals(_ bytes: Bytes, _ word: StaticString) -> Bool {
        bytes.count == word.utf8CodeUnitCount && hasPrefix(bytes, word)
    }

    private static func hasPrefix(_ bytes: Bytes, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let w = word.utf8Start
        for j in 0..<count where bytes[j] != w[j] { return false }
        return true
    }

    private static func hasSuffix(_ bytes: Bytes, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return hasPrefix(Bytes(rebasing: bytes[(bytes.count - count)...]), word)
    }
}

/// One `pushguard.scanIgnore` pattern, compiled to a `GlobAutomaton`: matching costs a few word
/// operations per byte of the path (a pattern is at most 256 bytes: at most 5 words), however
/// the pattern's stars fall, with no backtracking.
struct Glob: Equatable, Sendable {
    let automaton: GlobAutomaton
    /// The pattern held a `/`: it is matched against whole paths, never names.
    let isPath: Bool

    init?(_ pattern: String) {
        var bytes = Array(pattern.utf8)
        let slash = UInt8(ascii: "/")
        isPath = bytes.contains(slash)
        if isPath {
            while bytes.first == slash { bytes.removeFirst() }
            if bytes.last == slash { bytes += Array("**".utf8) }
        }
        if bytes.isEmpty { return nil }
        var tokens: [Token] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "*"):
                if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*") {
                    if i + 2 < bytes.count && bytes[i + 2] == slash {
                        Glob.push(.anyDirectories, to: &tokens)
                        i += 3
                    } else {
                        Glob.push(.anyRun, to: &tokens)
                        i += 2
                    }
                } else {
                    Glob.push(.run, to: &tokens)
                    i += 1
                }
            case UInt8(ascii: "?"):
                tokens.append(.one)
                i += 1
            default:
                tokens.append(.byte(bytes[i]))
                i += 1
            }
        }
        var pieces: [GlobAutomaton.Piece] = []
        for token in tokens {
            switch token {
            case .byte(let byte): pieces.append(.one(.just(byte)))
            case .one: pieces.append(.one(.notSlash))
            case .run: pieces.append(.run(.notSlash))
            case .anyRun: pieces.append(.run(.all))
            case .anyDirectories: pieces += [.branch, .run(.all), .one(.just(slash))]
            }
        }
        automaton = GlobAutomaton(pieces)
    }

    /// A pattern's parts: a byte, `?`, `*`, `**`, and `**/` (any directories, or none).
    enum Token: Equatable {
        case byte(UInt8), one, run, anyRun, anyDirectories
    }

    /// Appends a star token, merging it with a star token before it into the one that matches
    /// the same (`**` then `*` is `**`; `**` then `**/`, or `**/` then `**`, is `**`; `**/` twice
    /// is `**/`). What is left never has two stars side by side that could both match nothing,
    /// so a jump past a `**/` is followed by at most one stretch of runs (`GlobAutomaton.close`).
    static func push(_ token: Token, to tokens: inout [Token]) {
        guard let last = tokens.last else { return tokens.append(token) }
        switch (last, token) {
        case (.anyRun, .run), (.anyRun, .anyRun), (.anyRun, .anyDirectories), (.anyDirectories, .anyDirectories), (.run, .run):
            return
        case (.run, .anyRun), (.anyDirectories, .anyRun):
            tokens.removeLast()
            push(.anyRun, to: &tokens)
        default:
            tokens.append(token)
        }
    }

    func matches(_ text: ArraySlice<UInt8>) -> Bool { automaton.matches(text) }

    /// The same, counting the automaton's steps (for tests of the matching's cost).
    func matches(_ text: ArraySlice<UInt8>, steps: inout Int) -> Bool { automaton.matches(text, steps: &steps) }
}
