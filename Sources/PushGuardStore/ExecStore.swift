import PushGuardCore
import PushGuardSystem

/// The platform's helper program as a store, called like git's credential helpers:
/// `PROGRAM get APP ENV` prints the state document, `PROGRAM transmit APP ENV` transmits,
/// `PROGRAM audit APP ENV` reads one audit record on stdin, and `PROGRAM audit-batch APP ENV`
/// (when `PROGRAM capabilities APP ENV` prints `audit-batch`) reads all of a push's records of
/// that environment, one JSON line each. Exit 0 means success. PROGRAM may carry arguments and
/// leading `NAME=VALUE` assignments (it runs through `/bin/sh`); a hook's calls share one
/// deadline (`StoreDeadline`), past which the helper and its children are killed.
///
/// What crosses to the helper and back is bounded: it gets a scrubbed environment
/// (`ChildEnvironment.scrubbed`, `pushguard.passEnv`); an app or environment name starting with
/// `-` is refused before the helper runs, so a repository named `--help.git` can never become an
/// option; its stderr is captured (the last 64 KiB) and relayed to the pusher line by line,
/// escaped and prefixed, never as raw bytes. The command line reaches `/bin/sh` through its
/// environment, not its arguments, and a credential among the helper's own arguments is refused:
/// every local user can read a process's arguments (`ps`), only its user its environment.
public final class ExecStore: StateStore {
    private let program: String
    /// How messages name the store: the command line with credentials hidden (see `StoreURL`).
    private let name: String
    private let deadline: StoreDeadline
    /// Takes the command line's credentials out of what the helper prints (it may echo them).
    private let location: StoreURL
    /// `pushguard.passEnv`.
    private let passEnvironment: [String]
    /// Why the helper is never run: a credential among its arguments.
    private let refusal: String?
    /// Whether `audit-batch` may be used, once `capabilities` was asked.
    private var batches: Bool?

    /// At most this many lines of a helper's stderr are relayed per call (the last ones).
    static let relayedLines = 20
    /// Longer lines are cut here.
    static let relayedLineLength = 300
    /// The variable that carries the command line to `/bin/sh` (unset before the helper runs).
    static let commandVariable = "PUSHGUARD_EXEC_COMMAND"
    /// What `/bin/sh -c` runs: the command line from the environment, with the call's words.
    static let runner = "c=$\(commandVariable); unset \(commandVariable); eval \"$c \\\"\\$@\\\"\""

    public init(program: StoreURL, deadline: StoreDeadline, passEnvironment: [String] = []) {
        self.program = program.text
        name = "exec store " + program.display
        self.deadline = deadline
        location = program
        self.passEnvironment = passEnvironment
        refusal = ExecStore.argumentCredential(program.text).map { shown in
            "exec store \(program.display) not called: its arguments carry a credential (\(shown)), which every local user "
                + "could read in ps; give it in the helper's environment instead, as an assignment before the program "
                + "(exec:NAME=VALUE PROGRAM, read by the helper as $NAME) or through pushguard.passEnv"
        }
    }

    /// Each call gets the whole timeout (the admin commands, tests).
    public convenience init(program: StoreURL, timeoutMilliseconds: Int, passEnvironment: [String] = []) {
        self.init(program: program, deadline: StoreDeadline(eachCall: timeoutMilliseconds), passEnvironment: passEnvironment)
    }

    /// The credential-like words of a command line after its leading `NAME=VALUE` assignments
    /// (which `/bin/sh` puts in the helper's environment), as `StoreURL` hides them; nil when
    /// there are none.
    static func argumentCredential(_ commandLine: String) -> String? {
        var words = commandLine.split(separator: " ", omittingEmptySubsequences: false)[...]
        while let first = words.first, first.isEmpty || isAssignment(first) { words = words.dropFirst() }
        let arguments = StoreURL(commandLine: words.joined(separator: " "))
        return arguments.secrets.isEmpty ? nil : arguments.display
    }

