import PushGuardCore

// What each table's rows are read as: one `init(row:)` per record, by column name, throwing
// on anything it cannot take as it is (see `SQLRow`).

/// An environment's config versions: the newest one set, and the one last transmitted.
struct EnvironmentVersions: SQLRecord {
    static let table = "environments"
    var desired: Int64
    var applied: Int64

    init(row: SQLRow) throws(SQLError) {
        desired = try row.int64("desired_version")
        applied = try row.int64("applied_version")
    }
}

extension ConfigEntry: SQLRecord {
    static let table = "config"

    init(row: SQLRow) throws(SQLError) {
        self.init(key: try row.string("key"), version: try row.int64("version"), digest: try row.string("digest"),
                  deleted: try row.flag("deleted"), changedAt: try row.string("changed_at"),
                  changedBy: try row.string("changed_by"))
    }
}

extension Instance: SQLRecord {
    static let table = "instances"

    init(row: SQLRow) throws(SQLError) {
        // A state this pushguard does not know is neither counted (active) nor ignored
        // (draining): either guess could let a push through that should not go.
        self.init(id: try row.string("id"), appliedVersion: try row.int64("applied_version"),
                  state: try row.oneOf("state", [Instance.State.active, .draining]))
    }
}

extension AuditRecord: SQLRecord {
    static let table = "audit"

    init(row: SQLRow) throws(SQLError) {
        let findingsText = try row.string("findings")
        guard let parsed = try? JSONParser.parse(findingsText), let items = parsed.arrayValue,
              case let findings = AuditRecord.findings(from: parsed), findings.count == items.count else {
            throw row.corrupt("findings", .text(findingsText), expected: "a JSON array of {key, status} objects")
        }
        self.init(id: try row.int64("id"), time: try row.string("at"), app: try row.string("app"),
                  environment: try row.string("environment"), ref: try row.string("ref"),
                  oldID: try row.string("old_id"), newID: try row.string("new_id"), pusher: try row.string("pusher"),
                  decision: try row.oneOf("decision", Decision.allCases), findings: findings,
                  reason: try row.string("reason"), configVersion: try row.int64("config_version"))
    }
}
