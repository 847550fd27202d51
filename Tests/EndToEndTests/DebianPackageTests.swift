import Foundation
import XCTest

/// The Debian package (`./install.sh --deb OUTDIR`) on a clean Debian 12 server without Swift:
/// a root made by mmdebstrap (once per test run), the package installed into a copy of it with
/// `apt-get install ./pushguard_…deb` inside `chroot`, then the README's "On a git server"
/// walkthrough there. Also: an upgrade keeps the hooks working, removing the package keeps the
/// store and the digest key, a PostgreSQL or HTTP store without its library is a clear error,
/// and lintian finds no error in the package.
///
/// The package is the one test.sh builds into `.build/deb` before the tests
/// (`PUSHGUARD_DEB=FILE` names another): a release build cannot run inside `swift test`, which
/// holds the build directory's lock while the tests run.
final class DebianPackageTests: XCTestCase {
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// Where the clean root of this run is kept (made by the first test that needs it).
    nonisolated(unsafe) static var cache: Sandbox?
    nonisolated(unsafe) static var cleanRoot: String?
    nonisolated(unsafe) static var installedRoot: String?
    nonisolated(unsafe) static var rootError: Error?

    var sandbox: Sandbox!
    /// Roots of this test, unmounted and removed in tearDown, also when the test failed.
    private var roots: [String] = []

    override func setUpWithError() throws { sandbox = try Sandbox() }

    override func tearDown() {
        for root in roots { DebianPackageTests.remove(root: root) }
        sandbox = nil
    }

    override class func tearDown() {
        for root in [cleanRoot, installedRoot].compactMap({ $0 }) { remove(root: root) }
        cache = nil
        cleanRoot = nil
        installedRoot = nil
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The proxy settings of the test's environment, for apt in mmdebstrap and in the root.
    private static var proxyEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter {
            ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"].contains($0.key)
        }
    }

    // MARK: the package

    /// The package test.sh built, checked to be newer than every source it is built from.
    private func package() throws -> (path: String, version: String, arch: String) {
        let directory = DebianPackageTests.packageDirectory
        let path: String
        if let explicit = ProcessInfo.processInfo.environment["PUSHGUARD_DEB"] {
            path = explicit
        } else {
            let output = directory.appendingPathComponent(".build/deb")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
            let debs = files.filter { $0.hasPrefix("pushguard_") && $0.hasSuffix(".deb") }.map { output.appendingPathComponent($0).path }
            guard let newest = debs.max(by: { modified($0) < modified($1) }) else {
                throw Failure(description: "no package in \(output.path): build it with `./install.sh --deb .build/deb` (test.sh does, before the tests)")
            }
            path = newest
            let built = modified(path)
            let sources = ["Sources", "Plugins", "Package.swift", "install.sh", "generate-docs.sh", "README.md"]
            for source in sources {
                if let newer = newestFile(below: directory.appendingPathComponent(source).path), modified(newer) > built {
                    throw Failure(description: "\(path) is older than \(newer): rebuild it with `./install.sh --deb .build/deb` (test.sh does)")
                }
            }
        }
        let version = try sandbox.pushguard("--version").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let arch = try sandbox.run(["dpkg", "--print-architecture"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The name says what `pushguard --version` and dpkg say.
        XCTAssertEqual((path as NSString).lastPathComponent, "pushguard_\(version)_\(arch).deb")
        return (path, version, arch)
    }

    private func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }

    private func newestFile(below path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return path }
        var newest: String?
        for case let relative as String in FileManager.default.enumerator(atPath: path) ?? FileManager.DirectoryEnumerator() {
            let full = path + "/" + relative
            if newest == nil || modified(full) > modified(newest!) { newest = full }
        }
        return newest
    }

    // MARK: roots

    /// A copy of the clean Debian 12 root (essential packages and apt, package lists kept, no
    /// git), made once per run with mmdebstrap. Skips only when mmdebstrap cannot reach a
    /// mirror, and not in CI (CI=true), where that is a failure.
    private func cleanRootCopy() throws -> String {
        if DebianPackageTests.cleanRoot == nil && DebianPackageTests.rootError == nil {
            do {
                DebianPackageTests.cleanRoot = try makeCleanRoot()
            } catch {
                DebianPackageTests.rootError = error
            }
        }
        if let error = DebianPackageTests.rootError { throw error }
        return try copy(DebianPackageTests.cleanRoot!)
    }

