import PushGuardCore
import PushGuardGit
import PushGuardStore
import PushGuardSystem

extension StoreFailure {
    /// Any error met while opening or reading a store, as one line for the pusher.
    public init(_ error: any Error) {
        if let failure = error as? StoreFailure {
            self = failure
        } else {
            self.init(message: "\(error)", timedOut: (error as? StoreError)?.timedOut ?? false)
        }
    }
}

/// Opens the store on first use and keeps it (or its failure) for the rest of the hook: one
/// open per push, however many environments it touches. Remembers how the store failed when
/// its last call failed, so the hook can hand that to the hooks after it (which then do not
/// call the store again), and does not call a store again once it timed out.
public final class LazyStore {
    private let settings: Settings
    /// What the HTTP and exec stores' calls share: `pushguard.timeout` from the hook's start.
    public let deadline: StoreDeadline?
    private var opened: Result<StateStore, StoreFailure>?
    /// How the store failed, unless a later call succeeded: opening it or a call. (A failed
    /// transmit followed by an audit the store took leaves nothing to hand over.)
    public private(set) var failure: StoreFailure?

    /// `hookStart`: the hook's start on the monotonic clock; `notAfter`: where the time an
    /// earlier hook of the push left ends. Without them each call gets the whole timeout.
    public init(settings: Settings, hookStart: Int? = nil, notAfter: Int? = nil) {
        self.settings = settings
        deadline = hookStart.map { StoreDeadline(timeoutMilliseconds: settings.timeoutMilliseconds, from: $0, notAfter: notAfter) }
    }

    /// A store an earlier hook of the push saw fail: never opened or called in this one.
    public init(settings: Settings, failedEarlier message: String) {
        self.settings = settings
        deadline = nil
        let failure = StoreFailure(message: message + " (failed earlier in this push; not asked again)", timedOut: true)
        self.failure = failure
        opened = .failure(failure)
    }

    public func get() throws(StoreFailure) -> StateStore {
        if opened == nil {
            do {
                let store = try StoreOpener.open(settings.store, settings: settings, create: false, deadline: deadline)
                opened = .success(WatchedStore(store, owner: self))
                Trace.mark("store opened")
            } catch {
                var failure = StoreFailure(error)
                failure.message += " (store from \(settings.storeSource))"
                opened = .failure(failure)
                self.failure = self.failure ?? failure
            }
        }
        return try opened!.get()
    }

    /// Called by `WatchedStore` when a call of the store succeeded.
    fileprivate func answered() { failure = nil }

    /// Called by `WatchedStore` for every error a call of the store threw.
    fileprivate func failed(_ error: any Error) {
        guard error is StoreError || error is StoreFailure else { return }
        let failure = StoreFailure(error)
        self.failure = failure
        // A store that timed out would only make the pusher wait again.
        if failure.timedOut { opened = .failure(failure) }
    }
}

/// A store whose failures its `LazyStore` sees; after a time-out, calls made through a
/// reference kept from before fail at once too.
private final class WatchedStore: StateStore {
    let store: StateStore
    /// Weak: a store may be used after its `LazyStore` is gone (`LazyStore(…).get().call()`).
    weak var owner: LazyStore?
    private var timedOut: StoreFailure?

    init(_ store: StateStore, owner: LazyStore) {
        self.store = store
        self.owner = owner
    }

    private func watch<T>(_ call: () throws -> T) throws -> T {
        if let timedOut { throw timedOut }
        do {
            let result = try call()
            owner?.answered()
            return result
        } catch {
            owner?.failed(error)
            if let error = error as? StoreError, error.timedOut { timedOut = StoreFailure(error) }
            throw error
        }
    }

