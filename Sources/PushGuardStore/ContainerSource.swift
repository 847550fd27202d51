import Glibc
import PushGuardCore
import PushGuardSystem

/// The truth of an environment whose instances are containers (`pushguard.<env>.containers`):
/// which containers run, read from the Docker Engine API (Docker, or Podman's compatible
/// service) on its unix socket, and what config each one really has, compared with the desired
/// config of an env file or of PushGuard's store.
///
/// Only GET requests are made: it never starts, stops or changes a container. No value leaves
/// this type: a container's variables become names and keyed digests (`DigestKey.digest`) as
/// soon as they are read. A container's environment never changes after it is created, so
/// what was read for a container id is kept in a cache file (`cacheDirectory`): a push whose
/// containers were all seen before costs one list call.
///
/// Requests are plain HTTP/1.0 on the socket (`EngineConnection`). Podman answers Docker's list
/// by building a Docker-shaped inspection of every container (about 0.9 ms each on Podman 4.3,
/// against 0.3 ms for its own list), so once an answer's headers said the engine is Podman the
/// cache remembers it and the next push asks Podman's own list, which also gives each
/// container's health. Everything is bounded: one deadline (`pushguard.timeout`) for all of a reading's requests,
/// 4 MiB per answer, at most `maxContainers` containers, 1 MiB of env file.
public final class ContainerSource {
    public let settings: ContainerSettings
    /// The environment section, for messages (`pushguard.production.containerSocket`).
    let environment: String
    let timeoutMilliseconds: Int
    let digestKey: [UInt8]
    /// Where the cache of container configs is kept; nil: every container is inspected.
    let cacheDirectory: String?
    private var connection: EngineConnection?
    private var deadline = 0
    /// Set when the digest key file is missing: an error only if the store holds digests.
    var missingKey: Failure?

    public static let maxContainers = 200
    static let maxResponseBytes = 4 << 20
    static let maxEnvFileBytes = 1 << 20
    /// The oldest API version PushGuard asks for: Docker 19.03 and Podman 3 serve it.
    static let apiPrefix = "/v1.40"
    /// Variables the runtime sets in every container, not config: left out of a container's
    /// applied config (a desired key of that name is still compared).
    public static let platformNames: Set<String> = ["PATH", "HOSTNAME", "HOME", "TERM", "container"]

    public init(settings: ContainerSettings, environment: String, timeoutMilliseconds: Int, digestKey: [UInt8],
                cacheDirectory: String?) {
        self.settings = settings
        self.environment = environment
        self.timeoutMilliseconds = max(1, timeoutMilliseconds)
        self.digestKey = digestKey
        self.cacheDirectory = cacheDirectory
    }

    /// One variable of a container: its name and the keyed digest of its value.
    public struct Variable: Equatable, Sendable {
        public enum Origin: String, Sendable {
            /// Set for this container: config.
            case config = "c"
            /// The same entry is in the image's own `Config.Env`.
            case image = "i"
            /// Set by the runtime in every container (`platformNames`).
            case platform = "p"
        }
        public var name: String
        public var digest: String
        public var origin: Origin
    }

    /// What inspecting a container found, kept in the cache for the container's lifetime.
    struct Inspected: Equatable {
        var variables: [Variable]
        /// The container has a health check (its own or its image's): its health may need
        /// asking for (`statusShowsHealth`).
        var healthCheck: Bool
    }

    /// True when `Config.Healthcheck` runs a test (`NONE` switches off the image's).
    static func hasHealthCheck(_ config: JSONObject) -> Bool {
        guard let test = config["Healthcheck"]?.objectValue?["Test"]?.arrayValue?.first?.stringValue else { return false }
        return !test.isEmpty && test != "NONE"
    }

    /// True when the list's status text already says the health (Docker: `Up 2 hours (healthy)`).
    static func statusShowsHealth(_ status: String) -> Bool {
        let text = status.lowercased()
        return text.contains("(healthy)") || text.contains("(unhealthy)") || text.contains("(health: ")
    }

