import PushGuardCore
import PushGuardSystem

/// Where the state lives, as named by a store URL.
public enum StoreLocation: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(url: String)
    case http(url: String)
    case exec(program: String)

    /// Parses `sqlite:PATH`, `postgres://…`, `postgresql://…`, `http(s)://…`, `exec:PROGRAM`.
    public static func parse(_ url: String) throws(StoreUsageError) -> StoreLocation {
        if url.hasPrefix("sqlite://") { return try sqlitePath(String(url.dropFirst("sqlite://".count)), url) }
        if url.hasPrefix("sqlite:") { return try sqlitePath(String(url.dropFirst("sqlite:".count)), url) }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres(url: url) }
        if url.hasPrefix("http://") || url.hasPrefix("https://") { return .http(url: url) }
        if url.hasPrefix("exec:"), url.count > 5 { return .exec(program: String(url.dropFirst(5))) }
        throw StoreUsageError("store \"\(redacted(url))\" is not a store URL; use sqlite:PATH, postgres://…, https://… or exec:PROGRAM")
    }

    private static func sqlitePath(_ path: String, _ url: String) throws(StoreUsageError) -> StoreLocation {
        guard !path.isEmpty else { throw StoreUsageError("store \"\(escapedForTerminal(url))\" names no file") }
        return .sqlite(path: path)
    }

    /// The URL with any password removed, for messages.
    public static func redacted(_ url: String) -> String {
        let parts = url.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let schemeEnd = parts[0].firstIndex(of: "/"),
              let colon = parts[0][schemeEnd...].firstIndex(of: ":") else {
            return escapedForTerminal(url)
        }
        return escapedForTerminal(String(parts[0][..<colon]) + ":***@" + parts[1])
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
    /// store be created; hooks pass false.
    public static func open(_ url: String, settings: Settings, create: Bool) throws -> StateStore {
        let timeout = settings.timeoutMilliseconds
        switch try StoreLocation.parse(url) {
        case .sqlite(let path):
            return try SQLStore.sqlite(path: path, create: create, timeoutMilliseconds: timeout)
        case .postgres(let url):
            return try SQLStore.postgres(url: url, timeoutMilliseconds: timeout)
        case .http(let base):
            return try HTTPStore(baseURL: base, tokenFile: settings.tokenFile, timeoutMilliseconds: timeout)
        case .exec(let program):
            return ExecStore(program: program, timeoutMilliseconds: timeout)
        }
    }

    /// A store PushGuard owns, for the commands that change config and instances.
    public static func openAdmin(_ url: String, settings: Settings, create: Bool) throws -> AdminStore {
        guard let store = try open(url, settings: settings, create: create) as? AdminStore else {
            throw StoreUsageError("store \(StoreLocation.redacted(url)) is the platform's; change config there")
        }
        return store
    }
}
