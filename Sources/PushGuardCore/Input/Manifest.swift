/// A variable the pushed code declares in its manifest (`app.json`'s `env`).
public struct Requirement: Equatable, Sendable {
    public var key: String
    /// Heroku's default: a declared variable is required unless it says `"required": false`.
    public var required: Bool
    public var description: String

    public init(key: String, required: Bool = true, description: String = "") {
        self.key = key
        self.required = required
        self.description = description
    }
}

/// What the pushed commit's manifest says, or why it could not be read.
public enum Manifest: Equatable, Sendable {
    /// No manifest at the configured path: only the sync check runs.
    case absent
    /// The manifest exists but cannot be used; reported as a finding, never a crash. The
    /// reason does not name the manifest: messages say "<path> in <commit> cannot be read: <why>".
    case unreadable(String)
    /// A tree on the manifest's path is not as git writes trees (entries out of git's order, or
    /// one name twice), so which manifest git would deploy cannot be told. Decided like an
    /// unreadable manifest, with its own fix; the reason names the tree.
    case ambiguous(String)
    /// The base `env`'s requirements; `environments`: the requirements of each section of
    /// app.json's `environments` that has its own `env` (which replaces the base `env` for that
    /// environment); `offSchema`: what was read as Heroku reads it although Heroku's schema says
    /// otherwise (a boolean shorthand, a `value` that is not a string, `"required": "False"`,
    /// unknown fields, repeated names), one short note each, in document order.
    case declared([Requirement], environments: [String: [Requirement]] = [:], offSchema: [String] = [])

    /// Manifests larger than this are reported unreadable without being parsed.
    public static let maxSize = 1 << 20

    /// One push reads at most this many bytes of distinct manifest blobs (16 MiB): refs whose
    /// manifests differ cost memory by their bytes, and past this a manifest is not read.
    public static let maxBytesPerPush = 16 << 20

    /// Why a manifest past `maxBytesPerPush` was not read.
    public static let overPushBudget = "not read: this push's distinct manifests already came to the limit of \(maxBytesPerPush >> 20) MiB in all; push fewer refs at once"

    /// Fields Heroku's schema defines for an object entry of `env`.
    static let entryFields: Set<String> = ["description", "value", "required", "generator"]

    /// Longest key (in Unicode scalars) quoted in full in a note.
    static let maxKeyInNote = 60

    /// The keys the pushed code needs set and applied (the base `env`).
    public var requiredKeys: Set<String> { requiredKeys(section: nil) }

    /// The keys an environment needs: those of `environments.<section>.env` when the manifest has
    /// that section with its own `env`, else those of the base `env`.
    public func requiredKeys(section: String?) -> Set<String> {
        Set(requirements(section: section).requirements.lazy.filter(\.required).map(\.key))
    }

    /// The requirements that apply to the environment whose section of `environments` is named
    /// `section`, and the section used (nil: the base `env`). Heroku's rule: a section's `env`
    /// replaces the base `env` completely; without one, the base `env` applies.
    public func requirements(section: String?) -> (requirements: [Requirement], section: String?) {
        guard case .declared(let base, let environments, _) = self else { return ([], nil) }
        if let section, let own = environments[section] { return (own, section) }
        return (base, nil)
    }

    /// The notes on shapes off Heroku's schema (empty unless declared).
    public var offSchema: [String] {
        guard case .declared(_, _, let notes) = self else { return [] }
        return notes
    }

