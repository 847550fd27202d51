/// Decides a push: maps each ref to its environment, reads each environment's state once,
/// reads each pushed commit's manifest once, syncs when asked, evaluates, and renders. Pure:
/// everything it knows of git, the store and processes comes through `readers`.
public struct PushDecider {
    public var request: PushRequest
    public var readers: PushReaders

    public init(request: PushRequest, readers: PushReaders) {
        var request = request
        var refusal: String?
        // Sync and override act on the app's config and record in its name. On a guessed name
        // (mallory/billing.git guessed as "billing") they would act on another team's app.
        if request.appIsGuessed {
            let wanted = [request.options.override != nil ? "-o pushguard.ack" : nil,
                          request.options.sync ? "-o pushguard.sync" : nil,
                          request.settings.environments.contains(where: \.autoSync) ? "autoSync" : nil].compactMap { $0 }
            if !wanted.isEmpty {
                refusal = Report.guessedAppIgnored(wanted, app: request.app)
                request.options.override = nil
                request.options.sync = false
                request.settings.environments = request.settings.environments.map {
                    var environment = $0
                    environment.autoSync = false
                    return environment
                }
            }
        }
        self.request = request
        self.readers = readers
        self.guessedAppRefusal = refusal
    }

    /// The line saying which options a guessed app name ignored, if any.
    private let guessedAppRefusal: String?

    private var settings: Settings { request.settings }

    /// PushGuard's deploy notes: written by its post-receive, never by a pusher (a pushed
    /// note could forge "accepted deploy", a deletion could erase the record).
    public static let notesRef = "refs/notes/pushguard"

    /// Why a pushed ref must not be written because of PushGuard's notes ref, or nil. The notes
    /// ref itself; any ref beneath it (`refs/notes/pushguard/x` makes the notes ref a directory,
    /// and from then on no note can be written); and, for servers on a case-insensitive file
    /// system, any spelling of these in other case. Creations, updates and deletions alike.
    public static func notesRefConflict(_ ref: String) -> String? {
        func lowered(_ text: String) -> [UInt8] {
            text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        }
        let name = lowered(ref), notes = lowered(notesRef)
        if name == notes { return Report.notesRefPushed(as: ref) }
        if name.count > notes.count, name.starts(with: notes + [UInt8(ascii: "/")]) { return Report.refBeneathNotesRef }
        if notes.count > name.count, notes.starts(with: name + [UInt8(ascii: "/")]) { return Report.refAboveNotesRef(ref) }
        return nil
    }

    /// More refs than this deploying in one push are refused: each costs an evaluation,
    /// lines and records, and no real deploy needs more.
    public static let maxMappedRefs = 2000

    /// The environment a ref deploys to: its own mapping, else its symbolic ref's target's
    /// (a push to `master` that is a symbolic ref to `main` moves `main`).
    static func environment(for ref: String, settings: Settings,
                            symbolicTarget: (String) -> String?) -> EnvironmentSettings? {
        if let environment = settings.environment(for: ref) { return environment }
        return symbolicTarget(ref).flatMap { settings.environment(for: $0) }
    }

    /// The environment a pushed ref is checked for, or nil when it is not checked: deletions
    /// are never blocked; unmapped refs and mode off are not checked.
    static func checkedEnvironment(of update: RefUpdate, settings: Settings,
                                   symbolicTarget: (String) -> String?) -> EnvironmentSettings? {
        guard !update.isDeletion, let environment = environment(for: update.ref, settings: settings, symbolicTarget: symbolicTarget),
              settings.mode(of: environment) != .off else { return nil }
        return environment
    }

    func checkedEnvironment(of update: RefUpdate) -> EnvironmentSettings? {
        PushDecider.checkedEnvironment(of: update, settings: settings, symbolicTarget: readers.symbolicTarget)
    }

    /// The name of the environment a pushed ref deploys to when PushGuard decides it; nil when
    /// the ref is not checked (unmapped, a deletion, mode off) or refused as PushGuard's notes.
    /// post-receive asks it, without a decider, to know which moved refs must have had a
    /// decision handed over.
    public static func checkedEnvironmentName(of update: RefUpdate, settings: Settings,
                                              symbolicTarget: (String) -> String?) -> String? {
        guard notesRefConflict(update.ref) == nil else { return nil }
        return checkedEnvironment(of: update, settings: settings, symbolicTarget: symbolicTarget)?.name
    }

