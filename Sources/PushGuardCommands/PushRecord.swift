import Glibc
import PushGuardCore
import PushGuardSystem

/// What one push's hooks hand to each other. pre-receive (or update) decides, post-receive
/// writes notes; the update hook gets no push options, so pre-receive saves them. All hooks of
/// one push are children of the same `git receive-pack`, so its pid (our parent's) keys the
/// files under `$GIT_DIR/pushguard-push/`. No refs are written here, only plain files.
struct PushRecord {
    let directory: String
    let key: String

    init(gitDirectory: String, receivePackPID: Int32 = getppid()) {
        directory = gitDirectory + "/pushguard-push"
        key = String(receivePackPID)
    }

    private var decisionsPath: String { directory + "/" + key + ".decisions" }
    private var optionsPath: String { directory + "/" + key + ".options" }

    /// One accepted deploy of a commit to an environment (by one or more refs), as
    /// post-receive needs it for the note.
    struct Deploy: Equatable {
        var refs: [String]
        var newID: String
        var environment: String
        var decision: String
        var configVersion: Int64
        var findings: [AuditRecord.KeyFinding]
        var reason: String
        var pusher: String
        var time: String
    }

    /// Appends deploys (update hooks add one at a time).
    func append(_ deploys: [Deploy]) {
        guard !deploys.isEmpty else { return }
        prepareDirectory()
        let text = deploys.map { deploy in
            JSONValue.object(JSONObject([
                ("refs", .array(deploy.refs.map { .string($0) })), ("newId", .string(deploy.newID)),
                ("environment", .string(deploy.environment)), ("decision", .string(deploy.decision)),
                ("configVersion", .number(String(deploy.configVersion))),
                ("findings", AuditRecord.json(findings: deploy.findings)),
                ("reason", .string(deploy.reason)), ("pusher", .string(deploy.pusher)), ("time", .string(deploy.time)),
            ])).encoded() + "\n"
        }.joined()
        appendFile(decisionsPath, text)
    }

    func deploys() -> [Deploy] {
        guard let text = try? Files.readTextIfPresent(decisionsPath, limit: 64 << 20) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONParser.parse(String(line)))?.objectValue,
                  let refs = object["refs"]?.arrayValue?.compactMap(\.stringValue), let newID = object["newId"]?.stringValue,
                  let environment = object["environment"]?.stringValue,
                  let decision = object["decision"]?.stringValue else { return nil }
            return Deploy(refs: refs, newID: newID, environment: environment, decision: decision,
                          configVersion: object["configVersion"]?.int64Value ?? 0,
                          findings: AuditRecord.findings(from: object["findings"] ?? .null),
                          reason: object["reason"]?.stringValue ?? "", pusher: object["pusher"]?.stringValue ?? "",
                          time: object["time"]?.stringValue ?? "")
        }
    }

    /// Saves the push options for the update hooks of this push.
    func saveOptions(environment: (String) -> String?) {
        guard let count = environment("GIT_PUSH_OPTION_COUNT") else { return }
        prepareDirectory()
        var lines = ["GIT_PUSH_OPTION_COUNT=" + count]
        for index in 0..<min(Int(count) ?? 0, 1000) {
            if let option = environment("GIT_PUSH_OPTION_\(index)") { lines.append("GIT_PUSH_OPTION_\(index)=" + option) }
        }
        try? Files.writeAtomically(optionsPath, Array((lines.joined(separator: "\n") + "\n").utf8), mode: 0o600)
    }

    /// The push options pre-receive saved, as an environment lookup.
    func savedOptions() -> [String: String] {
        guard let text = try? Files.readTextIfPresent(optionsPath, limit: 1 << 20) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    /// Removes this push's files, and any left by pushes that died more than a day ago.
    func remove() {
        unlink(decisionsPath)
        unlink(optionsPath)
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        let dayAgo = time(nil) - 86_400
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasSuffix(".decisions") || name.hasSuffix(".options") else { continue }
            var info = stat()
            let path = directory + "/" + name
            if stat(path, &info) == 0 && info.st_mtim.tv_sec < dayAgo { unlink(path) }
        }
    }

    /// Starts a fresh record for this push (a stale one from a reused pid is dropped).
    func reset() {
        unlink(decisionsPath)
    }

    private func prepareDirectory() {
        _ = mkdir(directory, 0o700)
    }

    private func appendFile(_ path: String, _ text: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, bytes.count) }
    }
}
