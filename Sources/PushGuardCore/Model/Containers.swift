/// `pushguard.<env>.containers`: which containers are an environment's instances, read from
/// the Docker Engine API (Docker or Podman) instead of PushGuard's own bookkeeping.
public enum ContainerSelector: Equatable, Sendable {
    /// A Compose project's service(s): labels `com.docker.compose.project` and `…service`.
    case compose(project: String, services: [String])
    /// A Dokku app's process types (all when empty): labels `com.dokku.app-name`,
    /// `com.dokku.process-type`, and `com.dokku.container-type=deploy` (not `run` or `cron`).
    case dokku(app: String, processes: [String])
    /// Any container carrying the label `key=value`.
    case label(key: String, value: String)

    public static let composeProject = "com.docker.compose.project"
    public static let composeService = "com.docker.compose.service"
    public static let composeOneOff = "com.docker.compose.oneoff"
    public static let composeWorkingDirectory = "com.docker.compose.project.working_dir"
    public static let dokkuApp = "com.dokku.app-name"
    public static let dokkuProcess = "com.dokku.process-type"
    public static let dokkuContainerType = "com.dokku.container-type"

    /// The forms, for messages.
    static let forms = "compose:PROJECT/SERVICE[,SERVICE…], dokku:APP[/PROCESS[,PROCESS…]] or label:KEY=VALUE"

