/// One place in the pushed code that reads an environment variable without a default.
public struct EnvironmentRead: Equatable, Hashable, Sendable {
    /// The variable's name.
    public var name: String
    /// Repository path of the file.
    public var path: String
    /// 1-based line of the read (the line of the variable's name when a call spans lines).
    public var line: Int
    /// The code fails when the variable is absent (`os.environ["X"]`, `ENV.fetch("X")`,
    /// `System.fetch_env!`, `.unwrap()`, `|| raise`, a method called on the value…). False: it
    /// tolerates absence (the value is passed on as nil, "" or undefined). With `pushguard.scan
    /// = on` only an insisting read refuses a push; a tolerant one warns.
    public var insists: Bool

    public init(name: String, path: String, line: Int, insists: Bool = true) {
        self.name = name
        self.path = path
        self.line = line
        self.insists = insists
    }
}

/// Variable names and paths excluded by `pushguard.scanIgnore` (multi-valued globs).
///
/// A pattern containing `/` is a path glob matched against the whole repository path (a leading
/// `/` is dropped; a trailing `/` means everything below that directory). A pattern without `/`
/// matches a variable name, or any single component of a path (a directory or the file name).
/// `*` matches any run of characters except `/`, `**` any run including `/` (`**/` also matches
/// no directory at all), `?` one character except `/`; every other character matches itself.
/// Matching is case-sensitive and works on bytes.
public struct ScanIgnore: Equatable, Sendable {
    /// The patterns as given, in order.
    public let patterns: [String]
    private let names: [Glob]
    private let paths: [Glob]

    /// Longest pattern `problem(in:)` accepts, in bytes.
    public static let maxPatternLength = 256

    /// Built-in exclusions scanned anyway (`pushguard.scanInclude`).
    public let included: Set<ExcludedPathKind>

    public init(patterns: [String], including included: Set<ExcludedPathKind> = []) {
        self.patterns = patterns
        self.included = included
        var names: [Glob] = []
        var paths: [Glob] = []
        for pattern in patterns {
            guard let glob = Glob(pattern) else { continue }
            if glob.isPath { paths.append(glob) } else { names.append(glob) }
        }
        self.names = names
        self.paths = paths
    }

    public static let none = ScanIgnore(patterns: [])

    /// Why a `pushguard.scanIgnore` value cannot be used (nil: it can). The settings loader
    /// refuses such a value rather than ignoring it in silence.
    public static func problem(in pattern: String) -> String? {
        if pattern.isEmpty { return "an empty pattern" }
        if pattern.utf8.count > maxPatternLength { return "longer than \(maxPatternLength) bytes" }
        if pattern.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) { return "a control character" }
        if pattern.utf8.allSatisfy({ $0 == UInt8(ascii: "/") }) { return "only '/'" }
        return nil
    }

    public func ignores(name: String) -> Bool {
        if names.isEmpty { return false }
        let bytes = Array(name.utf8)
        return names.contains { $0.matches(bytes[...]) }
    }

    public func ignores(path: String) -> Bool {
        if names.isEmpty && paths.isEmpty { return false }
        let bytes = Array(path.utf8)
        if paths.contains(where: { $0.matches(bytes[...]) }) { return true }
        if names.isEmpty { return false }
        // Each component in place, without an array of them.
        var start = 0
        for end in 0...bytes.count where end == bytes.count || bytes[end] == UInt8(ascii: "/") {
            if end > start && names.contains(where: { $0.matches(bytes[start..<end]) }) { return true }
            start = end + 1
        }
        return false
    }
}

/// Finds the environment-variable reads in source files, without Foundation, on bytes: a small
/// lexer per language skips comments and string contents, then a matcher recognises each
/// language's read forms with a literal name (docs/how-a-push-is-decided.md, "Environment
/// reads in the pushed code", has the full rules). Work is linear in the file's size, and files over `maxFileSize`
/// are not read at all.
///
/// Decisions:
/// - A read counts unless the code gives a default at the read site (a second argument, a block,
///   `||`, `??`, `?:`, `or`, `unwrap_or…`, also after one wrapping call), writes the variable,
///   only tests its presence (`if x`, `!x`, `x ? a : b`, `x && …`, `.present?`, `.is_ok()`…) or
///   compares it with a literal (`x === "true"`, `x in ("1", "yes")`, `case x do`).
/// - Each read insists (`EnvironmentRead.insists`: the code fails without the variable) or
///   tolerates absence. Python's `os.environ.get("X")`, Go's `os.Getenv`, `process.env.X`
///   passed on, `ENV["X"]` tolerate; `os.environ["X"]`, `ENV.fetch("X")`, `System.fetch_env!`,
///   `.unwrap()`/`.expect()`/`?`, a method called on the value insist.
/// - `||`/`?:` followed by `raise`, `throw`, `error`, `fail`, `die`, `exit`, `panic` or `abort`
///   is no default: the code insists on the variable (Elixir's `System.get_env("X") || raise …`).
/// - Rust's `env!("X")` is not counted: it is read when the code is compiled, and a missing one
///   fails the build, not the running service.
/// - JavaScript destructuring (`const { A } = process.env`) and names built at runtime are not
///   recognised.
public enum EnvironmentReadScanner {
    /// Files larger than this (512 KiB) are not scanned: the work per blob stays bounded, and
    /// source files that large are generated or bundled.
    public static let maxFileSize = 512 * 1024

