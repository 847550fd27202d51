import PushGuardCore
import PushGuardSystem

/// The platform's helper program as a store, called like git's credential helpers:
/// `PROGRAM get APP ENV` prints the state document, `PROGRAM transmit APP ENV` transmits,
/// `PROGRAM audit APP ENV` reads one audit record on stdin. Exit 0 means success. PROGRAM may
/// carry arguments (it runs through `/bin/sh`); its stderr reaches the pusher; every call is
/// bounded by `pushguard.timeout`, after which the helper and its children are killed.
public final class ExecStore: StateStore {
    private let program: String
    /// How messages name the store: the command line with credentials hidden (see `StoreURL`).
    private let name: String
    private let timeoutMilliseconds: Int

    public init(program: StoreURL, timeoutMilliseconds: Int) {
        self.program = program.text
        name = "exec store " + program.display
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public var transmitsConfig: Bool { true }

    /// Runs `PROGRAM VERB APP ENV`; returns its stdout on exit 0.
    private func call(_ verb: String, _ app: String, _ environment: String, input: [UInt8] = []) throws(StoreError) -> [UInt8] {
        let result: ProcessResult
        do {
            result = try Subprocess.run(["/bin/sh", "-c", program + " \"$@\"", "pushguard", verb, app, environment],
                                        input: input, captureOutput: true, outputLimit: 1 << 20,
                                        timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw StoreError("\(name): \(error.description)")
        }
        if result.timedOut {
            throw StoreError("\(name) \(verb) did not answer within \(timeoutMilliseconds) ms and was killed (pushguard.timeout)",
                             timedOut: true)
        }
        if result.status != 0 {
            throw StoreError("\(name) \(verb) exited with status \(result.status)")
        }
        if result.outputTruncated { throw StoreError("\(name) \(verb) printed more than 1 MiB") }
        return result.output
    }

    public func state(app: String, environment: String) throws -> EnvironmentState {
        let output = try call("get", app, environment)
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
            _ = try call("audit", record.app, record.environment, input: Array(record.json.encoded().utf8))
        }
    }
}
