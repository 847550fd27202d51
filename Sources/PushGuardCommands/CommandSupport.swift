import ArgumentParser
import Glibc
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// An outcome with the spec's exit code and one plain sentence for the user.
struct CommandFailure: Error, CustomStringConvertible {
    /// 1 check failed/rejected, 2 usage or settings, 3 store.
    var code: Int32
    var description: String

    static func usage(_ message: String) -> CommandFailure { CommandFailure(code: 2, description: message) }
    static func store(_ message: String) -> CommandFailure { CommandFailure(code: 3, description: message) }

    /// Sorts any error into the spec's exit codes.
    static func from(_ error: any Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure: return failure
        case let error as StoreError: return .store(error.description)
        case let error as StoreUsageError: return .usage(error.description)
        case let error as SettingsError: return .usage(error.description)
        case let error as GitError: return .usage(error.description)
        case let error as SpawnError: return .usage(error.description)
        case let error as SystemError: return .store(error.description)
        default: return CommandFailure(code: 3, description: "\(error)")
        }
    }
}

/// `--store URL`, taken by every command.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The state store URL (sqlite:PATH, …); default: $PUSHGUARD_STORE, git config pushguard.store, \(Settings.defaultStore).", valueName: "url"))
    var store: String?

    /// Settings from the system/global git config, the environment and this flag.
    /// With a repository owned by another user (root administering the git user's
    /// repositories), store, key and token locations are not taken from its own config.
    func settings(repository: Repository? = nil) throws -> Settings {
        let config = try repository?.config() ?? GitConfig.openDefault()
        return try SettingsLoader.load(config: config, environment: processEnvironment, storeFlag: store,
                                       repositoryOwner: repository.flatMap { otherOwner(of: $0.gitDirectory) })
    }

    /// Opens a store PushGuard owns. Only `install` and `pushguard store init` create a
    /// store: a mistyped store path must be an error naming it, never an empty new store that
    /// lets every push through. `readOnly` says the command only reads (audit, lists).
    func openAdminStore(_ settings: Settings, readOnly: Bool = false) throws -> AdminStore {
        do {
            return try StoreOpener.openAdmin(settings.store, settings: settings, create: false)
        } catch let error as StoreError {
            throw CommandFailure.store(error.description + " (store from \(settings.storeSource))")
        }
    }

    /// Opens any store, for a command that only reads (status): creates nothing; a missing
    /// SQLite store is a store error (exit 3) naming it.
    func openStore(_ settings: Settings) throws -> StateStore {
        do {
            return try StoreOpener.open(settings.store, settings: settings, create: false)
        } catch let error as StoreError {
            throw CommandFailure.store(error.description + " (store from \(settings.storeSource))")
        }
    }

    /// Fails as `openStore` does when an SQLite store does not exist or must be refused, for
    /// `check`: it opens the store later the way the hooks do, where a failure becomes the
    /// push's decision rather than a store error.
    func requireUsableStore(_ settings: Settings) throws {
        if case .sqlite(let path) = try StoreLocation.parse(settings.store) {
            try SQLStore.sqlite(path: path, create: false, timeoutMilliseconds: settings.timeoutMilliseconds).close()
        }
    }

}

/// The name of the user owning `directory` when that is not the user running this command.
func otherOwner(of directory: String) -> String? {
    var info = stat()
    guard lstat(directory, &info) == 0, info.st_uid != geteuid() else { return nil }
    guard let entry = getpwuid(info.st_uid), let name = entry.pointee.pw_name else { return "uid \(info.st_uid)" }
    return String(cString: name)
}

/// `--app A --env E`.
struct ScopeOptions: ParsableArguments {
    @Option(help: "The app (one bare repository).")
    var app: String

    @Option(name: .customLong("env"), help: "The environment (production, staging, …).")
    var environment: String

    func validate() throws {
        try validateName(app, what: "app")
        try validateName(environment, what: "environment")
    }
}

/// Names that end up in messages, commands and SQL keys: printable, short, no surprises.
func validateName(_ name: String, what: String) throws {
    guard !name.isEmpty, name.utf8.count <= 200,
          !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
        throw ValidationError("the \(what) name must be 1–200 printable characters")
    }
}
