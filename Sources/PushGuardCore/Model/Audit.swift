/// One decision as the audit log keeps it: who pushed what where, and which keys were out of
/// sync (names and statuses only, never values).
public struct AuditRecord: Equatable, Sendable {
    /// One offending key in an audit record.
    public struct KeyFinding: Equatable, Sendable {
        public var key: String
        public var status: String
        /// `PATH:LINE` where the pushed code newly reads the key, when a read the push adds
        /// made it a finding (`pushguard.scan`); nil otherwise, and in records of older versions.
        public var readBy: String?
        public init(key: String, status: String, readBy: String? = nil) {
            self.key = key
            self.status = status
            self.readBy = readBy
        }

        /// `PATH:LINE`, as records keep a read's site.
        public static func site(_ read: EnvironmentRead) -> String { read.path + ":" + String(read.line) }

        /// `KEY status`, or `KEY status (read by PATH:LINE)`, escaped: how notes show it.
        public var text: String { text(escapedForTerminal) }

        /// `text` of a finding read back from a store, which keeps it escaped (`escapedControls`).
        public var storedText: String { text(escapedControls) }

        private func text(_ escape: (String) -> String) -> String {
            escape(key) + " " + escape(status) + (readBy.map { " (read by " + escape($0) + ")" } ?? "")
        }
    }

    public var id: Int64
    public var time: String
    public var app: String
    public var environment: String
    public var ref: String
    public var oldID: String
    public var newID: String
    public var pusher: String
    public var decision: Decision
    public var findings: [KeyFinding]
    /// The override reason, the manifest problem, or the store failure behind the decision.
    public var reason: String
    public var configVersion: Int64

    public init(id: Int64 = 0, time: String, app: String, environment: String, ref: String,
                oldID: String, newID: String, pusher: String, decision: Decision,
                findings: [KeyFinding], reason: String, configVersion: Int64) {
        self.id = id
        self.time = time
        self.app = app
        self.environment = environment
        self.ref = ref
        self.oldID = oldID
        self.newID = newID
        self.pusher = pusher
        self.decision = decision
        self.findings = findings
        self.reason = reason
        self.configVersion = configVersion
    }

    /// Records keep at most this many findings; the reason says how many more there were.
    public static let maxFindings = 200

    /// The record with every text field escaped for a terminal (`escapedForTerminal`: C0, DEL,
    /// C1 and bidi controls become `\x1b`, `\u{202e}`, …). Reasons, refs, key names and pushers
    /// come from pushers and pushed content, and whoever reads the audit log (`pushguard audit`
    /// in any format, `sqlite3`, `psql`, the platform behind an HTTP or exec store) may print
    /// it raw: this is the form that is stored, sent and printed. Apply it once, to a new
    /// record (a backslash becomes `\\`); `reason` is PushGuard's text built of escaped parts
    /// (the pusher's own words escaped where they enter it), so only its controls are escaped.
    public var escaped: AuditRecord {
        var copy = mapped(escapedForTerminal)
        copy.reason = escapedControls(reason)
        return copy
    }

    /// A record read back from a store, which keeps records `escaped`: whatever an older
    /// version or another tool left raw is escaped, and escapes are not escaped again
    /// (`escapedControls`; reading it back twice changes nothing).
    public var readBack: AuditRecord { mapped(escapedControls) }

    private func mapped(_ escape: (String) -> String) -> AuditRecord {
        var copy = self
        copy.time = escape(time)
        copy.app = escape(app)
        copy.environment = escape(environment)
        copy.ref = escape(ref)
        copy.oldID = escape(oldID)
        copy.newID = escape(newID)
        copy.pusher = escape(pusher)
        copy.findings = findings.map {
            KeyFinding(key: escape($0.key), status: escape($0.status), readBy: $0.readBy.map(escape))
        }
        copy.reason = escape(reason)
        return copy
    }

    /// The JSON object the HTTP and exec stores receive and `audit --json` prints (both of
    /// `escaped` records).
    public var json: JSONValue {
        .object(JSONObject([
            ("id", .number(String(id))),
            ("time", .string(time)),
            ("app", .string(app)),
            ("environment", .string(environment)),
            ("ref", .string(ref)),
            ("oldId", .string(oldID)),
            ("newId", .string(newID)),
            ("pusher", .string(pusher)),
            ("decision", .string(decision.rawValue)),
            ("findings", AuditRecord.json(findings: findings)),
            ("reason", .string(reason)),
            ("configVersion", .number(String(configVersion))),
        ]))
    }

    /// Findings as JSON: an array of `{key, status}`, with `readBy` (`PATH:LINE`) on a finding
    /// a read the push adds made (readers of older versions ignore the member).
    public static func json(findings: [KeyFinding]) -> JSONValue {
        .array(findings.map { finding in
            var members: [(key: String, value: JSONValue)] = [("key", .string(finding.key)), ("status", .string(finding.status))]
            if let readBy = finding.readBy { members.append(("readBy", .string(readBy))) }
            return .object(JSONObject(members))
        })
    }

    /// Findings as stored in a text column.
    public var findingsJSON: String { findings.isEmpty ? "[]" : AuditRecord.json(findings: findings).encoded() }

    /// Reads findings back from `findingsJSON`; malformed text gives no findings.
    public static func findings(fromJSON text: String) -> [KeyFinding] {
        findings(from: (try? JSONParser.parse(text)) ?? .null)
    }

    /// Reads findings back from their JSON array; anything else gives no findings.
    public static func findings(from value: JSONValue) -> [KeyFinding] {
        guard let items = value.arrayValue else { return [] }
        return items.compactMap { item in
            guard let object = item.objectValue, let key = object["key"]?.stringValue,
                  let status = object["status"]?.stringValue else { return nil }
            return KeyFinding(key: key, status: status, readBy: object["readBy"]?.stringValue)
        }
    }
}
