/// Renders evaluations as the lines a pusher reads (prefixed `pushguard: `; git adds `remote: `).
/// Every other line a push says is worded in PushMessages.swift, as functions of `Report`.
public struct Report: Sendable {
    /// False when the server does not advertise push options: `-o` hints would not work.
    public var pushOptionsEnabled: Bool
    /// Rendering for the client-side pre-push check, which warns before upload and never blocks.
    public var beforeUpload: Bool = false
    /// Past this many keys a list is cut with "… and N more".
    public var maxKeys: Int
    /// Print one short line for an environment in sync.
    public var verbose: Bool
    /// The manifest's path in the pushed tree (`pushguard.manifest`): what messages name.
    public var manifestPath: String = "app.json"
    /// A sync in this push could transmit here (a transmit command, or a store that transmits
    /// itself) and was not just tried: only then is `-o pushguard.sync` offered.
    public var canSync: Bool = true
    /// `-o pushguard.ack` would be honoured (not on a guessed app name).
    public var canOverride: Bool = true

    public static let prefix = "pushguard: "

    public init(maxKeys: Int = 20, verbose: Bool = false, pushOptionsEnabled: Bool = true, beforeUpload: Bool = false) {
        self.pushOptionsEnabled = pushOptionsEnabled
        self.beforeUpload = beforeUpload
        self.maxKeys = maxKeys
        self.verbose = verbose
    }

    /// "app.json in 1f2e3d4c5b6a", or just the path when no commit is known.
    func manifestName(commit: String) -> String {
        escapedForTerminal(manifestPath) + (commit.isEmpty ? "" : " in " + escapedForTerminal(String(commit.prefix(12))))
    }

    /// The lines for one ref's evaluation; empty for a silent acceptance. `commit` is the pushed
    /// commit, named when its manifest cannot be read.
    public func lines(for evaluation: Evaluation, ref: String, commit: String = "") -> [String] {
        let target = escapedForTerminal(evaluation.app) + "/" + escapedForTerminal(evaluation.environment)
            + " (" + escapedForTerminal(ref) + ")"
        if evaluation.decision == .synced {
            if let platform = evaluation.platform {
                return [Report.prefix + "push to " + target + " accepted after sync: every container has the config, read again after the sync command",
                        Report.prefix + "  " + platform.summary]
            }
            return [Report.prefix + "push to " + target + " accepted after sync: config version \(evaluation.desiredVersion) transmitted in this push"]
        }
        if evaluation.inSync || evaluation.mode == .off {
            guard verbose else { return [] }
            let what = evaluation.mode == .off ? "not checked (mode off)"
                : evaluation.platform.map { "config in sync on \($0.live.count) container(s): " + $0.summary }
                ?? "config in sync (version \(evaluation.desiredVersion))"
            return [Report.prefix + target + ": " + what]
        }
        // Out of sync from here on: the evaluation rejected, warned or was overridden. An
        // unreadable manifest is said first: it is why the push cannot be checked.
        let what = evaluation.manifestProblem.map { manifestName(commit: commit) + " cannot be read: " + escapedControls($0) }
            ?? "config not synchronized"
        var headline = evaluation.decision == .rejected ? "rejected: " + what
            : evaluation.decision == .overridden ? "accepted by override (recorded): " + what
            : "accepted with warning: " + what
        if beforeUpload {
            headline = evaluation.decision == .rejected
                ? "would be rejected by the server: " + what + " (checked before upload)"
                : "will be accepted with a warning: " + what + " (checked before upload)"
        }
        var out = [Report.prefix + "push to " + target + " " + headline]
        if let reason = evaluation.overrideReason, evaluation.decision == .overridden {
            out.append(Report.prefix + "  override reason: " + escapedForTerminal(reason))
        }
        let findings = evaluation.findings
        if let platform = evaluation.platform {
            out.append(Report.prefix + "  " + platform.summary)
        }
        if evaluation.manifestProblem != nil && !findings.isEmpty {
            out.append(Report.prefix + "  and config not synchronized:")
        }
        out += keyLines(findings, section: evaluation.manifestSection)
        if evaluation.scanWarned {
            out.append(Report.prefix + (evaluation.scan == .warn
                ? "  (pushguard.scan = warn: reads new in this push do not refuse it on their own)"
                : "  (reads new in this push that tolerate an absent variable warn; pushguard.scan = strict makes them refuse)"))
        }
        out += fixLines(evaluation, commit: commit)
        return out
    }

