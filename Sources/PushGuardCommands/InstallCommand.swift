import ArgumentParser
import Glibc
import PushGuardCore
import PushGuardSystem
import PushGuardGit
import PushGuardStore

/// `pushguard install --repo PATH… | --root DIR [--uninstall] [--dry-run] …`
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Link PushGuard's hooks into bare repositories (or take them out with --uninstall).",
        discussion: "Existing hooks are kept as <hook>.before-pushguard and run first; their refusal stands. Install and uninstall are idempotent; uninstall restores what was there. A server install (bare repositories) and a client install (--client, a developer's clone) are separate: each uninstall takes out only what its kind added.")

    @Option(parsing: .upToNextOption, help: "Bare repositories to install into.") var repo: [String] = []
    @Option(help: "Install into every bare repository below this directory.") var root: String?
    @Flag(help: "Take PushGuard out and restore what was there before.") var uninstall = false
    @Flag(help: "Say what would be done; change nothing.") var dryRun = false
    @Flag(help: "Check per ref in the update hook (one refused ref does not block the others) instead of per push.") var perRef = false
    @Flag(help: "Use GitLab's custom_hooks/<hook>.d/ layout.") var gitlab = false
    @Flag(help: "A developer's clone: install the pre-push hook that warns before upload (needs git config remote.NAME.pushguardApp).") var client = false
    @Option(help: "The server's git user: owns the store directory (default: git, where it exists).") var user: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if repo.isEmpty && root == nil { throw ValidationError("give --repo PATH… or --root DIR") }
        if client {
            // These only make sense on a server; with --client they would be silently ignored.
            if root != nil { throw ValidationError("--client installs into developers' clones, and --root finds bare repositories: give --repo CLONE, or drop --client for a server") }
            if perRef { throw ValidationError("--per-ref is for a server's update hook; a client install links only pre-push") }
            if gitlab { throw ValidationError("--gitlab is for a GitLab server's custom_hooks; a client install links .git/hooks/pre-push") }
        }
    }

    func run() throws {
        var repositories = repo
        if let root { repositories += findBareRepositories(below: root) }
        if repositories.isEmpty { throw CommandFailure.usage("no bare repositories found below \(escapedForTerminal(root ?? ""))") }
        let binary = Files.realPath("/proc/self/exe") ?? CommandLine.arguments[0]
        var failed = false
        var stores = Set<String>()
        for path in repositories {
            let repository: Repository
            do {
                repository = try Repository.open(path: path)
            } catch {
                print("\(escapedForTerminal(path)): not a git repository (\(error))")
                failed = true
                continue
            }
            var installation = Installation(gitDirectory: repository.gitDirectory, binary: binary,
                                            layout: gitlab ? .gitlab : .git, perRef: perRef, dryRun: dryRun)
            installation.client = client
            installation.requestedPath = path
            if uninstall {
                installation.uninstall(repository: repository)
            } else if let settings = installation.install(repository: repository,
                                                          readSettings: { try storeOptions.settings(repository: repository) }) {
                stores.insert(settings.store)
            }
            let title = (dryRun ? "[dry run] " : "") + escapedForTerminal(repository.gitDirectory)
            print(title + (installation.problems.isEmpty ? ":" : ": NOT " + (uninstall ? "uninstalled" : "installed")))
            for line in installation.log { print("  " + line) }
            for line in installation.problems { print("  problem: " + line) }
            failed = failed || !installation.problems.isEmpty
        }
        if !uninstall {
            for store in stores.sorted() { try prepareStore(store) }
        }
        if failed { throw ExitCode(2) }
        if client && !uninstall && !dryRun {
            print("next: git config remote.origin.pushguardApp APP, and pushguard.store / [pushguard \"ENV\"] ref as on the server")
        } else if !uninstall && !dryRun {
            print("next: record config with `pushguard config set --app APP --env ENV KEY=-`, then check with `pushguard doctor --repo PATH`")
        }
    }

    /// Creates an SQLite store (and its directory) for the hooks, owned by the git user.
    private func prepareStore(_ url: String) throws {
        guard case .sqlite(let path) = try StoreLocation.parse(url) else { return }
        let directory = parentDirectory(of: path)
        let owner = user ?? (getpwnam("git") != nil ? "git" : nil)
        if dryRun {
            print("[dry run] store \(escapedForTerminal(path))" + (owner.map { ", owned by \($0)" } ?? ""))
            return
        }
        let existed = Files.exists(path)
        try Files.makeDirectory(directory)
        if let owner {
            guard let entry = getpwnam(owner) else { throw CommandFailure.usage("no such user: \(escapedForTerminal(owner))") }
            if chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid) != 0 {
                throw CommandFailure.store("cannot give \(escapedForTerminal(directory)) to \(owner): \(lastErrorText())")
            }
        }
        let store = try SQLStore.sqlite(path: path, create: true, timeoutMilliseconds: 5000)
        store.close()
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
        guard let handle = opendir(directory) else { continue }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            var info = stat()
            if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { pending.append(path) }
        }
    }
    return found.sorted()
}
