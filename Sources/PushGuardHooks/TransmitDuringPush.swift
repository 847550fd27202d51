import PushGuardCore
import PushGuardGit
import PushGuardStore
import PushGuardSystem

/// The merged step: transmit an environment's pending config during the push. Stores that
/// transmit themselves do it; for SQLite/PostgreSQL `pushguard.transmitCommand` does, and its
/// success is recorded as a transmit.
func transmitDuringPush(store: StateStore, settings: Settings, app: String, environment: String, by: String) -> TransmitOutcome {
    do {
        if store.transmitsConfig {
            return .transmitted(version: try store.transmit(app: app, environment: environment, instances: nil,
                                                            by: by, at: Clock.timestamp()), output: [])
        }
        guard let command = settings.transmitCommand, !command.isEmpty else {
            return .failed(message: "pushguard.transmitCommand is not set, so this server cannot transmit during a push; run pushguard config transmit --app \(shellQuoted(app)) --env \(shellQuoted(environment))", output: [])
        }
        let ran = try PushCommand.run(command, what: "transmit", settings: settings, app: app, environment: environment, by: by)
        if let failure = ran.failure { return .failed(message: failure, output: ran.output) }
        let version = try store.transmit(app: app, environment: environment, instances: nil, by: by, at: Clock.timestamp())
        return .transmitted(version: version, output: ran.output)
    } catch {
        return .failed(message: Failure(storeFailure: error).description, output: [])
    }
}