    /// One line for the other refs of a push that share the evaluation whose block was just
    /// said for a first ref (same environment, manifest blob and added reads): what was found
    /// is said once, however many refs deploy it —
    /// `push to app/production (refs/heads/release/2, … and 1996 more) rejected: the same 30000 keys, for 2000 refs`.
    /// `findings`: how many keys were out of sync (before a sync in this push, when it synced).
    public func sameLine(for evaluation: Evaluation, refs: [String], findings: Int) -> String {
        let shown = refs.prefix(3).map(escapedForTerminal).joined(separator: ", ")
            + (refs.count > 3 ? " and \(refs.count - 3) more" : "")
        let target = escapedForTerminal(evaluation.app) + "/" + escapedForTerminal(evaluation.environment) + " (" + shown + ")"
        let keys = findings == 1 ? "1 key" : "\(findings) keys"
        var same: [String] = []
        if evaluation.manifestProblem != nil { same.append(escapedForTerminal(manifestPath) + " problem") }
        if findings > 0 { same.append(keys) }
        let what = "the same " + (same.isEmpty ? "result" : same.joined(separator: " and ")) + ", for \(refs.count + 1) refs"
        let headline: String
        switch evaluation.decision {
        case .synced: headline = "accepted after sync: " + what + " (config version \(evaluation.desiredVersion) transmitted in this push)"
        case .rejected: headline = (beforeUpload ? "would be rejected by the server: " : "rejected: ") + what
        case .overridden: headline = "accepted by override (recorded): " + what
        case .warned: headline = (beforeUpload ? "will be accepted with a warning: " : "accepted with warning: ") + what
        default:
            headline = (evaluation.mode == .off ? "not checked (mode off)" : "config in sync (version \(evaluation.desiredVersion))")
                + ", for \(refs.count + 1) refs"
        }
        return Report.prefix + "push to " + target + " " + headline
    }

    /// One warning line for a manifest read as Heroku reads it although it is off Heroku's
    /// schema: the first few notes, then how many more.
    public func offSchemaLine(_ notes: [String], commit: String) -> String? {
        guard !notes.isEmpty else { return nil }
        // Notes quote JSON text (`jsonQuoted`, with its own backslashes): controls escaped, backslashes kept.
        let shown = notes.prefix(5).map(escapedControls).joined(separator: "; ")
        let more = notes.count > 5 ? "; and \(notes.count - 5) more" : ""
        return Report.prefix + "warning: " + manifestName(commit: commit)
            + " is off Heroku's schema, read as Heroku reads it: " + shown + more
    }

    /// Marks output as a rejection for GitLab's web UI: the first line starts with `GL-HOOK-ERR: `.
    public static func gitlabRejection(_ lines: [String]) -> [String] {
        guard let first = lines.first, !first.hasPrefix("GL-HOOK-ERR: ") else { return lines }
        return ["GL-HOOK-ERR: " + first] + lines.dropFirst()
    }