    private func makeCleanRoot() throws -> String {
        try requireOrSkip(getuid() == 0, "mmdebstrap and chroot need root (CI runs as root)")
        for tool in ["mmdebstrap", "chroot", "mount"] where try sandbox.run(["sh", "-c", "command -v \(tool)"]).status != 0 {
            throw Failure(description: "\(tool) is not installed (test.sh installs mmdebstrap: apt-get install mmdebstrap)")
        }
        let cache = try Sandbox()
        DebianPackageTests.cache = cache
        let root = cache.path("clean-root")
        let made = try cache.run(["mmdebstrap", "--variant=apt", "--skip=cleanup/apt/lists", "bookworm", root],
                                 environment: DebianPackageTests.proxyEnvironment)
        guard made.status == 0 else {
            let unreachable = ["Temporary failure resolving", "Could not resolve", "Failed to fetch", "Unable to connect",
                               "Could not connect", "Network is unreachable", "No route to host", "Connection timed out"]
                .contains { made.all.contains($0) }
            if unreachable {
                try requireOrSkip(false, "mmdebstrap cannot reach a Debian mirror, so there is no clean Debian 12 root to install the package into:\n\(made.all.suffix(1500))")
            }
            throw Failure(description: "mmdebstrap failed (\(made.status)):\n\(made.all.suffix(3000))")
        }
        return root
    }

    /// A copy of the clean root with the package installed by apt (once per run), for the tests
    /// that start from an installed package.
    private func installedRootCopy(_ deb: String) throws -> String {
        if DebianPackageTests.installedRoot == nil {
            let root = try cleanRootCopy()
            let installed = try aptInstall(deb, into: root)
            guard installed.status == 0 else {
                throw Failure(description: "apt-get install of the package failed:\n\(installed.all.suffix(3000))")
            }
            unmount(root)
            // Kept for the rest of the run, beside the clean root.
            let cached = DebianPackageTests.cache!.path("installed-root")
            try FileManager.default.moveItem(atPath: root, toPath: cached)
            roots.removeAll { $0 == root }
            DebianPackageTests.installedRoot = cached
        }
        return try copy(DebianPackageTests.installedRoot!)
    }

    /// A copy of `root` for this test, with /proc mounted; removed in tearDown.
    private func copy(_ root: String) throws -> String {
        let target = sandbox.path("root-\(roots.count)")
        roots.append(target)
        let copied = try sandbox.run(["cp", "-a", root, target])
        guard copied.status == 0 else { throw Failure(description: "cp -a \(root) \(target): \(copied.all)") }
        let mounted = try sandbox.run(["mount", "-t", "proc", "proc", target + "/proc"])
        guard mounted.status == 0 else { throw Failure(description: "mounting /proc in \(target): \(mounted.all)") }
        return target
    }

    private static func unmount(_ root: String) {
        // Lazily if busy: a process of the test may still hold it.
        if shell("umount \(quoted(root + "/proc")) 2>/dev/null")?.status != 0 {
            _ = shell("umount -l \(quoted(root + "/proc")) 2>/dev/null")
        }
    }

    private func unmount(_ root: String) { DebianPackageTests.unmount(root) }

    /// Unmounts /proc, then removes the root without crossing into any file system still mounted.
    static func remove(root: String) {
        unmount(root)
        _ = shell("rm -rf --one-file-system \(quoted(root)) 2>&1")
    }

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a shell script as root inside the root, with a clean environment (nothing of the
    /// test's PUSHGUARD_* or HOME reaches it; only proxy settings, for apt).
    @discardableResult
    private func inRoot(_ root: String, _ script: String) throws -> Output {
        let proxies = DebianPackageTests.proxyEnvironment.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }
        return try sandbox.run(["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
                                "DEBIAN_FRONTEND=noninteractive"] + proxies + ["chroot", root, "/bin/sh", "-c", script])
    }

