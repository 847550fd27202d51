import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

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
    /// lets every push through.
    func openAdminStore(_ settings: Settings) throws -> AdminStore {
        do {
            return try StoreOpener.openAdmin(settings.store, settings: settings, create: false)
        } catch let error as Failure where error.kind == .store {
            throw error.continued(" (store from \(settings.storeSource))")
        }
    }

    /// Opens any store, for a command that only reads (status): creates nothing; a missing
    /// SQLite store is a store error (exit 3) naming it.
    func openStore(_ settings: Settings) throws -> StateStore {
        do {
            return try StoreOpener.open(settings.store, settings: settings, create: false)
        } catch let error as Failure where error.kind == .store {
            throw error.continued(" (store from \(settings.storeSource))")
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
    guard let info = try? Files.info(directory), info.owner != Identity.effectiveUserID else { return nil }
    return Identity.loginName(info.owner) ?? "uid \(info.owner)"
}

/// `-a/--app A -e/--env E [--repo PATH]`. Inside a guarded bare repository (the current
/// directory, or `--repo PATH`) either may be left out: the app, its environments and the store
/// come from that repository's git config, as its hooks read them.
struct ScopeOptions: ParsableArguments {
    @Option(name: [.customShort("a"), .customLong("app")],
            help: "The app (one bare repository); default: the guarded bare repository's (the current directory, or --repo).")
    var app: String?

    @Option(name: [.customShort("e"), .customLong("env")],
            help: "The environment (production, staging, …); default: the repository's environment, when it maps only one.")
    var environment: String?

    @OptionGroup var repository: RepositoryOption

    func validate() throws {
        if let app { try validateName(app, what: "app") }
        if let environment { try validateName(environment, what: "environment") }
        if (app == nil || environment == nil) && repository.repo == nil && !isBareRepository(".") {
            throw ValidationError("give -a APP and -e ENV, or run this inside the app's guarded bare repository (or give --repo PATH)")
        }
    }

    /// The app, environment and settings this command acts on: from the flags, else from the
    /// repository.
    func resolve(_ storeOptions: StoreOptions) throws -> Scope {
        let context = app == nil || environment == nil || repository.repo != nil
            ? try repository.context(storeOptions) : nil
        let settings = try context?.settings ?? storeOptions.settings()
        guard let app = app ?? context?.app else {
            throw Failure.usage("give -a APP, or run this inside the app's guarded bare repository (or give --repo PATH)")
        }
        if let environment { return Scope(app: app, environment: environment, settings: settings) }
        guard let context else { throw Failure.usage("give -e ENV") }
        guard context.environments.count == 1 else {
            throw Failure.usage("give -e ENV: \(escapedForTerminal(context.path)) deploys to "
                + context.environments.map(escapedForTerminal).joined(separator: ", "))
        }
        return Scope(app: app, environment: context.environments[0], settings: settings)
    }
}

extension ScopeOptions {
    /// The resolved app and environment, and their store once it is known to hold them: every
    /// command that acts on one environment starts here.
    func openRegistered(_ storeOptions: StoreOptions) throws -> (AdminStore, Scope) {
        let scope = try resolve(storeOptions)
        let store = try storeOptions.openAdminStore(scope.settings)
        try requireRegistered(store, app: scope.app, environment: scope.environment)
        return (store, scope)
    }
}

/// An app and environment, resolved, with the settings to reach its store.
struct Scope {
    var app: String
    var environment: String
    var settings: Settings

    /// `app/env`, escaped for printing.
    var name: String { escapedForTerminal(app) + "/" + escapedForTerminal(environment) }
}

/// `--repo PATH`: a guarded bare repository whose config names the app, environments and store.
struct RepositoryOption: ParsableArguments {
    @Option(help: ArgumentHelp("A guarded bare repository whose git config gives the app, its environments and the store (default: the current directory, when it is a bare repository).", valueName: "path"))
    var repo: String?

    /// The repository named by `--repo`, or the current directory when it is a bare
    /// repository; nil when neither.
    func context(_ storeOptions: StoreOptions) throws -> RepositoryContext? {
        let path: String
        if let repo {
            path = repo
        } else if isBareRepository(".") {
            path = Files.realPath(".") ?? "."
        } else {
            return nil
        }
        let repository: Repository
        do {
            repository = try Repository.open(path: path)
        } catch {
            if error.isOwnershipProblem { throw Failure.usage(error.message, fix: error.fix) }
            throw Failure.usage("\(escapedForTerminal(path)) is not a git repository (\(error.message))")
        }
        let settings = try storeOptions.settings(repository: repository)
        let mapped = settings.environments.filter { !$0.refs.isEmpty }.map(\.name)
        return RepositoryContext(path: repository.gitDirectory, app: settings.app(gitDirectory: repository.gitDirectory),
                                 environments: mapped.isEmpty ? ["production"] : mapped, settings: settings)
    }
}

/// What a guarded repository's git config says: its app, the environments its refs deploy to
/// (production when none is mapped, as install registers them) and its settings.
struct RepositoryContext {
    var path: String
    var app: String
    var environments: [String]
    var settings: Settings
}

/// A directory with HEAD, objects/ and refs/: a bare repository.
func isBareRepository(_ path: String) -> Bool {
    Files.exists(path + "/HEAD") && Files.isDirectory(path + "/objects") && Files.isDirectory(path + "/refs")
}

/// Names that end up in messages, commands and SQL keys: printable, short, no surprises.
func validateName(_ name: String, what: String) throws {
    guard !name.isEmpty, name.utf8.count <= 200,
          !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
        throw ValidationError("the \(what) name must be 1–200 printable characters")
    }
}
