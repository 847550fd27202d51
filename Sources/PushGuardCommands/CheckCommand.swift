import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardHooks
import PushGuardStore

/// `pushguard check --repo PATH --ref REF --commit REV [--base REV]`: the hook's decision without pushing.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Show what a push of REV to REF would get, without pushing (exit 1 when it would be rejected).")

    @Option(help: "The bare repository (its git config maps refs to environments).") var repo: String
    @Option(help: "The ref the push would update, e.g. refs/heads/main.") var ref: String
    @Option(help: "The commit to push (any revision the repository resolves); default: the ref's current tip.") var commit: String?
    @Option(help: "What the commit is compared with for new environment-variable reads; default: the environment's last deploy, else the merge base with the ref it deploys.") var base: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let repository = try Repository.open(path: repo)
        let settings = try storeOptions.settings(repository: repository)
        // `check` only reads: a missing store is a store error, and nothing is created.
        try storeOptions.requireUsableStore(settings)
        let ref = ref.hasPrefix("refs/") ? ref : "refs/heads/" + ref
        // A bare repository's HEAD is often an unborn branch: the ref's own tip is what a
        // re-push would send, and a missing ref is said plainly.
        let revision = commit ?? ref
        let id: String
        do {
            id = try repository.resolve(revision)
        } catch {
            if commit == nil {
                throw Failure.usage("\(escapedForTerminal(ref)) does not exist in \(escapedForTerminal(repo)) yet; give --commit REV to check a commit before it is pushed")
            }
            throw Failure.usage("\(escapedForTerminal(revision)) is not a commit in \(escapedForTerminal(repo)): \(error)")
        }
        let app = settings.app(gitDirectory: repository.gitDirectory)
        let pusher = Identity.pusher(environment: processEnvironment)
        // `check` only looks: no sync is attempted and nothing is recorded. Its hints are a
        // push's: no `-o` where the repository does not advertise push options.
        let advertised: Bool? = try? repository.config().bool("receive.advertisePushOptions") ?? false
        let request = PushRequest(app: app, settings: settings, options: PushOptions(), pusher: pusher,
                                  time: Clock.timestamp(), report: Report(verbose: true, pushOptionsEnabled: advertised ?? false))
        let readers = PushReaders.live(repository: repository, store: LazyStore(settings: settings), settings: settings,
                                       app: app, pusher: pusher, mayTransmit: "check does not transmit")
        // Without --base the commit is compared as a new ref's push is: with the environment's
        // last deploy, else the merge base with the ref it deploys.
        var oldID = String(repeating: "0", count: id.count)
        if let base {
            guard let resolved = repository.commitID(of: base) else {
                throw Failure.usage("--base \(escapedForTerminal(base)) is not a commit in \(escapedForTerminal(repo))")
            }
            oldID = resolved
        }
        let update = RefUpdate(oldID: oldID, newID: id, ref: ref)
        let decision = PushDecider(request: request, readers: readers).decide([update])
        if decision.lines.isEmpty {
            printError([Report.prefix + "\(escapedForTerminal(ref)) maps to no environment of \(escapedForTerminal(app)): a push is accepted unchecked"])
        } else {
            printError(decision.lines)
        }
        if decision.rejected { throw ExitCode(1) }
    }
}

/// `pushguard hook NAME [ARGS…]`: act as a hook without being installed under its name.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Run as a git hook (pre-receive, update, post-receive, pre-push), as if called by that name.")

    @Argument(help: "The hook name.") var name: String
    @Argument(parsing: .captureForPassthrough, help: "What git passes the hook.") var arguments: [String] = []

    func validate() throws {
        guard HookName(rawValue: name) != nil else {
            throw ValidationError("unknown hook \(escapedForTerminal(name)); use one of \(HookName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let status = HookDispatch.run(hookNamed: name, arguments: arguments) ?? 2
        if status != 0 { throw ExitCode(status) }
    }
}
