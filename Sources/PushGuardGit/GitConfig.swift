import CLibgit2
import Glibc
import PushGuardCore

/// A read-only snapshot of git configuration (all levels merged as git merges them).
public final class GitConfig {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_config_free(handle) }

    /// The system, XDG and global configuration, for commands run outside a repository.
    public static func openDefault() throws(GitError) -> GitConfig {
        try Libgit2.initialise()
        var live: OpaquePointer?
        try check("git_config_open_default", git_config_open_default(&live))
        defer { git_config_free(live) }
        var snapshot: OpaquePointer?
        try check("git_config_snapshot", git_config_snapshot(&snapshot, live))
        return GitConfig(handle: snapshot!)
    }

    /// The highest-priority value of `name`, or nil when unset.
    public func string(_ name: String) throws(GitError) -> String? {
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_string(\(name))", code)
        return value.map { String(cString: $0) }
    }

    /// True when the value of `name` that wins comes from the repository's own config (the
    /// local or worktree level), which whoever owns the repository can write.
    public func isSetByRepository(_ name: String) throws(GitError) -> Bool {
        var entry: UnsafeMutablePointer<git_config_entry>?
        let code = git_config_get_entry(&entry, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return false }
        try check("git_config_get_entry(\(name))", code)
        defer { git_config_entry_free(entry) }
        return entry!.pointee.level.rawValue >= GIT_CONFIG_LEVEL_LOCAL.rawValue
    }

    /// Where the winning value of `name` is set, in words (see `describe`); nil when unset.
    public func origin(of name: String) throws(GitError) -> String? {
        var entry: UnsafeMutablePointer<git_config_entry>?
        let code = git_config_get_entry(&entry, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_entry(\(name))", code)
        defer { git_config_entry_free(entry) }
        return GitConfig.describe(entry!.pointee.level)
    }

    /// A boolean as git reads it (true/yes/on/1, false/no/off/0), or nil when unset.
    public func bool(_ name: String) throws(GitError) -> Bool? {
        var value: Int32 = 0
        let code = git_config_get_bool(&value, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_bool(\(name))", code)
        return value != 0
    }

    /// One variable's value as a config file sets it; `value` is nil for a name written without
    /// `=` (git reads it as true).
    public struct Entry {
        public let name: String
        public let value: String?
        public let level: String
    }

    /// Every variable whose name starts with `prefix`, in config order (system, global, the
    /// repository's), with the level of the file it is in. Names are as libgit2 gives them:
    /// section and key lower-case, a subsection as written. Compared here rather than with
    /// libgit2's regular expressions: compiling one was a hook's only use of PCRE2. One pass
    /// serves every multi-valued setting: each iterator libgit2 makes copies every entry.
    public func entries(withPrefix prefix: String) throws(GitError) -> [Entry] {
        var iterator: OpaquePointer?
        try check("git_config_iterator_new", git_config_iterator_new(&iterator, handle))
        defer { git_config_iterator_free(iterator) }
        let length = prefix.utf8.count
        var found: [Entry] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while true {
            let next = git_config_next(&entry, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            try check("git_config_next", next)
            guard let entry, let name = entry.pointee.name, strncmp(name, prefix, length) == 0 else { continue }
            found.append(Entry(name: String(cString: name), value: entry.pointee.value.map { String(cString: $0) },
                               level: GitConfig.describe(entry.pointee.level)))
        }
        return found
    }

    /// Where a config level's file is, in words an admin can act on.
    static func describe(_ level: git_config_level_t) -> String {
        switch level {
        case GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM: return "the system config (git config --system)"
        case GIT_CONFIG_LEVEL_XDG: return "the XDG config (~/.config/git/config)"
        case GIT_CONFIG_LEVEL_GLOBAL: return "the global config (~/.gitconfig)"
        case GIT_CONFIG_LEVEL_LOCAL: return "the repository's config"
        default: return "a config given on the command line"
        }
    }

    /// Names of every variable matching a regular expression, in the order libgit2 reports them.
    public func names(matching pattern: String) throws(GitError) -> [String] {
        var iterator: OpaquePointer?
        try check("git_config_iterator_glob_new", git_config_iterator_glob_new(&iterator, handle, pattern))
        return try drain(iterator) { $0.name }
    }

    /// Reads one field of every entry an iterator yields, then frees the iterator.
    private func drain(_ iterator: OpaquePointer?,
                       _ field: (git_config_entry) -> UnsafePointer<CChar>?) throws(GitError) -> [String] {
        defer { git_config_iterator_free(iterator) }
        var values: [String] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while true {
            let next = git_config_next(&entry, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            try check("git_config_next", next)
            if let text = entry.flatMap({ field($0.pointee) }) { values.append(String(cString: text)) }
        }
        return values
    }
}

/// A setting that cannot be used as written.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds `Settings` with the spec's precedence: flag > environment variable > git config
/// (repository > global > system, merged by libgit2) > default.
public enum SettingsLoader {
    /// Settings that name a store, helper program, key or token: what decides which files
    /// and programs PushGuard opens and runs.
    public static let locationSettings = ["pushguard.store", "pushguard.digestKey", "pushguard.tokenFile"]

    /// - Parameter repositoryOwner: set when the command runs as another user than the owner
    ///   of the repository whose config this is (root administering the git user's
    ///   repositories). The owner can write that config, so location settings are not taken
    ///   from it: a repository's `pushguard.store = exec:/tmp/evil` must not run as root.
    public static func load(config: GitConfig?, environment: (String) -> String?,
                            storeFlag: String? = nil, repositoryOwner: String? = nil) throws(SettingsError) -> Settings {
        var settings = Settings()
        do {
            if let config, let owner = repositoryOwner {
                func given(_ variable: String) -> Bool { !(environment(variable) ?? "").isEmpty }
                for name in locationSettings {
                    // A flag or environment variable wins over the repository's value anyway.
                    let overridden = name == "pushguard.store" ? storeFlag != nil || given("PUSHGUARD_STORE")
                        : name == "pushguard.digestKey" ? given("PUSHGUARD_DIGEST_KEY") : false
                    if !overridden, try config.isSetByRepository(name) {
                        throw SettingsError("\(name) is set in the repository's own config, which \(escapedForTerminal(owner)) can change; running as another user, PushGuard takes store, helper, key and token locations only from the system or global git config (git config --system \(name) …), PUSHGUARD_STORE or --store")
                    }
                }
            }
            if let config { try read(config, into: &settings) }
        } catch let error as GitError {
            throw SettingsError("git config: " + error.message)
        } catch let error as SettingsError {
            throw error
        } catch {
            throw SettingsError("git config: \(error)")
        }
        if let store = environment("PUSHGUARD_STORE"), !store.isEmpty {
            settings.store = store
            settings.storeSource = "PUSHGUARD_STORE"
        }
        if let key = environment("PUSHGUARD_DIGEST_KEY"), !key.isEmpty { settings.digestKeyPath = key }
        if let store = storeFlag {
            settings.store = store
            settings.storeSource = "--store"
        }
        return settings
    }

    /// Every `pushguard.*` name must be one PushGuard knows: a misspelt setting is an error
    /// naming it, where it is, and the name probably meant, never a setting silently ignored.
    /// Returns the environment sections, in config order (one pass over the names serves both).
    static func checkNames(_ entries: [GitConfig.Entry]) throws -> [String] {
        var sections: [String] = []
        let known = Set(Vocabulary.settings.map { $0.lowercased() })
        let knownInSection = Set(Vocabulary.environmentSettings.map { $0.lowercased() })
        for entry in entries {
            let (name, level) = (entry.name, entry.level)
            let body = name.dropFirst("pushguard.".count)
            guard let lastDot = body.lastIndex(of: ".") else {
                if known.contains(body.lowercased()) { continue }
                throw SettingsError("unknown setting pushguard.\(escapedForTerminal(String(body))) in \(level)"
                    + suggestion(String(body), Vocabulary.settings, prefix: "pushguard."))
            }
            let key = String(body[body.index(after: lastDot)...])
            let section = String(body[..<lastDot])
            if knownInSection.contains(key.lowercased()) {
                if !sections.contains(section) { sections.append(section) }
                continue
            }
            var message = "unknown setting \(escapedForTerminal(name)) in \(level)"
                + suggestion(key, Vocabulary.environmentSettings, prefix: "pushguard.\(escapedForTerminal(section)).")
            if !section.contains("."), known.contains(key.lowercased()) {
                message += " (\(key) is a top-level setting: pushguard.\(key))"
            }
            throw SettingsError(message)
        }
        return sections
    }

    private static func suggestion(_ word: String, _ known: [String], prefix: String) -> String {
        Vocabulary.nearest(to: word, among: known).map { "; did you mean \(prefix)\($0)?" } ?? ""
    }

    /// A boolean setting, its parse error naming the setting.
    private static func bool(_ config: GitConfig, _ name: String) throws -> Bool? {
        do {
            return try config.bool(name)
        } catch {
            throw SettingsError("\(name) is \"\(escapedForTerminal((try? config.string(name)) ?? "?"))\"; use true or false")
        }
    }

    /// A duration setting (`2s`, `500ms`, `1m`), its parse error naming the setting.
    private static func milliseconds(_ config: GitConfig, _ name: String, example: String) throws -> Int? {
        guard let text = try config.string(name) else { return nil }
        guard let milliseconds = parseDuration(text), milliseconds > 0 else {
            throw SettingsError("\(name) is \"\(escapedForTerminal(text))\"; write it like \(example)")
        }
        return milliseconds
    }

    private static func read(_ config: GitConfig, into settings: inout Settings) throws -> Void {
        let entries = try config.entries(withPrefix: "pushguard.")
        let sectionNames = try checkNames(entries)
        /// Every value of a multi-valued setting, across levels (`name` as libgit2 gives names).
        func values(_ name: String) -> [String] { entries.compactMap { $0.name == name ? $0.value : nil } }
        if let store = try config.string("pushguard.store") {
            settings.store = store
            settings.storeSource = "pushguard.store in " + (try config.origin(of: "pushguard.store") ?? "git config")
        }
        settings.app = try config.string("pushguard.app")
        if let manifest = try config.string("pushguard.manifest") { settings.manifestPath = manifest }
        if let mode = try config.string("pushguard.mode") { settings.mode = try parseMode(mode, "pushguard.mode") }
        if let policy = try config.string("pushguard.onStoreError") {
            guard let value = StoreErrorPolicy(rawValue: policy.lowercased()) else {
                throw SettingsError("pushguard.onStoreError is \"\(escapedForTerminal(policy))\"; use reject or warn")
            }
            settings.onStoreError = value
        }
        if let timeout = try milliseconds(config, "pushguard.timeout", example: "2s or 500ms") {
            settings.timeoutMilliseconds = timeout
        }
        if let timeout = try milliseconds(config, "pushguard.transmitTimeout", example: "60s, 2m or 500ms") {
            settings.transmitTimeoutMilliseconds = timeout
        }
        settings.digestKeyPath = try config.string("pushguard.digestKey")
        settings.transmitCommand = try config.string("pushguard.transmitCommand")
        settings.tokenFile = try config.string("pushguard.tokenFile")
        // Multi-valued, across levels; a value may also list several names separated by spaces.
        for value in values("pushguard.passenv") {
            for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let name = String(word)
                if let problem = PassedEnvironment.problem(with: name) { throw SettingsError(problem) }
                if !settings.passEnvironment.contains(name) { settings.passEnvironment.append(name) }
            }
        }
        settings.perRef = try bool(config, "pushguard.perRef") ?? false
        if let scan = try config.string("pushguard.scan") { settings.scan = try parseScan(scan, "pushguard.scan") }
        for pattern in values("pushguard.scanignore") {
            guard !pattern.isEmpty else {
                throw SettingsError("pushguard.scanIgnore is empty; give a variable name or a path glob (NEW_*, scripts/**), or unset it")
            }
            if !settings.scanIgnore.contains(pattern) { settings.scanIgnore.append(pattern) }
        }
        // Multi-valued; a value may also list several kinds separated by spaces or commas.
        for value in values("pushguard.scaninclude") {
            for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) {
                let kinds = ExcludedPathKind.allCases.map(\.rawValue)
                guard let kind = ExcludedPathKind(rawValue: word.lowercased()) else {
                    let meant = Vocabulary.nearest(to: String(word), among: kinds)
                    throw SettingsError("pushguard.scanInclude is \"\(escapedForTerminal(String(word)))\""
                        + (meant.map { "; did you mean `\($0)`?" } ?? "") + " (use " + kinds.joined(separator: ", ") + ")")
                }
                settings.scanInclude.insert(kind)
            }
        }

        for name in sectionNames {
            let prefix = "pushguard." + name + "."
            var environment = EnvironmentSettings(name: name)
            environment.refs = values(prefix + "ref")
            if let mode = try config.string(prefix + "mode") { environment.mode = try parseMode(mode, prefix + "mode") }
            environment.autoSync = try bool(config, prefix + "autoSync") ?? false
            environment.verbose = try bool(config, prefix + "verbose") ?? false
            if let scan = try config.string(prefix + "scan") { environment.scan = try parseScan(scan, prefix + "scan") }
            if let section = try config.string(prefix + "manifestEnvironment") {
                guard !section.isEmpty else {
                    throw SettingsError("\(escapedForTerminal(prefix))manifestEnvironment is empty; name a section of app.json's environments (test, review, …) or unset it")
                }
                environment.manifestEnvironment = section
            }
            environment.containers = try containers(config, prefix: prefix)
            settings.environments.append(environment)
        }
    }

    /// `containers`, `containerSocket`, `desiredEnvFile` and `syncCommand` of one environment
    /// section. The companions without `containers` would silently do nothing: an error.
    private static func containers(_ config: GitConfig, prefix: String) throws -> ContainerSettings? {
        let socket = try config.string(prefix + "containerSocket")
        let envFile = try config.string(prefix + "desiredEnvFile")
        let sync = try config.string(prefix + "syncCommand")
        guard let text = try config.string(prefix + "containers") else {
            if let companion = [socket.map { _ in "containerSocket" }, envFile.map { _ in "desiredEnvFile" },
                                sync.map { _ in "syncCommand" }].compactMap({ $0 }).first {
                throw SettingsError("\(escapedForTerminal(prefix))\(companion) is set but \(escapedForTerminal(prefix))containers is not; name the containers (compose:PROJECT/SERVICE, dokku:APP or label:KEY=VALUE) or unset it")
            }
            return nil
        }
        let selector: ContainerSelector
        switch ContainerSelector.parse(text, setting: prefix + "containers") {
        case .success(let parsed): selector = parsed
        case .failure(let problem): throw SettingsError(problem.description)
        }
        var settings = ContainerSettings(selector: selector)
        if let socket {
            guard socket.hasPrefix("/") else {
                let meant = socket.hasPrefix("unix://") ? "; did you mean `\(escapedForTerminal(String(socket.dropFirst(7))))`?" : ""
                throw SettingsError("\(escapedForTerminal(prefix))containerSocket is \"\(escapedForTerminal(socket))\": give the absolute path of the Engine API's unix socket (/var/run/docker.sock, /run/podman/podman.sock)" + meant)
            }
            settings.socket = socket
        }
        if let envFile {
            guard envFile.hasPrefix("/") || envFile == ContainerSettings.storeWord else {
                throw SettingsError("\(escapedForTerminal(prefix))desiredEnvFile is \"\(escapedForTerminal(envFile))\": give the absolute path of the env file the containers are created from, or `store` for PushGuard's own config")
            }
            settings.desiredEnvFile = envFile
        }
        if let sync {
            guard sync.contains(where: { $0 != " " && $0 != "\t" }) else {
                throw SettingsError("\(escapedForTerminal(prefix))syncCommand is empty; give the command that recreates the containers (docker compose … up -d SERVICE, dokku ps:rebuild APP) or unset it")
            }
            settings.syncCommand = sync
        }
        return settings
    }

    /// `on`, `strict`, `warn` or `off`; anything else is refused, naming the value probably meant
    /// (`of` → `off`; a mode's or a boolean's word → what it would mean here).
    private static func parseScan(_ text: String, _ name: String) throws(SettingsError) -> ScanMode {
        if let scan = ScanMode(rawValue: text.lowercased()) { return scan }
        let meant: String?
        switch text.lowercased() {
        case "true", "yes", "1", "reject": meant = "on"
        case "false", "no", "0": meant = "off"
        default:
            let values = ScanMode.allCases.map(\.rawValue)
            meant = values.first { !text.isEmpty && $0.hasPrefix(text.lowercased()) } ?? Vocabulary.nearest(to: text, among: values)
        }
        throw SettingsError("\(escapedForTerminal(name)) is \"\(escapedForTerminal(text))\""
            + (meant.map { "; did you mean `\($0)`?" } ?? "") + " (use on, strict, warn or off)")
    }

    private static func parseMode(_ text: String, _ name: String) throws(SettingsError) -> Mode {
        guard let mode = Mode(rawValue: text.lowercased()) else {
            throw SettingsError("\(name) is \"\(escapedForTerminal(text))\"; use reject, warn or off")
        }
        return mode
    }
}

/// The repository-level config file, for install and uninstall to change.
public final class LocalConfig {
    let handle: OpaquePointer

    public init(repository: Repository) throws(GitError) {
        var all: OpaquePointer?
        try check("git_repository_config", git_repository_config(&all, repository.handle))
        defer { git_config_free(all) }
        var local: OpaquePointer?
        try check("git_config_open_level", git_config_open_level(&local, all, GIT_CONFIG_LEVEL_LOCAL))
        handle = local!
    }

    deinit { git_config_free(handle) }

    /// The raw value at the repository level only, or nil.
    public func string(_ name: String) throws(GitError) -> String? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let code = git_config_get_string_buf(&buffer, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_string_buf(\(name))", code)
        return buffer.ptr.map { String(cString: $0) }
    }

    public func set(_ name: String, _ value: String) throws(GitError) {
        try check("git_config_set_string(\(name))", git_config_set_string(handle, name, value))
    }

    /// Removes the variable; absent is fine.
    public func unset(_ name: String) throws(GitError) {
        let code = git_config_delete_entry(handle, name)
        if code == GIT_ENOTFOUND.rawValue { return }
        try check("git_config_delete_entry(\(name))", code)
    }
}

extension SettingsError: Failure {
    public var kind: FailureKind { .settings }
}
