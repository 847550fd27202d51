import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardStore

/// `pushguard config set|import|unset|transmit`: change desired config and deliver it.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Change an environment's desired config and transmit it to instances.",
        subcommands: [SetCommand.self, ImportCommand.self, UnsetCommand.self, TransmitCommand.self])
}

/// `config set -a A -e E KEY=VALUE… [--transmit]`
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set variables (KEY=- reads the value from stdin; prefer it: argv shows in ps).")

    @OptionGroup var scope: ScopeOptions
    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Transmit the new config to every active instance in the same step.")
    var transmit = false

    @Flag(help: "Allow an empty value (refused otherwise: an empty stdin is almost always a mistake).")
    var allowEmpty = false

    @Argument(help: ArgumentHelp("KEY=VALUE or KEY=- (value from stdin; on a terminal, a prompt that does not echo).", valueName: "assignment"))
    var assignments: [String]

    func validate() throws {
        guard !assignments.isEmpty else { throw ValidationError("give at least one KEY=VALUE") }
        var stdinUsers = 0
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw ValidationError("\(escapedForTerminal(String(assignment.prefix(40)))) is not KEY=VALUE (the value is not shown)")
            }
            try validateKey(String(assignment[..<equals]))
            if assignment[assignment.index(after: equals)...] == "-" { stdinUsers += 1 }
        }
        if stdinUsers > 1 { throw ValidationError("only one KEY=- can read its value from stdin") }
    }

    func run() throws {
        CurrentProcess.forbidCoreDumps()
        let (store, scope) = try scope.openRegistered(storeOptions)
        let digestKey = try loadDigestKey(scope.settings, store: store)
        var changes: [ConfigChange] = []
        for assignment in assignments {
            let equals = assignment.firstIndex(of: "=")!
            let key = String(assignment[..<equals])
            var value = Array(assignment.utf8[assignment.utf8.index(after: equals)...])
            if value == [UInt8(ascii: "-")] {
                if Terminal.inputIsTerminal {
                    value = try Terminal.readHidden(prompt: "value for \(key) (not shown): ", limit: 1 << 20)
                } else {
                    value = try Files.read(nil, limit: 1 << 20)
                    if value.last == UInt8(ascii: "\n") { value.removeLast() }
                    if value.last == UInt8(ascii: "\r") { value.removeLast() }
                }
            }
            if value.isEmpty && !allowEmpty {
                throw Failure.usage("the value for \(key) is empty (nothing on stdin?); nothing was set. Pipe the value in (printf %s \"$VALUE\" | pushguard config set … \(key)=-), or pass --allow-empty to set an empty value")
            }
            changes.append(ConfigChange(key: key, digest: DigestKey.digest(key: digestKey, name: key, value: value)))
        }
        try applyChanges(changes, scope: scope, store: store, transmit: transmit, verb: "set")
    }
}

/// `config import -a A -e E [--transmit] < .env`
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Set many variables from dotenv lines on stdin, as one config version.",
        discussion: "Reads KEY=VALUE lines (export KEY=VALUE, 'single' or \"double\" quotes, # comments and blank lines are understood), e.g. pushguard config import -a billing-api -e staging < .env. A malformed line is refused with its line number and nothing is set; no message shows a value.")

    @OptionGroup var scope: ScopeOptions
    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Transmit the new config to every active instance in the same step.")
    var transmit = false

    @Flag(help: "Allow empty values (refused otherwise: KEY= is almost always a mistake).")
    var allowEmpty = false

    func run() throws {
        CurrentProcess.forbidCoreDumps()
        if Terminal.inputIsTerminal {
            throw Failure.usage("config import reads dotenv lines from stdin; redirect a file: pushguard config import … < .env")
        }
        let variables: [DotEnv.Variable]
        do {
            variables = try DotEnv.parse(try Files.read(nil, limit: 4 << 20))
        } catch let error as DotEnv.Malformed {
            throw Failure.usage("stdin \(error.description); nothing was set")
        }
        guard !variables.isEmpty else {
            throw Failure.usage("no KEY=VALUE lines on stdin; nothing was set")
        }
        if !allowEmpty, let empty = variables.first(where: { $0.value.isEmpty }) {
            throw Failure.usage("stdin line \(empty.line): the value for \(empty.key) is empty; nothing was set. Pass --allow-empty to set empty values")
        }
        let (store, scope) = try scope.openRegistered(storeOptions)
        let digestKey = try loadDigestKey(scope.settings, store: store)
        let changes = variables.map {
            ConfigChange(key: $0.key, digest: DigestKey.digest(key: digestKey, name: $0.key, value: $0.value))
        }
        try applyChanges(changes, scope: scope, store: store, transmit: transmit, verb: "set")
    }
}

