import PushGuardCore
import PushGuardGit
import PushGuardStore
import PushGuardSystem

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
