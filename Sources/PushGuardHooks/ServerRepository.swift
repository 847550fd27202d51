import PushGuardCore
import PushGuardGit
import PushGuardSystem

/// The repository a server-side hook runs in, opened from git's environment (so the pushed
/// objects in the quarantine are visible), with its settings and app.
struct ServerRepository {
    let repository: Repository
    let settings: Settings
    let app: String
    /// `receive.advertisePushOptions`: without it `-o` hints would not work.
    let pushOptionsEnabled: Bool

    /// Opens it; a failure is one sentence for the pusher.
    static func open(environment: (String) -> String?) -> Result<ServerRepository, Failure> {
        do {
            let repository = try Repository.openFromEnvironment()
            Trace.mark("libgit2 initialised, repository opened")
            let config = try repository.config()
            let settings = try SettingsLoader.load(config: config, environment: environment)
            let pushOptions = try config.bool("receive.advertisePushOptions") ?? false
            Trace.mark("settings read")
            return .success(ServerRepository(repository: repository, settings: settings,
                                             app: settings.app(gitDirectory: repository.gitDirectory),
                                             pushOptionsEnabled: pushOptions))
        } catch {
            return .failure(.settings("cannot read the repository's settings: \(error)"))
        }
    }

    var handoff: PushHandoff { PushHandoff(gitDirectory: repository.gitDirectory) }

    /// The decider for a push by `pusher` with `passed` push options, reading this
    /// repository's objects and the settings' store (opened on first use).
    func decider(pusher: String, passed: [String]?, environment: (String) -> String?, store: LazyStore) -> PushDecider {
        let request = PushRequest(app: app, settings: settings, options: PushOptions.parse(passed),
                                  pusher: pusher, time: Clock.timestamp(),
                                  report: Report(pushOptionsEnabled: pushOptionsEnabled),
                                  gitlab: environment("GL_ID") != nil)
        let readers = PushReaders.live(repository: repository, store: store, settings: settings,
                                       app: app, pusher: pusher, mayTransmit: nil)
        return PushDecider(request: request, readers: readers)
    }
}

/// Prints a refusal (`Report.refusing` and the like) and returns the status that refuses.
func refuse(_ line: String, status: Int32 = 2) -> Int32 {
    printError([line])
    return status
}