    var transmitsConfig: Bool { store.transmitsConfig }
    func state(app: String, environment: String) throws -> EnvironmentState {
        try watch { try store.state(app: app, environment: environment) }
    }
    func decisionState(app: String, environment: String, named: Set<String>) throws -> EnvironmentState {
        try watch { try store.decisionState(app: app, environment: environment, named: named) }
    }
    func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64 {
        try watch { try store.transmit(app: app, environment: environment, instances: instances, by: by, at: at) }
    }
    func appendAudit(_ records: [AuditRecord]) throws {
        try watch { try store.appendAudit(records) }
    }
    func lastDeploy(app: String, environment: String) throws -> AuditRecord? {
        try watch { try store.lastDeploy(app: app, environment: environment) }
    }
}

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
            state: { environment, named throws(StoreFailure) in
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
                    throw StoreFailure(error)
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
                    return .failed(message: StoreFailure(error).message, output: [])
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

/// The reads each pushed ref adds, for the whole push: one scan per (base, new) pair (1,000 refs
/// at one commit scan once), one look-up of each environment's last deploy, and one budget of
/// files and bytes (`ScanBudget`) for all of them.
final class LiveReadScanner {
    let repository: Repository
    let store: LazyStore
    let settings: Settings
    let app: String
    let ignore: ScanIgnore
    private var budget = ScanBudget()
    private var scans: [String: AddedReads] = [:]
    private var known: [String: [EnvironmentRead]] = [:]
    private var lastDeploys: [String: String?] = [:]

    init(repository: Repository, store: LazyStore, settings: Settings, app: String) {
        self.repository = repository
        self.store = store
        self.settings = settings
        self.app = app
        self.ignore = ScanIgnore(patterns: settings.scanIgnore, including: settings.scanInclude)
    }

    func addedReads(environment: EnvironmentSettings, update: RefUpdate) -> AddedReads {
        guard let base = base(environment: environment, update: update), base != update.newID else { return .none }
        let pair = base + " " + update.newID
        if let known = scans[pair] { return known }
        let scan = repository.addedReads(base: base, new: update.newID, ignore: ignore, budget: &budget)
        Trace.mark("scanned \(scan.scannedFiles) changed files")
        let range = String(base.prefix(12)) + ".." + String(update.newID.prefix(12))
        let added = AddedReads(reads: scan.added, notes: scan.notes(range: range))
        scans[pair] = added
        return added
    }

    /// The reads of `names` anywhere in the scanned code of the base of `update` (see
    /// `Repository.knownReads`), from the push's one budget; once per base and names.
    func knownReads(environment: EnvironmentSettings, update: RefUpdate, names: Set<String>) -> [EnvironmentRead] {
        guard let base = base(environment: environment, update: update), base != update.newID else { return [] }
        let key = base + " " + names.sorted().joined(separator: " ")
        if let known = known[key] { return known }
        let found = repository.knownReads(in: base, names: names, ignore: ignore, budget: &budget)
        Trace.mark("searched the base for \(names.count) name(s)")
        known[key] = found.reads
        return found.reads
    }

    /// What a ref's push is compared with: its old commit; for a new ref, the environment's
    /// last deployed commit when the store knows it and the repository has it, else the merge
    /// base with the ref the environment deploys; else nothing (no read counts as new).
    func base(environment: EnvironmentSettings, update: RefUpdate) -> String? {
        if !update.isCreation { return update.oldID }
        if let deployed = lastDeploy(environment.name) { return deployed }
        let deployedRefs = environment.refs.isEmpty ? ["refs/heads/main", "refs/heads/master"]
            : environment.refs.filter { !$0.contains(where: { "*?[".contains($0) }) }
        for ref in deployedRefs {
            if let tip = repository.commitID(of: ref), let base = repository.mergeBase(tip, update.newID) { return base }
        }
        return nil
    }

    private func lastDeploy(_ environment: String) -> String? {
        if let known = lastDeploys[environment] { return known }
        var found: String?
        if let record = try? store.get().lastDeploy(app: app, environment: environment),
           repository.hasCommit(record.newID) {
            found = record.newID
        }
        lastDeploys[environment] = found
        return found
    }
}

/// Manifests parsed so far in this push, by blob id.
final class ManifestCache {
    var parsed: [String: Manifest] = [:]
    /// What the push may still read of distinct manifest blobs.
    var bytesLeft = Manifest.maxBytesPerPush
}

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
        return .failed(message: StoreFailure(error).message, output: [])
    }
}
