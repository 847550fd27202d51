import ArgumentParser
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// `pushguard install --repo PATH… | --root DIR [--uninstall] [--dry-run] …`
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Link PushGuard's hooks into bare repositories (or take them out with --uninstall).",
        discussion: "Existing hooks are kept as <hook>.before-pushguard and run first; their refusal stands. A hook that deploys (Dokku's pre-receive, or any with --existing-hooks-after) is kept as <hook>.after-pushguard and runs only after PushGuard accepted the push. Hooks linked to another PushGuard binary (an earlier install from another prefix, such as /usr/local/bin/pushguard before the Debian package's /usr/bin/pushguard) are re-pointed to this one. Install and uninstall are idempotent; uninstall restores what was there. A server install (bare repositories) and a client install (--client, a developer's clone) are separate: each uninstall takes out only what its kind added.")

    @Option(parsing: .upToNextOption, help: "Bare repositories to install into.") var repo: [String] = []
    @Option(help: "Install into every bare repository below this directory (gitolite-admin is skipped; see --exclude).") var root: String?
    @Option(help: ArgumentHelp("With --root: skip repositories whose path below the root matches this glob (`*` stays within a directory, `**` crosses them); repeatable.", valueName: "glob")) var exclude: [String] = []
    @Option(help: ArgumentHelp("Link the server hooks into this directory instead of a repository: gitolite's LOCAL_CODE/hooks/common, or git's template directory (init.templateDir)/hooks, so repositories created later are guarded.", valueName: "dir")) var hooksDir: String?
    @Flag(help: "Take PushGuard out and restore what was there before.") var uninstall = false
    @Flag(help: "Say what would be done; change nothing.") var dryRun = false
    @Flag(help: "Check per ref in the update hook (one refused ref does not block the others) instead of per push.") var perRef = false
    @Flag(help: "Use GitLab's custom_hooks/<hook>.d/ layout.") var gitlab = false
    @Flag(help: "A developer's clone: install the pre-push hook that warns before upload (needs git config remote.NAME.pushguardApp).") var client = false
    @Flag(help: "Run an existing hook only after PushGuard accepted the push, not before (for a hook that deploys; Dokku's pre-receive is recognised without this).") var existingHooksAfter = false
    @Option(help: "The server's git user: owns the store directory (default: git, where it exists).") var user: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if repo.isEmpty && root == nil && hooksDir == nil { throw ValidationError("give --repo PATH…, --root DIR or --hooks-dir DIR") }
        if hooksDir != nil && (client || perRef || gitlab) {
            throw ValidationError("--hooks-dir links the server's pre-receive and post-receive hooks; it does not combine with --client, --per-ref or --gitlab")
        }
        if !exclude.isEmpty && root == nil { throw ValidationError("--exclude filters what --root finds; give --root DIR") }
        if client {
            // These only make sense on a server; with --client they would be silently ignored.
            if root != nil { throw ValidationError("--client installs into developers' clones, and --root finds bare repositories: give --repo CLONE, or drop --client for a server") }
            if perRef { throw ValidationError("--per-ref is for a server's update hook; a client install links only pre-push") }
            if gitlab { throw ValidationError("--gitlab is for a GitLab server's custom_hooks; a client install links .git/hooks/pre-push") }
        }
    }

    func run() throws {
        let binary = Executables.hookBinaryForInstall()
        var failed = false
        if let hooksDir {
            failed = !linkHooksDirectory(hooksDir, binary: binary)
            if repo.isEmpty && root == nil {
                // The hooks of repositories made later read the server-wide settings' store.
                if !failed && !uninstall { try prepareStore(try storeOptions.settings(), register: []) }
                if failed { throw ExitCode(2) }
                return
            }
        }
        // Each repository with the app name install records for it.
        var repositories = repo.map { ($0, Settings.defaultAppName(gitDirectory: $0)) }
        if let root {
            guard Files.isDirectory(root) else {
                throw Failure.usage("--root \(escapedForTerminal(root)): no such directory")
            }
            for found in findBareRepositories(below: root) {
                let relative = found.hasPrefix(root) ? String(found.dropFirst(root.count).drop { $0 == "/" }) : found
                if let reason = skipReason(relative) {
                    print("\(escapedForTerminal(found)): skipped (\(reason))")
                } else {
                    // The full path below the root: mallory/billing.git is not billing.git.
                    repositories.append((found, relative.hasSuffix(".git") ? String(relative.dropLast(4)) : relative))
                }
            }
        }
        if repositories.isEmpty { throw Failure.usage("no bare repositories to \(uninstall ? "uninstall from" : "install into") below \(escapedForTerminal(root ?? ""))") }
        // Each store with the apps and environments of the repositories installed for it.
        var stores: [(settings: Settings, apps: [(app: String, environments: [String])])] = []
        // Over many repositories (--root), a progress line on a terminal; results print as before.
        var progress = Progress(total: root == nil ? 0 : repositories.count)
        for (number, (path, app)) in repositories.enumerated() {
            progress.update(number + 1, escapedForTerminal(path))
            let repository: Repository
            do {
                repository = try Repository.open(path: path)
            } catch {
                progress.clear()
                // An ownership refusal is not "not a repository", nor is a path that does not exist.
                if !Files.exists(path) {
                    print("\(escapedForTerminal(path)): does not exist; create the bare repository first: git init --bare \(shellQuoted(path))")
                } else {
                    print("\(escapedForTerminal(path)): " + (error.isOwnershipProblem ? error.description : "not a git repository (\(error))"))
                }
                failed = true
                continue
            }
            var installation = Installation(gitDirectory: repository.gitDirectory, binary: binary,
                                            layout: gitlab ? .gitlab : .git, perRef: perRef, dryRun: dryRun)
            installation.client = client
            installation.existingHooksAfter = existingHooksAfter
            installation.requestedPath = path
            installation.app = app
            if uninstall {
                installation.uninstall(repository: repository)
            } else if let settings = installation.install(repository: repository,
                                                          readSettings: { try storeOptions.settings(repository: repository) }) {
                let mapped = settings.environments.filter { !$0.refs.isEmpty }.map(\.name)
                let entry = (app: settings.app ?? app, environments: mapped.isEmpty ? ["production"] : mapped)
                if let index = stores.firstIndex(where: { $0.settings.store == settings.store }) {
                    stores[index].apps.append(entry)
                } else {
                    stores.append((settings, [entry]))
                }
            }
            progress.clear()
            let title = (dryRun ? "[dry run] " : "") + escapedForTerminal(repository.gitDirectory)
            print(title + (installation.problems.isEmpty ? ":" : ": NOT " + (uninstall ? "uninstalled" : "installed")))
            for line in installation.log { print("  " + line) }
            for line in installation.problems { print("  problem: " + line) }
            failed = failed || !installation.problems.isEmpty
        }
        if !uninstall {
            for (settings, apps) in stores { try prepareStore(settings, register: client ? [] : apps) }
        }
        if failed { throw ExitCode(2) }
        if client && !uninstall && !dryRun {
            print("next: git config remote.origin.pushguardApp APP, and pushguard.store / [pushguard \"ENV\"] ref as on the server")
        } else if !uninstall && !dryRun {
            print("next: record config with `pushguard config set -a APP -e ENV KEY=-`, then check with `pushguard doctor --repo PATH`")
        }
    }

    /// Why `--root` leaves a repository alone, or nil to guard it. gitolite's administrative
    /// repository is skipped by default: with onStoreError = reject a store outage would refuse
    /// the admin's own pushes, locking them out of the tool that fixes it. `--repo` guards it
    /// anyway, if wanted.
    private func skipReason(_ relative: String) -> String? {
        if relative == "gitolite-admin.git" || relative == "gitolite-admin" {
            return "gitolite's administrative repository; guard it with --repo if you mean to"
        }
        let name = relative.hasSuffix(".git") ? String(relative.dropLast(4)) : relative
        if let glob = exclude.first(where: { RefPattern.matches($0, relative) || RefPattern.matches($0, name) }) {
            return "--exclude \(escapedForTerminal(glob))"
        }
        return nil
    }

    /// `--hooks-dir DIR`: PushGuard's server hooks linked into a directory that git or
    /// gitolite copies or links into repositories, owned by --user. A file there that is not
    /// PushGuard's is refused: hooks placed this way cannot keep an earlier hook running first.
    private func linkHooksDirectory(_ directory: String, binary: String) -> Bool {
        let owner = user.flatMap { Identity.user(named: $0) }
        if user != nil && owner == nil {
            print("problem: no such user: \(escapedForTerminal(user!))")
            return false
        }
        print((dryRun ? "[dry run] " : "") + escapedForTerminal(directory) + ":")
        // Such a directory often lies in the git user's home (gitolite's LOCAL_CODE), where the
        // git user can swap any directory on the way for a link, between any check and the
        // write: there root does the work as that user, whose rights are all a link can reach.
        if Identity.isRoot, (try? Files.info(directory))?.kind == .symbolicLink {
            print("  problem: \(escapedForTerminal(directory)) is a symbolic link (to \(escapedForTerminal(Files.readLink(directory) ?? "?"))); run as root, pushguard does not follow it: give the directory itself")
            return false
        }
        let absolute = directory.hasPrefix("/") ? directory : currentDirectory() + "/" + directory
        if Identity.isRoot, let control = PathTrust.firstOtherControl(absolute) {
            if let owner, control.owner != owner.0 {
                print("  problem: \(escapedForTerminal(control.path)) on the way to \(escapedForTerminal(directory)) belongs to \(control.ownerName), not to --user \(escapedForTerminal(user ?? "")), so \(control.ownerName) decides where that path leads; give a directory of --user's, or one only root can change")
                return false
            }
            let gid = Identity.primaryGroup(of: control.owner) ?? control.group
            do {
                return try AsUser.run(uid: control.owner, gid: gid) {
                    [linkHooks(into: directory, binary: binary, owner: nil) ? 1 : 0]
                } == [1]
            } catch {
                print("  problem: \(error)")
                return false
            }
        }
        return linkHooks(into: directory, binary: binary, owner: owner)
    }

    /// The work of `linkHooksDirectory`, by path: as root only where root alone controls the
    /// way, else as the user who does.
    private func linkHooks(into directory: String, binary: String, owner: (UserID, GroupID)?) -> Bool {
        var ok = true
        if !uninstall && !dryRun {
            do {
                try Files.makeDirectory(directory)
                if let owner { try Files.changeOwnerAndMode(directory, directory: true, owner: (owner.0, owner.1)) }
            } catch {
                print("  problem: \(error)")
                return false
            }
        }
        for hook in HookName.server(perRef: false) {
            let path = directory + "/" + hook.rawValue
            let ours = HookName.isPushGuardLink(path, binary: binary)
            if uninstall {
                guard ours else { continue }
                print("  \(hook.rawValue): removing \(escapedForTerminal(path))")
                if !dryRun && !Files.remove(path) { print("  problem: cannot remove \(escapedForTerminal(path)): \(lastErrorText())"); ok = false }
                continue
            }
            if ours {
                switch repointEarlierPushGuardLink(path, binary: binary, dryRun: dryRun) {
                case .none: print("  \(hook.rawValue): already installed")
                case .repointed(let line):
                    print("  \(hook.rawValue): " + line)
                    if !dryRun, let owner { Files.changeLinkOwner(path, uid: owner.0, gid: owner.1) }
                case .failed(let problem): print("  problem: " + problem); ok = false
                }
            } else if Files.exists(path) {
                print("  problem: \(escapedForTerminal(path)) exists and is not PushGuard's; hooks placed through this directory cannot run it first, so move it away (or into the repositories' own hooks), then install again")
                ok = false
            } else {
                print("  \(hook.rawValue): linking \(escapedForTerminal(path)) -> \(escapedForTerminal(binary))")
                if dryRun { continue }
                if !Files.makeSymbolicLink(at: path, to: binary) {
                    print("  problem: cannot link \(escapedForTerminal(path)): \(lastErrorText())")
                    ok = false
                } else if let owner {
                    Files.changeLinkOwner(path, uid: owner.0, gid: owner.1)
                }
            }
        }
        if ok && !uninstall && !dryRun {
            // The hooks' user (--user, else whoever this runs as) must be able to run them.
            let path = directory + "/" + HookName.preReceive.rawValue
            let problem = (try? AsUser.run(uid: owner?.0 ?? Identity.effectiveUserID, gid: owner?.1 ?? Identity.effectiveGroupID) {
                Array((Installation.hookCannotRun(path, binary: binary) ?? "").utf8)
            }).map { String(decoding: $0, as: UTF8.self) } ?? "cannot check that the hooks' user can run \(escapedForTerminal(path))"
            if !problem.isEmpty {
                print("  problem: " + problem)
                return false
            }
        }
        if ok && !uninstall && !dryRun {
            print("  next: repositories created from here on get these hooks; set receive.advertisePushOptions true where they read it (the git user's ~/.gitconfig, or git config --system) so -o pushguard.ack and -o pushguard.sync work")
        }
        return ok
    }

    /// Creates the store the hooks use (an SQLite store and its directory owned by the git
    /// user), then registers the installed repositories' apps and environments in it.
    private func prepareStore(_ settings: Settings, register apps: [(app: String, environments: [String])]) throws {
        let owner = user ?? (Identity.user(named: "git") != nil ? "git" : nil)
        try StoreCreation.create(settings.store, settings: settings, owner: owner, dryRun: dryRun)
        guard !apps.isEmpty else { return }
        if dryRun {
            for (app, environments) in apps {
                print("[dry run] register \(environments.map { escapedForTerminal(app) + "/" + escapedForTerminal($0) }.joined(separator: ", "))")
            }
            return
        }
        // The platform's own stores (HTTP, exec) keep their own registry.
        guard let store = try StoreOpener.open(settings.store, settings: settings, create: false) as? AdminStore else { return }
        let by = Identity.pusher(environment: processEnvironment)
        for (app, environments) in apps {
            let registered = try store.register(app: app, environments: environments)
            for name in registered { print("registered \(escapedForTerminal(app))/\(escapedForTerminal(name))") }
            try store.appendAudit(registered.map {
                AuditRecord(time: Clock.timestamp(), app: app, environment: $0, ref: "", oldID: "", newID: "", pusher: by,
                            decision: .registered, findings: [], reason: "pushguard install", configVersion: 0)
            })
        }
    }
}

