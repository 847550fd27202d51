/// A key's sync status in an environment (the model follows Fly.io's secret status).
public enum KeyStatus: String, Sendable, Comparable, CaseIterable {
    /// Required by the pushed code's manifest but not set (or unset) in the environment.
    case missing
    /// The latest change is applied on no active instance.
    case staged
    /// The latest change is applied on some active instances, not all.
    case partial
    /// The latest change is applied on every active instance.
    case live

    /// Worst first: the order findings are listed in.
    private var rank: Int {
        switch self {
        case .missing: 0
        case .staged: 1
        case .partial: 2
        case .live: 3
        }
    }

    public static func < (lhs: KeyStatus, rhs: KeyStatus) -> Bool { lhs.rank < rhs.rank }
}

/// One key's status in an environment, with the counts that explain it.
public struct KeyReport: Equatable, Sendable {
    public var key: String
    public var status: KeyStatus
    /// Active instances that have applied the key's latest change.
    public var appliedOn: Int
    /// Active instances counted; 0 when the environment-level applied version decides.
    public var instanceCount: Int
    /// The pending change is an unset (instances still carry the old value).
    public var unset: Bool
    public var requiredByManifest: Bool
    /// Where the pushed code newly reads the key (a read the push adds), if it does.
    public var readBy: EnvironmentRead?
    /// Where the instances are containers: the names of those that have the key's desired
    /// value (for an unset key: those still carrying it). Nil for recorded state.
    public var containers: [String]?

    public init(key: String, status: KeyStatus, appliedOn: Int, instanceCount: Int,
                unset: Bool = false, requiredByManifest: Bool = false, readBy: EnvironmentRead? = nil) {
        self.readBy = readBy
        self.key = key
        self.status = status
        self.appliedOn = appliedOn
        self.instanceCount = instanceCount
        self.unset = unset
        self.requiredByManifest = requiredByManifest
    }

    /// True when this key makes the environment unsynchronized.
    public var isFinding: Bool { status != .live }

    /// True when only a read the push adds makes this key a finding: not set, and not
    /// required by the manifest. `pushguard.scan = warn` never rejects for these alone.
    public var isScanOnly: Bool { status == .missing && readBy != nil && !requiredByManifest }

    /// True when this finding refuses a push under `scan` (in mode `reject`): any finding but a
    /// scan-only one; a scan-only one with `strict`, or with `on` when its read insists.
    public func refuses(scan: ScanMode) -> Bool {
        guard isScanOnly else { return true }
        switch scan {
        case .strict: return true
        case .on: return readBy?.insists ?? true
        case .warn, .off: return false
        }
    }
}

/// What happens to a push (and what the audit log records). The first five are decisions,
/// recorded by pre-receive (or update); `deployed` is recorded by post-receive for each ref
/// that really moved, since a hook after PushGuard's (gitolite's access control, a protected
/// branch) can still refuse a ref PushGuard accepted.
public enum Decision: String, Sendable, CaseIterable {
    case accepted, warned, rejected, overridden, synced
    case deployed
    /// Admin actions on the store's registry of apps and environments (`pushguard apps`).
    case registered, removed

    /// True when git may update the ref.
    public var allowsPush: Bool { self != .rejected }
}

/// The outcome of checking one environment for one pushed commit.
public struct Evaluation: Equatable, Sendable {
    public var app: String
    public var environment: String
    public var mode: Mode
    public var desiredVersion: Int64
    /// Every key of the environment and the manifest, worst status first.
    public var keys: [KeyReport]
    /// Why the manifest could not be used, if it could not (without the manifest's name).
    public var manifestProblem: String?
    /// True when the manifest's problem is a tree git would not write (`Manifest.ambiguous`):
    /// its fix is to write the commit again, not to correct the manifest.
    public var manifestAmbiguous: Bool = false
    /// Where the instances are containers: which, and the platform's command that applies config.
    public var platform: PlatformState?
    /// The section of app.json's `environments` whose `env` applied (nil: the base `env`).
    public var manifestSection: String?
    /// What the manifest says off Heroku's schema, read as Heroku reads it (see `Manifest`).
    public var manifestNotes: [String] = []
    public var decision: Decision
    /// The reason given with `-o pushguard.ack=REASON`, when the push was overridden.
    public var overrideReason: String?
    /// True when the scan's setting turned what would have been a rejection into a warning:
    /// every finding was a new read of a key that is not set, and none refuses under `scan`
    /// (`warn`, or `on` with reads that tolerate absence).
    public var scanWarned: Bool = false
    /// The environment's `pushguard.scan`.
    public var scan: ScanMode = .on

