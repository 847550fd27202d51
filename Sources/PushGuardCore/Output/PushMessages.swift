/// The pusher's lines about a push as a whole, as opposed to one evaluation's block (Report.swift):
/// refs and options refused or ignored, a sync in the push, environments that could not be
/// checked, what could not be recorded. Every line starts with `Report.prefix`. `PushDecider`,
/// `PushDecision` and the hooks choose which of these to say and when; the words are here.
///
/// Escaping: a parameter that is raw content (an app, environment or ref name, a pushed option,
/// a message of a store or command) is escaped here with `escapedForTerminal`; a parameter
/// documented as "may hold escapes" (a message built from escaped parts) gets `escapedControls`:
/// its control characters are escaped, its backslashes kept.
extension Report {
    /// "billing-api/production": an app and an environment as lines name them.
    static func environmentName(app: String, environment: String) -> String {
        escapedForTerminal(app) + "/" + escapedForTerminal(environment)
    }

    // MARK: refs and options refused or ignored before deciding

    /// A `pushguard.*` push option that is none of PushGuard's: named, with the nearest known
    /// one and the known ones (the value, perhaps a reason, is not repeated back).
    public static func optionNotUnderstood(_ name: String) -> String {
        prefix + "push option \"" + escapedForTerminal(name) + "\" not understood"
            + Vocabulary.suggestion(for: name, among: Vocabulary.pushOptions) + " (known: "
            + Vocabulary.pushOptions.joined(separator: ", ") + ")"
    }

    /// Options and settings that act on the app's config (`wanted`: "-o pushguard.ack",
    /// "-o pushguard.sync", "autoSync") ignored because the app's name is only guessed.
    public static func guessedAppIgnored(_ wanted: [String], app: String) -> String {
        prefix + wanted.joined(separator: " and ") + " ignored: this repository's app name \""
            + escapedForTerminal(app) + "\" is only guessed from its directory name (pushguard.app is not set), and another repository of that name would share it; an admin records it with pushguard install or git config pushguard.app NAME"
    }

    /// One pushed ref refused outright; `reason` is one of the `notesRef…` reasons, escaped already.
    public static func refusingRef(_ ref: String, because reason: String) -> String {
        prefix + "refusing " + escapedForTerminal(ref) + ": " + reason
    }

    /// Why a push of PushGuard's notes ref is refused; `ref` spells it in other case when it
    /// is only the same name on a case-insensitive file system.
    public static func notesRefPushed(as ref: String) -> String {
        (ref == PushDecider.notesRef ? "" : "on a case-insensitive file system it is " + PushDecider.notesRef + ": ")
            + "PushGuard's deploy notes are written by its post-receive hook, not pushed"
    }

    /// Why a ref beneath PushGuard's notes ref is refused.
    public static let refBeneathNotesRef = "a ref beneath " + PushDecider.notesRef
        + " would make it a directory, and PushGuard's post-receive could write no deploy note again"

    /// Why a ref that PushGuard's notes ref would live beneath is refused.
    public static func refAboveNotesRef(_ ref: String) -> String {
        "a ref named " + escapedForTerminal(ref) + " would leave no room for " + PushDecider.notesRef
            + ", where PushGuard's post-receive writes its deploy notes"
    }

    /// A push that deploys `mapped` refs, over `limit`: refused as a whole.
    public static func tooManyRefs(app: String, mapped: Int, limit: Int) -> String {
        prefix + "push to \(escapedForTerminal(app)) rejected: \(mapped) refs deploy in one push, over the limit of \(limit); push them in smaller batches"
    }

    // MARK: warnings

    /// `pushguard: warning: TEXT`; `text` may hold escapes already (a scan note, a hook's
    /// failure): its controls are escaped, its backslashes kept.
    public static func warning(_ text: String) -> String {
        prefix + "warning: " + escapedControls(text)
    }

    // MARK: a sync in this push

    /// A sync asked for (or `autoSync`) but not tried: nothing a transmit delivers would fix
    /// `unsynced` (keys not set at all, a manifest that cannot be read).
    public static func notSynced(app: String, environment: String, unsynced: [Evaluation], manifestPath: String) -> String {
        prefix + environmentName(app: app, environment: environment) + ": not synced in this push: "
            + nothingToTransmit(unsynced, manifestPath: manifestPath)
    }