    /// Runs a shell script as the server's git user inside the root (as a push over ssh would:
    /// the hooks run as the account that owns the repositories).
    @discardableResult
    private func asGitUser(_ root: String, _ script: String) throws -> Output {
        try inRoot(root, "runuser -u git -- sh -c \(DebianPackageTests.quoted("cd /home/git && " + script))")
    }

    private func aptInstall(_ deb: String, into root: String) throws -> Output {
        let name = (deb as NSString).lastPathComponent
        try? FileManager.default.removeItem(atPath: root + "/tmp/" + name)
        try FileManager.default.copyItem(atPath: deb, toPath: root + "/tmp/" + name)
        return try inRoot(root, "cd /tmp && apt-get install -y -q ./\(name) 2>&1")
    }

    /// The README's server set-up: a git user owning /srv/git, one bare repository mapping
    /// staging and main, PushGuard installed into every repository there.
    private func setUpServer(_ root: String) throws {
        let setUp = try inRoot(root, """
            set -e
            useradd --system --create-home --home-dir /home/git --shell /bin/sh git
            mkdir -p /srv/git && git init -q --bare /srv/git/billing-api.git
            git -C /srv/git/billing-api.git config pushguard.staging.ref refs/heads/staging
            git -C /srv/git/billing-api.git config pushguard.production.ref refs/heads/main
            chown -R git:git /srv/git
            pushguard install --root /srv/git --user git
            """)
        XCTAssertEqual(setUp.status, 0, setUp.all)
        XCTAssertTrue(setUp.stdout.contains("pre-receive: linking /srv/git/billing-api.git/hooks/pre-receive -> /usr/bin/pushguard"), setUp.stdout)
        XCTAssertTrue(setUp.stdout.contains("created store /var/lib/pushguard/state.db (owned by git)"), setUp.stdout)
    }

    /// A clone in the git user's home whose commit needs NEW_AUTH_TOKEN.
    private func cloneNeedingTheToken(_ root: String) throws {
        let cloned = try asGitUser(root, """
            git clone -q /srv/git/billing-api.git work 2>/dev/null && cd work &&
            git config user.name Alice && git config user.email alice@example.com &&
            echo '{"env": {"NEW_AUTH_TOKEN": {"description": "auth for the private API"}}}' > app.json &&
            git add app.json && git commit -qm "Call the private API with NEW_AUTH_TOKEN"
            """)
        XCTAssertEqual(cloned.status, 0, cloned.all)
    }

    private func push(_ root: String, _ refspec: String) throws -> Output {
        try asGitUser(root, "cd work && git push origin \(refspec)")
    }

    // MARK: tests

