/// The kinds of paths the scan leaves out by default, because their code is not the deployed
/// service's (`pushguard.scanInclude` names the kinds to scan anyway). See
/// docs/how-a-push-is-decided.md, "Environment reads in the pushed code", for the names each
/// kind covers.
public enum ExcludedPathKind: String, CaseIterable, Sendable {
    /// Build and development tooling: `scripts/`, `tools/`, `next.config.*`, `vite.config.*`,
    /// `webpack.*`, `rollup.*`, `mix.exs`, `*.rake`, end-to-end test folders…
    case tooling
    /// Development and test configuration: `config/dev.exs`, `config/environments/test.rb`, …
    case devConfig = "dev-config"
    /// Seeds, fixtures and migrations.
    case seeds
    /// Deploy tooling and CI: `deploy/`, `config/deploy.rb`, `.github/`, `terraform/`, …
    case deploy
    case demo
    case examples
    case benchmarks
    /// Compiled front-end bundles: `dist/`, `.next/`, `public/js/`, `priv/static/`, `*.bundle.js`…
    case bundles
    /// `vendored/` folders.
    case vendored
}

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

    // MARK: configuration files

    /// Configuration files whose placeholders read environment variables: Spring's
    /// `application.yml`/`.yaml`/`.properties` and `application-<profile>.*` (`${X}`), and Rails'
    /// ERB YAML under a `config/` directory (`*.yml`, `*.yml.erb`, `*.erb`: the Ruby in `<% … %>`).
    /// No other YAML or properties file is read.
    enum ConfigFile: Sendable {
        case spring, erb

        /// The language whose path rules (test and vendored directories, built-in exclusions) apply.
        var pathLanguage: SourceLanguage { self == .spring ? .java : .ruby }
    }

    private static let springExtensions: [StaticString] = ["yml", "yaml", "properties"]

    static func configFile(of path: Bytes) -> ConfigFile? {
        var file: Bytes?
        var underConfig = false
        var start = 0
        for k in 0...path.count where k == path.count || path[k] == UInt8(ascii: "/") {
            defer { start = k + 1 }
            guard k > start else { continue }
            if let directory = file, equals(directory, "config") { underConfig = true }
            file = Bytes(rebasing: path[start..<k])
        }
        guard let file, let dot = file.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let stem = Bytes(rebasing: file[..<dot])
        let ext = Bytes(rebasing: file[(dot + 1)...])
        if (equals(stem, "application") || hasPrefix(stem, "application-")) && springExtensions.contains(where: { equals(ext, $0) }) {
            return .spring
        }
        if underConfig && (hasSuffix(file, ".yml") || hasSuffix(file, ".erb")) { return .erb }
        return nil
    }

    // MARK: built-in exclusions

    /// Directories whose code is not the deployed service, by kind (any depth, exact names).
    private static let kindDirectories: [(StaticString, ExcludedPathKind)] = [
        ("scripts", .tooling), ("script", .tooling), ("tools", .tooling), ("tooling", .tooling),
        ("cypress", .tooling), ("e2e", .tooling), ("playwright", .tooling),
        ("seeds", .seeds), ("seeders", .seeds), ("seed", .seeds), ("migrations", .seeds), ("migrate", .seeds),
        ("factories", .seeds), ("fixtures", .seeds),
        ("deploy", .deploy), ("deployment", .deploy), ("deployments", .deploy), ("ansible", .deploy),
        ("terraform", .deploy), ("k8s", .deploy), ("kubernetes", .deploy), ("helm", .deploy),
        (".github", .deploy), (".circleci", .deploy), (".buildkite", .deploy),
        ("demo", .demo), ("demos", .demo), ("playground", .demo), (".storybook", .demo), ("stories", .demo),
        // Not `example`: Java's conventional package `com.example` is a directory `com/example/`.
        ("examples", .examples), ("_examples", .examples), ("samples", .examples),
        ("bench", .benchmarks), ("benchmark", .benchmarks), ("benchmarks", .benchmarks),
        ("dist", .bundles), (".next", .bundles), (".nuxt", .bundles), (".output", .bundles),
        ("vendored", .vendored),
    ]
    /// `public/<one of these>/` and `priv/static/`, `static/dist/`: compiled front-end bundles.
    private static let publicBundleDirectories: [StaticString] = ["js", "build", "assets", "packs", "dist", "bundles"]
    /// Build and tool configuration files, by exact name.
    private static let toolingFiles: [StaticString] = [
        "mix.exs", "setup.py", "noxfile.py", "fabfile.py", "magefile.go", "tools.go", "Gruntfile.js", "gulpfile.js",
        "Gulpfile.js", "Dangerfile.js",
    ]
    /// Development and test configuration: `<config|environments|settings>/<stem>.<ext>`.
    private static let devConfigStems: [StaticString] = ["dev", "development", "test", "testing", "local"]
    private static let configDirectories: [StaticString] = ["config", "environments", "settings"]
    private static let devConfigFiles: [StaticString] = [
        "local_settings.py", "settings_dev.py", "settings_local.py", "settings_test.py", "dev_settings.py", "test_settings.py",
    ]

    /// The built-in exclusion `path` falls under (first that applies, outermost directory
    /// first), or nil. Work: one pass over the path's components.
    static func builtInExclusion(_ path: Bytes, language: SourceLanguage) -> ExcludedPathKind? {
        // One pass over the components, in place: each directory is checked when the next
        // component is known (for `public/js`-style pairs); the last component is the file.
        var parent: Bytes?
        var current: Bytes?
        var start = 0
        for k in 0...path.count where k == path.count || path[k] == UInt8(ascii: "/") {
            defer { start = k + 1 }
            guard k > start else { continue }
            let component = Bytes(rebasing: path[start..<k])
            if let directory = current {
                if let kind = kindDirectories.first(where: { equals(directory, $0.0) })?.1 { return kind }
                // `component` follows `directory`; a pair counts only when `component` is a directory too.
                if k < path.count {
                    if equals(directory, "public") && publicBundleDirectories.contains(where: { equals(component, $0) }) { return .bundles }
                    if equals(directory, "priv") && equals(component, "static") { return .bundles }
                    if equals(directory, "static") && equals(component, "dist") { return .bundles }
                }
            }
            parent = current
            current = component
        }
        guard let file = current else { return nil }
        if toolingFiles.contains(where: { equals(file, $0) }) { return .tooling }
        if language == .ruby && hasSuffix(file, ".rake") { return .tooling }
        if language == .javascript {
            // next.config.js, vite.config.ts, rollup.tracker.config.js, webpack.prod.js, *.bundle.js, *.stories.tsx
            if contains(file, ".config.") || hasPrefix(file, "webpack.") || hasPrefix(file, "rollup.") { return .tooling }
            if contains(file, ".bundle.") || contains(file, ".chunk.") { return .bundles }
            if contains(file, ".stories.") { return .demo }
        }
        if equals(file, "deploy.rb") { return .deploy }
        if hasPrefix(file, "seed.") || hasPrefix(file, "seeds.") || hasPrefix(file, "seed-") || hasPrefix(file, "seed_") { return .seeds }
        if devConfigFiles.contains(where: { equals(file, $0) }) { return .devConfig }
        // Spring profiles: application-dev.yml, application-test.properties.
        if language == .java && hasPrefix(file, "application-"), let dot = file.firstIndex(of: UInt8(ascii: ".")) {
            let profile = Bytes(rebasing: file[(file.startIndex + 12)..<dot])
            if devConfigStems.contains(where: { equals(profile, $0) }) { return .devConfig }
        }
        if let directory = parent, configDirectories.contains(where: { equals(directory, $0) }),
           let dot = file.firstIndex(of: UInt8(ascii: ".")) {
            let stem = Bytes(rebasing: file[..<dot])
            if devConfigStems.contains(where: { equals(stem, $0) }) { return .devConfig }
        }
        return nil
    }

    private static func contains(_ bytes: Bytes, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for offset in 0...(bytes.count - count) where hasPrefix(Bytes(rebasing: bytes[(bytes.startIndex + offset)...]), word) {
            return true
        }
        return false
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