    /// Why a sync was not tried: what a transmit cannot fix, in a few words.
    static func nothingToTransmit(_ unsynced: [Evaluation], manifestPath: String) -> String {
        var missing: [String] = []
        var seen = Set<String>()
        var unreadable = false
        for evaluation in unsynced {
            if evaluation.manifestProblem != nil { unreadable = true }
            for finding in evaluation.findings where finding.status == .missing && seen.insert(finding.key).inserted {
                missing.append(finding.key)
            }
        }
        var causes: [String] = []
        if !missing.isEmpty {
            causes.append(missing.prefix(5).map(escapedForTerminal).joined(separator: ", ")
                          + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
                          + (missing.count == 1 ? " is" : " are") + " not set")
        }
        if unreadable { causes.append(escapedForTerminal(manifestPath) + " cannot be read") }
        return "nothing to transmit would fix this (" + causes.joined(separator: "; ") + "), so nothing was transmitted"
    }

    /// The last lines the transmit command printed, one line each.
    public static func transmitOutput(_ output: [String]) -> [String] {
        output.map { prefix + "  transmit: " + escapedForTerminal($0) }
    }

    /// The last lines the containers' sync command printed, one line each.
    public static func syncCommandOutput(_ output: [String]) -> [String] {
        output.map { prefix + "  sync: " + escapedForTerminal($0) }
    }

    /// The environment's pending config was transmitted in this push, as `version`.
    public static func transmitted(app: String, environment: String, version: Int64) -> String {
        prefix + "\(environmentName(app: app, environment: environment)): transmitted config version \(version) in this push"
    }

    /// The containers' sync command exited 0; whether it worked is read from them again.
    public static func ranSyncCommand(app: String, environment: String) -> String {
        prefix + "\(environmentName(app: app, environment: environment)): ran pushguard.\(escapedForTerminal(environment)).syncCommand; reading the containers again"
    }

    /// The sync failed; `message` (a store's or command's failure) may hold escapes.
    public static func syncFailed(app: String, environment: String, message: String) -> String {
        prefix + "\(environmentName(app: app, environment: environment)): sync in this push failed: " + escapedControls(message)
    }

    // MARK: environments that could not be checked

    /// A ref to an environment the config store does not know, decided `decision` (rejected,
    /// warned or overridden).
    public static func unregistered(app: String, environment: String, ref: String, decision: Decision) -> String {
        let name = environmentName(app: app, environment: environment)
        let headline = decision == .rejected ? "rejected" : decision == .overridden ? "accepted by override (recorded)" : "accepted with warning"
        return prefix + "push to \(name) (\(escapedForTerminal(ref))) \(headline): the config store does not know \(name)"
    }

    /// After the refs to an unknown environment: how to register it, or correct the name. The
    /// names are shell-quoted for the command, and its control characters escaped as in every
    /// fix line (a directory or section name can hold them).
    public static func registerHint(app: String, environment: String) -> [String] {
        [prefix + "register it:  " + escapedControls("pushguard apps create " + shellQuoted(app) + " --env " + shellQuoted(environment)),
         prefix + "or, if the name is wrong, fix pushguard.app or the ref mapping ([pushguard \"ENV\"] ref)"]
    }

    /// A ref whose environment's store failed, decided by `pushguard.onStoreError` (`policy`):
    /// the decision, the store's message (may hold escapes), and the setting that chose.
    public static func storeFailed(app: String, environment: String, ref: String, decision: Decision,
                                   message: String, policy: StoreErrorPolicy) -> [String] {
        let target = environmentName(app: app, environment: environment) + " (" + escapedForTerminal(ref) + ")"
        return [prefix + "push to " + target + (decision == .rejected
                    ? " rejected: the config store failed, so config sync cannot be checked"
                    : " accepted with warning: the config store failed, config sync not checked"),
                prefix + "  " + escapedControls(message),
                prefix + "  (pushguard.onStoreError = \(policy.rawValue))"]
    }

    // MARK: what could not be recorded, and output cut short

    /// An override refused after deciding: its audit record could not be written, and an
    /// unrecorded override is not "deploy anyway (recorded)". `message` may hold escapes.
    public static func overrideRefused(ref: String, message: String) -> String {
        prefix + "override of \(escapedForTerminal(ref)) refused: it cannot be recorded (\(escapedControls(message)))"
    }

    /// The push's audit records could not be written (nothing else changed); `message` may hold escapes.
    public static func auditNotWritten(_ message: String) -> String {
        prefix + "warning: audit record not written: " + escapedControls(message)
    }

    /// The decision could not be handed to post-receive, so the push is refused; `message` may hold escapes.
    public static func handoffFailed(_ message: String) -> String {
        prefix + "refusing: this push's decision cannot be handed to post-receive (" + escapedControls(message) + "); ask an admin to check the repository's pushguard-push directory"
    }

