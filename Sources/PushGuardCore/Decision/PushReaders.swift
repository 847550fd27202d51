/// How an environment's pending config was transmitted during a push (`-o pushguard.sync`,
/// `autoSync`).
public enum TransmitOutcome: Equatable, Sendable {
    /// Transmitted; `output` is what the transmit command printed (last lines).
    case transmitted(version: Int64, output: [String])
    case failed(message: String, output: [String])
    /// Where the instances are containers: the environment's `syncCommand` ran and exited 0.
    /// That proves nothing yet: the containers are read again.
    case ranSyncCommand(output: [String])
}

/// A manifest as read from a pushed commit, with what identifies it: commits whose manifests
/// share an identity (the same blob) are evaluated once.
public struct ManifestRead: Equatable, Sendable {
    public var identity: String
    public var manifest: Manifest
    public init(identity: String, manifest: Manifest) {
        self.identity = identity
        self.manifest = manifest
    }
}

/// The environment-variable reads a pushed ref adds to the code (reads in the pushed commit's
/// changed files whose names the base commit's versions of those files did not read; see
/// `EnvironmentReadScanner`), and what the pusher should know about the scan (files it left out).
public struct AddedReads: Equatable, Sendable {
    public var reads: [EnvironmentRead]
    /// One sentence each, unprefixed and unescaped.
    public var notes: [String]
    public init(reads: [EnvironmentRead] = [], notes: [String] = []) {
        self.reads = reads
        self.notes = notes
    }
    public static let none = AddedReads()
}

/// Everything a push decision reads from the world, injected so that a push can be decided
/// (and unit-tested) without git, a store or a process.
public struct PushReaders {
    /// The manifest at `path` in the tree of the pushed commit `commit`.
    public var manifest: (_ commit: String, _ path: String) -> ManifestRead
    /// The ref a symbolic ref points at (`refs/heads/master` → `refs/heads/main`), if it is one.
    public var symbolicTarget: (_ ref: String) -> String?
    /// The config state of one of the app's environments, as the decision needs it: a store
    /// may leave out keys that are live and not `named` (see `EnvironmentState.forDecision`).
    public var state: (_ environment: String, _ named: Set<String>) throws(Failure) -> EnvironmentState
    /// Transmits an environment's pending config as part of the push.
    public var transmit: (_ environment: String) -> TransmitOutcome
    /// True when a push on this server can transmit (`pushguard.transmitCommand` is set, or the
    /// store transmits itself): only then is `-o pushguard.sync` offered to the pusher.
    public var canTransmit: Bool
    /// The reads `update` adds for `environment` (its base: the ref's old commit; for a new
    /// ref, the environment's last deploy or the merge base with the ref it deploys). Asked
    /// only where the environment's `pushguard.scan` is not `off`.
    public var addedReads: (_ environment: EnvironmentSettings, _ update: RefUpdate) -> AddedReads
    /// The reads of `names` already in the application: anywhere in the scanned code of the
    /// base `update` was compared with (see `addedReads`). Asked only for new reads of
    /// variables the environment does not have, so a push adding reads of set variables never
    /// searches the tree.
    public var knownReads: (_ environment: EnvironmentSettings, _ update: RefUpdate, _ names: Set<String>) -> [EnvironmentRead]

    public init(manifest: @escaping (_ commit: String, _ path: String) -> ManifestRead,
                symbolicTarget: @escaping (_ ref: String) -> String? = { _ in nil },
                state: @escaping (_ environment: String, _ named: Set<String>) throws(Failure) -> EnvironmentState,
                transmit: @escaping (_ environment: String) -> TransmitOutcome,
                canTransmit: Bool = true,
                addedReads: @escaping (_ environment: EnvironmentSettings, _ update: RefUpdate) -> AddedReads = { _, _ in .none },
                knownReads: @escaping (_ environment: EnvironmentSettings, _ update: RefUpdate, _ names: Set<String>) -> [EnvironmentRead] = { _, _, _ in [] }) {
        self.addedReads = addedReads
        self.knownReads = knownReads
        self.manifest = manifest
        self.symbolicTarget = symbolicTarget
        self.state = state
        self.transmit = transmit
        self.canTransmit = canTransmit
    }
}

/// What one push is: who pushes which app, with which options, when, and how to render.
public struct PushRequest: Sendable {
    public var app: String
    public var settings: Settings
    public var options: PushOptions
    public var pusher: String
    /// RFC 3339 time stamped on every record of this push.
    public var time: String
    public var report: Report
    /// Under GitLab (`GL_ID` set) a rejection's first line starts with `GL-HOOK-ERR: `.
    public var gitlab: Bool

    /// True when no `pushguard.app` names the app and it was guessed from the directory name:
    /// then another repository of the same name would share it, so nothing acts on it.
    public var appIsGuessed: Bool { settings.app == nil }

    public init(app: String, settings: Settings, options: PushOptions, pusher: String, time: String,
                report: Report, gitlab: Bool = false) {
        self.app = app
        self.settings = settings
        self.options = options
        self.pusher = pusher
        self.time = time
        self.report = report
        self.gitlab = gitlab
    }
}