    /// What the cache keeps: each container's inspection, and whether the engine said it is
    /// Podman (the libpod API version of its headers), so the next list asks Podman's own API.
    struct Cache: Equatable {
        var containers: [String: Inspected] = [:]
        var podmanAPI: String?
    }

    /// What one reading found: every container the selector matches (live or not), and the
    /// variables of each live one, by container id.
    public struct Reading: Sendable {
        public var containers: [ContainerSummary]
        public var variables: [String: [Variable]]
        /// How many containers had to be inspected (not found in the cache).
        public var inspected: Int

        public var live: [ContainerSummary] { containers.filter { $0.notLiveBecause == nil } }
    }

    var socketLabel: String { "the container socket " + escapedForTerminal(settings.socket) }
    var socketSetting: String { "pushguard." + escapedForTerminal(environment) + ".containerSocket" }

    // MARK: Reading the containers

    /// Lists the containers, then inspects those the cache does not know.
    public func read() throws(Failure) -> Reading {
        deadline = Clock.monotonicMilliseconds() + timeoutMilliseconds
        var cache = loadCache()
        let cached = cache
        let labels: (String, JSONValue) = ("label", .array(settings.selector.labelFilters.map { .string($0) }))
        let filters = ContainerSource.queryEncoded(JSONValue.object(JSONObject([labels])).encoded())
        // Podman's own list where the engine said it is Podman; Docker's (which Podman serves
        // too) otherwise, or when that answers 404: the socket's engine changed.
        var podmanAnswer: EngineAnswer?
        if let version = cache.podmanAPI {
            podmanAnswer = try getIfFound("/v" + version + "/libpod/containers/json?all=true&filters=" + filters)
        }
        let podmanList = podmanAnswer != nil
        let answer: EngineAnswer
        if let podmanAnswer { answer = podmanAnswer } else { answer = try get(ContainerSource.apiPrefix + "/containers/json?all=1&filters=" + filters) }
        cache.podmanAPI = answer.podmanAPI
        let listed = try json(answer.body, what: "GET /containers/json")
        guard let array = listed.arrayValue else {
            throw Failure.store("\(socketLabel): GET /containers/json did not answer a JSON array")
        }
        var containers: [ContainerSummary] = []
        for item in array {
            guard let object = item.objectValue, let id = object["Id"]?.stringValue, ContainerSource.isID(id) else {
                throw Failure.store("\(socketLabel): GET /containers/json listed a container without a usable Id")
            }
            var labels: [String: String] = [:]
            if let members = object["Labels"]?.objectValue?.members {
                for (key, value) in members { if let text = value.stringValue { labels[key] = text } }
            }
            guard settings.selector.matches(labels: labels) else { continue }
            var name = object["Names"]?.arrayValue?.first?.stringValue ?? String(id.prefix(12))
            if name.hasPrefix("/") { name.removeFirst() }
            var state = object["State"]?.stringValue ?? ""
            // Podman's own words for what Docker's list calls created and exited.
            if podmanList { state = ["configured": "created", "stopped": "exited"][state] ?? state }
            // Podman's own list gives the health as the status (`unhealthy`, `healthy`, `starting`).
            containers.append(ContainerSummary(id: id, name: name, state: state,
                                               status: object["Status"]?.stringValue ?? "",
                                               imageID: object["ImageID"]?.stringValue ?? "", labels: labels))
            guard containers.count <= ContainerSource.maxContainers else {
                throw Failure.store("\(escapedForTerminal(settings.selector.text)) matches more than \(ContainerSource.maxContainers) containers", fix: "name fewer (a service or process type)")
            }
        }
        containers.sort { ($0.name, $0.id) < ($1.name, $1.id) }
        Trace.mark(podmanList ? "containers listed by Podman's own API" : "containers listed")

        var variables: [String: [Variable]] = [:]
        var imageEnvironments: [String: Set<String>] = [:]
        var inspected = 0
        for container in containers where container.state.lowercased() == "running" {
            if let known = cache.containers[container.id] {
                variables[container.id] = known.variables
                continue
            }
            inspected += 1
            let inspection = try json(get(ContainerSource.apiPrefix + "/containers/" + container.id + "/json").body,
                                      what: "GET /containers/\(container.shortID)/json")
            guard let config = inspection.objectValue?["Config"]?.objectValue else {
                throw Failure.store("\(socketLabel): GET /containers/\(container.shortID)/json has no Config")
            }
            let entries = (config["Env"]?.arrayValue ?? []).compactMap(\.stringValue)
            let image = inspection.objectValue?["Image"]?.stringValue ?? container.imageID
            if imageEnvironments[image] == nil {
                imageEnvironments[image] = try imageEnvironment(image)
            }
            let fromImage = imageEnvironments[image] ?? []
            var found: [Variable] = []
            for entry in entries {
                let bytes = Array(entry.utf8)
                let equals = bytes.firstIndex(of: UInt8(ascii: "=")) ?? bytes.count
                let name = String(decoding: bytes[..<equals], as: UTF8.self)
                guard ContainerSource.isCachedName(name) else { continue }
                let value = equals < bytes.count ? Array(bytes[(equals + 1)...]) : []
                let origin: Variable.Origin = ContainerSource.platformNames.contains(name) ? .platform
                    : fromImage.contains(entry) ? .image : .config
                found.append(Variable(name: name, digest: DigestKey.digest(key: digestKey, name: name, value: value), origin: origin))
            }
            variables[container.id] = found
            cache.containers[container.id] = Inspected(variables: found, healthCheck: ContainerSource.hasHealthCheck(config))
        }
        cache.containers = cache.containers.filter { variables[$0.key] != nil }
        if cache != cached { saveCache(cache) }
        Trace.mark("\(inspected) of \(variables.count) containers inspected")

        // Docker's status text says "(unhealthy)", Podman's answer to Docker's list does not:
        // there the engine's own health filter says it, asked only when a running container has
        // a health check whose state its status text leaves out (most have none: one list call
        // in all). Podman's own list always says it. (`cache` now holds every running container.)
        if !podmanList, containers.contains(where: { variables[$0.id] != nil && cache.containers[$0.id]?.healthCheck == true
                                        && !ContainerSource.statusShowsHealth($0.status) }) {
            let unhealthy = JSONValue.object(JSONObject([labels, ("health", .array([.string("unhealthy")]))])).encoded()
            let answer = try json(get(ContainerSource.apiPrefix + "/containers/json?filters=" + ContainerSource.queryEncoded(unhealthy)).body,
                                  what: "GET /containers/json (health)")
            let ids = Set((answer.arrayValue ?? []).compactMap { $0.objectValue?["Id"]?.stringValue })
            for index in containers.indices where ids.contains(containers[index].id) { containers[index].unhealthy = true }
            Trace.mark("unhealthy containers listed")
        }
        return Reading(containers: containers, variables: variables, inspected: inspected)
    }

