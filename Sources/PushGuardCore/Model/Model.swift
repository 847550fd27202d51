/// The recorded state of one key in an environment's desired config (never its value).
public struct ConfigEntry: Equatable, Sendable {
    public var key: String
    /// The config version of this key's latest change (set or unset).
    public var version: Int64
    /// `hmac-sha256:<hex>` of the value; empty when unset.
    public var digest: String
    /// True when the latest change unset the key.
    public var deleted: Bool
    /// RFC 3339 UTC time of the latest change.
    public var changedAt: String
    public var changedBy: String
    /// Where the instances are containers: the ids of the instances whose environment holds
    /// this value (for an unset key: those that no longer carry it). The truth, read from each
    /// container, decides instead of the versions PushGuard recorded. Nil for recorded state.
    public var appliedOn: [String]?

    public init(key: String, version: Int64, digest: String, deleted: Bool = false,
                changedAt: String = "", changedBy: String = "", appliedOn: [String]? = nil) {
        self.appliedOn = appliedOn
        self.key = key
        self.version = version
        self.digest = digest
        self.deleted = deleted
        self.changedAt = changedAt
        self.changedBy = changedBy
    }
}

/// A running process of an environment and the config version it has applied.
public struct Instance: Equatable, Sendable {
    /// Active instances count in the check; draining ones are ignored.
    public enum State: String, Sendable { case active, draining }

    public var id: String
    public var appliedVersion: Int64
    public var state: State

    public init(id: String, appliedVersion: Int64, state: State = .active) {
        self.id = id
        self.appliedVersion = appliedVersion
        self.state = state
    }
}

/// Everything the check needs to know about one app's environment: desired config and instances.
public struct EnvironmentState: Equatable, Sendable {
    public var app: String
    public var environment: String
    public var desiredVersion: Int64
    public var config: [ConfigEntry]
    public var instances: [Instance]
    /// The environment-level applied version, used when no instance is active.
    public var appliedVersion: Int64
    /// False when the store does not know this app and environment (never registered, or a
    /// typo in `pushguard.app` or a ref mapping): then nothing can be said to be in sync.
    public var known: Bool
    /// Set where the instances are containers read from the Engine API (see `ConfigEntry.appliedOn`).
    public var platform: PlatformState?

    public init(app: String, environment: String, desiredVersion: Int64 = 0,
                config: [ConfigEntry] = [], instances: [Instance] = [], appliedVersion: Int64 = 0,
                known: Bool = true, platform: PlatformState? = nil) {
        self.platform = platform
        self.known = known
        self.app = app
        self.environment = environment
        self.desiredVersion = desiredVersion
        self.config = config
        self.instances = instances
        self.appliedVersion = appliedVersion
    }

    /// The instances the check counts.
    public var activeInstances: [Instance] { instances.filter { $0.state == .active } }

    /// A key whose latest change has this version or a lower one is live: applied on every
    /// active instance, or, with none active, covered by the environment's applied version
    /// (the rule `Evaluator.keyReports` counts by).
    public var liveThrough: Int64 {
        activeInstances.lazy.map(\.appliedVersion).min() ?? appliedVersion
    }

    /// The state as a push's decision needs it: without the keys that are live and not in
    /// `named` (what the pushed code requires or newly reads). Such a key is never a finding and
    /// never in a message or record, so leaving it out changes no decision; a store that can
    /// leave it unread (`SQLStore.decisionState`) reads only what can matter to a push.
    public func forDecision(named: Set<String>) -> EnvironmentState {
        var state = self
        let live = liveThrough
        let active = Set(activeInstances.lazy.map(\.id))
        state.config = config.filter { entry in
            if named.contains(entry.key) { return true }
            if let applied = entry.appliedOn { return active.contains { !applied.contains($0) } }
            return entry.version > live
        }
        return state
    }
}

/// What the check does with an unsynchronized environment.
public enum Mode: String, Sendable, CaseIterable {
    case reject, warn, off
}