/// Creating a store: only `install` and `pushguard store init` do.
enum StoreCreation {
    /// Creates an SQLite store for the hooks, owned by the git user: the directory 0750 with
    /// the user's group, changed through a descriptor that does not follow a link; the files
    /// inside created exclusively with their modes (see `StoreFiles`). An existing store's
    /// files left looser by an earlier version are tightened. A PostgreSQL store gets its
    /// schema. HTTP and exec stores are the platform's: nothing to create.
    static func create(_ url: String, settings: Settings, owner: String?, dryRun: Bool) throws {
        let location = try StoreLocation.parse(url)
        if case .postgres = location {
            if dryRun { return }
            _ = try StoreOpener.open(url, settings: settings, create: true)
            print("store \(StoreLocation.redacted(url)) ready")
            return
        }
        guard case .sqlite(let path) = location else { return }
        let directory = parentDirectory(of: path)
        if dryRun {
            print("[dry run] store \(escapedForTerminal(path))" + (owner.map { ", owned by \($0)" } ?? ""))
            return
        }
        var ids: (uid: UserID, gid: GroupID)?
        if let owner {
            guard let user = Identity.user(named: owner) else { throw Failure.usage("no such user: \(escapedForTerminal(owner))") }
            ids = user
        }
        // Checked before anything is created, and again after: root creates, chowns and
        // chmods nothing whose way another user controls.
        try StoreFiles.checkRootAloneControlsTheWay(to: path, what: "the store")
        let existed = Files.exists(path)
        try Files.makeDirectory(directory, mode: StoreFiles.directoryMode)
        try StoreFiles.checkRootAloneControlsTheWay(to: path, what: "the store")
        do {
            // 0750 or tighter: the owner, and the group the hooks' accounts share; no one else.
            try Files.changeOwnerAndMode(directory, directory: true, owner: ids,
                                         mode: { ($0 & StoreFiles.directoryMode) | 0o700 })
        } catch {
            throw Failure.store("\(error) (the store directory gets mode 0750\(owner.map { " and owner \($0)" } ?? ""))")
        }
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        store.close()
        if existed {
            try StoreFiles.tightenModes(database: path, key: StoreLocation.sqlite(path: path).defaultDigestKeyPath)
        }
        print(existed ? "store \(escapedForTerminal(path)) ready" : "created store \(escapedForTerminal(path))" + (owner.map { " (owned by \($0))" } ?? ""))
    }
}

/// Every bare repository below `root` (a directory with HEAD, objects/ and refs/), not
/// descending into repositories or through symbolic links.
func findBareRepositories(below root: String) -> [String] {
    var found: [String] = []
    var pending = [root]
    while let directory = pending.popLast() {
        if Files.exists(directory + "/HEAD") && Files.isDirectory(directory + "/objects") && Files.isDirectory(directory + "/refs") {
            found.append(directory)
            continue
        }
        for name in Files.entries(of: directory) {
            let path = directory + "/" + name
            if (try? Files.info(path))?.kind == .directory { pending.append(path) }
        }
    }
    return found.sorted()
}