    /// The image's own `Config.Env` entries (`KEY=VALUE`), which are not config. Only compared
    /// with a container's entries in memory, never kept.
    private func imageEnvironment(_ image: String) throws(Failure) -> Set<String> {
        guard !image.isEmpty else { return [] }
        let name = image.hasPrefix("sha256:") ? String(image.dropFirst(7)) : image
        guard ContainerSource.isID(name) else { return [] }
        let response = try getIfFound(ContainerSource.apiPrefix + "/images/" + name + "/json")
        guard let response else { return [] }  // removed since: nothing of it is left out
        let value = try json(response.body, what: "GET /images/\(name.prefix(12))/json")
        let entries = value.objectValue?["Config"]?.objectValue?["Env"]?.arrayValue ?? []
        return Set(entries.compactMap(\.stringValue))
    }

    // MARK: The state of an environment

    /// The desired config from the env files: each key and the digest of its value, a later
    /// file's value winning (as Compose reads an `env_file` list and Dokku merges its global
    /// config under the app's). The files are the platform's (Compose's `env_file`, Dokku's
    /// ENV); a line that is not `KEY=VALUE` is named by its number only.
    public func desired(from files: [EnvFile]) throws(Failure) -> [(key: String, digest: String)] {
        var digests: [String: String] = [:]
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(file.path, limit: ContainerSource.maxEnvFileBytes)
            } catch {
                if file.optional && error.code == ENOENT { continue }
                throw Failure.store("cannot read the desired config \(escapedForTerminal(file.path)) (pushguard.\(escapedForTerminal(environment)).desiredEnvFile): \(error.code != 0 ? error.reason : error.description)")
            }
            do {
                for entry in try DotEnv.parse(bytes) {
                    digests[entry.key] = DigestKey.digest(key: digestKey, name: entry.key, value: entry.value)
                }
            } catch {
                throw Failure.store("the desired config \(escapedForTerminal(file.path)) cannot be read as an env file: \(error.description)")
            }
        }
        return digests.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The environment's state for a push or `status`: the live containers are its instances
    /// (those that do not count are draining), each desired key applied on the containers whose
    /// value has its digest. `stored`: PushGuard's store's state, when the desired config is
    /// kept there (`desiredEnvFile` not set; `store`).
    public func state(app: String, reading: Reading, stored: EnvironmentState?) throws(Failure) -> EnvironmentState {
        let live = reading.live
        func holders(_ key: String, _ digest: String) -> [String] {
            live.filter { container in reading.variables[container.id]?.contains { $0.name == key && $0.digest == digest } ?? false }.map(\.name)
        }
        func carriers(_ key: String) -> [String] {
            live.filter { container in reading.variables[container.id]?.contains { $0.name == key && $0.origin == .config } ?? false }.map(\.name)
        }
        var state: EnvironmentState
        let files = settings.desiredFiles
        if !files.isEmpty {
            let desired = try desired(from: files)
            state = EnvironmentState(app: app, environment: environment, desiredVersion: 0,
                                     config: desired.map {
                                         ConfigEntry(key: $0.key, version: 0, digest: $0.digest, appliedOn: holders($0.key, $0.digest))
                                     })
        } else {
            state = stored ?? EnvironmentState(app: app, environment: environment)
            state.config = state.config.map { entry in
                var entry = entry
                if entry.deleted {
                    let still = Set(carriers(entry.key))
                    entry.appliedOn = live.map(\.name).filter { !still.contains($0) }
                } else {
                    entry.appliedOn = holders(entry.key, entry.digest)
                }
                return entry
            }
        }
        state.instances = reading.containers.map {
            Instance(id: $0.name, appliedVersion: state.desiredVersion, state: $0.notLiveBecause == nil ? .active : .draining)
        }
        let workingDirectory = reading.containers.lazy.compactMap { $0.labels[ContainerSelector.composeWorkingDirectory] }.first
        state.platform = PlatformState(selector: settings.selector.text, live: live.map(\.shown),
                                       notLive: reading.containers.compactMap { container in
                                           container.notLiveBecause.map { container.shown + " " + $0 }
                                       },
                                       applyCommand: settings.syncCommand ?? settings.selector.applyCommand(workingDirectory: workingDirectory),
                                       desiredFiles: files.map(\.path), canSync: settings.syncCommand != nil)
        return state
    }

    // MARK: The cache

    /// One file per socket and selector, beside an SQLite store: `containers-HASH.cache`.
    var cachePath: String? {
        guard let cacheDirectory else { return nil }
        let identity = hexString(SHA256.hash(Array((settings.socket + "\n" + settings.selector.text).utf8)))
        return cacheDirectory + "/containers-" + identity.prefix(16) + ".cache"
    }

    /// Which digest key made the cache's digests: a new key makes it stale.
    var keyMark: String {
        hexString(HMACSHA256.authenticationCode(key: digestKey, message: Array("pushguard container cache".utf8))).prefix(16).description
    }

    static let cacheHeader = "pushguard-container-cache 3 "

    /// The cache, or an empty one when it is missing, stale or damaged. Its lines: the header
    /// (format and key mark), `P VERSION` when the engine is Podman, then `C ID [health]` for
    /// each container followed by its `E ORIGIN NAME DIGEST` lines.
    func loadCache() -> Cache {
        // A regular file only, opened without following a link or waiting on a FIFO.
        guard let path = cachePath else { return Cache() }
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { return Cache() }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return Cache() }
        let read = Files.readAll(descriptor, limit: 8 << 20)
        guard read.failed == nil, read.bytes.count <= 8 << 20 else { return Cache() }
        let bytes = read.bytes
        var cache = Cache()
        var current: String?
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
            let fields = line.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            if index == 0 {
                guard String(decoding: line, as: UTF8.self) == ContainerSource.cacheHeader + keyMark else { return Cache() }
                continue
            }
            if index == 1, fields.count == 2, fields[0] == "P", EngineConnection.isVersion(fields[1]) {
                cache.podmanAPI = fields[1]
            } else if (2...3).contains(fields.count), fields[0] == "C", ContainerSource.isID(fields[1]),
               fields.count == 2 || fields[2] == "health" {
                current = fields[1]
                cache.containers[fields[1]] = Inspected(variables: [], healthCheck: fields.count == 3)
            } else if fields.count == 4, fields[0] == "E", let id = current, let origin = Variable.Origin(rawValue: fields[1]),
                      ContainerSource.isCachedName(fields[2]), fields[3].hasPrefix("hmac-sha256:") {
                cache.containers[id]?.variables.append(Variable(name: fields[2], digest: fields[3], origin: origin))
            } else {
                return Cache()
            }
        }
        return cache
    }

    /// Keeps only the containers of this reading; a cache that cannot be written is only slower.
    func saveCache(_ cache: Cache) {
        guard let path = cachePath else { return }
        var text = ContainerSource.cacheHeader + keyMark + "\n"
        if let version = cache.podmanAPI { text += "P " + version + "\n" }
        for (id, inspected) in cache.containers.sorted(by: { $0.key < $1.key }) {
            text += "C " + id + (inspected.healthCheck ? " health" : "") + "\n"
            for variable in inspected.variables { text += "E " + variable.origin.rawValue + " " + variable.name + " " + variable.digest + "\n" }
        }
        try? Files.writeAtomically(path, Array(text.utf8), mode: 0o600)
    }

    // MARK: Requests

    /// `GET path` on the socket; any status but 200 is an error.
    private func get(_ path: String) throws(Failure) -> EngineAnswer {
        try successful(request(path), path)
    }

    /// `GET path`, nil when the engine answers 404 (the thing or the path is not there).
    private func getIfFound(_ path: String) throws(Failure) -> EngineAnswer? {
        let answer = try request(path)
        return answer.status == 404 ? nil : try successful(answer, path)
    }

    private func successful(_ answer: EngineAnswer, _ path: String) throws(Failure) -> EngineAnswer {
        guard answer.status == 200 else {
            let line = HTTPStore.firstLine(answer.body)
            throw Failure.store("\(socketLabel): GET \(escapedForTerminal(String(path.prefix { $0 != "?" }))) answered HTTP \(answer.status)" + (line.isEmpty ? "" : ": " + line))
        }
        return answer
    }

    /// One request within what is left of the reading's deadline, on the socket opened once.
    private func request(_ path: String) throws(Failure) -> EngineAnswer {
        let remaining = deadline - Clock.monotonicMilliseconds()
        guard remaining > 0 else {
            throw Failure.store("\(socketLabel): no answer within \(timeoutMilliseconds) ms (pushguard.timeout)", timedOut: true)
        }
        if connection == nil { connection = try EngineConnection(socket: settings.socket, label: socketLabel, setting: socketSetting) }
        return try connection!.get(path, timeoutMilliseconds: remaining, totalTimeout: timeoutMilliseconds)
    }

    private func json(_ body: [UInt8], what: String) throws(Failure) -> JSONValue {
        do {
            return try JSONParser.parse(body, maxDepth: 32, duplicateNames: .keepAll)
        } catch {
            throw Failure.store("\(socketLabel): \(what) answered no JSON: \(error.message)")
        }
    }

    /// A container or image id: 12 to 64 lowercase hex digits.
    static func isID(_ text: String) -> Bool {
        (12...64).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Names the cache keeps (and so compares): no space, control or line break, at most 256 bytes.
    static func isCachedName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256 && name.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    /// Percent-encodes a query value (everything but unreserved characters).
    static func queryEncoded(_ text: String) -> String {
        HTTPStore.pathSegment(text)
    }
}