    /// Longest variable name reported, in bytes.
    public static let maxNameLength = 256

    /// Variables the operating system, the shell, the service manager or the platform sets for
    /// every process: never reported. App configuration such as `DATABASE_URL`, `NODE_ENV` or
    /// `RAILS_ENV` is not on this list.
    public static let platformVariables: Set<String> = [
        // POSIX and the login shell
        "PORT", "HOME", "PATH", "USER", "LOGNAME", "PWD", "OLDPWD", "SHELL", "SHLVL", "TERM",
        "COLORTERM", "COLUMNS", "LINES", "NO_COLOR", "TMPDIR", "TMP", "TEMP", "TZ", "HOSTNAME",
        "EDITOR", "VISUAL", "PAGER", "DISPLAY", "SSH_AUTH_SOCK",
        // locale
        "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_COLLATE", "LC_NUMERIC", "LC_TIME",
        // XDG base directories
        "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
        // Heroku-style platforms: the dyno's name and the buildpacks' concurrency hint
        "DYNO", "WEB_CONCURRENCY",
        // Kubernetes service discovery
        "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
        // systemd
        "INVOCATION_ID", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "JOURNAL_STREAM",
        "WATCHDOG_USEC", "WATCHDOG_PID", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY",
        "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY", "CREDENTIALS_DIRECTORY",
    ]

    /// True when `path` is a file of a scanned language that is not a test file/directory, not
    /// vendored (vendor/, node_modules/, …), not under a built-in exclusion that
    /// `ignore.included` does not lift (`ExcludedPathKind`) and not ignored. The push path calls this on every
    /// changed path BEFORE reading a blob, so it is cheap: no allocation beyond the path's split.
    public static func scans(path: String, ignore: ScanIgnore) -> Bool {
        scanned(path, ignore: ignore) != nil
    }

    /// What `path` is scanned as: source code of a language, or a configuration file.
    private enum Scanned {
        case source(SourceLanguage)
        case config(SourceFiles.ConfigFile)
    }

    /// What `path` is scanned as when `scans(path:ignore:)` is true, else nil.
    private static func scanned(_ path: String, ignore: ScanIgnore) -> Scanned? {
        let scanned = SourceFiles.withBytes(of: path) { bytes -> Scanned? in
            let found: Scanned, pathLanguage: SourceLanguage
            if let language = SourceFiles.language(of: bytes) {
                (found, pathLanguage) = (.source(language), language)
            } else if let config = SourceFiles.configFile(of: bytes) {
                (found, pathLanguage) = (.config(config), config.pathLanguage)
            } else {
                return nil
            }
            guard SourceFiles.isProductCode(bytes, language: pathLanguage) else { return nil }
            if let kind = SourceFiles.builtInExclusion(bytes, language: pathLanguage), !ignore.included.contains(kind) { return nil }
            return found
        }
        guard let scanned, !ignore.ignores(path: path) else { return nil }
        return scanned
    }

    /// The built-in exclusion `path` falls under (tooling, dev/test config, seeds, deploy, demo,
    /// examples, benchmarks, bundles, vendored), whether or not `pushguard.scanInclude` lifts it.
    public static func exclusion(of path: String) -> ExcludedPathKind? {
        SourceFiles.withBytes(of: path) { bytes in
            (SourceFiles.language(of: bytes) ?? SourceFiles.configFile(of: bytes)?.pathLanguage)
                .flatMap { SourceFiles.builtInExclusion(bytes, language: $0) }
        }
    }

    /// The language `path` is scanned as (nil: not a scanned language), whether or not it is a
    /// test, vendored or ignored: "go", "python", "ruby", "javascript", "rust", "java", "kotlin",
    /// "php", "elixir".
    public static func language(of path: String) -> String? {
        SourceFiles.language(of: path)?.name
    }

