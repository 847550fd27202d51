import CCurl
import Glibc
import PushGuardCore
import PushGuardSystem

/// The platform's own API as the store (`http(s)://BASE`, SPEC "Contracts for the platform's
/// own store"): the state document comes from `GET …/config-state`, the platform transmits on
/// `POST …/transmit`, and a push's audit records go to `POST …/audit/batch`, one request per
/// environment (one `POST …/audit` per record to a server that does not know the batch form).
///
/// Every request goes through libcurl, loaded with dlopen on first use (see CCurl), and is
/// bounded: a hook's requests share `timeout` (`StoreDeadline`), redirect hops included; 1 MiB of response,
/// http and https only, certificates verified against the system trust store. Redirects are
/// followed by hand, at most three hops and only on the same scheme, host and port, so the
/// bearer token never leaves the origin it was configured for. Messages name the store by its
/// redacted URL (`StoreURL`) and never carry the token, a credential of the URL, or more of a
/// response than one escaped line.
public final class HTTPStore: StateStore {
    /// The base URL without trailing slashes.
    public let baseURL: String
    /// The URL as configured, for messages.
    private let url: StoreURL
    private let token: String?
    private let deadline: StoreDeadline
    /// The server answered the batch form of the audit as something it does not know.
    private var batchUnsupported = false
    /// `PUSHGUARD_CA_FILE`: a CA bundle to verify against instead of the system's (tests,
    /// self-hosted CAs). Verification itself can never be turned off.
    private let caFile: String?
    private let origin: Origin
    private var connection: Connection?

    static let maxResponseBytes = 1 << 20
    static let maxRedirects = 3
    static let maxTokenFileBytes = 64 << 10

    /// Each call gets the whole timeout (the admin commands, tests).
    public convenience init(url: StoreURL, tokenFile: String?, timeoutMilliseconds: Int) throws(Failure) {
        try self.init(url: url, tokenFile: tokenFile, deadline: StoreDeadline(eachCall: max(1, timeoutMilliseconds)))
    }

    public init(url: StoreURL, tokenFile: String?, deadline: StoreDeadline) throws(Failure) {
        var base = url.text
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.url = url
        self.deadline = deadline
        let label = "HTTP store " + url.display
        guard let origin = Origin(url: base), !base.contains("?"), !base.contains("#") else {
            throw Failure.store("\(label) is not a usable http(s) base URL (expected http://HOST[:PORT][/PATH] or https://…, without ? or #)")
        }
        self.origin = origin
        // Checked before the token is read or libcurl loaded: nothing is sent.
        if let tokenFile, !tokenFile.isEmpty, origin.scheme == "http", !origin.isLoopback {
            throw Failure.store("\(label): refusing to send the token from pushguard.tokenFile over plain http to "
                + "\(escapedForTerminal(origin.host)), which is not this machine; use an https:// URL in pushguard.store "
                + "(plain http is allowed only to loopback: 127.0.0.0/8, [::1], localhost)")
        }
        if let tokenFile, !tokenFile.isEmpty {
            token = try HTTPStore.readToken(path: tokenFile)
        } else {
            token = nil
        }
        if let value = getenv("PUSHGUARD_CA_FILE"), value.pointee != 0 {
            caFile = String(cString: value)
        } else {
            caFile = nil
        }
        var error = [CChar](repeating: 0, count: 512)
        let loaded = error.withUnsafeMutableBufferPointer { buffer in
            pushguard_curl_load(buffer.baseAddress, buffer.count)
        }
        guard loaded == 0 else {
            let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw Failure.store("\(label): \(url.scrub(message))")
        }
    }

    public var transmitsConfig: Bool { true }

    // MARK: StateStore

    public func state(app: String, environment: String) throws(Failure) -> EnvironmentState {
        let path = environmentPath(app, environment) + "/config-state"
        let response = try request(.get, path: path)
        switch response.status {
        case 200:
            return try stateDocument(response.body, path: path, app: app, environment: environment)
        case 404:
            // The contract: the platform does not know this app or environment. Nothing can be
            // in sync with it; the push follows the environment's mode.
            return EnvironmentState(app: app, environment: environment, known: false)
        case 401, 403:
            throw tokenRefused(response.status)
        default:
            throw unexpected(response, method: "GET", path: path)
        }
    }