/// HTTP/1.0 GET requests on the engine's unix socket: one connection per request, read to
/// its end within a deadline, answers at most 4 MiB. A client of its own rather than libcurl:
/// loading libcurl and the libraries it needs cost a hook 10-15 ms here, more than the whole
/// list call, and a GET of a JSON document on a local socket needs none of it.
/// One answer of the engine: its HTTP status and body, and the API version of Podman's own
/// API when its headers name one (`Libpod-Api-Version`; Docker sends none).
struct EngineAnswer: Equatable {
    var status: Int
    var body: [UInt8]
    var podmanAPI: String?
}

final class EngineConnection {
    let socket: String
    let label: String

    init(socket: String, label: String, setting: String) throws(Failure) {
        self.socket = socket
        self.label = label
        // Said before any connection, so the admin reads why in words.
        var info = stat()
        if stat(socket, &info) != 0 {
            if errno == ENOENT {
                throw Failure.store("\(label) does not exist (\(setting)); is the Docker or Podman service running, and is this its socket?")
            }
            throw Failure.store("\(label) cannot be reached: \(lastErrorText()) (\(setting))")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw Failure.store("\(label) is not a socket (\(setting))")
        }
        if access(socket, R_OK | W_OK) != 0 {
            let user = Identity.effectiveUserName() ?? "uid \(getuid())"
            throw Failure.store("\(label) is not readable and writable by \(escapedForTerminal(user)) (mode \(String(info.st_mode & 0o777, radix: 8)), owner uid \(info.st_uid) gid \(info.st_gid))", fix: "give the hook's user access (the docker group, or a read-only socket proxy) — see docs/admin-guide.md, \"Containers\"")
        }
        guard socket.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw Failure.store("\(label): the path is longer than a unix socket's path may be (\(setting))")
        }
    }

    /// One GET; the status and the body (at most 4 MiB), within `timeoutMilliseconds`.
    func get(_ path: String, timeoutMilliseconds: Int, totalTimeout: Int) throws(Failure) -> EngineAnswer {
        let deadline = Clock.monotonicMilliseconds() + timeoutMilliseconds
        let timedOut = Failure.store("\(label): no answer within \(totalTimeout) ms (pushguard.timeout)", timedOut: true)
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.store("\(label): no socket: \(lastErrorText())") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socket.utf8.enumerated() { buffer[index] = byte }
        }
        while true {
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if connected == 0 { break }
            // A full backlog: the engine is not accepting; try again until the deadline.
            if errno == EAGAIN || errno == EINTR {
                guard Clock.monotonicMilliseconds() < deadline else { throw timedOut }
                usleep(5000)
                continue
            }
            if errno == EINPROGRESS {
                guard wait(descriptor, for: Int16(POLLOUT), until: deadline) else { throw timedOut }
                var failure: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
                if failure == 0 { break }
                errno = failure
            }
            if errno == ECONNREFUSED { throw Failure.store("\(label): nothing listens on it (is the Docker or Podman service running?)") }
            throw Failure.store("\(label): cannot connect: \(lastErrorText())")
        }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\nUser-Agent: pushguard\r\nAccept: application/json\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 { sent += count; continue }
            if count < 0 && (errno == EAGAIN || errno == EINTR) {
                guard wait(descriptor, for: Int16(POLLOUT), until: deadline) else { throw timedOut }
                continue
            }
            throw Failure.store("\(label): the request could not be sent: \(lastErrorText())")
        }
        let limit = ContainerSource.maxResponseBytes + (64 << 10)
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                answer.append(contentsOf: chunk[0..<count])
                guard answer.count <= limit else { throw Failure.store("\(label): an answer larger than 4 MiB") }
                continue
            }
            if count == 0 { break }
            if errno == EAGAIN || errno == EINTR {
                guard wait(descriptor, for: Int16(POLLIN), until: deadline) else { throw timedOut }
                continue
            }
            throw Failure.store("\(label): the answer could not be read: \(lastErrorText())")
        }
        return try EngineConnection.parse(answer, label: label)
    }

    /// Waits until the descriptor is ready for `events`; false at the deadline.
    private func wait(_ descriptor: Int32, for events: Int16, until deadline: Int) -> Bool {
        while true {
            let remaining = deadline - Clock.monotonicMilliseconds()
            guard remaining > 0 else { return false }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining, Int(Int32.max))))
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }  // the next call says what failed
        }
    }

    /// A version as Podman's headers give it (`4.3.1`): digits and dots, at most 16 bytes, so it
    /// is safe in a request path and a cache line.
    static func isVersion(_ text: String) -> Bool {
        (1...16).contains(text.utf8.count) && text.utf8.first != UInt8(ascii: ".")
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
    }

    /// The status and body of an HTTP/1.x answer (`Content-Length`, chunked, or to the end),
    /// and the Podman API version its headers name. Parsed as bytes, as the hook parses everything.
    static func parse(_ answer: [UInt8], label: String) throws(Failure) -> EngineAnswer {
        var end = -1
        var index = 0
        while index + 3 < answer.count {
            if answer[index] == 13 && answer[index + 1] == 10 && answer[index + 2] == 13 && answer[index + 3] == 10 { end = index; break }
            index += 1
        }
        guard end >= 0 else { throw Failure.store("\(label): the answer is not HTTP (no end of its headers)") }
        // Header lines, without their CR.
        let lines = splitLines(answer[..<end])
        let statusParts = (lines.first ?? []).split(separator: 32)
        guard statusParts.count >= 2, statusParts[0].starts(with: Array("HTTP/1.".utf8)),
              let status = Int(String(decoding: statusParts[1], as: UTF8.self)) else {
            throw Failure.store("\(label): the answer is not HTTP: \(HTTPStore.firstLine(Array(answer.prefix(200))))")
        }
        func text(_ bytes: ArraySlice<UInt8>) -> String {
            String(decoding: bytes.drop(while: { $0 == 32 || $0 == 9 }), as: UTF8.self).lowercased()
        }
        var length: Int?
        var chunked = false
        var podmanAPI: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = text(line[..<colon]), value = text(line[(colon + 1)...])
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding" && value.hasSuffix("chunked") { chunked = true }
            if name == "libpod-api-version" && isVersion(value) { podmanAPI = value }
        }
        var body = Array(answer[(end + 4)...])
        if chunked {
            var decoded: [UInt8] = []
            var position = 0
            while true {
                guard let lineEnd = body[position...].firstIndex(of: 10) else {
                    throw Failure.store("\(label): a chunked answer that is cut")
                }
                let sizeText = body[position..<lineEnd].prefix { $0 != 59 && $0 != 13 && $0 != 32 }
                guard let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16), size >= 0 else {
                    throw Failure.store("\(label): a malformed chunked answer")
                }
                position = lineEnd + 1
                if size == 0 { break }
                guard size <= body.count - position else { throw Failure.store("\(label): a chunked answer that is cut") }
                decoded += body[position..<(position + size)]
                position = min(body.count, position + size + 2)
            }
            body = decoded
        } else if let length {
            guard body.count >= length else { throw Failure.store("\(label): the answer was cut (\(body.count) of \(length) bytes)") }
            body = Array(body.prefix(length))
        }
        return EngineAnswer(status: status, body: body, podmanAPI: podmanAPI)
    }
}

