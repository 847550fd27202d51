import PushGuardCore
import PushGuardGit
import PushGuardStore
import PushGuardSystem

extension Failure {
    /// Any error met while opening or reading a store, as a .store failure for the pusher: a
    /// store failure as it is, any other error's sentence as one.
    public init(storeFailure error: any Error) {
        if let failure = error as? Failure, failure.kind == .store {
            self = failure
        } else {
            self = .store("\(error)")
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
    private var opened: Result<StateStore, Failure>?
    /// How the store failed, unless a later call succeeded: opening it or a call. (A failed
    /// transmit followed by an audit the store took leaves nothing to hand over.)
    public private(set) var failure: Failure?

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
        let failure = Failure.store(message + " (failed earlier in this push; not asked again)", timedOut: true)
        self.failure = failure
        opened = .failure(failure)
    }

    public func get() throws(Failure) -> StateStore {
        if opened == nil {
            do {
                let store = try StoreOpener.open(settings.store, settings: settings, create: false, deadline: deadline)
                opened = .success(WatchedStore(store, owner: self))
                Trace.mark("store opened")
            } catch {
                let failure = Failure(storeFailure: error).continued(" (store from \(settings.storeSource))")
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
        guard let failure = error as? Failure, failure.kind == .store else { return }
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
    private var timedOut: Failure?

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
            if let error = error as? Failure, error.kind == .store, error.timedOut { timedOut = error }
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
