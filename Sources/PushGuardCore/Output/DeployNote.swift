extension DeployRecord {
    /// The git note a deploy leaves on its commit: never a value, everything escaped.
    public var noteText: String {
        var lines = ["pushguard: \(decision.rawValue) deploy of \(escapedForTerminal(app)) to \(escapedForTerminal(environment))",
                     (refs.count == 1 ? "ref: " : "refs: ") + refs.prefix(5).map(escapedForTerminal).joined(separator: ", ")
                        + (refs.count > 5 ? ", … and \(refs.count - 5) more" : ""),
                     "config version: \(configVersion)"]
        if !findings.isEmpty {
            let keys = findings.prefix(50).map(\.text)
                .joined(separator: ", ")
            let more = findings.count > 50 ? ", … and \(findings.count - 50) more" : ""
            lines.append((decision == .synced ? "synced in this push: " : "out of sync: ") + keys + more)
        }
        if decision == .overridden {
            lines.append("override by \(escapedForTerminal(pusher))" + (reason.isEmpty ? "" : ": " + escapedControls(reason)))
        } else if !reason.isEmpty {
            // A warning's cause (a manifest that cannot be read, a sync that failed) stays with the commit.
            lines.append("reason: " + escapedControls(reason))
        }
        lines.append("pusher: " + escapedForTerminal(pusher))
        lines.append("time: " + escapedForTerminal(time))
        return lines.joined(separator: "\n") + "\n"
    }
}
