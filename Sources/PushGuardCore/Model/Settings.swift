/// One `[pushguard "ENV"]` section: which refs deploy to the environment and how it is checked.
public struct EnvironmentSettings: Equatable, Sendable {
    public var name: String
    /// Ref patterns (`refs/heads/main`, `refs/heads/release/*`); multi-valued in git config.
    public var refs: [String]
    /// Overrides `pushguard.mode` for this environment.
    public var mode: Mode?
    /// Transmit pending config as part of every push to this environment.
    public var autoSync: Bool
    /// Print one short line when the environment is in sync.
    public var verbose: Bool
    /// The section of app.json's `environments` whose `env` this environment reads; nil: the
    /// section named like the environment (`test`, `review`, …). Without that section in a
    /// manifest, the base `env` applies.
    public var manifestEnvironment: String?
    /// Overrides `pushguard.scan` for this environment.
    public var scan: ScanMode?
    /// `containers` and its companions: the instances are these containers, read from the
    /// Engine API; nil: PushGuard's own instances (or the HTTP or exec store's).
    public var containers: ContainerSettings?

    public init(name: String, refs: [String] = [], mode: Mode? = nil, autoSync: Bool = false, verbose: Bool = false,
                manifestEnvironment: String? = nil, scan: ScanMode? = nil) {
        self.scan = scan
        self.name = name
        self.refs = refs
        self.mode = mode
        self.autoSync = autoSync
        self.verbose = verbose
        self.manifestEnvironment = manifestEnvironment
    }

    /// The section of app.json's `environments` this environment reads.
    public var manifestSection: String { manifestEnvironment ?? name }
}

/// `pushguard.scan`: what the environment-variable reads a push adds to the code count for.
public enum ScanMode: String, Sendable, CaseIterable {
    /// A new read of a variable the environment lacks counts like an app.json requirement when
    /// the read insists on the variable (`EnvironmentRead.insists`); a read that tolerates
    /// absence is shown as a warning.
    case on
    /// Every new read of a variable the environment lacks counts, insisting or tolerant.
    case strict
    /// Such reads are shown, but never refuse a push on their own.
    case warn
    /// Nothing is scanned.
    case off
}

/// What a store failure does to a push.
public enum StoreErrorPolicy: String, Sendable {
    /// Fail closed: refuse the push.
    case reject
    /// Fail open: accept with a warning.
    case warn
}

/// Every PushGuard setting, resolved from flags, environment variables and git config.
public struct Settings: Equatable, Sendable {
    public static let defaultStore = "sqlite:/var/lib/pushguard/state.db"

    public var store: String = Settings.defaultStore
    /// Where `store` came from, for messages: "--store", "PUSHGUARD_STORE", "pushguard.store
    /// in the system config (git config --system)", or the default.
    public var storeSource = "the default; pushguard.store is not set"
    /// The app name; nil means the repository directory name without `.git`.
    public var app: String?
    public var manifestPath: String = "app.json"
    public var mode: Mode = .reject
    public var onStoreError: StoreErrorPolicy = .reject
    /// Bound on any store or helper call, in milliseconds.
    public var timeoutMilliseconds: Int = 2000
    /// Bound on the transmit command (`pushguard.transmitCommand`) during a push, in
    /// milliseconds: a real delivery takes longer than a store read.
    public var transmitTimeoutMilliseconds: Int = 60_000
    /// Key file for value digests; nil means `digest.key` beside an SQLite store.
    public var digestKeyPath: String?
    /// Command run to transmit config for stores that cannot transmit themselves.
    public var transmitCommand: String?
    /// File holding the bearer token for an HTTP store.
    public var tokenFile: String?
    /// `pushguard.passEnv`: variables of the hook's environment its children (the transmit
    /// command, an exec helper) get besides `PassedEnvironment.always`.
    public var passEnvironment: [String] = []
    /// Check per ref in the update hook instead of per push in pre-receive.
    public var perRef: Bool = false
    /// `pushguard.scan`: the default for environments.
    public var scan: ScanMode = .on
    /// `pushguard.scanIgnore`: globs of variable names and file paths the scan leaves out.
    public var scanIgnore: [String] = []
    /// `pushguard.scanInclude`: built-in exclusions scanned anyway (`tooling`, `seeds`, …).
    public var scanInclude: Set<ExcludedPathKind> = []
    public var environments: [EnvironmentSettings] = []