    /// Stands for the `lines` lines (`bytes` bytes) cut from output over `limit` bytes, and
    /// says where all `refs` decisions of `app`'s push can be read.
    public static func outputCut(lines: Int, bytes: Int, limit: Int, app: String, refs: Int) -> String {
        prefix + "… \(lines) more line(s) (\(bytes) bytes) not shown: a push prints at most \(limit >> 10) KiB;"
            + " every ref's decision is in the audit log: pushguard audit --app " + escapedForTerminal(shellQuoted(app))
            + " --limit \(max(refs, 1))"
    }

    // MARK: the hooks' own lines (before or after a decision)

    /// `pushguard: refusing: WHY`, a hook that cannot do its work; `why` may hold escapes.
    public static func refusing(_ why: String) -> String {
        prefix + "refusing: " + escapedControls(why)
    }

    /// Hook input over `limit` bytes: not git talking.
    public static func hookInputTooLarge(limit: Int) -> String {
        refusing("hook input is larger than \(limit >> 20) MiB")
    }

    /// The update hook called with `count` arguments instead of three.
    public static func updateHookArguments(_ count: Int) -> String {
        refusing("the update hook expects <ref> <old-id> <new-id>, got \(count) argument(s)")
    }

    /// pre-receive could not hand the push options to the update hook, which checks per ref.
    public static func optionsNotHandedOver(_ error: String) -> String {
        refusing("the push options cannot be handed to the update hook: " + error)
    }

    /// The hook install kept from before could not be started. `error` is put in as given.
    public static func cannotRunExistingHook(_ path: String, error: String) -> String {
        prefix + "cannot run the existing hook \(escapedForTerminal(path)): \(error)"
    }

    /// As root, a kept hook that another user controls (`controlledPath`, owned by `owner`,
    /// already escaped) is not run.
    public static func keptHookNotRunAsRoot(_ path: String, controlledPath: String, owner: String) -> String {
        prefix + "refusing to run the existing hook \(escapedForTerminal(path)) as root: \(escapedForTerminal(controlledPath)) belongs to \(owner); push as that user, not as root"
    }

    /// pre-push could not check (`why` may hold escapes); it never blocks.
    public static func notCheckedBeforeUpload(_ why: String) -> String {
        prefix + "not checked before upload: " + escapedControls(why)
    }

    /// pre-push called without its arguments.
    public static let prePushArgumentsMissing = notCheckedBeforeUpload("pre-push expects <remote-name> <url> as arguments")

    /// pre-push's store failed (`message` may hold escapes): the push goes on unchecked.
    public static func pushingUnchecked(storeFailure message: String) -> String {
        prefix + escapedControls("could not check config before upload (\(message)); pushing anyway")
    }

    /// post-receive could not read its input or the repository (`why` may hold escapes).
    public static func nothingWritten(because why: String) -> String {
        warning("no deploy notes or records written: " + why)
    }

    /// post-receive could not write the notes of `deploys` deploys. `error` is put in as given.
    public static func notesNotWritten(deploys: Int, error: String) -> String {
        prefix + "warning: no deploy notes written for \(deploys) deploy(s): \(error)"
    }

    /// post-receive did not ask a store that failed earlier in the push (`failure`) to record
    /// the deploys; `notesWritten`: the deploy notes show them. Names where to check the store.
    public static func deployNotRecorded(storeFailedEarlier failure: String, notesWritten: Bool, gitDirectory: String) -> String {
        prefix + "warning: deploy not recorded in the audit log: the store failed earlier in this push ("
            + escapedForTerminal(failure) + "), so it was not asked again"
            + (notesWritten ? "; the deploy notes (" + PushDecider.notesRef + ") show it" : "")
            + ". Check the store with pushguard doctor --repo " + escapedForTerminal(gitDirectory)
            + " (pushguard.store, pushguard.timeout)"
    }

    /// post-receive's store refused the deploys' records; `message` may hold escapes.
    public static func deployNotRecorded(_ message: String) -> String {
        prefix + "warning: deploy not recorded in the audit log: " + escapedControls(message)
    }

    /// Checked refs moved without a hand-over from pre-receive (`why`): no note, no record of
    /// the decision. `auditFailure`: nil when the audit log recorded them as "decision unknown",
    /// else why it could not.
    public static func deployNotNoted(refs: [String], why: String, auditFailure: String?) -> String {
        let shown = refs.prefix(5).map(escapedForTerminal).joined(separator: ", ")
            + (refs.count > 5 ? " and \(refs.count - 5) more" : "")
        return prefix + "warning: deploy of " + shown + " not recorded and no note written: " + escapedForTerminal(why)
            + (auditFailure.map { "; nor could the audit log record it: " + escapedForTerminal($0) }
               ?? "; the audit log has it as deployed, decision unknown")
    }
}