    /// `NAME=…` with NAME a shell variable name.
    private static func isAssignment(_ word: Substring) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals > word.startIndex else { return false }
        let name = word[..<equals].utf8
        return name.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) }
            && !(name.first! >= 0x30 && name.first! <= 0x39)
    }

    public var transmitsConfig: Bool { true }

    /// `get` said the platform does not know the app or environment.
    private struct UnknownEnvironment: Error {}

    /// Runs `PROGRAM VERB APP ENV`; returns its stdout on exit 0.
    private func call(_ verb: String, _ app: String, _ environment: String, input: [UInt8] = [],
                      unknownStatus: Int32? = nil, relay: Bool = true) throws -> [UInt8] {
        if let refusal { throw Failure.store(refusal) }
        for (what, value, fix) in [("app", app, "set pushguard.app to a name that does not"),
                                   ("environment", environment, "rename the [pushguard \"…\"] section so it does not")]
        where value.hasPrefix("-") {
            throw Failure.store("\(name) not called: \(what) name \(escapedForTerminal(value)) starts with \"-\", which the helper would read as an option",
                                fix: fix)
        }
        let budget = try deadline.budget("\(name) \(verb)")
        let result: ProcessResult
        do {
            result = try Subprocess.run(["/bin/sh", "-c", ExecStore.runner, "pushguard", verb, app, environment],
                                        input: input,
                                        environment: .scrubbed(passing: passEnvironment, setting: [ExecStore.commandVariable: program]),
                                        captureOutput: true, outputLimit: 1 << 20, captureStandardError: true,
                                        timeoutMilliseconds: budget)
        } catch {
            throw Failure.store("\(name): \(error.description)")
        }
        if relay { printError(ExecStore.relayed(result.standardError, truncated: result.standardErrorTruncated).map(location.scrub)) }
        if result.timedOut {
            throw deadline.cut("\(name) \(verb)", " and was killed")
        }
        if let unknownStatus, result.status == unknownStatus { throw UnknownEnvironment() }
        if result.status != 0 {
            throw Failure.store("\(name) \(verb) exited with status \(result.status)")
        }
        if result.outputTruncated { throw Failure.store("\(name) \(verb) printed more than 1 MiB") }
        return result.output
    }

    /// A helper's stderr as lines for the pusher: `pushguard:   helper: LINE`, each escaped for
    /// a terminal and cut at `relayedLineLength`; the last `relayedLines` of them, after a line
    /// that says how many came before.
    static func relayed(_ bytes: [UInt8], truncated: Bool) -> [String] {
        var lines = splitLines(bytes).map { String(decoding: $0, as: UTF8.self) }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { return [] }
        let prefix = Report.prefix + "  helper: "
        var out: [String] = []
        let hidden = lines.count - relayedLines
        if hidden > 0 || truncated {
            out.append(prefix + "… " + (hidden > 0 ? "\(hidden) earlier line\(hidden == 1 ? "" : "s")" : "earlier output") + " not shown")
        }
        for line in lines.suffix(relayedLines) {
            var scalars = String.UnicodeScalarView()
            var cut = false
            for (index, scalar) in line.unicodeScalars.enumerated() {
                if index == relayedLineLength { cut = true; break }
                scalars.append(scalar)
            }
            out.append(prefix + escapedForTerminal(String(scalars)) + (cut ? "…" : ""))
        }
        return out
    }

    /// The exit status of `PROGRAM get` for an app or environment the platform does not know.
    public static let unknownStatus: Int32 = 3

    public func state(app: String, environment: String) throws -> EnvironmentState {
        let output: [UInt8]
        do {
            output = try call("get", app, environment, unknownStatus: ExecStore.unknownStatus)
        } catch is UnknownEnvironment {
            return EnvironmentState(app: app, environment: environment, known: false)
        }
        let state: EnvironmentState
        do {
            state = try StateDocument.decode(output)
        } catch {
            throw Failure.store("\(name) get printed a \(error.description)")
        }
        guard state.app == app && state.environment == environment else {
            throw Failure.store("\(name) get answered for \(escapedForTerminal(state.app))/\(escapedForTerminal(state.environment)), not \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
        return state
    }

    public func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64 {
        _ = try call("transmit", app, environment)
        return try state(app: app, environment: environment).desiredVersion
    }

    /// A push's records in as few calls as the helper allows: one `audit-batch` per
    /// environment when the helper announces it, else one `audit` per record. Stops at the first
    /// failure (a failing helper is not called again for every record) and says how many records
    /// were not sent.
    public func appendAudit(_ records: [AuditRecord]) throws {
        var sent = 0
        do {
            for group in AuditRecord.byEnvironment(records) {
                // Escaped text (`AuditRecord.escaped`): the platform may print what it keeps.
                let lines = group.map { Array(($0.escaped.json.encoded() + "\n").utf8) }
                let app = group[0].app, environment = group[0].environment
                if group.count > 1, try batchesAudit(app, environment) {
                    _ = try call("audit-batch", app, environment, input: Array(lines.joined()))
                    sent += group.count
                    continue
                }
                for (record, line) in zip(group, lines) {
                    _ = try call("audit", record.app, record.environment, input: line)
                    sent += 1
                }
            }
        } catch let error as Failure where error.kind == .store {
            throw error.notSending(records.count - sent, of: records.count)
        }
    }

    /// True when the helper announced `audit-batch` (asked once per hook): `PROGRAM capabilities
    /// APP ENV` exits 0 and prints it on a line of its own. An older helper's answer (an error,
    /// or nothing) means one `audit` call per record; its stderr is not relayed.
    private func batchesAudit(_ app: String, _ environment: String) throws -> Bool {
        if let batches { return batches }
        let announced: Bool
        do {
            let output = try call("capabilities", app, environment, relay: false)
            announced = output.split(separator: 0x0A).contains { line in
                let word = line.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
                return Array(word.reversed()) == Array("audit-batch".utf8)
            }
        } catch let error as Failure where error.kind == .store && !error.timedOut {
            if refusal != nil { throw error }
            announced = false
        }
        batches = announced
        return announced
    }
}

extension Failure {
    /// This failure, saying that `unsent` of a push's `total` audit records were not sent.
    func notSending(_ unsent: Int, of total: Int) -> Failure {
        guard unsent > 0 else { return self }
        return continued("; \(unsent) of \(total) audit record\(total == 1 ? "" : "s") not sent")
    }
}

extension AuditRecord {
    /// Records grouped by app and environment, in the order each group first appears.
    static func byEnvironment(_ records: [AuditRecord]) -> [[AuditRecord]] {
        var groups: [[AuditRecord]] = []
        var index: [String: Int] = [:]
        for record in records {
            let key = record.app + "\n" + record.environment
            if let known = index[key] {
                groups[known].append(record)
            } else {
                index[key] = groups.count
                groups.append([record])
            }
        }
        return groups
    }
}