    public init() {}

    /// The environment a ref deploys to. While no section sets `ref`, main and master map to
    /// `production`; otherwise the first section (in config order) with a matching pattern wins.
    public func environment(for ref: String) -> EnvironmentSettings? {
        if !environments.contains(where: { !$0.refs.isEmpty }) {
            guard ref == "refs/heads/main" || ref == "refs/heads/master" else { return nil }
            return environments.first { $0.name == "production" } ?? EnvironmentSettings(name: "production")
        }
        return environments.first { env in env.refs.contains { RefPattern.matches($0, ref) } }
    }

    /// The app a repository stands for when `pushguard.app` is not set: its directory's name
    /// without `.git`.
    public static func defaultAppName(gitDirectory: String) -> String {
        var name = gitDirectory
        while name.hasSuffix("/") { name.removeLast() }
        if name.hasSuffix("/.git") { name.removeLast(5) }
        name = String(name.split(separator: "/").last ?? "app")
        if name.hasSuffix(".git") { name.removeLast(4) }
        return name.isEmpty ? "app" : name
    }

    /// The app of the repository at `gitDirectory`.
    public func app(gitDirectory: String) -> String { app ?? Settings.defaultAppName(gitDirectory: gitDirectory) }

    /// The mode an environment is checked in.
    public func mode(of environment: EnvironmentSettings) -> Mode { environment.mode ?? mode }

    /// How an environment's new environment-variable reads count: `off` when its mode is `off`.
    public func scan(of environment: EnvironmentSettings) -> ScanMode {
        mode(of: environment) == .off ? .off : (environment.scan ?? scan)
    }

    /// The environment's settings by name, or defaults when it has no section.
    public func environment(named name: String) -> EnvironmentSettings {
        environments.first { $0.name == name } ?? EnvironmentSettings(name: name)
    }
}

/// Which of the hook's environment variables reach the programs PushGuard runs (the transmit
/// command, an exec helper): whatever a hook's environment holds (a `PGPASSWORD`, git's
/// `GIT_*`, push options) would otherwise reach a command that prints its environment, and
/// through it the pusher.
public enum PassedEnvironment {
    /// Passed when set: the search path, the home directory, the locale and the time zone. The
    /// locale categories are named one by one (POSIX and glibc's), not as `LC_*`, so a variable
    /// that merely starts with `LC_` is not passed.
    public static let always = ["PATH", "HOME", "LANG", "LANGUAGE", "TZ",
                                "LC_ALL", "LC_CTYPE", "LC_COLLATE", "LC_MESSAGES", "LC_MONETARY", "LC_NUMERIC",
                                "LC_TIME", "LC_ADDRESS", "LC_IDENTIFICATION", "LC_MEASUREMENT", "LC_NAME",
                                "LC_PAPER", "LC_TELEPHONE"]

    /// git's quarantine during pre-receive: objects not accepted yet. Never passed, even when
    /// `pushguard.passEnv` names them (a child running git would read unaccepted objects, and git
    /// refuses ref updates from inside the quarantine).
    public static let quarantine = ["GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"]

    /// Why `name` cannot be listed in `pushguard.passEnv`, or nil when it can.
    public static func problem(with name: String) -> String? {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 256 && !(bytes[0] >= 0x30 && bytes[0] <= 0x39) && bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || byte == UInt8(ascii: "_")
        }
        guard valid else {
            return "pushguard.passEnv names \"\(escapedForTerminal(name))\", which is not a variable name (letters, digits and _, not starting with a digit; list names separated by spaces)"
        }
        if quarantine.contains(name) {
            return "pushguard.passEnv names \(name), which is never passed: the transmit command and exec helpers must not see git's quarantine of objects not yet accepted"
        }
        return nil
    }
}

