import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// `pushguard store copy --from URL --to URL`: move all state to another store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage stores.",
        subcommands: [Init.self, Copy.self])

    /// `store init [URL]`: the one command besides install that creates a store.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a store (SQLite file and its 0750 directory, or a PostgreSQL schema); nothing else creates one but install.")

        @Argument(help: ArgumentHelp("The store URL (default: as the settings say).", valueName: "url")) var url: String?
        @Option(help: "The git user that runs the hooks: owns an SQLite store's directory (default: git, where it exists).") var user: String?
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let settings = try storeOptions.settings()
            let owner = user ?? (Identity.user(named: "git") != nil ? "git" : nil)
            try StoreCreation.create(url ?? settings.store, settings: settings, owner: owner, dryRun: false)
        }
    }

    /// Copies config, versions, instances, transmits and the audit log into an empty store.
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything from one store into an empty one (SQLite ⇄ PostgreSQL), history included.")

        @Option(help: ArgumentHelp("The store to copy from.", valueName: "url")) var from: String
        @Option(help: ArgumentHelp("The empty store to copy into (created for SQLite).", valueName: "url")) var to: String

        func run() throws {
            var settings = try SettingsLoader.load(config: try GitConfig.openDefault(), environment: processEnvironment)
            settings.timeoutMilliseconds = max(settings.timeoutMilliseconds, 30_000)
            try copy(settings)
        }

        private func copy(_ settings: Settings) throws {
            guard let source = try StoreOpener.open(from, settings: settings, create: false) as? SQLStore else {
                throw Failure.usage("--from must be a sqlite: or postgres:// store")
            }
            if case .sqlite(let path) = try StoreLocation.parse(to) {
                try Files.makeDirectory(parentDirectory(of: path), mode: StoreFiles.directoryMode)
            }
            guard let target = try StoreOpener.open(to, settings: settings, create: true) as? SQLStore else {
                throw Failure.usage("--to must be a sqlite: or postgres:// store")
            }
            var progress: Progress?
            let copied = try source.copy(to: target) { done, total, table in
                if progress == nil { progress = Progress(total: total) }
                progress?.update(done, "rows copied (\(table))")
            }
            progress?.clear()
            print("copied \(source.name) to \(target.name):")
            print(table(copied.map { ["  " + $0.table, "\($0.rows) row(s)"] }))
            print("point the servers at it: git config --system pushguard.store \(StoreLocation.redacted(to))")
        }
    }
}
