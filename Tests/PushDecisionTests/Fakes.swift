import PushGuardCore

/// A store in memory: environments by name, with failures to inject and look-ups counted.
final class FakeStore {
    var states: [String: EnvironmentState] = [:]
    var failure: Failure?
    private(set) var lookups: [String] = []
    private(set) var transmits: [String] = []
    /// What a transmit does: by default it applies the desired version everywhere.
    var transmitOutcome: ((String) -> TransmitOutcome)?

    func state(_ environment: String) throws(Failure) -> EnvironmentState {
        lookups.append(environment)
        if let failure { throw failure }
        return states[environment] ?? EnvironmentState(app: "billing-api", environment: environment)
    }

    func transmit(_ environment: String) -> TransmitOutcome {
        transmits.append(environment)
        if let transmitOutcome { return transmitOutcome(environment) }
        guard var state = states[environment] else { return .transmitted(version: 0, output: []) }
        state.appliedVersion = state.desiredVersion
        state.instances = state.instances.map { Instance(id: $0.id, appliedVersion: state.desiredVersion, state: $0.state) }
        states[environment] = state
        return .transmitted(version: state.desiredVersion, output: ["delivered"])
    }
}

/// Manifests by commit id, with reads counted; each commit's manifest is its own blob.
final class FakeManifests {
    var byCommit: [String: Manifest] = [:]
    /// The manifest blob of a commit, when several commits share one (default: its own).
    var blobs: [String: String] = [:]
    /// Symbolic refs of the repository: name → target.
    var symbolicRefs: [String: String] = [:]
    private(set) var reads: [String] = []

    func manifest(_ commit: String, _ path: String) -> ManifestRead {
        reads.append(commit)
        return ManifestRead(identity: blobs[commit] ?? "blob of " + commit, manifest: byCommit[commit] ?? .absent)
    }
}

/// The reads each pushed commit adds, by commit id, with the scans asked for recorded.
final class FakeScans {
    var byCommit: [String: AddedReads] = [:]
    private(set) var asked: [String] = []

    func added(_ environment: EnvironmentSettings, _ update: RefUpdate) -> AddedReads {
        asked.append(environment.name + " " + update.newID)
        return byCommit[update.newID] ?? .none
    }

    /// What the rest of the application reads already, by pushed commit; the names asked for.
    var knownByCommit: [String: [EnvironmentRead]] = [:]
    private(set) var knownAsked: [Set<String>] = []

    func known(_ environment: EnvironmentSettings, _ update: RefUpdate, _ names: Set<String>) -> [EnvironmentRead] {
        knownAsked.append(names)
        return (knownByCommit[update.newID] ?? []).filter { names.contains($0.name) }
    }
}

/// A push decision over fakes, with the settings and options a test gives.
struct Push {
    var settings: Settings = {
        var settings = Settings()
        settings.app = "billing-api"
        return settings
    }()
    var options = PushOptions()
    var gitlab = false
    var pushOptionsEnabled = true
    /// Whether this server can transmit during a push (a transmit command or a transmitting store).
    var canTransmit = true
    let store = FakeStore()
    let manifests = FakeManifests()
    let scans = FakeScans()

    func decide(_ updates: [RefUpdate]) -> PushDecision {
        let request = PushRequest(app: settings.app ?? "billing-api", settings: settings, options: options, pusher: "alice",
                                  time: "2026-11-27T10:00:00Z", report: Report(pushOptionsEnabled: pushOptionsEnabled),
                                  gitlab: gitlab)
        let store = self.store, manifests = self.manifests, scans = self.scans
        let readers = PushReaders(manifest: { manifests.manifest($0, $1) },
                                  symbolicTarget: { manifests.symbolicRefs[$0] },
                                  state: { environment, named throws(Failure) in try store.state(environment).forDecision(named: named) },
                                  transmit: { store.transmit($0) }, canTransmit: canTransmit,
                                  addedReads: { scans.added($0, $1) }, knownReads: { scans.known($0, $1, $2) })
        return PushDecider(request: request, readers: readers).decide(updates)
    }
}

let zero = String(repeating: "0", count: 40)
let commitA = String(repeating: "a", count: 40)
let commitB = String(repeating: "b", count: 40)
let commitC = String(repeating: "c", count: 40)

/// A manifest as a pushed app.json's bytes would give it.
func appJSON(_ text: String) -> Manifest { Manifest.parse(Array(text.utf8)) }

func update(_ ref: String, to new: String = commitA, from old: String = commitC) -> RefUpdate {
    RefUpdate(oldID: old, newID: new, ref: ref)
}

/// An environment with one key changed at `version`, applied on `applied` of three instances.
func environment(_ name: String, key: String = "NEW_AUTH_TOKEN", version: Int64 = 7, appliedOn applied: Int = 0) -> EnvironmentState {
    let instances = (1...3).map { Instance(id: "web.\($0)", appliedVersion: $0 <= applied ? version : version - 1) }
    return EnvironmentState(app: "billing-api", environment: name, desiredVersion: version,
                            config: [ConfigEntry(key: key, version: version, digest: "hmac-sha256:00")],
                            instances: instances, appliedVersion: version - 1)
}

func inSync(_ name: String) -> EnvironmentState { environment(name, appliedOn: 3) }
