import PushGuardCore
import PushGuardSystem

/// What one push's hooks hand to each other, in `$GIT_DIR/pushguard-push/`: pre-receive (or
/// the update hook, per ref) decides, post-receive writes notes for the refs that moved; the
/// update hook gets no push options, so pre-receive hands them over.
///
/// A record is keyed by the push itself — a digest of the pusher, the push options and the
/// ref lines — never by a process id: GitLab's Gitaly starts the hooks of many pushes from one
/// long-lived process. post-receive is told only the refs that moved, so when its own key finds
/// nothing it takes the newest record of the same pusher that covers all of its refs.
/// Records of pushes that never reach post-receive age out after a day. A hook whose store
/// failed adds a line saying so (`{"storeFailed": MESSAGE}`, skipped by readers that predate
/// it): the hooks after it do not call that store again, so a store that hangs costs the pusher
/// one timeout.
struct PushHandoff {
    /// The first line of a record.
    struct Header: Equatable {
        var app: String
        var pusher: String
        /// The push options git passed; nil when none were advertised.
        var options: [String]?
        var updates: [RefUpdate]
        /// Where the time pre-receive gave its store calls ends (`StoreDeadline`, on the
        /// monotonic clock): post-receive gets what is left of it (at least 1 s).
        var storeDeadline: Int? = nil
    }

    /// A record found on disk.
    struct Record {
        var path: String
        var header: Header
        var deploys: [DeployRecord]
        /// How the store failed in an earlier hook of this push; nil when it did not.
        var storeFailure: String?
    }

    let directory: String

    /// A record this old is taken for one of a push that will never reach post-receive
    /// (refused by a later hook, or killed). Between the two hooks git only runs the update
    /// hooks and moves refs, which takes seconds; the bound is a day, not minutes, so that a
    /// slow update hook or a wall clock stepped forward (mtimes are wall-clock times) does not
    /// remove the record of a push still running, whose post-receive would then write no note.
    /// Process ids cannot tell: under Gitaly one long-lived process runs every push's hooks.
    /// A post-receive that finds no record for refs PushGuard checks says so (`whyMissing`).
    static let staleAfterSeconds = 24 * 3600
    /// Hand-over records are small; anything larger was not written by PushGuard.
    static let maxRecordBytes = 64 << 20

    init(gitDirectory: String) {
        directory = gitDirectory + "/pushguard-push"
    }