    public func decide(_ updates: [RefUpdate]) -> PushDecision {
        var outcomes: [RefOutcome?] = Array(repeating: nil, count: updates.count)
        var lines: [String] = []
        var byEnvironment: [(environment: EnvironmentSettings, indices: [Int])] = []
        var mapped = 0
        for (index, update) in updates.enumerated() {
            if let conflict = PushDecider.notesRefConflict(update.ref) {
                outcomes[index] = RefOutcome(update: update, environment: nil, evaluation: nil, decision: .rejected)
                lines.append(Report.refusingRef(update.ref, because: conflict))
                continue
            }
            guard let environment = checkedEnvironment(of: update) else {
                outcomes[index] = RefOutcome(update: update, environment: nil, evaluation: nil, decision: .accepted)
                continue
            }
            mapped += 1
            if let slot = byEnvironment.firstIndex(where: { $0.environment.name == environment.name }) {
                byEnvironment[slot].indices.append(index)
            } else {
                byEnvironment.append((environment, [index]))
            }
        }
        if let refusal = guessedAppRefusal, mapped > 0 { lines.insert(refusal, at: 0) }
        // An option misspelt is an override or sync the pusher believes they asked for.
        for name in request.options.unknown {
            lines.insert(Report.optionNotUnderstood(name), at: 0)
        }
        if mapped > PushDecider.maxMappedRefs {
            return tooManyRefs(updates, mapped: mapped, byEnvironment: byEnvironment, outcomes: outcomes, lines: lines)
        }
        var manifests: [String: ManifestRead] = [:]
        var noted = Set<String>()
        var timedOut: Failure?
        for (environment, indices) in byEnvironment {
            let refs = indices.map { updates[$0] }
            let refManifests = refs.map { update -> ManifestRead in
                if let known = manifests[update.newID] { return known }
                let read = readers.manifest(update.newID, settings.manifestPath)
                manifests[update.newID] = read
                return read
            }
            // After one time-out the store is not asked again in this push: every environment
            // is decided within the timeout (+1 s), not once per environment.
            let decided = timedOut.map { storeFailed(environment, refs: refs, failure: $0) }
                ?? decideEnvironment(environment, refs: refs, manifests: refManifests, noted: &noted)
            if let failure = decided.outcomes.lazy.compactMap(\.storeFailure).first(where: \.timedOut) {
                timedOut = failure
            }
            lines += decided.lines
            for (index, outcome) in zip(indices, decided.outcomes) { outcomes[index] = outcome }
        }
        return PushDecision(request: request.summary, outcomes: outcomes.map { $0! }, body: lines)
    }

    /// A push that deploys more refs than `maxMappedRefs`: refused without reading anything.
    private func tooManyRefs(_ updates: [RefUpdate], mapped: Int, byEnvironment: [(environment: EnvironmentSettings, indices: [Int])],
                             outcomes: [RefOutcome?], lines: [String]) -> PushDecision {
        var outcomes = outcomes
        for (environment, indices) in byEnvironment {
            for index in indices {
                outcomes[index] = RefOutcome(update: updates[index], environment: environment.name, evaluation: nil,
                                             decision: .rejected, reason: "\(mapped) refs deploy in one push, over the limit of \(PushDecider.maxMappedRefs)")
            }
        }
        let line = Report.tooManyRefs(app: request.app, mapped: mapped, limit: PushDecider.maxMappedRefs)
        return PushDecision(request: request.summary, outcomes: outcomes.map { $0! }, body: lines + [line])
    }