    public func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws(Failure) -> Int64 {
        let path = environmentPath(app, environment) + "/transmit"
        let body = JSONValue.object(JSONObject([
            ("instances", instances.map { ids in .array(ids.map { .string($0) }) } ?? .null),
            ("by", .string(by)),
            ("at", .string(at)),
        ])).encoded()
        let response = try request(.post(Array(body.utf8)), path: path)
        switch response.status {
        case 200..<300:
            // The platform may answer with the new state; otherwise ask for it.
            if let state = try? StateDocument.decode(response.body), state.app == app, state.environment == environment {
                return state.desiredVersion
            }
            return try self.state(app: app, environment: environment).desiredVersion
        case 401, 403:
            throw tokenRefused(response.status)
        default:
            throw unexpected(response, method: "POST", path: path)
        }
    }

    /// The records of each environment in one `POST …/audit/batch` (`{"records": […]}`); to a
    /// server that answers it 400, 404, 405 or 501 (one that predates it), one `POST …/audit`
    /// per record. Stops at the first failure and says how many records were not sent.
    public func appendAudit(_ records: [AuditRecord]) throws(Failure) {
        var sent = 0
        do throws(Failure) {
            for group in AuditRecord.byEnvironment(records) {
                // Escaped text (`AuditRecord.escaped`), still valid JSON: the platform may print what it keeps.
                let objects = group.map { $0.escaped.json }
                if group.count > 1, !batchUnsupported, try appendBatch(objects, app: group[0].app, environment: group[0].environment) {
                    sent += group.count
                    continue
                }
                for (record, object) in zip(group, objects) {
                    try appendAudit(object, app: record.app, environment: record.environment)
                    sent += 1
                }
            }
        } catch {
            throw error.notSending(records.count - sent, of: records.count)
        }
    }

    /// True when the server took the batch; false when it does not know the form.
    private func appendBatch(_ objects: [JSONValue], app: String, environment: String) throws(Failure) -> Bool {
        let path = environmentPath(app, environment) + "/audit/batch"
        let body = JSONValue.object(JSONObject([("records", .array(objects))])).encoded()
        let response = try request(.post(Array(body.utf8)), path: path)
        switch response.status {
        case 200..<300:
            return true
        case 400, 404, 405, 501:
            batchUnsupported = true
            return false
        case 401, 403:
            throw tokenRefused(response.status)
        default:
            throw unexpected(response, method: "POST", path: path)
        }
    }

    private func appendAudit(_ object: JSONValue, app: String, environment: String) throws(Failure) {
        let path = environmentPath(app, environment) + "/audit"
        let response = try request(.post(Array(object.encoded().utf8)), path: path)
        switch response.status {
        case 200..<300:
            return
        case 401, 403:
            throw tokenRefused(response.status)
        default:
            throw unexpected(response, method: "POST", path: path)
        }
    }

    // MARK: Messages

    private var label: String { "HTTP store " + url.display }

    /// Text from libcurl or the server, escaped, without the token or a credential of the URL
    /// (a server may echo what it was sent).
    private func scrubbed(_ text: String) -> String {
        url.scrub(token.map { text.replacingEvery($0, with: "***") } ?? text)
    }

    private func tokenRefused(_ status: Int) -> Failure {
        if token == nil {
            return Failure.store("\(label) requires a token (HTTP \(status))", fix: "set pushguard.tokenFile to a file holding the platform's API token")
        }
        return Failure.store("\(label) refused the token from pushguard.tokenFile (HTTP \(status))", fix: "check that the file holds a valid API token")
    }

    private func unexpected(_ response: Response, method: String, path: String) -> Failure {
        let line = HTTPStore.firstLine(response.body, hiding: scrubbed)
        return Failure.store("\(label): \(method) \(path) answered HTTP \(response.status)" + (line.isEmpty ? "" : ": " + line))
    }

