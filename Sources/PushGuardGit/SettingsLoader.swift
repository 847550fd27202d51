import CLibgit2
import Glibc
import PushGuardCore

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
                            storeFlag: String? = nil, repositoryOwner: String? = nil) throws(Failure) -> Settings {
        var settings = Settings()
        do {
            if let config, let owner = repositoryOwner {
                func given(_ variable: String) -> Bool { !(environment(variable) ?? "").isEmpty }
                for name in locationSettings {
                    // A flag or environment variable wins over the repository's value anyway.
                    let overridden = name == "pushguard.store" ? storeFlag != nil || given("PUSHGUARD_STORE")
                        : name == "pushguard.digestKey" ? given("PUSHGUARD_DIGEST_KEY") : false
                    if !overridden, try config.isSetByRepository(name) {
                        throw Failure.settings("\(name) is set in the repository's own config, which \(escapedForTerminal(owner)) can change; running as another user, PushGuard takes store, helper, key and token locations only from the system or global git config (git config --system \(name) …), PUSHGUARD_STORE or --store")
                    }
                }
            }
            if let config { try read(config, into: &settings) }
        } catch let error as Failure where error.kind == .git {
            throw .settings("git config: " + error.message)
        } catch let error as Failure where error.kind == .settings {
            throw error
        } catch {
            throw .settings("git config: \(error)")
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
                throw Failure.settings("unknown setting pushguard.\(escapedForTerminal(String(body))) in \(level)"
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
            throw Failure.settings(message)
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
            throw Failure.settings("\(name) is \"\(escapedForTerminal((try? config.string(name)) ?? "?"))\"", fix: "use true or false")
        }
    }

    /// A duration setting (`2s`, `500ms`, `1m`), its parse error naming the setting.
    private static func milliseconds(_ config: GitConfig, _ name: String, example: String) throws -> Int? {
        guard let text = try config.string(name) else { return nil }
        guard let milliseconds = parseDuration(text), milliseconds > 0 else {
            throw Failure.settings("\(name) is \"\(escapedForTerminal(text))\"", fix: "write it like \(example)")
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
                throw Failure.settings("pushguard.onStoreError is \"\(escapedForTerminal(policy))\"", fix: "use reject or warn")
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
                if let problem = PassedEnvironment.problem(with: name) { throw Failure.settings(problem) }
                if !settings.passEnvironment.contains(name) { settings.passEnvironment.append(name) }
            }
        }
        settings.perRef = try bool(config, "pushguard.perRef") ?? false
        if let scan = try config.string("pushguard.scan") { settings.scan = try parseScan(scan, "pushguard.scan") }
        for pattern in values("pushguard.scanignore") {
            guard !pattern.isEmpty else {
                throw Failure.settings("pushguard.scanIgnore is empty",
                                       fix: "give a variable name or a path glob (NEW_*, scripts/**), or unset it")
            }
            if !settings.scanIgnore.contains(pattern) { settings.scanIgnore.append(pattern) }
        }
        // Multi-valued; a value may also list several kinds separated by spaces or commas.
        for value in values("pushguard.scaninclude") {
            for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) {
                let kinds = ExcludedPathKind.allCases.map(\.rawValue)
                guard let kind = ExcludedPathKind(rawValue: word.lowercased()) else {
                    let meant = Vocabulary.nearest(to: String(word), among: kinds)
                    throw Failure.settings("pushguard.scanInclude is \"\(escapedForTerminal(String(word)))\""
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
                    throw Failure.settings("\(escapedForTerminal(prefix))manifestEnvironment is empty",
                                           fix: "name a section of app.json's environments (test, review, …) or unset it")
                }
                environment.manifestEnvironment = section
            }
            environment.containers = try containers(config, prefix: prefix, envFiles: values(prefix + "desiredenvfile"))
            settings.environments.append(environment)
        }
    }

    /// `containers`, `containerSocket`, `desiredEnvFile` (every value, in order) and
    /// `syncCommand` of one environment section. The companions without `containers` would
    /// silently do nothing: an error.
    private static func containers(_ config: GitConfig, prefix: String, envFiles: [String]) throws -> ContainerSettings? {
        let socket = try config.string(prefix + "containerSocket")
        let sync = try config.string(prefix + "syncCommand")
        guard let text = try config.string(prefix + "containers") else {
            if let companion = [socket.map { _ in "containerSocket" }, envFiles.first.map { _ in "desiredEnvFile" },
                                sync.map { _ in "syncCommand" }].compactMap({ $0 }).first {
                throw Failure.settings("\(escapedForTerminal(prefix))\(companion) is set but \(escapedForTerminal(prefix))containers is not",
                                       fix: "name the containers (compose:PROJECT/SERVICE, dokku:APP or label:KEY=VALUE) or unset it")
            }
            return nil
        }
        let selector: ContainerSelector
        switch ContainerSelector.parse(text, setting: prefix + "containers") {
        case .success(let parsed): selector = parsed
        case .failure(let problem): throw problem
        }
        var settings = ContainerSettings(selector: selector)
        if let socket {
            guard socket.hasPrefix("/") else {
                let meant = socket.hasPrefix("unix://") ? "; did you mean `\(escapedForTerminal(String(socket.dropFirst(7))))`?" : ""
                throw Failure.settings("\(escapedForTerminal(prefix))containerSocket is \"\(escapedForTerminal(socket))\": give the absolute path of the Engine API's unix socket (/var/run/docker.sock, /run/podman/podman.sock)" + meant)
            }
            settings.socket = socket
        }
        for envFile in envFiles {
            guard envFile.hasPrefix("/") || envFile == ContainerSettings.storeWord else {
                throw Failure.settings("\(escapedForTerminal(prefix))desiredEnvFile is \"\(escapedForTerminal(envFile))\": give the absolute path of the env file the containers are created from, or `store` for PushGuard's own config")
            }
        }
        if envFiles.count > 1 && envFiles.contains(ContainerSettings.storeWord) {
            throw Failure.settings("\(escapedForTerminal(prefix))desiredEnvFile is given \(envFiles.count) times, once as `store`: the desired config is either PushGuard's store or env files",
                                   fix: "keep one: git config --unset-all \(escapedForTerminal(prefix))desiredEnvFile, then set it again")
        }
        settings.desiredEnvFiles = envFiles
        if let sync {
            guard sync.contains(where: { $0 != " " && $0 != "\t" }) else {
                throw Failure.settings("\(escapedForTerminal(prefix))syncCommand is empty",
                                       fix: "give the command that recreates the containers (docker compose … up -d SERVICE, dokku ps:rebuild APP) or unset it")
            }
            settings.syncCommand = sync
        }
        return settings
    }

    /// `on`, `strict`, `warn` or `off`; anything else is refused, naming the value probably meant
    /// (`of` → `off`; a mode's or a boolean's word → what it would mean here).
    private static func parseScan(_ text: String, _ name: String) throws(Failure) -> ScanMode {
        if let scan = ScanMode(rawValue: text.lowercased()) { return scan }
        let meant: String?
        switch text.lowercased() {
        case "true", "yes", "1", "reject": meant = "on"
        case "false", "no", "0": meant = "off"
        default:
            let values = ScanMode.allCases.map(\.rawValue)
            meant = values.first { !text.isEmpty && $0.hasPrefix(text.lowercased()) } ?? Vocabulary.nearest(to: text, among: values)
        }
        throw Failure.settings("\(escapedForTerminal(name)) is \"\(escapedForTerminal(text))\""
            + (meant.map { "; did you mean `\($0)`?" } ?? "") + " (use on, strict, warn or off)")
    }

    private static func parseMode(_ text: String, _ name: String) throws(Failure) -> Mode {
        guard let mode = Mode(rawValue: text.lowercased()) else {
            throw Failure.settings("\(name) is \"\(escapedForTerminal(text))\"", fix: "use reject, warn or off")
        }
        return mode
    }
}
