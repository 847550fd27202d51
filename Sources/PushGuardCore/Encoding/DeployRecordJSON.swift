extension DeployRecord {
    /// One JSON object, as the hand-over between hooks keeps it.
    public var json: JSONValue {
        .object(JSONObject([
            ("app", .string(app)), ("refs", .array(refs.map { .string($0) })), ("newId", .string(newID)),
            ("environment", .string(environment)), ("decision", .string(decision.rawValue)),
            ("configVersion", .number(String(configVersion))),
            ("findings", AuditRecord.json(findings: findings)),
            ("reason", .string(reason)), ("pusher", .string(pusher)), ("time", .string(time)),
        ]))
    }

    /// Reads a record back; any missing or mistyped member is an error, never a default.
    public init(json value: JSONValue) throws(Failure) {
        guard let object = value.objectValue else { throw .store("a deploy record is not a JSON object") }
        func string(_ name: String) throws(Failure) -> String {
            guard let text = object[name]?.stringValue else { throw .store("deploy record: \(name) is missing or not a string") }
            return text
        }
        guard let refs = object["refs"]?.arrayValue?.compactMap(\.stringValue), !refs.isEmpty else {
            throw .store("deploy record: refs is missing or empty")
        }
        let decisionText = try string("decision")
        guard let decision = Decision(rawValue: decisionText) else {
            throw .store("deploy record: unknown decision \(escapedForTerminal(decisionText))")
        }
        guard let version = object["configVersion"]?.int64Value else {
            throw .store("deploy record: configVersion is missing or not an integer")
        }
        self.init(app: try string("app"), refs: refs, newID: try string("newId"), environment: try string("environment"),
                  decision: decision, configVersion: version,
                  findings: AuditRecord.findings(from: object["findings"] ?? .array([])),
                  reason: try string("reason"), pusher: try string("pusher"), time: try string("time"))
    }
}