    /// Parses a setting's value; the error names what was probably meant.
    public static func parse(_ text: String, setting: String) -> Result<ContainerSelector, Failure> {
        func problem(_ why: String) -> Result<ContainerSelector, Failure> {
            .failure(.settings("\(escapedForTerminal(setting)) is \"\(escapedForTerminal(text))\": \(why) (use \(forms))"))
        }
        guard let colon = text.firstIndex(of: ":") else {
            if text.contains("=") { return problem("did you mean `label:\(escapedForTerminal(text))`?") }
            if text.contains("/") { return problem("did you mean `compose:\(escapedForTerminal(text))`?") }
            return problem("no kind before the colon")
        }
        let kind = String(text[..<colon]).lowercased()
        let rest = String(text[text.index(after: colon)...])
        func names(_ list: Substring) -> [String]? {
            let parts = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return parts.allSatisfy(isName) ? parts : nil
        }
        switch kind {
        case "compose":
            guard let slash = rest.firstIndex(of: "/") else {
                return problem("name the service after the project: compose:\(escapedForTerminal(rest))/SERVICE")
            }
            let project = String(rest[..<slash])
            guard isName(project) else { return problem("the project name is empty or holds characters Compose does not use") }
            guard let services = names(rest[rest.index(after: slash)...]) else {
                return problem("the service list is empty or holds characters Compose does not use")
            }
            return .success(.compose(project: project, services: services))
        case "dokku":
            let slash = rest.firstIndex(of: "/")
            let app = String(rest[..<(slash ?? rest.endIndex)])
            guard isName(app) else { return problem("the app name is empty or holds characters Dokku does not use") }
            guard let slash else { return .success(.dokku(app: app, processes: [])) }
            guard let processes = names(rest[rest.index(after: slash)...]) else {
                return problem("the process type list is empty or holds characters Dokku does not use")
            }
            return .success(.dokku(app: app, processes: processes))
        case "label":
            guard let equals = rest.firstIndex(of: "="), equals != rest.startIndex else {
                return problem("write the label as KEY=VALUE")
            }
            let key = String(rest[..<equals]), value = String(rest[rest.index(after: equals)...])
            guard key.utf8.count <= 256, value.utf8.count <= 1024,
                  !key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }),
                  !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                return problem("the label holds control characters, or is too long")
            }
            return .success(.label(key: key, value: value))
        default:
            let meant = Vocabulary.nearest(to: kind, among: ["compose", "dokku", "label"])
            return problem("unknown kind \"\(escapedForTerminal(kind))\"" + (meant.map { "; did you mean `\($0):\(escapedForTerminal(rest))`?" } ?? ""))
        }
    }

    /// Compose project and service names, Dokku app and process names: letters, digits, `_ . -`.
    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    /// As an admin writes it.
    public var text: String {
        switch self {
        case .compose(let project, let services): return "compose:" + project + "/" + services.joined(separator: ",")
        case .dokku(let app, let processes): return "dokku:" + app + (processes.isEmpty ? "" : "/" + processes.joined(separator: ","))
        case .label(let key, let value): return "label:" + key + "=" + value
        }
    }

    /// The label filters of the list call, all of which a container must carry. What one
    /// filter cannot say (one of several services) is checked by `matches`.
    public var labelFilters: [String] {
        switch self {
        case .compose(let project, let services):
            return [ContainerSelector.composeProject + "=" + project]
                + (services.count == 1 ? [ContainerSelector.composeService + "=" + services[0]] : [])
        case .dokku(let app, let processes):
            return [ContainerSelector.dokkuApp + "=" + app]
                + (processes.count == 1 ? [ContainerSelector.dokkuProcess + "=" + processes[0]] : [])
        case .label(let key, let value):
            return [key + "=" + value]
        }
    }

    /// True when a listed container is one of the environment's: the filters again (a server
    /// that ignored them is not trusted), the service or process type, and no one-off container
    /// (`docker compose run`, `dokku run`, Dokku's cron).
    public func matches(labels: [String: String]) -> Bool {
        switch self {
        case .compose(let project, let services):
            return labels[ContainerSelector.composeProject] == project
                && services.contains(labels[ContainerSelector.composeService] ?? "\u{0}")
                && labels[ContainerSelector.composeOneOff]?.lowercased() != "true"
        case .dokku(let app, let processes):
            guard labels[ContainerSelector.dokkuApp] == app else { return false }
            if let type = labels[ContainerSelector.dokkuContainerType], type != "deploy" { return false }
            return processes.isEmpty || processes.contains(labels[ContainerSelector.dokkuProcess] ?? "\u{0}")
        case .label(let key, let value):
            return labels[key] == value
        }
    }

    /// The env files the platform creates containers from, when it has one place for them:
    /// Dokku's global config, then the app's own (`/var/lib/dokku/config/APP/ENV`), as
    /// `dokku config:export --merged` merges them. The global file exists only once a global
    /// key was set.
    public var platformEnvFiles: [EnvFile] {
        guard case .dokku(let app, _) = self else { return [] }
        return [EnvFile(path: "/var/lib/dokku/config/--global/ENV", optional: true),
                EnvFile(path: "/var/lib/dokku/config/" + app + "/ENV")]
    }

    /// The platform's own command that recreates the containers from the desired config, shown
    /// when `syncCommand` is not set (it is never run unless an admin sets it). `workingDirectory`
    /// is Compose's label of where the project was started.
    public func applyCommand(workingDirectory: String?) -> String? {
        switch self {
        case .compose(let project, let services):
            let up = "docker compose -p " + shellQuoted(project) + " up -d " + services.map(shellQuoted).joined(separator: " ")
            return workingDirectory.map { "cd " + shellQuoted($0) + " && " + up } ?? up
        case .dokku(let app, _):
            return "dokku ps:rebuild " + shellQuoted(app)
        case .label:
            return nil
        }
    }
}

/// An environment whose instances are containers (`pushguard.<env>.containers` and its
/// companions).
public struct ContainerSettings: Equatable, Sendable {
    public static let defaultSocket = "/var/run/docker.sock"

    public var selector: ContainerSelector
    /// `containerSocket`: the Engine API's unix socket.
    public var socket: String
    /// `desiredEnvFile`, each value given (it may be given several times, as Compose's
    /// `env_file` may list several files): the dotenv files holding the desired config, a
    /// later file's value winning; `[store]`: PushGuard's store; empty: the platform's files
    /// (Dokku's), else PushGuard's store.
    public var desiredEnvFiles: [String]
    /// `syncCommand`: what `-o pushguard.sync` and `autoSync` run to recreate the containers.
    public var syncCommand: String?

    public init(selector: ContainerSelector, socket: String = ContainerSettings.defaultSocket,
                desiredEnvFiles: [String] = [], syncCommand: String? = nil) {
        self.selector = selector
        self.socket = socket
        self.desiredEnvFiles = desiredEnvFiles
        self.syncCommand = syncCommand
    }

