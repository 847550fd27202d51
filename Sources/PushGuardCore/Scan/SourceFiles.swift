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
/// code and build scripts. Components are compared exactly (case-sensitive), at any depth.
enum SourceFiles {
    /// Directories holding tests, in any language; directories holding other people's code, in
    /// any language; and for Elixir its dependencies and build output (`deps/` is an ordinary
    /// name in other languages). A switch over the component, not a set of strings: the push
    /// path asks this of every changed file, and a set lookup allocated and hashed each name.
    static func isExcludedDirectory(_ name: Substring, language: SourceLanguage) -> Bool {
        switch name {
        case "test", "tests", "spec", "specs", "__tests__", "__mocks__", "testdata", "benches":
            return true
        case "vendor", "node_modules", "third_party", "third-party", "bower_components", "jspm_packages",
             "site-packages", ".venv", "__pypackages__":
            return true
        case "deps", "_build":
            return language == .elixir
        default:
            return false
        }
    }

    static func language(of path: String) -> SourceLanguage? {
        let utf8 = path.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        if utf8[utf8.index(after: dot)...].contains(UInt8(ascii: "/")) { return nil }
        switch path[path.index(after: dot)...] {
        case "go": return .go
        case "py": return .python
        case "rb", "rake", "ru": return .ruby
        case "js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts": return .javascript
        case "rs": return .rust
        case "java": return .java
        case "kt": return .kotlin
        case "php": return .php
        case "ex", "exs": return .elixir
        default: return nil
        }
    }

    /// Not a test, not vendored, not a build script or declaration file.
    static func isProductCode(_ path: String, language: SourceLanguage) -> Bool {
        let components = path.split(separator: "/")
        guard let last = components.last else { return false }
        for directory in components.dropLast() where isExcludedDirectory(directory, language: language) {
            return false
        }
        return !isTestOrTooling(String(last), language: language)
    }

    private static func isTestOrTooling(_ file: String, language: SourceLanguage) -> Bool {
        switch language {
        case .go:
            return file.hasSuffix("_test.go")
        case .python:
            return file.hasPrefix("test_") || file.hasSuffix("_test.py") || file == "conftest.py" || file == "tests.py"
        case .ruby:
            return file.hasSuffix("_spec.rb") || file.hasSuffix("_test.rb") || file.hasPrefix("test_")
        case .javascript:
            // foo.test.ts, foo.spec.jsx; declaration files (.d.ts) and minified bundles hold no reads of ours.
            guard let dot = file.lastIndex(of: ".") else { return false }
            let stem = file[..<dot]
            return stem.hasSuffix(".test") || stem.hasSuffix(".spec") || stem.hasSuffix(".d") || stem.hasSuffix(".min")
        case .rust:
            // Cargo's build script reads the variables Cargo sets for it at build time.
            return file == "build.rs"
        case .java:
            return file.hasSuffix("Test.java") || file.hasSuffix("Tests.java") || file.hasSuffix("IT.java")
        case .kotlin:
            return file.hasSuffix("Test.kt") || file.hasSuffix("Tests.kt")
        case .php:
            return file.hasSuffix("Test.php")
        case .elixir:
            return file.hasSuffix("_test.exs")
        }
    }
}

/// One `pushguard.scanIgnore` pattern, compiled; matched by simulating all its positions at once
/// (time: pattern length × text length, no backtracking).
struct Glob: Equatable, Sendable {
    enum Piece: Equatable, Sendable {
        case byte(UInt8)
        /// `?`: one byte other than `/`.
        case one
        /// `*`: any run without `/`.
        case star
        /// `**`: any run; `slash`: written `**/`, which may also match nothing at all (the
        /// following piece is that `/`, skipped with it).
        case globstar(slash: Bool)
    }

    let pieces: [Piece]
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
        var pieces: [Piece] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "*"):
                if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*") {
                    let followedBySlash = i + 2 < bytes.count && bytes[i + 2] == slash
                    pieces.append(.globstar(slash: followedBySlash))
                    i += 2
                } else {
                    pieces.append(.star)
                    i += 1
                }
            case UInt8(ascii: "?"):
                pieces.append(.one)
                i += 1
            default:
                pieces.append(.byte(bytes[i]))
                i += 1
            }
        }
        self.pieces = pieces
    }

    func matches(_ text: ArraySlice<UInt8>) -> Bool {
        let count = pieces.count
        var current = [Bool](repeating: false, count: count + 1)
        var next = current
        current[0] = true
        close(&current)
        let slash = UInt8(ascii: "/")
        for c in text {
            var any = false
            for i in 0..<count where current[i] {
                switch pieces[i] {
                case .byte(let b): if b == c { next[i + 1] = true; any = true }
                case .one: if c != slash { next[i + 1] = true; any = true }
                case .star: if c != slash { next[i] = true; any = true }
                case .globstar: next[i] = true; any = true
                }
            }
            if !any { return false }
            close(&next)
            swap(&current, &next)
            for i in 0...count { next[i] = false }
        }
        return current[count]
    }

    /// Adds the positions reachable without consuming a byte: past a star (zero characters),
    /// past `**/` and its slash.
    private func close(_ states: inout [Bool]) {
        for i in 0..<pieces.count where states[i] {
            switch pieces[i] {
            case .star: states[i + 1] = true
            case .globstar(let slash):
                states[i + 1] = true
                if slash && i + 2 <= pieces.count { states[i + 2] = true }
            default: break
            }
        }
    }
}