    /// The reads without a default in one file's contents, in file order (duplicates of a name
    /// keep each site). [] when `scans(path:)` is false or the content is over `maxFileSize`.
    /// Platform variables and ignored names are excluded. A NUL byte does not stop the scan (git
    /// calls such a file binary): a file whose name says it is source is lexed as text, where a
    /// NUL is one more byte (in a comment, a string or between tokens), so a NUL in a comment
    /// cannot hide a new read. The lexers take any bytes (fuzzed: `Fuzz/`).
    public static func reads(in contents: [UInt8], path: String, ignore: ScanIgnore) -> [EnvironmentRead] {
        contents.withUnsafeBufferPointer { reads(in: $0, path: path, ignore: ignore) }
    }

    /// The same, on bytes the caller holds (a blob in libgit2's memory: no copy).
    public static func reads(in bytes: UnsafeBufferPointer<UInt8>, path: String, ignore: ScanIgnore) -> [EnvironmentRead] {
        guard bytes.count <= maxFileSize, let scanned = scanned(path, ignore: ignore) else { return [] }
        let found: [ReadMatcher.Found]
        switch scanned {
        case .config(.spring):
            // Spring's placeholders are read forms without "env" in them.
            found = ConfigFileReads.springPlaceholders(bytes)
        case .config(.erb):
            guard mentionsEnv(bytes), let ruby = ConfigFileReads.rubyInERB(bytes) else { return [] }
            found = ruby.withUnsafeBufferPointer { ruby in
                var matcher = ReadMatcher(bytes: ruby, tokens: SourceLexer.tokens(of: ruby, language: .ruby), language: .ruby)
                return matcher.reads()
            }
        case .source(let language):
            // Spring's `@Value("${X}")` is the one read form in code without "env" in it.
            if !mentionsEnv(bytes) && !(language == .java && ByteScan.occurs(Substring("@Value").utf8, in: bytes)) { return [] }
            let tokens = SourceLexer.tokens(of: bytes, language: language)
            var matcher = ReadMatcher(bytes: bytes, tokens: tokens, language: language)
            found = matcher.reads()
        }
        return found.compactMap { found in
            if platformVariables.contains(found.name) || ignore.ignores(name: found.name) { return nil }
            return EnvironmentRead(name: found.name, path: path, line: found.line, insists: found.insists)
        }
    }

    /// False only when a file with these contents cannot read any of `names`: none of them
    /// occurs in it as bytes (a read's name is always literal text). Lets a caller that only
    /// needs to know about a few names skip lexing a file; with many names it answers true.
    public static func mayRead(anyOf names: Set<String>, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if names.count > 32 { return true }
        return names.contains { ByteScan.occurs(Substring($0).utf8, in: bytes) }
    }

    /// The reads in `after` (the changed files' new versions) that `before` (the same files' old
    /// versions, and whatever else of the application was searched) does not already make: a
    /// name read nowhere in `before`, or read insistingly in `after` and only tolerantly in
    /// `before`. One entry per name: its first site in path order (bytewise), then line order,
    /// an insisting read before a tolerant one of the same name; the result is in that order.
    public static func added(before: [EnvironmentRead], after: [EnvironmentRead]) -> [EnvironmentRead] {
        var old: [String: Bool] = [:]
        for read in before { old[read.name] = (old[read.name] ?? false) || read.insists }
        let new = after.filter { read in
            guard let insisted = old[read.name] else { return true }
            return read.insists && !insisted
        }.sorted { a, b in
            if a.path != b.path { return a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
            return a.line < b.line
        }
        // The first insisting site of each name, else its first site.
        let insisting = Set(new.lazy.filter(\.insists).map(\.name))
        var seen = Set<String>()
        return new.filter { ($0.insists || !insisting.contains($0.name)) && seen.insert($0.name).inserted }
    }

    /// `added` less what the rest of the application already reads (`known`: reads found in
    /// the base commit's other files): a name it reads insistingly is not new, nor a tolerant
    /// read of a name it reads at all.
    public static func newToApplication(_ added: [EnvironmentRead], known: [EnvironmentRead]) -> [EnvironmentRead] {
        if known.isEmpty { return added }
        var old: [String: Bool] = [:]
        for read in known { old[read.name] = (old[read.name] ?? false) || read.insists }
        return added.filter { read in
            guard let insisted = old[read.name] else { return true }
            return read.insists && !insisted
        }
    }

    /// Every read form contains "env" in some case (`Getenv`, `environ`, `ENV`, `get_env`, …): a
    /// file without it is not lexed at all.
    static func mentionsEnv(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { ByteScan.mentionsEnv(bytes) }
}