extension ContainerSource {
    /// The source of an environment with `containers` set, as the settings give it: the digest
    /// key (read, never created: the store's), and the cache beside an SQLite store when
    /// `useCache` (hooks; the admin's commands read the truth every time).
    public static func open(settings: Settings, environment: EnvironmentSettings, useCache: Bool) throws(Failure) -> ContainerSource? {
        guard let containers = environment.containers else { return nil }
        let location = try? StoreLocation.parse(settings.store)
        let keyPath = settings.digestKeyPath ?? location?.defaultDigestKeyPath ?? "/etc/pushguard/digest.key"
        // With the desired config in an env file, nothing is compared with the store's digests:
        // the key may be made here (as `config set` would make it). With the store's config it
        // must be the key that made those digests.
        // The admin's commands (no cache) create nothing: without a key file, digests made with a
        // key of their own are compared within the command and forgotten.
        var key: [UInt8]
        var missingKey: Failure?
        if !containers.desiredFiles.isEmpty {
            key = useCache ? try DigestKey.loadOrCreate(path: keyPath) : ((try? DigestKey.load(path: keyPath)) ?? ContainerSource.randomKey())
        } else if Files.exists(keyPath) {
            key = try DigestKey.load(path: keyPath)
        } else {
            // Without a key the store can hold no digests to compare; said if it does.
            key = ContainerSource.randomKey()
            missingKey = Failure.store("the digest key \(escapedForTerminal(keyPath)) is missing, but the store holds config digests made with it", fix: "restore the file from your backup")
        }
        var cacheDirectory: String?
        // (A key made up here changes every run: the cache then only misses, it never misleads.)
        if useCache, case .sqlite(let path) = location { cacheDirectory = parentDirectory(of: path) }
        let source = ContainerSource(settings: containers, environment: environment.name,
                                     timeoutMilliseconds: settings.timeoutMilliseconds, digestKey: key, cacheDirectory: cacheDirectory)
        source.missingKey = missingKey
        return source
    }

    /// 32 random bytes for digests compared only within this process.
    static func randomKey() -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 32)
        let source = Glibc.open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if source >= 0 {
            _ = key.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, 32) }
            close(source)
        }
        return key
    }

    /// Reads the containers and builds the environment's state; `stored` is asked only when the
    /// desired config is PushGuard's own.
    public func readState(app: String, stored: () throws -> EnvironmentState) throws -> EnvironmentState {
        let reading = try read()
        let storedState = settings.desiredFiles.isEmpty ? try stored() : nil
        if let missingKey, storedState?.config.contains(where: { !$0.deleted }) == true { throw missingKey }
        return try state(app: app, reading: reading, stored: storedState)
    }

    /// Runs `syncCommand` as `PushCommand` runs a push's commands. Its exit status alone proves
    /// nothing: the caller reads the containers again.
    public static func runSyncCommand(_ command: String, settings: Settings, app: String, environment: String,
                                      by: String) -> (failure: String?, output: [String]) {
        do {
            return try PushCommand.run(command, what: "sync", settings: settings, app: app, environment: environment, by: by)
        } catch {
            return ("the sync command could not be started: \(error.description)", [])
        }
    }
}
