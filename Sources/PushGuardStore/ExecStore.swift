import PushGuardCore
import PushGuardSystem

/// The platform's helper program as a store, called like git's credential helpers:
/// `PROGRAM get APP ENV` prints the state document, `PROGRAM transmit APP ENV` transmits,
/// `PROGRAM audit APP ENV` reads one audit record on stdin. Exit 0 means success. PROGRAM may
/// carry arguments (it runs through `/bin/sh`); every call is bounded by `pushguard.timeout`,
/// after which the helper and its children are killed.
///
/// What crosses to the helper and back is bounded: it gets a scrubbed environment
/// (`ChildEnvironment.scrubbed`, `pushguard.passEnv`); an app or environment name starting with
/// `-` is refused before the helper runs, so a repository named `--help.git` can never become an
/// option; its stderr is captured (the last 64 KiB) and relayed to the pusher line by line,
/// escaped and prefixed, never as raw bytes.
public final class ExecStore: StateStore {
    private let program: String
    /// How messages name the store: the command line with credentials hidden (see `StoreURL`).
    private let name: String
    /// Takes the command line's credentials out of what the helper prints (it may echo them).
    private let location: StoreURL
    private let timeoutMilliseconds: Int
    /// `pushguard.passEnv`.
    private let passEnvironment: [String]

    /// At most this many lines of a helper's stderr are relayed per call (the last ones).
    static let relayedLines = 20
    /// Longer lines are cut here.
    static let relayedLineLength = 300

    public init(program: StoreURL, timeoutMilliseconds: Int, passEnvironment: [String] = []) {
        self.program = program.text
        name = "exec store " + program.display
        location = program
        self.timeoutMilliseconds = timeoutMilliseconds
        self.passEnvironment = passEnvironment
    }

    public var transmitsConfig: Bool { true }

    /// Runs `PROGRAM VERB APP ENV`; returns its stdout on exit 0.
    /// `get` said the platform does not know the app or environment.
    private struct UnknownEnvironment: Error {}

    private func call(_ verb: String, _ app: String, _ environment: String, input: [UInt8] = [],
                      unknownStatus: Int32? = nil) throws -> [UInt8] {
        for (what, value, fix) in [("app", app, "set pushguard.app to a name that does not"),
                                   ("environment", environment, "rename the [pushguard \"…\"] section so it does not")]
        where value.hasPrefix("-") {
            throw StoreError("\(name) not called: \(what) name \(escapedForTerminal(value)) starts with \"-\", which the helper would read as an option; \(fix)")
        }
        let result: ProcessResult
        do {
            result = try Subprocess.run(["/bin/sh", "-c", program + " \"$@\"", "pushguard", verb, app, environment],
                                        input: input, environment: .scrubbed(passing: passEnvironment),
                                        captureOutput: true, outputLimit: 1 << 20, captureStandardError: true,
                                        timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw StoreError("\(name): \(error.description)")
        }
        printError(ExecStore.relayed(result.standardError, truncated: result.standardErrorTruncated).map(location.scrub))
        if result.timedOut {
            throw StoreError("\(name) \(verb) did not answer within \(timeoutMilliseconds) ms and was killed (pushguard.timeout)",
                             timedOut: true)
        }
        if let unknownStatus, result.status == unknownStatus { throw UnknownEnvironment() }
        if result.status != 0 {
            throw StoreError("\(name) \(verb) exited with status \(result.status)")
        }
        if result.outputTruncated { throw StoreError("\(name) \(verb) printed more than 1 MiB") }
        return result.output
    }

    /// A helper's stderr as lines for the pusher: `pushguard:   helper: LINE`, each escaped for
    /// a terminal and cut at `relayedLineLength`; the last `relayedLines` of them, after a line
    /// that says how many came before.
    static func relayed(_ bytes: [UInt8], truncated: Bool) -> [String] {
        // Split as bytes: in a String, "\r\n" is one Character and no "\n" would be found.
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
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
            throw StoreError("\(name) get printed a \(error.description)")
        }
        guard state.app == app && state.environment == environment else {
            throw StoreError("\(name) get answered for \(escapedForTerminal(state.app))/\(escapedForTerminal(state.environment)), not \(escapedForTerminal(app))/\(escapedForTerminal(environment))")
        }
        return state
    }

    public func transmit(app: String, environment: String, instances: [String]?, by: String, at: String) throws -> Int64 {
        _ = try call("transmit", app, environment)
        return try state(app: app, environment: environment).desiredVersion
    }

    public func appendAudit(_ records: [AuditRecord]) throws {
        for record in records {
            // Escaped text (`AuditRecord.escaped`): the platform may print what it keeps.
            _ = try call("audit", record.app, record.environment, input: Array(record.escaped.json.encoded().utf8))
        }
    }
}