    /// `desiredEnvFile = store`: the desired config is PushGuard's own, even for Dokku.
    public static let storeWord = "store"

    /// The files the desired config is read from, in order (a later file's value wins); empty
    /// for PushGuard's store.
    public var desiredFiles: [EnvFile] {
        if desiredEnvFiles == [ContainerSettings.storeWord] { return [] }
        if !desiredEnvFiles.isEmpty { return desiredEnvFiles.map { EnvFile(path: $0) } }
        return selector.platformEnvFiles
    }
}

/// A dotenv file of desired config. An optional one that does not exist holds no key; any
/// other that cannot be read is a store failure.
public struct EnvFile: Equatable, Sendable {
    public var path: String
    public var optional: Bool
    public init(path: String, optional: Bool = false) {
        self.path = path
        self.optional = optional
    }
}

/// One container as the list call shows it.
public struct ContainerSummary: Equatable, Sendable {
    public var id: String
    public var name: String
    /// `running`, `exited`, `restarting`, `paused`, `created`, `dead`, …
    public var state: String
    /// The human status (`Up 3 minutes (unhealthy)`), where health shows.
    public var status: String
    public var imageID: String
    public var labels: [String: String]
    /// The engine lists it as unhealthy (its health check fails).
    public var unhealthy = false

    public init(id: String, name: String, state: String, status: String, imageID: String, labels: [String: String]) {
        self.id = id
        self.name = name
        self.state = state
        self.status = status
        self.imageID = imageID
        self.labels = labels
    }

    /// The first 12 characters of the id, as `docker ps` shows it.
    public var shortID: String { String(id.prefix(12)) }

    /// `web-1 (3f2a1b9c0d12)`, escaped.
    public var shown: String { escapedForTerminal(name) + " (" + escapedForTerminal(shortID) + ")" }

    /// Nil when the container counts as live (running and not unhealthy); else what it is.
    public var notLiveBecause: String? {
        if state.lowercased() != "running" { return state.isEmpty ? "in an unknown state" : escapedForTerminal(state.lowercased()) }
        if unhealthy || status.lowercased().contains("unhealthy") { return "unhealthy" }
        return nil
    }
}

/// Where an environment's truth came from, when its instances are containers: named in the
/// pusher's block, the audit and notes.
public struct PlatformState: Equatable, Sendable {
    /// `compose:shop/web`.
    public var selector: String
    /// The live containers, `name (short id)`, escaped.
    public var live: [String]
    /// Containers the selector matches that do not count, `name (short id) exited`, escaped.
    public var notLive: [String]
    /// The command that recreates the containers from the desired config (the `syncCommand`,
    /// else the platform's own), unescaped; nil when there is none to name.
    public var applyCommand: String?
    /// The files the desired config was read from, in order; empty: PushGuard's store.
    public var desiredFiles: [String]
    /// True when a push can run `syncCommand`.
    public var canSync: Bool

    public init(selector: String, live: [String], notLive: [String], applyCommand: String?,
                desiredFiles: [String], canSync: Bool) {
        self.selector = selector
        self.live = live
        self.notLive = notLive
        self.applyCommand = applyCommand
        self.desiredFiles = desiredFiles
        self.canSync = canSync
    }

    /// Where a key that is not set is added: the last of the files (Dokku's app file, the
    /// last `env_file`); nil: PushGuard's store.
    public var desiredFile: String? { desiredFiles.last }

    /// The files the desired config came from, escaped (`a, b`), or PushGuard's store.
    public var desiredSource: String? {
        desiredFiles.isEmpty ? nil : desiredFiles.map(escapedForTerminal).joined(separator: ", ")
    }

    /// `containers: web-1 (…), web-2 (…); not counted: web-3 (…) exited`, for audit reasons and notes.
    public var summary: String {
        var text = "containers (" + escapedForTerminal(selector) + "): " + (live.isEmpty ? "none running" : live.prefix(20).joined(separator: ", "))
        if live.count > 20 { text += ", … and \(live.count - 20) more" }
        if !notLive.isEmpty { text += "; not counted: " + notLive.prefix(10).joined(separator: ", ") }
        return text
    }
}
