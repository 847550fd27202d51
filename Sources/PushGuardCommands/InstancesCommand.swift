import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardStore

/// `pushguard instances add|remove|drain|activate|list`: the running instances of an environment.
struct InstancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances",
        abstract: "Register the instances of an environment and see what each has applied.",
        subcommands: [Add.self, Remove.self, Drain.self, Activate.self, List.self])

    /// `instances add -a A -e E ID…`
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register instances; each starts at the environment's last transmitted version.")
        @OptionGroup var target: InstanceArguments

        func run() throws {
            let (store, scope) = try target.store()
            // An existing instance keeps its applied version and state: say so instead of
            // counting it as registered.
            let known = Set(try store.state(app: scope.app, environment: scope.environment).instances.map(\.id))
            var seen = Set<String>()
            let ids = target.ids.filter { seen.insert($0).inserted }
            let existing = ids.filter { known.contains($0) }
            let new = ids.filter { !known.contains($0) }
            if !new.isEmpty {
                try store.addInstances(app: scope.app, environment: scope.environment, ids: new, at: Clock.timestamp())
                print("registered \(new.count) instance(s) in \(scope.name)")
            }
            if !existing.isEmpty {
                print("already registered in \(scope.name), unchanged: " + existing.map(escapedForTerminal).joined(separator: ", "))
            }
        }
    }

    /// `instances remove -a A -e E ID…`
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget instances.")
        @OptionGroup var target: InstanceArguments

        func run() throws {
            let (store, scope) = try target.store()
            try store.removeInstances(app: scope.app, environment: scope.environment, ids: target.ids)
            print("removed \(target.ids.count) instance(s) from \(scope.name)")
        }
    }

    /// `instances drain -a A -e E ID…`
    struct Drain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark instances draining: the check ignores them.")
        @OptionGroup var target: InstanceArguments

        func run() throws {
            let (store, scope) = try target.store()
            try store.setInstanceState(app: scope.app, environment: scope.environment, ids: target.ids, state: .draining)
            print("\(target.ids.count) instance(s) draining in \(scope.name)")
        }
    }

    /// `instances activate -a A -e E ID…`
    struct Activate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark instances active again.")
        @OptionGroup var target: InstanceArguments

        func run() throws {
            let (store, scope) = try target.store()
            try store.setInstanceState(app: scope.app, environment: scope.environment, ids: target.ids, state: .active)
            print("\(target.ids.count) instance(s) active in \(scope.name)")
        }
    }

    /// `instances list -a A -e E`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List instances and their applied versions.")
        @OptionGroup var scope: ScopeOptions
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let (store, scope) = try scope.openRegistered(storeOptions)
            let state = try store.state(app: scope.app, environment: scope.environment)
            print("\(scope.name): desired config version \(state.desiredVersion)")
            if state.instances.isEmpty {
                print("no instances registered; environment-level applied version \(state.appliedVersion)")
                return
            }
            let rows = [["INSTANCE", "STATE", "APPLIED", "CONFIG"]] + state.instances.map { instance in
                [escapedForTerminal(instance.id), instance.state.rawValue, String(instance.appliedVersion),
                 instance.appliedVersion >= state.desiredVersion ? "up to date" : "behind by \(state.desiredVersion - instance.appliedVersion)"]
            }
            print(table(rows))
        }
    }
}

/// `-a A -e E ID…` and `--store`, shared by the commands that change instances.
struct InstanceArguments: ParsableArguments {
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Instance ids.", valueName: "id")) var ids: [String]

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("give at least one instance id") }
        for id in ids { try validateName(id, what: "instance") }
    }

    /// The store, once it is known to hold the app and environment, and them.
    func store() throws -> (AdminStore, Scope) { try scope.openRegistered(storeOptions) }
}

/// Left-aligned columns separated by two spaces; `colour` may colour a cell (row, column).
func table(_ rows: [[String]], colour: ((Int, Int) -> Colour.Code?)? = nil) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    return rows.enumerated().map { number, row in
        var line = ""
        for (index, cell) in row.enumerated() {
            let shown = colour?(number, index).map { Colour.paint(cell, $0) } ?? cell
            line += index == row.count - 1 ? shown : shown + String(repeating: " ", count: widths[index] - cell.count + 2)
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }.joined(separator: "\n")
}