    /// The keys that make the environment unsynchronized.
    public var findings: [KeyReport] { keys.filter(\.isFinding) }

    /// True when nothing is out of sync and the manifest was usable.
    public var inSync: Bool { manifestProblem == nil && !keys.contains(where: \.isFinding) }
}

/// An explicit override given by the pusher (`-o pushguard.ack[=REASON]`).
public struct Override: Equatable, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}

/// The pure heart of PushGuard: config state + manifest + mode → key statuses and a decision.
public enum Evaluator {
    /// The status of every stored key, plus a `missing` report for each required key not set.
    /// `section` names the section of app.json's `environments` the environment reads (nil:
    /// the one named like the environment).
    /// `reads`: the environment-variable reads the push adds; each name counts as a
    /// requirement, and its report says where it is read (a key both required and read keeps
    /// both facts).
    public static func keyReports(state: EnvironmentState, manifest: Manifest, section: String? = nil,
                                  reads: [EnvironmentRead] = []) -> [KeyReport] {
        let requirements = manifest.requirements(section: section ?? state.environment).requirements
        let required = Set(requirements.lazy.filter(\.required).map(\.key))
        // A variable app.json declares optional (`"required": false`) is known to the app: a
        // new read of it is not a requirement.
        let optional = reads.isEmpty ? [] : Set(requirements.lazy.filter { !$0.required }.map(\.key))
        var readBy: [String: EnvironmentRead] = [:]
        for read in reads where readBy[read.name] == nil && !optional.contains(read.name) { readBy[read.name] = read }
        let active = state.activeInstances
        // Sorted once, so each key's count is a binary search: O(keys · log instances).
        let applied = active.map(\.appliedVersion).sorted()
        func appliedOn(_ version: Int64) -> Int {
            var low = 0, high = applied.count
            while low < high {
                let middle = (low + high) / 2
                if applied[middle] < version { low = middle + 1 } else { high = middle }
            }
            return applied.count - low
        }
        var reports: [KeyReport] = []
        reports.reserveCapacity(state.config.count + required.count + readBy.count)
        // Which required and read keys are stored: two small sets, not a set of every key.
        var storedRequired = Set<String>()
        var storedRead = Set<String>()
        for entry in state.config {
            let isRequired = !required.isEmpty && required.contains(entry.key)
            if isRequired { storedRequired.insert(entry.key) }
            let read = readBy.isEmpty ? nil : readBy[entry.key]
            if read != nil { storedRead.insert(entry.key) }
            if entry.deleted && (isRequired || read != nil) {
                reports.append(KeyReport(key: entry.key, status: .missing, appliedOn: 0,
                                         instanceCount: active.count, unset: true,
                                         requiredByManifest: isRequired, readBy: read))
                continue
            }
            let count: Int
            let status: KeyStatus
            var containers: [String]?
            if let appliedOn = entry.appliedOn {
                // Read from each container: which ones have the value (or no longer carry an unset key).
                let holding = active.filter { appliedOn.contains($0.id) }
                count = holding.count
                status = active.isEmpty ? (entry.deleted ? .live : .staged)
                    : count == active.count ? .live : (count == 0 ? .staged : .partial)
                containers = entry.deleted ? active.filter { !appliedOn.contains($0.id) }.map(\.id) : holding.map(\.id)
            } else if active.isEmpty {
                count = 0
                status = state.appliedVersion >= entry.version ? .live : .staged
            } else {
                count = appliedOn(entry.version)
                status = count == active.count ? .live : (count == 0 ? .staged : .partial)
            }
            // A key unset everywhere it was applied is gone: nothing left to report.
            if entry.deleted && status == .live { continue }
            var report = KeyReport(key: entry.key, status: status,
                                   appliedOn: count,
                                   instanceCount: active.count, unset: entry.deleted,
                                   requiredByManifest: isRequired, readBy: read)
            report.containers = containers
            reports.append(report)
        }
        for key in required.sorted() where !storedRequired.contains(key) {
            reports.append(KeyReport(key: key, status: .missing, appliedOn: 0,
                                     instanceCount: active.count, requiredByManifest: true, readBy: readBy[key]))
        }
        for key in readBy.keys.sorted() where !storedRead.contains(key) && !required.contains(key) {
            reports.append(KeyReport(key: key, status: .missing, appliedOn: 0,
                                     instanceCount: active.count, readBy: readBy[key]))
        }
        return sortedWorstFirst(reports)
    }