    /// On a clean Debian 12 root without Swift, `apt-get install ./pushguard_…deb` pulls in git
    /// and the libraries, and the README's walkthrough runs: install into a bare repository,
    /// the production push refused naming the key and "0 of 3", accepted after transmit.
    func testPackageRunsTheWalkthroughOnACleanDebianServer() throws {
        let (deb, version, _) = try package()
        let root = try cleanRootCopy()
        XCTAssertNotEqual(try inRoot(root, "command -v git || command -v swift").status, 0, "the root is clean: no git, no Swift")

        let installed = try aptInstall(deb, into: root)
        XCTAssertEqual(installed.status, 0, installed.all)
        let depends = try inRoot(root, "dpkg-query -W -f '${Version}\n${Depends}\n${Suggests}' pushguard")
        XCTAssertEqual(depends.stdout.split(separator: "\n").first.map(String.init), version, depends.all)
        XCTAssertTrue(depends.stdout.contains("git, libc6 (>= 2.36)"), "the packed relocations need glibc 2.36: \(depends.stdout)")
        XCTAssertTrue(depends.stdout.hasSuffix("libpq5, libcurl4"), "libpq and libcurl are only suggested: \(depends.stdout)")
        XCTAssertEqual(try inRoot(root, "pushguard --version").stdout, version + "\n")
        // Every library the executables need is there, and nothing from a Swift toolchain.
        let libraries = try inRoot(root, "ldd /usr/bin/pushguard /usr/lib/pushguard/pushguard-cli")
        XCTAssertEqual(libraries.status, 0, libraries.all)
        XCTAssertFalse(libraries.stdout.contains("not found"), libraries.stdout)
        XCTAssertFalse(libraries.stdout.contains("swift"), libraries.stdout)
        // The man page, completions and docs.
        let files = try inRoot(root, """
            ls /usr/share/man/man1/pushguard.1.gz /usr/share/man/man5/pushguard-config.5.gz \
               /usr/share/bash-completion/completions/pushguard \
               /usr/share/zsh/vendor-completions/_pushguard /usr/share/fish/vendor_completions.d/pushguard.fish \
               /usr/share/doc/pushguard/copyright /usr/share/doc/pushguard/README.md.gz
            """)
        XCTAssertEqual(files.status, 0, files.all)

        // "On a git server" and the five-minute walkthrough.
        try setUpServer(root)
        let configured = try inRoot(root, """
            set -e
            pushguard instances add -a billing-api -e production web.1 web.2 web.3
            printf 's3cret-token' | pushguard config set -a billing-api -e staging NEW_AUTH_TOKEN=-
            printf 's3cret-token' | pushguard config set -a billing-api -e production NEW_AUTH_TOKEN=-
            pushguard config transmit -a billing-api -e staging
            """)
        XCTAssertEqual(configured.status, 0, configured.all)
        try cloneNeedingTheToken(root)
        let staging = try push(root, "HEAD:staging")
        XCTAssertEqual(staging.status, 0, staging.all)

        let refused = try push(root, "HEAD:main")
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("remote: pushguard: push to billing-api/production (refs/heads/main) rejected: config not synchronized"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("NEW_AUTH_TOKEN  staged   applied on 0 of 3 instances  required by app.json"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("transmit first:  pushguard config transmit --app billing-api --env production"), refused.stderr)

        XCTAssertEqual(try inRoot(root, "pushguard config transmit -a billing-api -e production").status, 0)
        let accepted = try push(root, "HEAD:main")
        XCTAssertEqual(accepted.status, 0, accepted.all)
        let status = try inRoot(root, "cd /srv/git/billing-api.git && pushguard status -e production")
        XCTAssertTrue(status.stdout.contains("applied on 3 of 3 instances"), status.all)
        let doctor = try inRoot(root, "pushguard doctor --repo /srv/git/billing-api.git")
        XCTAssertEqual(doctor.status, 0, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("ok       pre-receive hook links to /usr/bin/pushguard"), doctor.stdout)
        XCTAssertFalse(refused.all.contains("s3cret-token") || accepted.all.contains("s3cret-token") || status.all.contains("s3cret-token"))
    }

    /// Upgrading replaces /usr/bin/pushguard, which the hooks link to: they keep checking.
    /// Removing (even purging) the package keeps the store and the digest key; installing it
    /// again finds them, history included.
    func testUpgradeKeepsTheHooksWorkingAndRemovalKeepsTheStoreAndKey() throws {
        let (deb, version, arch) = try package()
        // The next version: the same package, its version raised.
        let unpacked = sandbox.path("upgrade")
        let upgraded = sandbox.path("pushguard_\(version)+upgrade1_\(arch).deb")
        let repacked = try sandbox.run(["sh", "-c", """
            dpkg-deb -R "$1" "$2" && sed -i "s/^Version: .*/Version: $3+upgrade1/" "$2/DEBIAN/control" &&
            dpkg-deb --root-owner-group -b "$2" "$4" >/dev/null
            """, "sh", deb, unpacked, version, upgraded])
        XCTAssertEqual(repacked.status, 0, repacked.all)

        let root = try installedRootCopy(deb)
        try setUpServer(root)
        XCTAssertEqual(try inRoot(root, "printf v | pushguard config set -a billing-api -e production NEW_AUTH_TOKEN=-").status, 0)
        try cloneNeedingTheToken(root)
        let before = try push(root, "HEAD:main")
        XCTAssertTrue(before.stderr.contains("NEW_AUTH_TOKEN  staged"), before.all)
        let key = try inRoot(root, "sha256sum /var/lib/pushguard/digest.key").stdout

        let upgrade = try aptInstall(upgraded, into: root)
        XCTAssertEqual(upgrade.status, 0, upgrade.all)
        XCTAssertTrue(upgrade.stdout.contains("Unpacking pushguard (\(version)+upgrade1) over (\(version))"), upgrade.stdout)
        let afterUpgrade = try push(root, "HEAD:main")
        XCTAssertNotEqual(afterUpgrade.status, 0, afterUpgrade.all)
        XCTAssertTrue(afterUpgrade.stderr.contains("remote: pushguard: push to billing-api/production (refs/heads/main) rejected"), afterUpgrade.stderr)

        let purge = try inRoot(root, "apt-get purge -y -q pushguard 2>&1")
        XCTAssertEqual(purge.status, 0, purge.all)
        XCTAssertEqual(try inRoot(root, "test -e /usr/bin/pushguard").status, 1, "the package is gone")
        let kept = try inRoot(root, "ls /var/lib/pushguard && sha256sum /var/lib/pushguard/digest.key")
        XCTAssertEqual(kept.status, 0, kept.all)
        XCTAssertTrue(kept.stdout.contains("state.db"), kept.stdout)
        XCTAssertTrue(kept.stdout.hasSuffix(key), "the digest key is the same: \(kept.stdout)")
        XCTAssertTrue(try inRoot(root, "readlink /srv/git/billing-api.git/hooks/pre-receive").stdout == "/usr/bin/pushguard\n",
                      "the hooks stay linked")

        let again = try aptInstall(deb, into: root)
        XCTAssertEqual(again.status, 0, again.all)
        let audit = try inRoot(root, "pushguard audit -a billing-api -e production")
        XCTAssertEqual(audit.status, 0, audit.all)
        XCTAssertEqual(audit.stdout.components(separatedBy: "rejected").count - 1, 2, "both refusals are still in the audit log: \(audit.stdout)")
        XCTAssertEqual(try inRoot(root, "pushguard config transmit -a billing-api -e production").status, 0)
        let accepted = try push(root, "HEAD:main")
        XCTAssertEqual(accepted.status, 0, "the old key still matches the stored digests: \(accepted.all)")
    }

    /// libpq and libcurl are only suggested: without them a PostgreSQL or HTTP store is an
    /// error naming the package to install, from a command and from a hook, never a crash.
    func testPostgresAndHTTPStoresWithoutTheirLibrariesAreClearErrors() throws {
        let (deb, _, _) = try package()
        let root = try installedRootCopy(deb)
        XCTAssertEqual(try inRoot(root, "ldconfig -p | grep -e libpq.so.5 -e libcurl.so.4").status, 1,
                       "the clean root has neither libpq5 nor libcurl4")
        let postgres = try inRoot(root, "pushguard status --store postgres://pushguard@127.0.0.1/pushguard")
        XCTAssertEqual(postgres.status, 3, postgres.all)
        XCTAssertTrue(postgres.stderr.contains("cannot load libpq (apt-get install libpq5)"), postgres.stderr)
        let http = try inRoot(root, "pushguard status --store https://config.example.invalid/pushguard")
        XCTAssertEqual(http.status, 3, http.all)
        XCTAssertTrue(http.stderr.contains("cannot load libcurl (apt-get install libcurl4)"), http.stderr)

        try setUpServer(root)
        try cloneNeedingTheToken(root)
        XCTAssertEqual(try inRoot(root, "git config --system pushguard.store postgres://pushguard@127.0.0.1/pushguard").status, 0)
        let refused = try push(root, "HEAD:main")
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertTrue(refused.stderr.contains("rejected: the config store failed"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cannot load libpq (apt-get install libpq5)"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("(pre-receive hook declined)"), refused.stderr)
    }

    /// lintian, Debian's package checker, finds no error (warnings are printed in the log).
    func testLintianFindsNoErrors() throws {
        let (deb, _, _) = try package()
        guard try sandbox.run(["sh", "-c", "command -v lintian"]).status == 0 else {
            throw Failure(description: "lintian is not installed (test.sh installs it: apt-get install lintian)")
        }
        let lintian = try sandbox.run(["lintian", "--fail-on", "error", deb])
        print("lintian \(deb):\n\(lintian.stdout)")
        XCTAssertEqual(lintian.status, 0, lintian.all)
        XCTAssertFalse(lintian.stdout.split(separator: "\n").contains { $0.hasPrefix("E: ") }, lintian.stdout)
    }
}
