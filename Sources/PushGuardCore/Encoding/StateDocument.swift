/// The state document, version 1: how stores exchange an environment's config state as JSON.
public enum StateDocument {
    /// Anything in a state document that is not as version 1 says.
    public struct Malformed: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { "malformed state document: " + message }
    }

    public static func encode(_ state: EnvironmentState, pretty: Bool = true) -> String {
        json(state).encoded(pretty: pretty)
    }

    /// The document as a JSON value, for a caller that adds members of its own.
    public static func json(_ state: EnvironmentState) -> JSONValue {
        let config: [JSONValue] = state.config.map { entry in
            .object(JSONObject([
                ("key", .string(entry.key)),
                ("version", .number(String(entry.version))),
                ("digest", .string(entry.digest)),
                ("deleted", .bool(entry.deleted)),
                ("changedAt", .string(entry.changedAt)),
                ("changedBy", .string(entry.changedBy)),
            ]))
        }
        let instances: [JSONValue] = state.instances.map { instance in
            .object(JSONObject([
                ("id", .string(instance.id)),
                ("appliedVersion", .number(String(instance.appliedVersion))),
                ("state", .string(instance.state.rawValue)),
            ]))
        }
        return JSONValue.object(JSONObject([
            ("version", .number("1")),
            ("app", .string(state.app)),
            ("environment", .string(state.environment)),
            ("desiredVersion", .number(String(state.desiredVersion))),
            ("config", .array(config)),
            ("instances", .array(instances)),
            ("appliedVersion", .number(String(state.appliedVersion))),
        ]))
    }

    /// Strict: every required field present with the right type, versions non-negative integers.
    public static func decode(_ bytes: [UInt8]) throws(Malformed) -> EnvironmentState {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, maxDepth: 8)
        } catch {
            throw Malformed(message: error.description)
        }
        guard let top = document.objectValue else { throw Malformed(message: "not a JSON object") }
        guard try int(top, "version", "") == 1 else {
            throw Malformed(message: "unsupported \"version\" (expected 1)")
        }
        var state = EnvironmentState(app: try string(top, "app", ""),
                                     environment: try string(top, "environment", ""))
        state.desiredVersion = try int(top, "desiredVersion", "")
        state.appliedVersion = try int(top, "appliedVersion", "")
        for (index, item) in try array(top, "config").enumerated() {
            let at = "config[\(index)]."
            guard let entry = item.objectValue else { throw Malformed(message: "config[\(index)] is not an object") }
            state.config.append(ConfigEntry(
                key: try string(entry, "key", at), version: try int(entry, "version", at),
                digest: try optionalString(entry, "digest", at) ?? "",
                deleted: try optionalBool(entry, "deleted", at) ?? false,
                changedAt: try optionalString(entry, "changedAt", at) ?? "",
                changedBy: try optionalString(entry, "changedBy", at) ?? ""))
        }
        for (index, item) in try array(top, "instances").enumerated() {
            let at = "instances[\(index)]."
            guard let fields = item.objectValue else { throw Malformed(message: "instances[\(index)] is not an object") }
            let stateName = try optionalString(fields, "state", at) ?? "active"
            guard let instanceState = Instance.State(rawValue: stateName) else {
                throw Malformed(message: "\(at)state must be \"active\" or \"draining\"")
            }
            state.instances.append(Instance(id: try string(fields, "id", at),
                                            appliedVersion: try int(fields, "appliedVersion", at),
                                            state: instanceState))
        }
        var keys = Set<String>()
        for entry in state.config where !keys.insert(entry.key).inserted {
            throw Malformed(message: "key " + escapedForTerminal(entry.key) + " appears twice in config")
        }
        return state
    }

    private static func int(_ object: JSONObject, _ name: String, _ at: String) throws(Malformed) -> Int64 {
        guard let value = object[name] else { throw Malformed(message: "missing \"\(at)\(name)\"") }
        guard let number = value.int64Value, number >= 0 else {
            throw Malformed(message: "\"\(at)\(name)\" is not a non-negative integer")
        }
        return number
    }

    private static func string(_ object: JSONObject, _ name: String, _ at: String) throws(Malformed) -> String {
        guard let value = try optionalString(object, name, at) else { throw Malformed(message: "missing \"\(at)\(name)\"") }
        return value
    }

    private static func optionalString(_ object: JSONObject, _ name: String, _ at: String) throws(Malformed) -> String? {
        guard let value = object[name] else { return nil }
        guard let text = value.stringValue else { throw Malformed(message: "\"\(at)\(name)\" is not a string") }
        return text
    }

    private static func optionalBool(_ object: JSONObject, _ name: String, _ at: String) throws(Malformed) -> Bool? {
        guard let value = object[name] else { return nil }
        guard let flag = value.boolValue else { throw Malformed(message: "\"\(at)\(name)\" is not true or false") }
        return flag
    }

    private static func array(_ object: JSONObject, _ name: String) throws(Malformed) -> [JSONValue] {
        guard let value = object[name] else { throw Malformed(message: "missing \"\(name)\"") }
        guard let items = value.arrayValue else { throw Malformed(message: "\"\(name)\" is not an array") }
        return items
    }
}
