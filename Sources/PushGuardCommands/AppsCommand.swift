import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardStore

/// `pushguard apps create|list|remove`: the apps and environments a store knows. Nothing is
/// created by a mistyped name: every other command refuses an app or environment not here.
struct AppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "Register, list and remove the apps and environments the store knows.",
        subcommands: [Create.self, List.self, Remove.self])

    /// `apps create APP [--env E…]`
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an app's environments (default: production); recorded in the audit log.")
        @Argument(help: "The app (as pushguard.app names it).") var app: String
        @Option(name: [.customShort("e"), .customLong("env")], help: "An environment to register (repeatable).") var environments: [String] = []
        @OptionGroup var storeOptions: StoreOptions

        func validate() throws {
            try validateName(app, what: "app")
            for environment in environments { try validateName(environment, what: "environment") }
        }

        func run() throws {
            let store = try storeOptions.openAdminStore(try storeOptions.settings())
            let names = environments.isEmpty ? ["production"] : environments
            let registered = try store.register(app: app, environments: names)
            try recordRegistryChange(store, app: app, environments: registered, decision: .registered)
            for name in names {
                let target = escapedForTerminal(app) + "/" + escapedForTerminal(name)
                print(registered.contains(name) ? "registered \(target)" : "\(target) was already registered")
            }
        }
    }

    /// `apps list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every app and environment the store knows.")
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let store = try storeOptions.openAdminStore(try storeOptions.settings())
            let known = try store.registry()
            if known.isEmpty {
                print("no apps registered (pushguard install registers a repository's app; or: pushguard apps create APP --env ENV)")
                return
            }
            print(table([["APP", "ENVIRONMENT"]] + known.map { [escapedForTerminal($0.app), escapedForTerminal($0.environment)] }))
        }
    }

    /// `apps remove APP [--env E]`
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget an app's environment (or all of them): config, instances, transmits. The audit log keeps the history.")
        @Argument(help: "The app.") var app: String
        @Option(name: [.customShort("e"), .customLong("env")], help: "Only this environment.") var environment: String?
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let store = try storeOptions.openAdminStore(try storeOptions.settings())
            try requireRegistered(store, app: app, environment: environment)
            let removed = try store.remove(app: app, environment: environment)
            try recordRegistryChange(store, app: app, environments: removed, decision: .removed)
            for name in removed { print("removed \(escapedForTerminal(app))/\(escapedForTerminal(name))") }
        }
    }
}

/// One audit record per environment registered or removed, by whoever ran the command.
private func recordRegistryChange(_ store: AdminStore, app: String, environments: [String], decision: Decision) throws {
    let by = Identity.pusher(environment: processEnvironment)
    let now = Clock.timestamp()
    try store.appendAudit(environments.map {
        AuditRecord(time: now, app: app, environment: $0, ref: "", oldID: "", newID: "", pusher: by,
                    decision: decision, findings: [], reason: "pushguard apps " + (decision == .registered ? "create" : "remove"),
                    configVersion: 0)
    })
}

/// Refuses an app or environment the store does not know, naming the nearest known one: a
/// typo must change nothing (it once created `billing-aip` for ever).
func requireRegistered(_ store: AdminStore, app: String, environment: String?) throws {
    let known = try store.registry()
    let environments = known.filter { $0.app == app }.map(\.environment)
    if environments.isEmpty {
        var apps: [String] = []
        for entry in known where !apps.contains(entry.app) { apps.append(entry.app) }
        throw Failure.usage("unknown app \(escapedForTerminal(app))" + Vocabulary.suggestion(for: app, among: apps)
            + "; nothing was changed. Register it: pushguard apps create \(shellQuoted(app)) --env \(shellQuoted(environment ?? "ENV"))"
            + (apps.isEmpty ? " (the store knows no app yet; pushguard install registers each repository's)" : ""))
    }
    if let environment, !environments.contains(environment) {
        throw Failure.usage("unknown environment \(escapedForTerminal(environment)) of \(escapedForTerminal(app))"
            + Vocabulary.suggestion(for: environment, among: environments)
            + "; its environments: \(environments.map(escapedForTerminal).joined(separator: ", ")); nothing was changed. Register it: pushguard apps create \(shellQuoted(app)) --env \(shellQuoted(environment))")
    }
}
