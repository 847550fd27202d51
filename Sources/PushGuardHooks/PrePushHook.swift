import PushGuardCore
import PushGuardGit
import PushGuardSystem

/// pre-push, in a developer's clone: arguments `<remote-name> <url>`; stdin
/// `<local-ref> SP <local-id> SP <remote-ref> SP <remote-id>` per ref. Warns before any upload
/// when the remote's app (`remote.<name>.pushguardApp`) is out of sync. It never blocks: the
/// server decides. When it cannot check, it says why.
enum PrePushHook {
    static func run(input: [UInt8], arguments: [String], environment: @escaping (String) -> String?, started: Int) -> Int32 {
        guard let remote = arguments.first else {
            return say(Report.prePushArgumentsMissing)
        }
        let updates: [RefUpdate]
        let repository: Repository
        let settings: Settings
        let app: String
        do {
            updates = try PrePushInput.parse(input)
            repository = try Repository.openFromEnvironment()
            let config = try repository.config()
            // A remote without an app is not guarded: nothing to say.
            guard let named = try config.string("remote.\(remote).pushguardApp") else { return 0 }
            app = named
            settings = try SettingsLoader.load(config: config, environment: environment)
        } catch {
            return say(Report.notCheckedBeforeUpload("\(error)"))
        }
        let store = LazyStore(settings: settings, hookStart: started)
        let pusher = Identity.pusher(environment: environment)
        let request = PushRequest(app: app, settings: settings, options: PushOptions(), pusher: pusher,
                                  time: Clock.timestamp(), report: Report(beforeUpload: true))
        let readers = PushReaders.live(repository: repository, store: store, settings: settings, app: app,
                                       pusher: pusher, mayTransmit: "not transmitted from a developer's clone")
        let decision = PushDecider(request: request, readers: readers).decide(updates)
        if let failure = decision.outcomes.lazy.compactMap(\.storeFailure).first {
            return say(Report.pushingUnchecked(storeFailure: failure.description))
        }
        printError(decision.lines)
        return 0
    }

    /// Prints why the push is not checked; pre-push never blocks.
    private static func say(_ line: String) -> Int32 {
        printError([line])
        return 0
    }
}
