import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardStore

/// `pushguard status --app A [--env E] [--json]`: every key's sync status, never a value.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every key's sync status: live/partial/staged, applied on N of M, changed when and by whom.")

    @Option(help: "The app.") var app: String
    @Option(name: .customLong("env"), help: "One environment (default: all the store knows).") var environment: String?
    @Flag(help: "Print the state document (version 1); an array of them without --env.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        try validateName(app, what: "app")
        if let environment { try validateName(environment, what: "environment") }
    }

    func run() throws {
        let store = try storeOptions.openStore(try storeOptions.settings())
        let admin = store as? AdminStore
        if let admin { try requireRegistered(admin, app: app, environment: environment) }
        guard let names = try environment.map({ [$0] }) ?? admin?.environments(app: app) else {
            throw CommandFailure.usage("this store cannot list environments; give --env")
        }
        let states = try names.map { try store.state(app: app, environment: $0) }
        if let unknown = states.first(where: { !$0.known }) {
            throw CommandFailure.usage("the platform's store does not know \(escapedForTerminal(app))/\(escapedForTerminal(unknown.environment))")
        }
        if json {
            if environment != nil {
                print(StateDocument.encode(states[0]))
            } else {
                print("[" + states.map { StateDocument.encode($0, pretty: false) }.joined(separator: ",\n") + "]")
            }
            return
        }
        if states.isEmpty {
            print("\(escapedForTerminal(app)): no config recorded in this store")
            return
        }
        var first = true
        for state in states {
            if !first { print("") }
            first = false
            print(describe(state))
            if let admin { print(lastDeployLine(try admin.lastDeploy(app: app, environment: state.environment))) }
        }
    }

    private func describe(_ state: EnvironmentState) -> String {
        let keys = Evaluator.keyReports(state: state, manifest: .absent)
        let active = state.activeInstances.count
        let unsynced = keys.filter(\.isFinding).count
        var header = "\(escapedForTerminal(state.app))/\(escapedForTerminal(state.environment)): config version \(state.desiredVersion), "
        header += state.instances.isEmpty ? "no instances (environment at version \(state.appliedVersion))"
            : "\(active) active of \(state.instances.count) instance(s)"
        header += unsynced == 0 ? ", in sync" : ", \(unsynced) key(s) not synchronized"
        var rows = [["  KEY", "STATUS", "APPLIED", "CHANGED", "BY", "DIGEST"]]
        for report in keys {
            let entry = report.entry
            let digest = entry.map { $0.deleted ? "(unset)" : shortDigest($0.digest) } ?? ""
            rows.append(["  " + escapedForTerminal(report.key), report.status.rawValue, Report.appliedText(report),
                         escapedForTerminal(entry?.changedAt ?? ""), escapedForTerminal(entry?.changedBy ?? ""), digest])
        }
        return keys.isEmpty ? header + "\n  (no keys set)" : header + "\n" + table(rows)
    }
}

/// "last deploy: 1a2b3c4d5e6f at … by alice, in sync": a ref post-receive saw move.
private func lastDeployLine(_ record: AuditRecord?) -> String {
    guard let record else { return "  last deploy: none recorded" }
    let how: String
    switch record.decision {
    case .accepted: how = "in sync"
    case .synced: how = "synced in the push"
    case .warned: how = "with warning: " + (record.findings.isEmpty ? "store unavailable" : "\(record.findings.count) key(s) out of sync")
    case .overridden: how = "overridden" + (record.reason.isEmpty ? "" : ": " + escapedForTerminal(String(record.reason.prefix(80))))
    case .rejected: how = "rejected"
    // post-receive's record: the reason starts with the decision it carried out.
    case .deployed: how = record.reason.isEmpty ? "in sync" : escapedForTerminal(String(record.reason.prefix(80)))
    case .registered, .removed: how = record.decision.rawValue  // not deploys; never selected as one
    }
    return "  last deploy: \(record.newID.prefix(12)) (\(escapedForTerminal(record.ref))) at \(escapedForTerminal(record.time)) by \(escapedForTerminal(record.pusher)), \(how)"
}

/// The first 12 hex digits of a keyed digest: enough to compare, useless to guess from.
func shortDigest(_ digest: String) -> String {
    let hex = digest.split(separator: ":").last.map(String.init) ?? digest
    return escapedForTerminal(String(hex.prefix(12)))
}