    /// Reads Heroku's `app.json`: `"env": {"KEY": "description"}` or `{"KEY": {"required": …}}`,
    /// and `"environments": {"review": {"env": {…}}}`. Strict where strictness protects (size,
    /// nesting, encoding, JSON syntax, the types of `env` and `environments`); otherwise read as
    /// Heroku, JSON.parse, Ruby and Python read it: a repeated name's last value counts, every
    /// entry is required unless its `"required"` is the JSON `false`, and whatever is off the
    /// schema is noted, never refused on its own.
    public static func parse(_ bytes: [UInt8]) -> Manifest {
        if bytes.count > maxSize {
            return .unreadable("it is \(bytes.count) bytes, over the 1 MiB limit")
        }
        if bytes.isEmpty { return .unreadable("it is empty") }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, maxDepth: 32, duplicateNames: .keepAll)
        } catch {
            let (line, column) = JSONParser.position(of: error.offset, in: bytes)
            return .unreadable("line \(line), column \(column): \(error.message)")
        }
        guard let top = document.objectValue else {
            return .unreadable("the top level is not a JSON object")
        }
        var notes: [String] = []
        for name in ["env", "environments"] where top.count(of: name) > 1 {
            notes.append("\"\(name)\" appears \(top.count(of: name)) times (the last one counts)")
        }
        var base: [Requirement] = []
        if let env = top["env"] {
            guard let entries = env.objectValue else { return .unreadable("\"env\" is not a JSON object") }
            if let problem = overlongName(in: entries, at: "env") { return .unreadable(problem) }
            base = requirements(entries, at: "env", notes: &notes)
        }
        var sections: [String: [Requirement]] = [:]
        if let environments = top["environments"] {
            guard let named = environments.objectValue else {
                return .unreadable("\"environments\" is not a JSON object")
            }
            if let problem = overlongName(in: named, at: "environments") { return .unreadable(problem) }
            let counts = nameCounts(named)
            var last: [String: JSONValue] = [:]
            for (name, value) in named.members { last[name] = value }
            var seen = Set<String>()
            for (name, _) in named.members where seen.insert(name).inserted {
                let location = "environments." + shortened(name)
                if let count = counts[name], count > 1 {
                    notes.append("\(location) appears \(count) times (the last one counts)")
                }
                guard let section = last[name]?.objectValue else {
                    return .unreadable("\(location) is not a JSON object")
                }
                if section.count(of: "env") > 1 {
                    notes.append("\(location).env appears \(section.count(of: "env")) times (the last one counts)")
                }
                // A section without its own `env` leaves the base `env` in force.
                guard let env = section["env"] else { continue }
                guard let entries = env.objectValue else { return .unreadable("\(location).env is not a JSON object") }
                if let problem = overlongName(in: entries, at: location + ".env") { return .unreadable(problem) }
                sections[name] = requirements(entries, at: location + ".env", notes: &notes)
            }
        }
        return .declared(base, environments: sections, offSchema: notes)
    }

    /// The requirements of one `env` object. A key declared more than once is one requirement,
    /// required when any of its declarations is, described by its last description.
    static func requirements(_ entries: JSONObject, at location: String, notes: inout [String]) -> [Requirement] {
        var requirements: [Requirement] = []
        requirements.reserveCapacity(entries.members.count)
        var index: [String: Int] = [:]
        var repeated: [String] = []
        var repeatedSet = Set<String>()
        let counts = nameCounts(entries)
        for (key, value) in entries.members {
            let name = location + "." + shortened(key)
            var required = true
            var description = ""
            switch value {
            case .string(let text):
                description = text
            case .object(let fields):
                if let flag = fields["required"] {
                    if case .bool(let bool) = flag {
                        required = bool
                    } else {
                        notes.append("\(name).required is \(describe(flag)), not true or false (read as required)")
                    }
                }
                if let given = fields["value"], given.stringValue == nil {
                    notes.append("\(name).value is \(describe(given)), not a string")
                }
                // Counted once: a hostile entry may carry tens of thousands of fields.
                let fieldCounts = nameCounts(fields)
                var unknown: [String] = []
                var twice: [String] = []
                var listed = Set<String>()
                for field in fields.keys where listed.insert(field).inserted {
                    if !entryFields.contains(field) { unknown.append(field) }
                    if fieldCounts[field, default: 1] > 1 { twice.append(field) }
                }
                if !unknown.isEmpty {
                    notes.append("\(name) has unknown field\(unknown.count == 1 ? "" : "s") "
                                 + unknown.prefix(5).map { jsonQuoted(shortened($0)) }.joined(separator: ", ")
                                 + (unknown.count > 5 ? ", …" : ""))
                }
                for field in twice.prefix(5) {
                    notes.append("\(name) repeats \(jsonQuoted(shortened(field))) (the last one counts)")
                }
                description = fields["description"]?.stringValue ?? ""
            default:
                notes.append("\(name) is \(describe(value)), not a string or object (read as required)")
            }
            if let known = index[key] {
                if repeatedSet.insert(key).inserted { repeated.append(key) }
                requirements[known].required = requirements[known].required || required
                if !description.isEmpty { requirements[known].description = description }
            } else {
                index[key] = requirements.count
                requirements.append(Requirement(key: key, required: required, description: description))
            }
        }
        for key in repeated {
            notes.append("\(location).\(shortened(key)) appears \(counts[key, default: 2]) times (required if any is)")
        }
        return requirements
    }

    /// Longest name of a variable (or of a section of `environments`) a manifest may declare,
    /// in bytes: the longest name the code scanner reports, and as long as any real one.
    public static let maxKeyLength = EnvironmentReadScanner.maxNameLength

    /// Why `object` (at `location`) cannot be used when one of its names is longer than
    /// `maxKeyLength`: the name's start, quoted and escaped, and its length. Such a name would
    /// otherwise be carried into every line, record and note of the push.
    static func overlongName(in object: JSONObject, at location: String) -> String? {
        guard let name = object.members.first(where: { $0.key.utf8.count > maxKeyLength })?.key else { return nil }
        let what = location == "environments" ? "a section name" : "a key"
        return "\(location) has \(what) of \(name.utf8.count) bytes, over the limit of \(maxKeyLength): "
            + jsonQuoted(shortened(name, to: 40))
    }

    /// How many members carry each name (more than one only after a parse with `.keepAll`).
    static func nameCounts(_ object: JSONObject) -> [String: Int] {
        var counts: [String: Int] = [:]
        counts.reserveCapacity(object.members.count)
        for member in object.members { counts[member.key, default: 0] += 1 }
        return counts
    }

    /// A JSON value as a note names it: `"False"`, `true`, a number, an array, …
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let bool): return bool ? "true" : "false"
        case .number(let lexeme): return lexeme.count <= 20 ? lexeme : "a number"
        case .string(let text): return jsonQuoted(shortened(text, to: 20))
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// A name cut to `limit` Unicode scalars, with "…" when it was longer.
    static func shortened(_ text: String, to limit: Int = maxKeyInNote) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > limit else { return text }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(limit))
        return String(cut) + "…"
    }
}