/// `config unset -a A -e E KEY… [--transmit]`
struct UnsetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unset", abstract: "Unset variables.")

    @OptionGroup var scope: ScopeOptions
    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Transmit the new config to every active instance in the same step.")
    var transmit = false

    @Argument(help: ArgumentHelp("Variable names.", valueName: "key"))
    var keys: [String]

    func validate() throws {
        guard !keys.isEmpty else { throw ValidationError("give at least one KEY") }
        for key in keys { try validateKey(key) }
    }

    func run() throws {
        let (store, scope) = try scope.openRegistered(storeOptions)
        // Said plainly: unsetting a key that is not set (a typo, the wrong environment) changes nothing.
        let current = try store.state(app: scope.app, environment: scope.environment).config
        let target = scope.name
        let neverSet = keys.filter { key in !current.contains { $0.key == key } }
        let alreadyUnset = keys.filter { key in current.contains { $0.key == key && $0.deleted } }
        if !neverSet.isEmpty {
            print("no change: " + neverSet.map(escapedForTerminal).joined(separator: ", ")
                  + (neverSet.count == 1 ? " was" : " were") + " never set in \(target), nothing to unset")
        }
        if !alreadyUnset.isEmpty {
            print("no change: " + alreadyUnset.map(escapedForTerminal).joined(separator: ", ")
                  + (alreadyUnset.count == 1 ? " is" : " are") + " already unset in \(target)")
        }
        let changes = keys.filter { !neverSet.contains($0) && !alreadyUnset.contains($0) }
        if changes.isEmpty {
            if transmit { try transmitConfig(store: store, app: scope.app, environment: scope.environment, instances: nil) }
            return
        }
        try applyChanges(changes.map { ConfigChange(key: $0, digest: nil) }, scope: scope, store: store,
                         transmit: transmit, verb: "unset")
    }
}

/// Records a config change as one new version, then transmits when asked.
func applyChanges(_ changes: [ConfigChange], scope: Scope, store: AdminStore, transmit: Bool,
                          verb: String) throws {
    let by = Identity.pusher(environment: processEnvironment)
    let version = try store.changeConfig(app: scope.app, environment: scope.environment, changes: changes,
                                         by: by, at: Clock.timestamp())
    let target = scope.name
    let keys = changes.map { escapedForTerminal($0.key) }.joined(separator: ", ")
    if let version {
        print("\(verb) \(keys) in \(target): config version \(version)")
    } else {
        print("no change: \(keys) in \(target) already as requested (no new version)")
    }
    if transmit {
        try transmitConfig(store: store, app: scope.app, environment: scope.environment, instances: nil)
    } else if version != nil {
        print("not transmitted yet; instances get it with: pushguard config transmit -a \(shellQuoted(scope.app)) -e \(shellQuoted(scope.environment))")
    }
}

/// `config transmit -a A -e E [--instance ID…]`
struct TransmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transmit",
        abstract: "Record that the current desired config was delivered to instances.")

    @OptionGroup var scope: ScopeOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("instance"), help: "Only these instances (repeatable); default: every active one.")
    var instances: [String] = []

    func run() throws {
        let (store, scope) = try scope.openRegistered(storeOptions)
        try transmitConfig(store: store, app: scope.app, environment: scope.environment,
                           instances: instances.isEmpty ? nil : instances)
    }
}

/// The key that digests values: the settings' file, or `digest.key` beside an SQLite store;
/// created only while the store holds no digest (a new key would break every comparison).
func loadDigestKey(_ settings: Settings, store: AdminStore) throws -> [UInt8] {
    let location = try StoreLocation.parse(settings.store)
    let keyPath = settings.digestKeyPath ?? location.defaultDigestKeyPath
    try Files.makeDirectory(parentDirectory(of: keyPath), mode: StoreFiles.directoryMode)
    return try DigestKey.loadOrCreate(path: keyPath, mayCreate: !store.holdsDigests())
}

/// Transmits and says what was delivered where.
func transmitConfig(store: AdminStore, app: String, environment: String, instances: [String]?) throws {
    let by = Identity.pusher(environment: processEnvironment)
    let version = try store.transmit(app: app, environment: environment, instances: instances, by: by, at: Clock.timestamp())
    let state = try store.state(app: app, environment: environment)
    let target = escapedForTerminal(app) + "/" + escapedForTerminal(environment)
    let active = state.activeInstances.count
    let scope = instances.map { "\($0.count) instance(s)" }
        ?? (active == 0 ? "the environment (no instances registered)" : "\(active) active instance(s)")
    print("transmitted config version \(version) of \(target) to \(scope)")
}

/// Keys as platforms accept them: a letter or underscore, then letters, digits, `_`, `.`, `-`.
func validateKey(_ key: String) throws {
    let bytes = Array(key.utf8)
    func ok(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"): return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"): return !first
        default: return false
        }
    }
    guard !bytes.isEmpty, bytes.count <= 256, ok(bytes[0], first: true), bytes.dropFirst().allSatisfy({ ok($0, first: false) }) else {
        let shown = escapedForTerminal(String(key.prefix(60))) + (key.count > 60 ? "…" : "")
        throw ValidationError("\"\(shown)\" is not a variable name (letters, digits, _ . -, not starting with a digit)")
    }
}
