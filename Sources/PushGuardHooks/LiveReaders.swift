import PushGuardCore
import PushGuardGit
import PushGuardStore
import PushGuardSystem

extension PushReaders {
    /// The readers a hook uses: the repository's objects (quarantine included), the store, and
    /// the transmit the settings allow. `mayTransmit` is false where no transmit may happen
    /// (`check`, a developer's clone).
    public static func live(repository: Repository, store: LazyStore, settings: Settings, app: String,
                            pusher: String, mayTransmit: String?) -> PushReaders {
        // Parsed manifests by blob id, for the whole push.
        let cache = ManifestCache()
        let scanner = LiveReadScanner(repository: repository, store: store, settings: settings, app: app)
        return PushReaders(
            manifest: { commit, path in
                let read = repository.manifest(commit: commit, path: path, cache: &cache.parsed, budget: &cache.bytesLeft)
                Trace.mark("\(path) read")
                return read
            },
            symbolicTarget: { repository.symbolicTarget(of: $0) },
            state: { environment, named throws(Failure) in
                do {
                    // Containers: the truth read from the Engine API, not the store's bookkeeping.
                    if let source = try ContainerSource.open(settings: settings, environment: settings.environment(named: environment),
                                                             useCache: true) {
                        let state = try source.readState(app: app) { try store.get().state(app: app, environment: environment) }
                        Trace.mark("containers of \(environment) read")
                        return state.forDecision(named: named)
                    }
                    let state = try store.get().decisionState(app: app, environment: environment, named: named)
                    Trace.mark("state of \(environment) read")
                    return state
                } catch {
                    throw Failure(storeFailure: error)
                }
            },
            transmit: { environment in
                if let refusal = mayTransmit { return .failed(message: refusal, output: []) }
                if let containers = settings.environment(named: environment).containers {
                    guard let command = containers.syncCommand else {
                        return .failed(message: "pushguard.\(environment).syncCommand is not set, so this server cannot recreate the containers during a push", output: [])
                    }
                    let ran = ContainerSource.runSyncCommand(command, settings: settings, app: app, environment: environment, by: pusher)
                    if let failure = ran.failure { return .failed(message: failure, output: ran.output) }
                    return .ranSyncCommand(output: ran.output)
                }
                do {
                    return transmitDuringPush(store: try store.get(), settings: settings, app: app,
                                              environment: environment, by: pusher)
                } catch {
                    return .failed(message: Failure(storeFailure: error).description, output: [])
                }
            },
            // What a push here could do (`check` shows a push's message, so it asks the same).
            canTransmit: canTransmit(settings),
            addedReads: { environment, update in scanner.addedReads(environment: environment, update: update) },
            knownReads: { environment, update, names in scanner.knownReads(environment: environment, update: update, names: names) })
    }

    /// True when a push can transmit with these settings: a transmit command, or a store that
    /// transmits itself (the platform's HTTP API or helper). Decided from the settings alone,
    /// without opening the store.
    static func canTransmit(_ settings: Settings) -> Bool {
        if let command = settings.transmitCommand, !command.isEmpty { return true }
        switch try? StoreLocation.parse(settings.store) {
        case .http, .exec: return true
        default: return false
        }
    }
}