    /// One environment: one state look-up, an optional sync, then one evaluation per commit.
    /// `noted`: the manifests whose off-schema warning this push has printed already.
    private func decideEnvironment(_ environment: EnvironmentSettings, refs: [RefUpdate], manifests: [ManifestRead],
                                   noted: inout Set<String>) -> (outcomes: [RefOutcome], lines: [String]) {
        let mode = settings.mode(of: environment)
        var report = request.report
        report.verbose = report.verbose || environment.verbose
        report.manifestPath = settings.manifestPath
        // Sync and override act on the app's config: never on a guessed app name.
        report.canSync = readers.canTransmit && !request.appIsGuessed
        report.canOverride = !request.appIsGuessed
        let section = environment.manifestSection
        // The environment-variable reads each ref adds, unless the scan is off here. What the
        // scan left out is said once per push, never silently.
        let scan = settings.scan(of: environment)
        let added = refs.map { scan == .off ? AddedReads.none : readers.addedReads(environment, $0) }
        var reads = added.map(\.reads)
        // The keys that matter even where they are live: those the pushed manifests require
        // and those the pushed code newly reads. The store may leave out every other live key.
        var named = Set(reads.joined().lazy.map(\.name))
        var seenManifests = Set<String>()
        for read in manifests where seenManifests.insert(read.identity).inserted {
            named.formUnion(read.manifest.requiredKeys(section: section))
        }
        let state: EnvironmentState
        do {
            state = try readers.state(environment.name, named)
        } catch {
            return storeFailed(environment, refs: refs, failure: error)
        }
        let override = request.options.override
        guard state.known else { return unregistered(environment, refs: refs, mode: mode) }
        // Containers are synced by their platform's command, where the environment names one.
        if let platform = state.platform { report.canSync = platform.canSync && !request.appIsGuessed }
        // A new read of a variable the environment lacks is new to the push, but the rest of
        // the application may read it already: then it is not new (only what would be a
        // finding is looked up, once per ref with such reads).
        let set = Set(state.config.lazy.filter { !$0.deleted }.map(\.key))
        for index in reads.indices {
            let unset = Set(reads[index].lazy.map(\.name).filter { !set.contains($0) })
            if unset.isEmpty { continue }
            let known = readers.knownReads(environment, refs[index], unset)
            reads[index] = EnvironmentReadScanner.newToApplication(reads[index], known: known)
        }
        var lines: [String] = []
        for note in added.flatMap(\.notes) where noted.insert("scan: " + note).inserted {
            lines.append(Report.warning(note))
        }
        // `slots[i]`: which of the distinct evaluations ref i shares (refs of one manifest blob
        // and the same added reads share one; its findings and its words are said once).
        var (evaluations, slots) = evaluateOnce(refs, manifests, reads) {
            Evaluator.evaluate(state: state, manifest: $0, mode: mode, override: override, manifestEnvironment: section,
                               reads: $1, scan: scan)
        }
        var pendingBeforeSync: [SharedFindings]?
        var syncFailure: String?
        let unsynced = evaluations.filter { !$0.inSync }
        if (request.options.sync || environment.autoSync) && !unsynced.isEmpty {
            // A transmit helps only keys that are set but not applied everywhere. A key that is
            // not set at all, or a manifest that cannot be read, is not fixed by delivering
            // config: with autoSync that would be a delivery to the platform on every push.
            let helps = unsynced.contains { $0.findings.contains { $0.status == .staged || $0.status == .partial } }
            if !helps {
                lines.append(Report.notSynced(app: request.app, environment: environment.name, unsynced: unsynced,
                                              manifestPath: settings.manifestPath))
                report.canSync = false
            } else {
                let outcome = readers.transmit(environment.name)
                switch outcome {
                case .transmitted, .ranSyncCommand:
                    if case .transmitted(let version, let output) = outcome {
                        lines += Report.transmitOutput(output)
                        lines.append(Report.transmitted(app: request.app, environment: environment.name, version: version))
                    } else if case .ranSyncCommand(let output) = outcome {
                        lines += Report.syncCommandOutput(output)
                        lines.append(Report.ranSyncCommand(app: request.app, environment: environment.name))
                    }
                    pendingBeforeSync = evaluations.map(SharedFindings.init)
                    report.canSync = false
                    let synced: EnvironmentState
                    do {
                        synced = try readers.state(environment.name, named)
                    } catch {
                        let failed = storeFailed(environment, refs: refs, failure: error)
                        return (failed.outcomes, lines + failed.lines)
                    }
                    (evaluations, slots) = evaluateOnce(refs, manifests, reads) {
                        var evaluation = Evaluator.evaluate(state: synced, manifest: $0, mode: mode, override: override,
                                                            manifestEnvironment: section, reads: $1, scan: scan)
                        if evaluation.inSync { evaluation.decision = .synced }
                        return evaluation
                    }
                case .failed(let message, let output):
                    lines += Report.transmitOutput(output)
                    lines.append(Report.syncFailed(app: request.app, environment: environment.name, message: message))
                    syncFailure = message
                    // Nothing was recorded as transmitted, so the evaluations stand and the
                    // environment's mode decides, as without a sync: reject refuses, warn
                    // accepts with the warning and the failure, an override stays on record.
                    // Asking for a sync never makes a push stricter.
                    report.canSync = false
                }
            }
        }
        let findings = evaluations.map(SharedFindings.init)
        // Every ref of a slot, in push order: the first one's block is said, then one line for the rest.
        var members = [[Int]](repeating: [], count: evaluations.count)
        for (index, slot) in slots.enumerated() { members[slot].append(index) }
        var outcomes: [RefOutcome] = []
        outcomes.reserveCapacity(refs.count)
        for (index, update) in refs.enumerated() {
            let slot = slots[index], evaluation = evaluations[slot]
            let first = members[slot][0]
            if first == index {
                // A manifest off Heroku's schema is said once per push, before the first block it affects.
                if !evaluation.manifestNotes.isEmpty, noted.insert(manifests[index].identity).inserted,
                   let line = report.offSchemaLine(evaluation.manifestNotes, commit: update.newID) {
                    lines.append(line)
                }
                let block = report.lines(for: evaluation, ref: update.ref, commit: update.newID)
                lines += block
                if !block.isEmpty && members[slot].count > 1 {
                    let before = evaluation.decision == .synced ? pendingBeforeSync?[slot].count : nil
                    lines.append(report.sameLine(for: evaluation, refs: members[slot].dropFirst().map { refs[$0].ref },
                                                 findings: before ?? findings[slot].count))
                }
            }
            // Reasons are composed of escaped parts (the pusher's own words too): `AuditRecord.reason`.
            var reason = evaluation.overrideReason.map(escapedForTerminal) ?? ""
            if let problem = evaluation.manifestProblem {
                reason = join(reason, settings.manifestPath + " cannot be read: " + problem)
            }
            if let syncFailure { reason = join(reason, "sync failed: " + syncFailure) }
            if let platform = evaluation.platform { reason = join(reason, platform.summary) }
            // A synced decision records what the sync fixed; any other, what is still out of sync.
            let kept = evaluation.decision == .synced ? (pendingBeforeSync?[slot] ?? SharedFindings()) : findings[slot]
            outcomes.append(RefOutcome(update: update, environment: environment.name, evaluation: evaluation,
                                       decision: evaluation.decision, findings: kept.first, findingCount: kept.count,
                                       sameAs: first == index ? nil : refs[first].ref, reason: reason))
        }
        return (outcomes, lines)
    }

