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
    /// The manifest exists but cannot be used; reported as a finding, never a crash.
    case unreadable(String)
    case declared([Requirement])

    /// Manifests larger than this are reported unreadable without being parsed.
    public static let maxSize = 1 << 20

    /// The keys the pushed code needs set and applied.
    public var requiredKeys: Set<String> {
        guard case .declared(let requirements) = self else { return [] }
        return Set(requirements.lazy.filter(\.required).map(\.key))
    }

    /// Reads Heroku's `app.json`: `"env": {"KEY": "description"}` or `{"KEY": {"required": …}}`.
    public static func parse(_ bytes: [UInt8], path: String = "app.json") -> Manifest {
        if bytes.count > maxSize {
            return .unreadable("\(path) is \(bytes.count) bytes, over the 1 MiB limit")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, maxDepth: 32)
        } catch {
            return .unreadable("\(path): \(error.description)")
        }
        guard let top = document.objectValue else {
            return .unreadable("\(path): the top level is not a JSON object")
        }
        guard let env = top["env"] else { return .declared([]) }
        guard let entries = env.objectValue else {
            return .unreadable("\(path): \"env\" is not a JSON object")
        }
        var requirements: [Requirement] = []
        requirements.reserveCapacity(entries.members.count)
        for (key, value) in entries.members {
            switch value {
            case .string(let description):
                requirements.append(Requirement(key: key, description: description))
            case .object(let fields):
                var required = true
                if let flag = fields["required"] {
                    guard let bool = flag.boolValue else {
                        return .unreadable("\(path): env.\(key).required is not true or false")
                    }
                    required = bool
                }
                let description = fields["description"]?.stringValue ?? ""
                requirements.append(Requirement(key: key, required: required, description: description))
            default:
                return .unreadable("\(path): env.\(key) is neither a string nor an object")
            }
        }
        return .declared(requirements)
    }
}
