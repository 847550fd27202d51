import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardStore

/// `pushguard audit [-a A] [-e E] [--limit N] [--json]`: every decision, newest first.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: every push decision (accepted, warned, rejected, overridden, synced), newest first.")

    @Option(name: [.customShort("a"), .customLong("app")], help: "Only this app.") var app: String?
    @Option(name: [.customShort("e"), .customLong("env")], help: "Only this environment.") var environment: String?
    @Option(help: "At most this many records.") var limit: Int = 50
    @Flag(help: "One JSON object per record, as a JSON array.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
    }

    func run() throws {
        let store = try storeOptions.openAdminStore(try storeOptions.settings())
        // Escaped in every format: records written before the store kept escaped text (or by
        // another tool) may hold raw control characters. Stored escapes are not escaped again.
        let records = try store.audit(app: app, environment: environment, limit: limit).map(\.readBack)
        if json {
            print(JSONValue.array(records.map(\.json)).encoded(pretty: true))
            return
        }
        if records.isEmpty {
            print("no audit records" + (app.map { " for \(escapedForTerminal($0))" } ?? ""))
            return
        }
        var rows = [["TIME", "APP/ENV", "REF", "COMMIT", "DECISION", "PUSHER", "FINDINGS", "REASON"]]
        for record in records {
            let findings = record.findings.prefix(5).map(\.storedText).joined(separator: ", ")
                + (record.findings.count > 5 ? ", +\(record.findings.count - 5)" : "")
            rows.append([record.time, record.app + "/" + record.environment,
                         record.ref, String(record.newID.prefix(10)), record.decision.rawValue,
                         record.pusher, findings.isEmpty ? "-" : findings,
                         shortenedAtWord(record.reason, limit: 80)])
        }
        print(table(rows))
    }
}
