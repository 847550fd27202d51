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
        subcommands: [Copy.self])

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
                throw CommandFailure.usage("--from must be a sqlite: or postgres:// store")
            }
            if case .sqlite(let path) = try StoreLocation.parse(to) {
                try Files.makeDirectory(parentDirectory(of: path), mode: StoreFiles.directoryMode)
            }
            guard let target = try StoreOpener.open(to, settings: settings, create: true) as? SQLStore else {
                throw CommandFailure.usage("--to must be a sqlite: or postgres:// store")
            }
            let copied = try source.copy(to: target)
            print("copied \(source.name) to \(target.name):")
            print(table(copied.map { ["  " + $0.table, "\($0.rows) row(s)"] }))
            print("point the servers at it: git config --system pushguard.store \(StoreLocation.redacted(to))")
        }
    }
}