    /// Worst status first, then by key. Stores give their keys in key order, so the reports
    /// usually are: then a stable pass per status gives the sort's order without moving every
    /// report through a sort (1,000 keys), and with one status there is nothing to do.
    static func sortedWorstFirst(_ reports: [KeyReport]) -> [KeyReport] {
        let inKeyOrder = reports.indices.dropLast().allSatisfy { reports[$0].key < reports[$0 + 1].key }
        guard inKeyOrder else { return reports.sorted { ($0.status, $0.key) < ($1.status, $1.key) } }
        guard let first = reports.first?.status, reports.contains(where: { $0.status != first }) else { return reports }
        var ordered: [KeyReport] = []
        ordered.reserveCapacity(reports.count)
        for status in KeyStatus.allCases.sorted() {
            ordered.append(contentsOf: reports.lazy.filter { $0.status == status })
        }
        return ordered
    }

    /// Decides one environment for one pushed commit. `manifestEnvironment` names the section
    /// of app.json's `environments` whose `env` replaces the base `env` for this environment
    /// (`pushguard.<env>.manifestEnvironment`); nil: the section named like the environment.
    /// Without that section in the manifest, the base `env` applies.
    ///
    /// `reads` are the environment-variable reads the push adds (ignored with `scan` off).
    /// An environment whose only findings are such reads of keys that are not set is warned, not
    /// rejected, unless one of them refuses under `scan` (`KeyReport.refuses(scan:)`: with `on`
    /// a read that insists, with `strict` any); other findings still follow the mode.
    public static func evaluate(state: EnvironmentState, manifest: Manifest, mode: Mode,
                                override: Override? = nil, manifestEnvironment: String? = nil,
                                reads: [EnvironmentRead] = [], scan: ScanMode = .on) -> Evaluation {
        var problem: String?
        if case .unreadable(let why) = manifest { problem = why }
        var ambiguous = false
        if case .ambiguous(let why) = manifest { problem = why; ambiguous = true }
        let section = manifestEnvironment ?? state.environment
        let keys = mode == .off ? [] : keyReports(state: state, manifest: manifest, section: section,
                                                  reads: scan == .off ? [] : reads)
        var evaluation = Evaluation(app: state.app, environment: state.environment, mode: mode,
                                    desiredVersion: state.desiredVersion, keys: keys,
                                    manifestProblem: mode == .off ? nil : problem,
                                    manifestAmbiguous: mode != .off && ambiguous, platform: state.platform,
                                    manifestSection: manifest.requirements(section: section).section,
                                    manifestNotes: mode == .off ? [] : manifest.offSchema,
                                    decision: .accepted, overrideReason: nil)
        evaluation.scan = scan
        if evaluation.inSync || mode == .off { return evaluation }
        if let override {
            evaluation.decision = .overridden
            evaluation.overrideReason = override.reason
        } else if mode == .warn {
            evaluation.decision = .warned
        } else if problem == nil && evaluation.findings.allSatisfy({ !$0.refuses(scan: scan) }) {
            evaluation.decision = .warned
            evaluation.scanWarned = true
        } else {
            evaluation.decision = .rejected
        }
        return evaluation
    }
}