    /// An evaluation's findings as its refs' outcomes keep them: the first
    /// `AuditRecord.maxFindings`, computed once and shared by every ref of the evaluation.
    struct SharedFindings {
        var first: [KeyReport] = []
        var count = 0
        init() {}
        init(_ evaluation: Evaluation) {
            for key in evaluation.keys where key.isFinding {
                count += 1
                if first.count < AuditRecord.maxFindings { first.append(key) }
            }
        }
    }

    /// One evaluation per distinct manifest and set of added reads, shared by every ref whose
    /// commit has them (1,000 release branches, or 40 commits sharing one app.json, cost one
    /// evaluation): the distinct evaluations, and for each ref the index of its own.
    private func evaluateOnce(_ refs: [RefUpdate], _ manifests: [ManifestRead], _ reads: [[EnvironmentRead]],
                              _ evaluate: (Manifest, [EnvironmentRead]) -> Evaluation) -> (evaluations: [Evaluation], slots: [Int]) {
        struct Inputs: Hashable {
            var manifest: String
            var reads: [EnvironmentRead]
        }
        var byInputs: [Inputs: Int] = [:]
        var evaluations: [Evaluation] = []
        let slots = zip(manifests, reads).map { read, added in
            let identity = Inputs(manifest: read.identity, reads: added)
            if let known = byInputs[identity] { return known }
            evaluations.append(evaluate(read.manifest, added))
            byInputs[identity] = evaluations.count - 1
            return evaluations.count - 1
        }
        return (evaluations, slots)
    }

    /// Every ref of an environment the store does not know: never registered, or a typo in
    /// `pushguard.app` or a ref mapping. Nothing can be in sync with it, so it follows the
    /// mode like any unsynchronized environment; an override still deploys, on the record.
    private func unregistered(_ environment: EnvironmentSettings, refs: [RefUpdate], mode: Mode)
        -> (outcomes: [RefOutcome], lines: [String]) {
        let decision: Decision = request.options.override != nil ? .overridden : (mode == .warn ? .warned : .rejected)
        var lines: [String] = []
        var outcomes: [RefOutcome] = []
        for update in refs {
            lines.append(Report.unregistered(app: request.app, environment: environment.name, ref: update.ref, decision: decision))
            outcomes.append(RefOutcome(update: update, environment: environment.name, evaluation: nil, decision: decision,
                                       reason: join(request.options.override?.reason.map(escapedForTerminal) ?? "",
                                                    "\(escapedForTerminal(request.app))/\(escapedForTerminal(environment.name)) is not registered in the store")))
        }
        lines += Report.registerHint(app: request.app, environment: environment.name)
        return (outcomes, lines)
    }

    /// Every ref of an environment whose store failed, decided by `pushguard.onStoreError`.
    private func storeFailed(_ environment: EnvironmentSettings, refs: [RefUpdate], failure: Failure)
        -> (outcomes: [RefOutcome], lines: [String]) {
        let decision: Decision = settings.onStoreError == .warn ? .warned : .rejected
        var lines: [String] = []
        var outcomes: [RefOutcome] = []
        for update in refs {
            lines += Report.storeFailed(app: request.app, environment: environment.name, ref: update.ref, decision: decision,
                                        message: failure.description, policy: settings.onStoreError)
            outcomes.append(RefOutcome(update: update, environment: environment.name, evaluation: nil,
                                       decision: decision, reason: "store failed: " + failure.description,
                                       storeFailure: failure))
        }
        return (outcomes, lines)
    }
}