    /// One line per key, its columns aligned across rows:
    /// `KEY  status  applied on N of M instances  required by app.json`, and where the code
    /// reads it when a read the push adds made it a finding: `read by cmd/auth.go:3 (new in this push)`.
    public func keyLines(_ keys: [KeyReport], section: String? = nil) -> [String] {
        let shown = keys.prefix(maxKeys)
        let names = shown.map { escapedForTerminal($0.key) }
        let applied = shown.map(Report.appliedText)
        // Widths are capped, so one absurdly long key does not pad every row.
        let nameWidth = min(64, names.map(\.count).max() ?? 0)
        let appliedWidth = min(48, applied.map(\.count).max() ?? 0)
        let requiredBy = "required by " + escapedForTerminal(manifestPath)
            + (section.map { " (environments." + escapedForTerminal($0) + ")" } ?? "")
        var out: [String] = []
        for (index, report) in shown.enumerated() {
            var why: [String] = report.requiredByManifest ? [requiredBy] : []
            if let read = report.readBy {
                why.append("read by " + escapedForTerminal(read.path) + ":" + String(read.line)
                           + (read.insists ? " (new in this push)" : " (new in this push), tolerates absence"))
            }
            var line = Report.prefix + "  " + padded(names[index], nameWidth) + "  " + padded(report.status.rawValue, 7)
                + "  " + padded(applied[index], appliedWidth) + "  " + why.joined(separator: ", ")
            while line.hasSuffix(" ") { line.removeLast() }
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
        if let containers = report.containers {
            // Read from the containers themselves: say which.
            let noun = report.instanceCount == 1 ? "container" : "containers"
            let names = containers.isEmpty ? "" : ": " + containers.prefix(5).map(escapedForTerminal).joined(separator: ", ")
                + (containers.count > 5 ? ", … and \(containers.count - 5) more" : "")
            if report.instanceCount == 0 { return report.unset ? "unset, no container running" : "no container running" }
            if report.unset {
                return "unset, still on \(report.instanceCount - report.appliedOn) of \(report.instanceCount) \(noun)" + names
            }
            return "applied on \(report.appliedOn) of \(report.instanceCount) \(noun)" + (report.appliedOn == report.instanceCount ? "" : names)
        }
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

    /// The exact commands that fix the findings, then the audited override when rejected. Only
    /// what is true here: "first" before a deploy, "now" after one (a warning or an override let
    /// the push through); `-o` hints only where push options work, and a sync only where it can
    /// transmit and would put the environment in sync.
    private func fixLines(_ evaluation: Evaluation, commit: String) -> [String] {
        let scope = "--app " + shellQuoted(evaluation.app) + " --env " + shellQuoted(evaluation.environment)
        let findings = evaluation.findings
        let missing = findings.filter { $0.status == .missing }
        let deployed = evaluation.decision.allowsPush && !beforeUpload
        var fixes: [(label: String, command: String)] = []
        if let platform = evaluation.platform {
            fixes = platformFixes(evaluation, platform: platform, deployed: deployed)
        }
        // `config set … --transmit` transmits all pending config, so it also fixes staged keys.
        for report in missing.prefix(maxKeys) where evaluation.platform == nil {
            fixes.append(("set " + report.key,
                          "pushguard config set " + scope + " " + shellQuoted(report.key + "=-") + " --transmit"))
        }
        if missing.isEmpty && !findings.isEmpty && evaluation.platform == nil {
            fixes.append((deployed ? "transmit now" : "transmit first", "pushguard config transmit " + scope))
            if !deployed && evaluation.manifestProblem == nil && pushOptionsEnabled && canSync {
                fixes.append(("or sync in this push", "git push -o pushguard.sync …"))
            }
        }
        // A read the code does not really need (it has a fallback the scan cannot see, or the
        // platform sets it) is silenced where it is read, or by the server's admin.
        let scanOnly = missing.filter(\.isScanOnly).prefix(maxKeys)
        if !scanOnly.isEmpty {
            fixes.append(("or, if the code does not need " + (scanOnly.count == 1 ? "it" : "them"),
                          "give the read a default in the code, or an admin runs "
                          + scanOnly.map { "git config --add pushguard.scanIgnore " + shellQuoted($0.key) }.joined(separator: "; ")))
        }
        if let problem = evaluation.manifestProblem {
            let manifest = manifestName(commit: commit)
            let position = problem.hasPrefix("line ") ? problem.split(separator: ":", maxSplits: 1).first.map(String.init) : nil
            let overlong = problem.contains("bytes, over the limit of \(Manifest.maxKeyLength): ")
            let shownPath = escapedForTerminal(manifestPath)
            let fix: String
            if evaluation.manifestAmbiguous {
                let base = commit.isEmpty ? "HEAD" : escapedForTerminal(String(commit.prefix(12)))
                fix = "write the commit again with ordinary git, which sorts trees (git read-tree " + base + ", check " + shownPath
                    + ", git commit --amend; git fsck shows the tree), then push again"
            } else if let position {
                fix = "correct " + shownPath + " at " + position + ", commit, then push again"
            } else if overlong {
                fix = "shorten that name in " + shownPath + " to at most \(Manifest.maxKeyLength) bytes, commit, then push again"
            } else if problem == Manifest.overPushBudget {
                fix = "push these refs in smaller batches"
            } else {
                fix = "commit " + shownPath + " as a JSON object in a regular file under 1 MiB, then push again"
            }
            fixes.append((fixes.isEmpty ? "fix " + manifest : "and fix " + manifest, fix))
        }
        if evaluation.decision == .rejected && canOverride {
            if pushOptionsEnabled {
                fixes.append(("or deploy anyway (recorded)", "git push -o pushguard.ack=\"reason\" …"))
            } else {
                fixes.append((canSync ? "-o pushguard.sync and -o pushguard.ack are off here" : "-o pushguard.ack is off here",
                              "an admin enables push options with git config receive.advertisePushOptions true (pushguard install sets it)"))
            }
        }
        // Built from escaped and shell-quoted parts (`'\\''`): controls escaped, backslashes kept.
        return fixes.map { Report.prefix + escapedControls($0.label) + ":  " + escapedControls($0.command) }
    }

    /// Where the instances are containers: the config is applied by recreating them with the
    /// platform's own command (the env file or store first, for a key that is not set).
    private func platformFixes(_ evaluation: Evaluation, platform: PlatformState, deployed: Bool) -> [(label: String, command: String)] {
        let findings = evaluation.findings
        let missing = findings.filter { $0.status == .missing }
        let apply = platform.applyCommand ?? "recreate the containers of \(platform.selector) from the desired config"
        var fixes: [(label: String, command: String)] = []
        if !missing.isEmpty {
            let keys = missing.prefix(maxKeys).map(\.key)
            let set = platform.desiredFile.map { "add " + keys.joined(separator: ", ") + " to " + $0 }
                ?? "pushguard config set --app " + shellQuoted(evaluation.app) + " --env " + shellQuoted(evaluation.environment) + " "
                + keys.map { shellQuoted($0 + "=-") }.joined(separator: " ")
            fixes.append(("set " + keys.joined(separator: ", "), set + ", then " + apply))
        } else if !findings.isEmpty {
            fixes.append((deployed ? "apply now" : "apply first", apply))
            if !deployed && evaluation.manifestProblem == nil && pushOptionsEnabled && canSync && platform.canSync {
                fixes.append(("or sync in this push", "git push -o pushguard.sync … (runs pushguard.\(evaluation.environment).syncCommand, then reads the containers again)"))
            }
        }
        return fixes
    }

    private func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
