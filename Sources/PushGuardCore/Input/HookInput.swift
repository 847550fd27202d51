/// One ref update as git passes it to pre-receive (stdin) and update (arguments).
public struct RefUpdate: Equatable, Sendable {
    public var oldID: String
    public var newID: String
    public var ref: String

    public init(oldID: String, newID: String, ref: String) {
        self.oldID = oldID
        self.newID = newID
        self.ref = ref
    }

    /// The ref is being created (old id is all zeros).
    public var isCreation: Bool { RefUpdate.isZero(oldID) }
    /// The ref is being deleted (new id is all zeros); never blocked.
    public var isDeletion: Bool { RefUpdate.isZero(newID) }

    static func isZero(_ id: String) -> Bool { id.utf8.allSatisfy { $0 == UInt8(ascii: "0") } }
}

/// A line of hook input that is not `<old-id> SP <new-id> SP <ref>`.
public struct HookInputError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "hook input line \(line): \(message)" }
}

/// Parses what git gives the pre-receive and post-receive hooks on stdin.
public enum HookInput {
    /// Refuse absurd input rather than hold it all: 1,000 refs take about 100 KB.
    public static let maxLineLength = 8192

    public static func parse(_ bytes: [UInt8]) throws(HookInputError) -> [RefUpdate] {
        var updates: [RefUpdate] = []
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            updates.append(try parseLine(Array(line), number: lineNumber))
        }
        return updates
    }

    /// Checks one update from its three fields (the update hook's arguments).
    public static func update(old: String, new: String, ref: String) throws(HookInputError) -> RefUpdate {
        try parseLine(Array((old + " " + new + " " + ref).utf8), number: 1)
    }

    private static func parseLine(_ line: [UInt8], number: Int) throws(HookInputError) -> RefUpdate {
        guard line.count <= maxLineLength else {
            throw HookInputError(line: number, message: "line is \(line.count) bytes long")
        }
        let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else {
            throw HookInputError(line: number, message: "expected '<old-id> <new-id> <ref>', got \(fields.count) field(s)")
        }
        for (name, field) in [("old id", fields[0]), ("new id", fields[1])] where !isObjectID(field) {
            throw HookInputError(line: number, message: "\(name) is not a 40 or 64 digit hex object id")
        }
        guard fields[0].count == fields[1].count else {
            throw HookInputError(line: number, message: "old and new ids differ in length")
        }
        let refBytes = fields[2]
        guard !refBytes.isEmpty, !refBytes.contains(0),
              let ref = String(validating: refBytes, as: UTF8.self) else {
            throw HookInputError(line: number, message: "ref name is empty, holds a NUL byte or is not UTF-8")
        }
        return RefUpdate(oldID: String(decoding: fields[0], as: UTF8.self),
                         newID: String(decoding: fields[1], as: UTF8.self), ref: ref)
    }

    private static func isObjectID(_ field: ArraySlice<UInt8>) -> Bool {
        (field.count == 40 || field.count == 64) && field.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
    }
}

/// What git gives the client-side pre-push hook on stdin:
/// `<local-ref> SP <local-id> SP <remote-ref> SP <remote-id>` per ref.
public enum PrePushInput {
    /// The updates as the remote will see them (remote ref, its old id, the pushed id).
    public static func parse(_ bytes: [UInt8]) throws(HookInputError) -> [RefUpdate] {
        var updates: [RefUpdate] = []
        var number = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            number += 1
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw HookInputError(line: number, message: "expected '<local-ref> <local-id> <remote-ref> <remote-id>'")
            }
            let text = fields.map { String(decoding: $0, as: UTF8.self) }
            updates.append(try HookInput.update(old: text[3], new: text[1], ref: text[2]))
        }
        return updates
    }
}

/// The push options a pusher gave with `git push -o`, as far as PushGuard reads them.
public struct PushOptions: Equatable, Sendable {
    /// `-o pushguard.ack` or `-o pushguard.ack=REASON`.
    public var override: Override?
    /// `-o pushguard.sync`.
    public var sync: Bool
    /// The options git passed, or nil when the server did not advertise push options.
    public var advertised: Bool
    /// `pushguard.*` options PushGuard does not know (`pushguard.akc=…`), by name only (the
    /// value, a reason, is not repeated back).
    public var unknown: [String] = []

    public init(override: Override? = nil, sync: Bool = false, advertised: Bool = true) {
        self.override = override
        self.sync = sync
        self.advertised = advertised
    }

    /// The options git passed as `GIT_PUSH_OPTION_COUNT` and `GIT_PUSH_OPTION_<i>`, in order;
    /// nil when the server did not advertise push options (git then sets no count).
    public static func passed(environment: (String) -> String?) -> [String]? {
        guard let countText = environment("GIT_PUSH_OPTION_COUNT"), let count = Int(countText), count >= 0 else {
            return nil
        }
        return (0..<min(count, 1000)).compactMap { environment("GIT_PUSH_OPTION_\($0)") }
    }

    /// Reads PushGuard's options from what git passed (see `passed(environment:)`).
    public static func parse(_ passed: [String]?) -> PushOptions {
        guard let passed else { return PushOptions(advertised: false) }
        var options = PushOptions()
        for option in passed {
            if option == "pushguard.ack" {
                options.override = Override(reason: nil)
            } else if option.hasPrefix("pushguard.ack=") {
                let reason = String(option.dropFirst("pushguard.ack=".count))
                options.override = Override(reason: reason.isEmpty ? nil : String(reason.prefix(500)))
            } else if option == "pushguard.sync" || option == "pushguard.sync=true" {
                options.sync = true
            } else if option.lowercased().hasPrefix("pushguard") {
                let name = String(option.prefix { $0 != "=" }.prefix(100))
                if !options.unknown.contains(name) { options.unknown.append(name) }
            }
        }
        return options
    }

    /// Reads PushGuard's options from an environment lookup.
    public static func from(environment: (String) -> String?) -> PushOptions {
        parse(passed(environment: environment))
    }
}