    private func stateDocument(_ body: [UInt8], path: String, app: String, environment: String) throws(Failure) -> EnvironmentState {
        let state: EnvironmentState
        do {
            state = try StateDocument.decode(body)
        } catch {
            throw Failure.store("\(label): GET \(path) returned a malformed state document: \(scrubbed(error.message))")
        }
        guard state.app == app, state.environment == environment else {
            throw Failure.store("\(label): GET \(path) returned a malformed state document: it describes "
                + "\(escapedForTerminal(state.app))/\(escapedForTerminal(state.environment)), not "
                + "\(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
        return state
    }

    /// The first line of a response body, with what `hide` hides hidden (before it is cut, so
    /// no part of a secret is left), escaped for a terminal and cut at 200 characters.
    static func firstLine(_ body: [UInt8], hiding hide: (String) -> String = { $0 }) -> String {
        let end = body.firstIndex { $0 == 0x0A || $0 == 0x0D } ?? body.count
        let text = hide(String(decoding: body[..<end], as: UTF8.self))
        var scalars = String.UnicodeScalarView()
        var cut = false
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == 200 {
                cut = true
                break
            }
            scalars.append(scalar)
        }
        return escapedForTerminal(String(scalars)) + (cut ? "…" : "")
    }

    // MARK: URLs

    /// `/apps/{app}/environments/{env}`, each name one percent-encoded path segment.
    private func environmentPath(_ app: String, _ environment: String) -> String {
        "/apps/" + HTTPStore.pathSegment(app) + "/environments/" + HTTPStore.pathSegment(environment)
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters. A name made of dots
    /// only is encoded entirely, so `..` can never become a dot-segment that climbs the path.
    static func pathSegment(_ name: String) -> String {
        let dotsOnly = name.utf8.allSatisfy { $0 == UInt8(ascii: ".") }
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: ".") where !dotsOnly:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Scheme, host and port of an http(s) URL: what a redirect must keep to be followed.
    struct Origin: Equatable {
        var scheme: String
        var host: String
        var port: Int

        init?(url: String) {
            guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
            scheme = String(url[..<colon]).lowercased()
            let defaultPort: Int
            switch scheme {
            case "http": defaultPort = 80
            case "https": defaultPort = 443
            default: return nil
            }
            let rest = url[colon...].dropFirst(3)
            var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            var portText: Substring = ""
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = String(authority[...close]).lowercased()
                let after = authority[authority.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { return nil }
                    portText = after.dropFirst()
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon]).lowercased()
                portText = authority[authority.index(after: colon)...]
            } else {
                host = String(authority).lowercased()
            }
            guard !host.isEmpty else { return nil }
            if portText.isEmpty {
                port = defaultPort
            } else {
                guard portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      let number = Int(portText), number > 0, number <= 65535 else { return nil }
                port = number
            }
        }

        var text: String { "\(scheme)://\(host):\(port)" }

        /// The host is this machine by its address or name: 127.0.0.0/8 written as a plain
        /// dotted quad, `[::1]` (any spelling of it), `localhost`. Other spellings libcurl might
        /// also read as loopback (`127.1`, `0x7f.0.0.1`, `2130706433`, `localhost.`) are not
        /// recognised, so a check built on this fails closed.
        var isLoopback: Bool {
            // Only the bare name: libcurl answers it without asking a resolver ("localhost." or
            // "x.localhost" could be answered by DNS).
            if host == "localhost" { return true }
            if host.hasPrefix("[") && host.hasSuffix("]") {
                var address = in6_addr()
                let parsed = String(host.dropFirst().dropLast()).withCString { inet_pton(AF_INET6, $0, &address) }
                guard parsed == 1 else { return false }
                return withUnsafeBytes(of: &address) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
            }
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return false }
            for part in parts {
                guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      part == "0" || !part.hasPrefix("0"), let value = Int(part), value <= 255 else { return false }
            }
            return parts[0] == "127"
        }
    }

    // MARK: Requests

    enum Method {
        case get
        case post([UInt8])
    }

    struct Response {
        var status: Int
        var body: [UInt8]
        /// Where a 3xx points, resolved against the request URL by libcurl.
        var redirect: String?
    }

    /// One request to `BASE + path`, following same-origin redirects by hand; the store's
    /// deadline bounds the whole of it, hops included.
    private func request(_ method: Method, path: String) throws(Failure) -> Response {
        let deadline = Clock.monotonicMilliseconds() + (try self.deadline.budget(label))
        var url = baseURL + path
        var method = method
        var hops = 0
        while true {
            let remaining = deadline - Clock.monotonicMilliseconds()
            guard remaining > 0 else {
                throw self.deadline.cut(label)
            }
            let response = try perform(method, url: url, timeoutMilliseconds: remaining)
            guard [301, 302, 303, 307, 308].contains(response.status) else { return response }
            guard let target = response.redirect, let next = Origin(url: target) else {
                throw Failure.store("\(label): HTTP \(response.status) redirect without a usable http(s) Location; not followed")
            }
            guard next == origin else {
                throw Failure.store("\(label): redirected to another host (\(escapedForTerminal(next.text))); not followed")
            }
            hops += 1
            guard hops <= HTTPStore.maxRedirects else {
                throw Failure.store("\(label): more than \(HTTPStore.maxRedirects) redirects; not followed further")
            }
            // 303 "see other": the POST was handled and its result is read with GET. The other
            // codes say the resource moved, so the request is repeated as it was.
            if response.status == 303 { method = .get }
            url = target
        }
    }

    /// One HTTP exchange through libcurl, no redirects followed.
    private func perform(_ method: Method, url: String, timeoutMilliseconds: Int) throws(Failure) -> Response {
        let connection = try connect()
        let handle = connection.handle
        var failed: String?
        func set(_ option: CURLoption, _ value: Int, _ name: String) {
            if failed == nil, pushguard_curl_easy_setopt_long(handle, option, value) != CURLE_OK { failed = name }
        }
        func set(_ option: CURLoption, _ value: UnsafeRawPointer?, _ name: String) {
            if failed == nil, pushguard_curl_easy_setopt_pointer(handle, option, value) != CURLE_OK { failed = name }
        }
        url.withCString { set(CURLOPT_URL, $0, "URL") }
        set(CURLOPT_TIMEOUT_MS, timeoutMilliseconds, "TIMEOUT_MS")
        set(CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds, "CONNECTTIMEOUT_MS")
        switch method {
        case .get:
            set(CURLOPT_HTTPHEADER, connection.getHeaders, "HTTPHEADER")
            set(CURLOPT_HTTPGET, 1, "HTTPGET")
        case .post(let bytes):
            set(CURLOPT_HTTPHEADER, connection.postHeaders, "HTTPHEADER")
            set(CURLOPT_POSTFIELDSIZE, bytes.count, "POSTFIELDSIZE")
            // COPYPOSTFIELDS copies the body, so it outlives this buffer.
            (bytes.isEmpty ? [0] : bytes).withUnsafeBytes { set(CURLOPT_COPYPOSTFIELDS, $0.baseAddress, "COPYPOSTFIELDS") }
        }
        if let failed {
            throw Failure.store("\(label): libcurl refused the option \(failed)")
        }

        let body = ResponseBody()
        connection.errorBuffer[0] = 0
        let code = withExtendedLifetime(body) { () -> CURLcode in
            let context = Unmanaged.passUnretained(body).toOpaque()
            guard pushguard_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context) == CURLE_OK else {
                return CURLE_FAILED_INIT
            }
            let code = pushguard_curl_easy_perform(handle)
            _ = pushguard_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
            return code
        }
        guard code == CURLE_OK else {
            if body.tooLarge {
                throw Failure.store("\(label): response larger than 1 MiB")
            }
            var text = connection.errorBuffer[0] != 0 ? String(cString: connection.errorBuffer) : ""
            if text.isEmpty, let description = pushguard_curl_easy_strerror(code) { text = String(cString: description) }
            if code == CURLE_OPERATION_TIMEDOUT {
                text += deadline.shared ? " (pushguard.timeout: \(deadline.timeoutMilliseconds) ms for all of a push's store calls)"
                    : " (pushguard.timeout is \(deadline.timeoutMilliseconds) ms)"
            }
            throw Failure.store("\(label): \(scrubbed(text))", timedOut: code == CURLE_OPERATION_TIMEDOUT)
        }
        var status = 0
        _ = pushguard_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var redirect: String?
        if (300..<400).contains(status) {
            var location: UnsafeMutablePointer<CChar>?
            if pushguard_curl_easy_getinfo_string(handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK, let location {
                redirect = String(cString: location)
            }
        }
        return Response(status: status, body: body.bytes, redirect: redirect)
    }

    /// The store's libcurl handle, set up once: later calls reuse its connection, so a hook
    /// pays for one TLS handshake rather than one per call.
    private func connect() throws(Failure) -> Connection {
        if let connection { return connection }
        guard let handle = pushguard_curl_easy_init() else {
            throw Failure.store("\(label): libcurl could not start a request")
        }
        let connection = Connection(handle: handle)
        var headerLines = ["Accept: application/json", "Expect:"]
        // Only ever sent to the configured origin: redirects elsewhere are refused.
        if let token { headerLines.append("Authorization: Bearer " + token) }
        func append(_ list: inout UnsafeMutablePointer<curl_slist>?, _ line: String) -> Bool {
            guard let longer = pushguard_curl_slist_append(list, line) else { return false }
            list = longer
            return true
        }
        var built = true
        for line in headerLines {
            built = built && append(&connection.getHeaders, line) && append(&connection.postHeaders, line)
        }
        built = built && append(&connection.postHeaders, "Content-Type: application/json")
        guard built else {
            throw Failure.store("\(label): out of memory building the request headers")
        }

        var failed: String?
        func set(_ option: CURLoption, _ value: Int, _ name: String) {
            if failed == nil, pushguard_curl_easy_setopt_long(handle, option, value) != CURLE_OK { failed = name }
        }
        func set(_ option: CURLoption, _ value: String, _ name: String) {
            if failed == nil, value.withCString({ pushguard_curl_easy_setopt_pointer(handle, option, $0) }) != CURLE_OK { failed = name }
        }
        // http and https only; the bitmask option serves a libcurl older than 7.85.
        if "http,https".withCString({ pushguard_curl_easy_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, $0) }) != CURLE_OK {
            set(HTTPStore.protocolsBitmaskOption, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS), "PROTOCOLS")
        }
        set(CURLOPT_FOLLOWLOCATION, 0, "FOLLOWLOCATION")
        // A proxy would reach its own loopback, not ours, and carry the token across the network.
        if origin.isLoopback { set(CURLOPT_NOPROXY, "*", "NOPROXY") }
        set(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        set(CURLOPT_SSL_VERIFYPEER, 1, "SSL_VERIFYPEER")
        set(CURLOPT_SSL_VERIFYHOST, 2, "SSL_VERIFYHOST")
        if let caFile { set(CURLOPT_CAINFO, caFile, "CAINFO") }
        set(CURLOPT_USERAGENT, "pushguard", "USERAGENT")
        if failed == nil, pushguard_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, connection.errorBuffer) != CURLE_OK {
            failed = "ERRORBUFFER"
        }
        let writeCode = pushguard_curl_easy_setopt_write_function(handle) { data, size, count, context in
            let total = size &* count
            guard let context else { return 0 }
            let body = Unmanaged<ResponseBody>.fromOpaque(context).takeUnretainedValue()
            guard body.bytes.count + total <= HTTPStore.maxResponseBytes else {
                body.tooLarge = true
                return 0  // anything but `total` makes libcurl abort the transfer
            }
            if let data, total > 0 {
                data.withMemoryRebound(to: UInt8.self, capacity: total) { start in
                    body.bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: total))
                }
            }
            return total
        }
        if failed == nil, writeCode != CURLE_OK { failed = "WRITEFUNCTION" }
        if let failed {
            throw Failure.store("\(label): libcurl refused the option \(failed)")
        }
        self.connection = connection
        return connection
    }

    /// A libcurl handle with what it points to (error buffer, header lists), freed together.
    private final class Connection {
        let handle: UnsafeMutableRawPointer
        let errorBuffer: UnsafeMutablePointer<CChar>
        var getHeaders: UnsafeMutablePointer<curl_slist>?
        var postHeaders: UnsafeMutablePointer<curl_slist>?

        init(handle: UnsafeMutableRawPointer) {
            self.handle = handle
            errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
            errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        }

        deinit {
            pushguard_curl_easy_cleanup(handle)
            pushguard_curl_slist_free_all(getHeaders)
            pushguard_curl_slist_free_all(postHeaders)
            errorBuffer.deallocate()
        }
    }

    /// `CURLOPT_PROTOCOLS` (deprecated in 7.85 for `CURLOPT_PROTOCOLS_STR`), by number so the
    /// fallback compiles without a deprecation warning.
    private static let protocolsBitmaskOption = CURLoption(rawValue: 181)

    /// Where the write callback collects the body (handed to C through `Unmanaged`).
    private final class ResponseBody {
        var bytes: [UInt8] = []
        var tooLarge = false
    }

    // MARK: Token

    /// The token file's contents without trailing whitespace; it must hold just the token. As
    /// root, a link or another user's file there is refused (it is sent to the store as a
    /// bearer token: a swapped file would send some other secret of root's).
    private static func readToken(path: String) throws(Failure) -> String {
        let shown = escapedForTerminal(path)
        try StoreFiles.checkRootMayUse(path, what: "pushguard.tokenFile")
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (Identity.isRoot ? O_NOFOLLOW : 0))
        guard descriptor >= 0 else {
            throw Failure.store("cannot read pushguard.tokenFile \(shown): \(lastErrorText())")
        }
        defer { close(descriptor) }
        let read = Files.readAll(descriptor, limit: maxTokenFileBytes)
        if let failed = read.failed {
            throw Failure.store("cannot read pushguard.tokenFile \(shown): \(String(cString: strerror(failed)))")
        }
        var bytes = read.bytes
        guard bytes.count <= maxTokenFileBytes else {
            throw Failure.store("pushguard.tokenFile \(shown) is larger than 64 KiB; it must hold only the API token")
        }
        while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else {
            throw Failure.store("pushguard.tokenFile \(shown) is empty", fix: "put the platform's API token in it")
        }
        // A header value cannot carry line breaks or controls; a space means more than a token.
        guard !bytes.contains(where: { $0 < 0x21 || $0 >= 0x7F }) else {
            throw Failure.store("pushguard.tokenFile \(shown) holds spaces, line breaks, control or non-ASCII characters; it must hold only the API token")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
