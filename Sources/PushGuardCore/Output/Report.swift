/// Renders evaluations as the lines a pusher reads (prefixed `pushguard: `; git adds `remote: `).
public struct Report: Sendable {
    /// False when the server does not advertise push options: `-o` hints would not work.
    public var pushOptionsEnabled: Bool
    /// Rendering for the client-side pre-push check, which warns before upload and never blocks.
    public var beforeUpload: Bool = false
    /// Past this many keys a list is cut with "… and N more".
    public var maxKeys: Int
    /// Print one short line for an environment in sync.
    public var verbose: Bool

    public static let prefix = "pushguard: "

    public init(maxKeys: Int = 20, verbose: Bool = false, pushOptionsEnabled: Bool = true, beforeUpload: Bool = false) {
        self.pushOptionsEnabled = pushOptionsEnabled
        self.beforeUpload = beforeUpload
        self.maxKeys = maxKeys
        self.verbose = verbose
    }

    /// The lines for one ref's evaluation; empty for a silent acceptance.
    public func lines(for evaluation: Evaluation, ref: String) -> [String] {
        let target = escapedForTerminal(evaluation.app) + "/" + escapedForTerminal(evaluation.environment)
            + " (" + escapedForTerminal(ref) + ")"
        if evaluation.decision == .synced {
            return [Report.prefix + "push to " + target + " accepted after sync: config version \(evaluation.desiredVersion) transmitted in this push"]
        }
        if evaluation.inSync || evaluation.mode == .off {
            guard verbose else { return [] }
            let what = evaluation.mode == .off ? "not checked (mode off)"
                : "config in sync (version \(evaluation.desiredVersion))"
            return [Report.prefix + target + ": " + what]
        }
        // Out of sync from here on: the evaluation rejected, warned or was overridden.
        var headline = evaluation.decision == .rejected ? "rejected: config not synchronized"
            : evaluation.decision == .overridden ? "accepted by override (recorded): config not synchronized"
            : "accepted with warning: config not synchronized"
        if beforeUpload {
            headline = evaluation.decision == .rejected
                ? "would be rejected by the server: config not synchronized (checked before upload)"
                : "will be accepted with a warning: config not synchronized (checked before upload)"
        }
        var out = [Report.prefix + "push to " + target + " " + headline]
        if let reason = evaluation.overrideReason, evaluation.decision == .overridden {
            out.append(Report.prefix + "  override reason: " + escapedForTerminal(reason))
        }
        if let problem = evaluation.manifestProblem {
            out.append(Report.prefix + "  " + escapedForTerminal(problem))
        }
        out += keyLines(evaluation.findings)
        out += fixLines(evaluation)
        return out
    }

    /// Marks output as a rejection for GitLab's web UI: the first line starts with `GL-HOOK-ERR: `.
    public static func gitlabRejection(_ lines: [String]) -> [String] {
        guard let first = lines.first, !first.hasPrefix("GL-HOOK-ERR: ") else { return lines }
        return ["GL-HOOK-ERR: " + first] + lines.dropFirst()
    }

    /// One aligned line per key: `KEY  status  applied on N of M instances  required by app.json`.
    public func keyLines(_ keys: [KeyReport], manifestName: String = "app.json") -> [String] {
        let shown = keys.prefix(maxKeys)
        let names = shown.map { escapedForTerminal($0.key) }
        let width = min(40, names.map(\.count).max() ?? 0)
        var out: [String] = []
        for (report, name) in zip(shown, names) {
            var line = Report.prefix + "  " + padded(name, width) + "  " + padded(report.status.rawValue, 7)
                + "  " + Report.appliedText(report)
            if report.requiredByManifest { line += "  required by " + manifestName }
            out.append(line)
        }
        if keys.count > shown.count {
            out.append(Report.prefix + "  … and \(keys.count - shown.count) more")
        }
        return out
    }

    /// "applied on 2 of 3 instances", "not set", "unset, still on 1 of 3 instances", …
    public static func appliedText(_ report: KeyReport) -> String {
        if report.status == .missing { return report.unset ? "unset" : "not set" }
        if report.instanceCount == 0 {
            let done = report.status == .live
            if report.unset { return done ? "unset, transmitted" : "unset, not transmitted (no instances)" }
            return done ? "transmitted (no instances)" : "not transmitted (no instances)"
        }
        if report.unset {
            return "unset, still on \(report.instanceCount - report.appliedOn) of \(report.instanceCount) instances"
        }
        let noun = report.instanceCount == 1 ? "instance" : "instances"
        return "applied on \(report.appliedOn) of \(report.instanceCount) \(noun)"
    }

    /// The exact commands that fix the findings, then the audited override when rejected.
    private func fixLines(_ evaluation: Evaluation) -> [String] {
        let scope = "--app " + shellQuoted(evaluation.app) + " --env " + shellQuoted(evaluation.environment)
        let findings = evaluation.findings
        let missing = findings.filter { $0.status == .missing }
        var fixes: [(label: String, command: String)] = []
        // `config set … --transmit` transmits all pending config, so it also fixes staged keys.
        for report in missing.prefix(maxKeys) {
            fixes.append(("set " + report.key,
                          "pushguard config set " + scope + " " + shellQuoted(report.key + "=-") + " --transmit"))
        }
        if missing.isEmpty && !findings.isEmpty {
            fixes.append(("transmit first", "pushguard config transmit " + scope))
            if pushOptionsEnabled { fixes.append(("or sync in this push", "git push -o pushguard.sync …")) }
        }
        if evaluation.manifestProblem != nil {
            fixes.append((fixes.isEmpty ? "fix the manifest" : "and fix the manifest", "then push again"))
        }
        if evaluation.decision == .rejected && pushOptionsEnabled {
            fixes.append(("or deploy anyway (recorded)", "git push -o pushguard.ack=\"reason\" …"))
        } else if evaluation.decision == .rejected {
            fixes.append(("-o pushguard.sync and -o pushguard.ack are off here", "an admin enables them with git config receive.advertisePushOptions true (pushguard install sets it)"))
        }
        return fixes.map { Report.prefix + escapedForTerminal($0.label) + ":  " + escapedForTerminal($0.command) }
    }

    private func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
