import PushGuardCore
import PushGuardSystem

/// What the hooks need from any store: the state of an environment, a transmit, an audit record.
public protocol StateStore: AnyObject {
    /// True when `transmit` delivers config itself (the platform's API or helper); false when it
    /// only records a delivery made by `pushguard.transmitCommand`.
    var transmitsConfig: Bool { get }
    /// The environment's desired config and instances; an unknown environment is empty.
    func state(app: String, environment: String) throws -> EnvironmentState
    /// What a push's decision needs of the state (`PushReaders.state`): the keys that are not
    /// live and those `named`, each with its version and whether it is unset, and the
    /// instances. A store may leave out what only the admin commands show (a key's digest, when
    /// and by whom it changed, instance ids); the default is `state`, trimmed.
    func decisionState(app: String, environment: String, named: Set<String>) throws -> EnvironmentState
    /// Records (or performs) a transmit of the current desired config; returns the version sent.
    func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64
    /// Appends audit records durably (SQL stores: in one transaction, one sync to disk).
    func appendAudit(_ records: [AuditRecord]) throws
    /// The newest `deployed` record: a ref post-receive saw move after PushGuard let it through;
    /// nil when there is none, or when the store keeps no audit log of its own (the default: the
    /// platform's API or a helper). A requirement here, not only on `AdminStore`, so a hook asks
    /// without casting its store (a cast to a protocol searches every conformance the program
    /// has).
    func lastDeploy(app: String, environment: String) throws -> AuditRecord?
}

extension StateStore {
    public func decisionState(app: String, environment: String, named: Set<String>) throws -> EnvironmentState {
        try state(app: app, environment: environment).forDecision(named: named)
    }

    public func lastDeploy(app: String, environment: String) throws -> AuditRecord? { nil }
}

/// One change a `config set`/`config unset` command makes.
public struct ConfigChange: Sendable {
    public var key: String
    /// The keyed digest of the new value; nil unsets the key.
    public var digest: String?
    public init(key: String, digest: String?) {
        self.key = key
        self.digest = digest
    }
}

/// Stores PushGuard owns itself (SQLite, PostgreSQL): config, instances and the audit log.
public protocol AdminStore: StateStore {
    /// Applies the changes as one new config version; nil when nothing actually changed.
    func changeConfig(app: String, environment: String, changes: [ConfigChange], by: String, at: String) throws -> Int64?
    func addInstances(app: String, environment: String, ids: [String], at: String) throws
    func removeInstances(app: String, environment: String, ids: [String]) throws
    func setInstanceState(app: String, environment: String, ids: [String], state: Instance.State) throws
    func audit(app: String?, environment: String?, limit: Int) throws -> [AuditRecord]
    /// The environments a store knows for an app.
    func environments(app: String) throws -> [String]
    /// Every app and environment the store knows, sorted.
    func registry() throws -> [(app: String, environment: String)]
    /// Registers an app's environments; returns those that were not known before.
    func register(app: String, environments: [String]) throws -> [String]
    /// Forgets an app's environment, or all its environments: their config, history of
    /// changes, instances and transmits. The audit log keeps what happened. Returns what was
    /// removed.
    func remove(app: String, environment: String?) throws -> [String]
    /// True when the store holds any value digest (so a new digest key would break comparisons).
    func holdsDigests() throws -> Bool
}