    /// The key of a push: the same for every hook of it, different for any other push that
    /// could be told apart. A 64-bit FNV-1a digest, not a cryptographic one: a record found by
    /// key is checked against what it claims (pusher, options, ref lines) before it is used,
    /// so a collision only sends post-receive to the slower search. SHA-256 over the 100 KB
    /// of a 1,000-ref push cost 1.4 ms; this costs a tenth of that.
    static func key(pusher: String, options: [String]?, updates: [RefUpdate]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        mix(pusher)
        if let options { mix("1"); for option in options { mix(option) } } else { mix("0") }
        for update in updates { mix(update.oldID); mix(update.newID); mix(update.ref) }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private func path(for header: Header) -> String {
        directory + "/" + PushHandoff.key(pusher: header.pusher, options: header.options, updates: header.updates) + ".push"
    }

    /// Writes a new record (replacing one of an identical push) in one atomic step.
    @discardableResult
    func begin(_ header: Header, deploys: [DeployRecord] = []) throws(Failure) -> String {
        try prepareDirectory()
        removeStale()
        let path = path(for: header)
        // The ref lines as git gave them (already validated), then one JSON line per deploy.
        let lines = [PushHandoff.json(header).encoded()]
            + header.updates.map { $0.oldID + " " + $0.newID + " " + $0.ref }
            + deploys.map { $0.json.encoded() }
        // Created exclusively (a planted link is never followed) and written in one call; not
        // synced: a record lives for the seconds between two hooks of one push, and a machine
        // that crashes in between loses the push itself. A record of an identical earlier push
        // (the same pusher pushing the same lines again) is replaced.
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        do {
            try Files.createNew(path, bytes, mode: 0o600, durable: false)
        } catch where error.alreadyExists {
            Files.remove(path)
            try Files.createNew(path, bytes, mode: 0o600, durable: false)
        }
        return path
    }

    /// Adds deploys to a record (the update hook decides one ref at a time).
    func append(_ deploys: [DeployRecord], to path: String) throws(Failure) {
        guard !deploys.isEmpty else { return }
        try Files.append(Array(deploys.map { $0.json.encoded() + "\n" }.joined().utf8), to: path)
    }

    /// Adds to a record that the store failed in this hook (once per record).
    func markStoreFailed(_ message: String, in path: String) throws(Failure) {
        if read(path)?.storeFailure != nil { return }
        let line = JSONValue.object(JSONObject([("storeFailed", .string(message))])).encoded() + "\n"
        try Files.append(Array(line.utf8), to: path)
    }

    /// The record of the push that `updates` belong to: the exact key first; otherwise the
    /// newest record of `pusher` that lists every one of `updates` (and, when given, the same
    /// options).
    func find(pusher: String, options: [String]??, updates: [RefUpdate]) -> Record? {
        let wanted = Set(updates.map { $0.oldID + " " + $0.newID + " " + $0.ref })
        func matches(_ record: Record) -> Bool {
            guard record.header.pusher == pusher else { return false }
            if case .some(let options) = options, record.header.options != options { return false }
            return wanted.isSubset(of: Set(record.header.updates.map { $0.oldID + " " + $0.newID + " " + $0.ref }))
        }
        if case .some(let options) = options,
           let exact = read(path(for: Header(app: "", pusher: pusher, options: options, updates: updates))), matches(exact) {
            return exact
        }
        var best: (record: Record, time: Int)?
        for name in Files.entries(of: directory) where name.hasSuffix(".push") {
            let candidate = directory + "/" + name
            guard let record = read(candidate), matches(record) else { continue }
            let time = Files.modificationTime(candidate) ?? 0
            if best == nil || time > best!.time { best = (record, time) }
        }
        return best?.record
    }

    /// Why `find` found no record for a push whose refs PushGuard checks: for the pusher's
    /// warning. Runs only then (it reads every record).
    func whyMissing(pusher: String, options: [String]?, updates: [RefUpdate]) -> String {
        let name = PushHandoff.key(pusher: pusher, options: options, updates: updates) + ".push"
        if Files.exists(directory + "/" + name) {
            return "its record pushguard-push/\(name) cannot be read"
        }
        let names = Files.entries(of: directory).filter { $0.hasSuffix(".push") }
        let unreadable = names.filter { read(directory + "/" + $0) == nil }.count
        return "no record of this push in pushguard-push/"
            + (unreadable > 0 ? ", and \(unreadable) record(s) there cannot be read" : "")
            + "; a record is removed by post-receive, by hand, or by a later push once it looks older than \(PushHandoff.staleAfterSeconds / 3600) hours"
    }

    /// Reads one record; nil when absent or not written by PushGuard.
    func read(_ path: String) -> Record? {
        guard let bytes = try? Files.read(path, limit: PushHandoff.maxRecordBytes, followLinks: false) else { return nil }
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        guard let first = lines.first,
              let value = try? JSONParser.parse(String(decoding: first, as: UTF8.self)),
              let object = value.objectValue, let app = object["app"]?.stringValue,
              let pusher = object["pusher"]?.stringValue, let count = object["updates"]?.int64Value,
              count >= 0, Int(count) < lines.count else {
            return nil
        }
        let updateLines = lines[1...Int(count)].joined(separator: [UInt8(ascii: "\n")])
        guard let updates = try? HookInput.parse(Array(updateLines)) else { return nil }
        let options: [String]? = object["options"]?.arrayValue?.compactMap(\.stringValue)
        let storeDeadline = object["storeDeadline"]?.int64Value.map { Int($0) }
        var deploys: [DeployRecord] = []
        var storeFailure: String?
        for line in lines.dropFirst(Int(count) + 1) {
            // A line cut short by a crash is skipped; the others still count.
            guard let value = try? JSONParser.parse(String(decoding: line, as: UTF8.self)) else { continue }
            if let failed = value.objectValue?["storeFailed"]?.stringValue {
                storeFailure = storeFailure ?? failed
                continue
            }
            guard let deploy = try? DeployRecord(json: value) else { continue }
            deploys.append(deploy)
        }
        return Record(path: path, header: Header(app: app, pusher: pusher, options: options, updates: updates, storeDeadline: storeDeadline),
                      deploys: deploys,
                      storeFailure: storeFailure)
    }

    func remove(_ path: String) { Files.remove(path) }

    /// Removes records of pushes that never reached post-receive (refused by a later hook,
    /// or killed), and the directory once it is empty.
    func removeStale(now: Int = Clock.epochSeconds()) {
        for name in Files.entries(of: directory) where name.hasSuffix(".push") || name.containsText(".push.tmp-") {
            let path = directory + "/" + name
            if let time = Files.modificationTime(path), now - time > PushHandoff.staleAfterSeconds { Files.remove(path) }
        }
    }

    /// What post-receive leaves after a push: records older than a day removed. The directory
    /// itself stays, empty between pushes: removing it when empty raced with a concurrent
    /// push's pre-receive, which had just made sure it exists and was about to write its
    /// record there (refused, "No such file or directory"). `pushguard install --uninstall` removes it.
    func finishPush() { removeStale() }

    private func prepareDirectory() throws(Failure) {
        // Whatever lstat cannot see (absent, or a directory on the way that cannot be searched)
        // is left to mkdir, which says why it cannot create it.
        if let info = try? Files.info(directory) {
            guard info.kind == .directory else {
                throw Failure.system("\(escapedForTerminal(directory)) is not a directory")
            }
            return
        }
        try Files.createDirectory(directory, mode: 0o700)
    }

    /// The header line: who, which options, and how many ref lines follow.
    static func json(_ header: Header) -> JSONValue {
        .object(JSONObject([
            ("app", .string(header.app)), ("pusher", .string(header.pusher)),
            ("options", header.options.map { .array($0.map { .string($0) }) } ?? .null),
            ("updates", .number(String(header.updates.count))),
        ] + (header.storeDeadline.map { [("storeDeadline", JSONValue.number(String($0)))] } ?? [])))
    }
}
