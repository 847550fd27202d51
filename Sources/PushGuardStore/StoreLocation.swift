import PushGuardCore
import PushGuardSystem

/// Where the state lives, as named by a store URL. Network stores keep their URL parsed for
/// credentials (`StoreURL`), so every message names them by the same redacted form.
public enum StoreLocation: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(StoreURL)
    case http(StoreURL)
    /// The helper's command line (after `exec:`).
    case exec(program: StoreURL)

    /// Parses `sqlite:PATH`, `postgres://…`, `postgresql://…`, `http(s)://…`, `exec:PROGRAM`.
    public static func parse(_ url: String) throws(Failure) -> StoreLocation {
        if url.hasPrefix("sqlite://") { return try sqlitePath(String(url.dropFirst("sqlite://".count)), url) }
        if url.hasPrefix("sqlite:") { return try sqlitePath(String(url.dropFirst("sqlite:".count)), url) }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres(StoreURL(url)) }
        if url.hasPrefix("http://") || url.hasPrefix("https://") { return .http(StoreURL(url)) }
        if url.hasPrefix("exec:"), url.count > 5 { return .exec(program: StoreURL(commandLine: String(url.dropFirst(5)))) }
        throw Failure.usage("store \"\(redacted(url))\" is not a store URL", fix: "use sqlite:PATH, postgres://…, https://… or exec:PROGRAM")
    }

    private static func sqlitePath(_ path: String, _ url: String) throws(Failure) -> StoreLocation {
        guard !path.isEmpty else { throw Failure.usage("store \"\(redacted(url))\" names no file") }
        return .sqlite(path: path)
    }

    /// The store URL as messages show it: credentials replaced by `***` (see `StoreURL`),
    /// escaped for a terminal. The same form the stores use in their own messages.
    public static func redacted(_ url: String) -> String { StoreURL(url).display }

    /// How messages name this store's location.
    public var display: String {
        switch self {
        case .sqlite(let path): return StoreURL(path).display
        case .postgres(let url), .http(let url): return url.display
        case .exec(let program): return "exec:" + program.display
        }
    }

    /// The default digest key path: `digest.key` beside an SQLite store.
    public var defaultDigestKeyPath: String {
        if case .sqlite(let path) = self { return parentDirectory(of: path) + "/digest.key" }
        return "/etc/pushguard/digest.key"
    }
}

/// Opens stores by URL.
public enum StoreOpener {
    /// Any store, for what hooks need (state, transmit, audit). `create` lets an SQLite
    /// store be created; hooks pass false. `deadline`: what the HTTP and exec stores' calls
    /// share (a hook's); without it each call gets the whole `pushguard.timeout`.
    public static func open(_ url: String, settings: Settings, create: Bool, deadline: StoreDeadline? = nil) throws -> StateStore {
        try open(StoreLocation.parse(url), settings: settings, create: create, deadline: deadline)
    }

    /// A store PushGuard owns, for the commands that change config and instances.
    public static func openAdmin(_ url: String, settings: Settings, create: Bool) throws -> AdminStore {
        let location = try StoreLocation.parse(url)
        guard let store = try open(location, settings: settings, create: create) as? AdminStore else {
            throw Failure.usage("store \(location.display) is the platform's", fix: "change config there")
        }
        (store as? SQLStore)?.addMissingIndexes()
        return store
    }

    private static func open(_ location: StoreLocation, settings: Settings, create: Bool, deadline: StoreDeadline? = nil) throws -> StateStore {
        let timeout = settings.timeoutMilliseconds
        let deadline = deadline ?? StoreDeadline(eachCall: timeout)
        switch location {
        case .sqlite(let path):
            return try SQLStore.sqlite(path: path, create: create, timeoutMilliseconds: timeout)
        case .postgres(let url):
            return try SQLStore.postgres(url: url, timeoutMilliseconds: timeout)
        case .http(let base):
            return try HTTPStore(url: base, tokenFile: settings.tokenFile, deadline: deadline)
        case .exec(let program):
            return ExecStore(program: program, deadline: deadline, passEnvironment: settings.passEnvironment)
        }
    }
}
