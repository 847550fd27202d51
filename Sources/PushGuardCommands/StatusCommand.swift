import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardStore

/// `pushguard status [-a A] [-e E] [--json]`: every key's sync status, never a value; with no
/// app (and not inside a guarded repository), one line per app and environment the store knows.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every key's sync status: live/partial/staged, applied on N of M, changed when and by whom.",
        discussion: "With no app, and not inside a guarded bare repository: one line per app and environment the store knows (in sync or how many keys are not, instances, last deploy and by whom). Colour only on a terminal, never with NO_COLOR set. --json prints one JSON document in every form.")

    @Option(name: [.customShort("a"), .customLong("app")], help: "The app (default: the guarded bare repository's, in the current directory or --repo; without one, every app).") var app: String?
    @Option(name: [.customShort("e"), .customLong("env")], help: "One environment (default: all the store knows).") var environment: String?
    @OptionGroup var repository: RepositoryOption
    @Flag(help: "Print one JSON document: with an app, its environments' state documents (version 1) with each key's status; with -e, that environment's alone.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if let app { try validateName(app, what: "app") }
        if let environment { try validateName(environment, what: "environment") }
    }

    func run() throws {
        let context = app == nil || repository.repo != nil ? try repository.context(storeOptions) : nil
        let store = try storeOptions.openStore(try context?.settings ?? storeOptions.settings())
        let admin = store as? AdminStore
        guard let app = app ?? context?.app else {
            guard let admin else { throw Failure.usage("this store cannot list its apps; give -a APP") }
            return try fleet(admin)
        }
        if let admin { try requireRegistered(admin, app: app, environment: environment) }
        guard let names = try environment.map({ [$0] }) ?? admin?.environments(app: app) else {
            throw Failure.usage("this store cannot list environments; give -e ENV")
        }
        // Environments whose instances are containers: what each container really has.
        let settings = try context?.settings ?? storeOptions.settings()
        let states = try names.map { name -> EnvironmentState in
            if let source = try ContainerSource.open(settings: settings, environment: settings.environment(named: name), useCache: false) {
                return try source.readState(app: app) { try store.state(app: app, environment: name) }
            }
            return try store.state(app: app, environment: name)
        }
        if let unknown = states.first(where: { !$0.known }) {
            throw Failure.usage("the platform's store does not know \(escapedForTerminal(app))/\(escapedForTerminal(unknown.environment))")
        }
        if json {
            let documents = try states.map { state in
                environmentDocument(state, lastDeploy: try admin?.lastDeploy(app: app, environment: state.environment))
            }
            if environment != nil {
                print(documents[0].encoded(pretty: true))
            } else {
                print(JSONValue.object(JSONObject([("version", .number("1")), ("app", .string(app)),
                                                   ("environments", .array(documents))])).encoded(pretty: true))
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

    /// One line per app and environment the store knows.
    private func fleet(_ store: AdminStore) throws {
        let known = try store.registry().filter { environment == nil || $0.environment == environment }
        var summaries: [(state: EnvironmentState, unsynchronized: Int, deploy: AuditRecord?)] = []
        for entry in known {
            let state = try store.state(app: entry.app, environment: entry.environment)
            let unsynchronized = Evaluator.keyReports(state: state, manifest: .absent).filter(\.isFinding).count
            summaries.append((state, unsynchronized, try store.lastDeploy(app: entry.app, environment: entry.environment)))
        }
        if json {
            let items: [JSONValue] = summaries.map { summary in
                .object(JSONObject([
                    ("app", .string(summary.state.app)), ("environment", .string(summary.state.environment)),
                    ("inSync", .bool(summary.unsynchronized == 0)),
                    ("unsynchronized", .number(String(summary.unsynchronized))),
                    ("desiredVersion", .number(String(summary.state.desiredVersion))),
                    ("instances", .number(String(summary.state.instances.count))),
                    ("activeInstances", .number(String(summary.state.activeInstances.count))),
                    ("lastDeploy", deployJSON(summary.deploy)),
                ]))
            }
            print(JSONValue.object(JSONObject([("version", .number("1")), ("environments", .array(items))])).encoded(pretty: true))
            return
        }
        if summaries.isEmpty {
            print(environment == nil
                ? "no apps registered (pushguard install registers a repository's app; or: pushguard apps create APP -e ENV)"
                : "no app has an environment \(escapedForTerminal(environment!))")
            return
        }
        let colour = Colour.enabled
        var rows = [["APP/ENV", "CONFIG", "INSTANCES", "LAST DEPLOY"]]
        var marks: [Colour.Code?] = [nil]
        for summary in summaries {
            let state = summary.state
            let sync = summary.unsynchronized == 0 ? "in sync"
                : "\(summary.unsynchronized) key\(summary.unsynchronized == 1 ? "" : "s") unsynchronized"
            let draining = state.instances.count - state.activeInstances.count
            let instances = state.instances.isEmpty ? "none"
                : "\(state.instances.count)" + (draining > 0 ? " (\(draining) draining)" : "")
            let deploy = summary.deploy.map { record in
                "\(record.newID.prefix(12)) by \(escapedControls(record.pusher)) at \(escapedControls(record.time))"
            } ?? "none"
            rows.append([escapedForTerminal(state.app) + "/" + escapedForTerminal(state.environment), sync, instances, deploy])
            marks.append(summary.unsynchronized == 0 ? .green : .red)
        }
        print(table(rows, colour: colour ? { row, column in column == 1 ? marks[row] : nil } : nil))
    }

    private func describe(_ state: EnvironmentState) -> String {
        let keys = Evaluator.keyReports(state: state, manifest: .absent)
        let active = state.activeInstances.count
        let unsynced = keys.filter(\.isFinding).count
        var header = "\(escapedForTerminal(state.app))/\(escapedForTerminal(state.environment)): config version \(state.desiredVersion), "
        if let platform = state.platform {
            header = "\(escapedForTerminal(state.app))/\(escapedForTerminal(state.environment)): desired config from "
                + (platform.desiredSource ?? "PushGuard's store (config version \(state.desiredVersion))") + ", "
                + "\(active) running container(s) of \(state.instances.count)"
            header += unsynced == 0 ? ", in sync" : ", \(unsynced) key(s) not synchronized"
            header += "\n  " + platform.summary
            if unsynced > 0, let command = platform.applyCommand { header += "\n  apply with: " + escapedForTerminal(command) }
        } else {
        header += state.instances.isEmpty ? "no instances (environment at version \(state.appliedVersion))"
            : "\(active) active of \(state.instances.count) instance(s)"
        header += unsynced == 0 ? ", in sync" : ", \(unsynced) key(s) not synchronized"
        }
        var rows = [["  KEY", "STATUS", "APPLIED", "CHANGED", "BY", "DIGEST"]]
        let entries = Dictionary(state.config.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for report in keys {
            let entry = entries[report.key]
            let digest = entry.map { $0.deleted ? "(unset)" : shortDigest($0.digest) } ?? ""
            rows.append(["  " + escapedForTerminal(report.key), report.status.rawValue, Report.appliedText(report),
                         escapedForTerminal(entry?.changedAt ?? ""), escapedForTerminal(entry?.changedBy ?? ""), digest])
        }
        return keys.isEmpty ? header + "\n  (no keys set)" : header + "\n" + table(rows)
    }
}

/// An environment's state document with what status adds: each key's status, on how many of
/// how many active instances its latest change is applied, and the last deploy.
private func environmentDocument(_ state: EnvironmentState, lastDeploy: AuditRecord?) -> JSONValue {
    let reports = Evaluator.keyReports(state: state, manifest: .absent)
    guard case .object(var document) = StateDocument.json(state) else { return StateDocument.json(state) }
    for index in document.members.indices where document.members[index].key == "config" {
        guard case .array(let entries) = document.members[index].value else { continue }
        document.members[index].value = .array(entries.map { entry in
            guard case .object(var fields) = entry, let key = fields["key"]?.stringValue,
                  let report = reports.first(where: { $0.key == key }) else { return entry }
            fields.members += [("status", .string(report.status.rawValue)),
                               ("appliedOn", .number(String(report.appliedOn))),
                               ("instanceCount", .number(String(report.instanceCount)))]
            return .object(fields)
        })
    }
    let unsynchronized = reports.filter(\.isFinding).count
    document.members += [("inSync", .bool(unsynchronized == 0)),
                         ("unsynchronized", .number(String(unsynchronized))),
                         ("lastDeploy", deployJSON(lastDeploy))]
    return .object(document)
}

/// The last deploy for JSON output, or null.
private func deployJSON(_ record: AuditRecord?) -> JSONValue {
    guard let record else { return .null }
    return .object(JSONObject([("commit", .string(record.newID)), ("ref", .string(record.ref)), ("time", .string(record.time)),
                               ("by", .string(record.pusher)), ("decision", .string(record.decision.rawValue))]))
}

/// "last deploy: 1a2b3c4d5e6f at … by alice, in sync": a ref post-receive saw move.
private func lastDeployLine(_ record: AuditRecord?) -> String {
    guard let record else { return "  last deploy: none recorded" }
    let how: String
    switch record.decision {
    case .accepted: how = "in sync"
    case .synced: how = "synced in the push"
    case .warned: how = "with warning: " + (record.findings.isEmpty ? "store unavailable" : "\(record.findings.count) key(s) out of sync")
    case .overridden: how = "overridden" + (record.reason.isEmpty ? "" : ": " + escapedControls(String(record.reason.prefix(80))))
    case .rejected: how = "rejected"
    // post-receive's record: the reason starts with the decision it carried out.
    case .deployed: how = record.reason.isEmpty ? "in sync" : escapedControls(String(record.reason.prefix(80)))
    case .registered, .removed: how = record.decision.rawValue  // not deploys; never selected as one
    }
    return "  last deploy: \(record.newID.prefix(12)) (\(escapedControls(record.ref))) at \(escapedControls(record.time)) by \(escapedControls(record.pusher)), \(how)"
}

/// The first 12 hex digits of a keyed digest: enough to compare, useless to guess from.
func shortDigest(_ digest: String) -> String {
    let hex = digest.split(separator: ":").last.map(String.init) ?? digest
    return escapedForTerminal(String(hex.prefix(12)))
}