/// Ref globs as git's wildmatch reads them for paths: `*` stays inside one path component,
/// `**` crosses them, `?` is one character, `[…]` a class. Matched by a `GlobAutomaton`: a few
/// word operations per byte of the ref, however the pattern's stars fall.
public enum RefPattern {
    public static func matches(_ pattern: String, _ ref: String) -> Bool {
        var steps = 0
        return matches(pattern, ref, steps: &steps)
    }

    /// The same, counting the automaton's steps (for tests of the matching's cost).
    static func matches(_ pattern: String, _ ref: String, steps: inout Int) -> Bool {
        let p = Array(pattern.utf8)
        if !p.contains(where: { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }) {
            return pattern.utf8.elementsEqual(ref.utf8)
        }
        return automaton(p).matches(ref.utf8, steps: &steps)
    }

    /// The pattern's pieces: `*` a run without `/`, `**` any run, `?` a byte other than `/`, a
    /// closed class a byte of it (never `/`), anything else (an unclosed `[` too) itself.
    static func automaton(_ p: [UInt8]) -> GlobAutomaton {
        var pieces: [GlobAutomaton.Piece] = []
        var i = 0
        while i < p.count {
            if p[i] == UInt8(ascii: "*") {
                let double = i + 1 < p.count && p[i + 1] == UInt8(ascii: "*")
                pieces.append(.run(double ? .all : .notSlash))
                i += double ? 2 : 1
            } else if p[i] == UInt8(ascii: "?") {
                pieces.append(.one(.notSlash))
                i += 1
            } else if p[i] == UInt8(ascii: "["), let (set, after) = byteClass(p, i) {
                pieces.append(.one(set))
                i = after
            } else {
                pieces.append(.one(.just(p[i])))
                i += 1
            }
        }
        return GlobAutomaton(pieces)
    }

    /// The bytes the class starting at p[i] == "[" matches (never `/`) and the index after it;
    /// nil when the class is unclosed. `!` or `^` first negates; `a-z` is a range; a `]` right
    /// after the opening (and its `!`) is a member.
    private static func byteClass(_ p: [UInt8], _ i: Int) -> (GlobAutomaton.ByteSet, Int)? {
        var k = i + 1
        var negate = false
        if k < p.count && (p[k] == UInt8(ascii: "!") || p[k] == UInt8(ascii: "^")) { negate = true; k += 1 }
        var members = GlobAutomaton.ByteSet()
        var first = true
        while k < p.count && (first || p[k] != UInt8(ascii: "]")) {
            first = false
            if k + 2 < p.count && p[k + 1] == UInt8(ascii: "-") && p[k + 2] != UInt8(ascii: "]") {
                if p[k] <= p[k + 2] {
                    for byte in p[k]...p[k + 2] { members.insert(byte) }
                }
                k += 3
            } else {
                members.insert(p[k])
                k += 1
            }
        }
        guard k < p.count else { return nil }
        var set = GlobAutomaton.ByteSet()
        for byte in 0...UInt8.max where members.contains(byte) != negate && byte != UInt8(ascii: "/") { set.insert(byte) }
        return (set, k + 1)
    }
}

/// Parses durations as git config users write them: `2s`, `500ms`, `1m`, or plain seconds.
public func parseDuration(_ text: String) -> Int? {
    let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
        let number = text.dropLast(suffix.count)
        if let value = Int(number), value >= 0, value <= 3_600_000 / factor { return value * factor }
        if suffix == "s" || suffix == "m" { return nil }
    }
    if let seconds = Int(text), seconds >= 0, seconds <= 3600 { return seconds * 1000 }
    return nil
}
