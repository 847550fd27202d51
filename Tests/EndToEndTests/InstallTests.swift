import Foundation
import XCTest

/// Install and doctor, through the built binary on real repositories: each kind of
/// installation (server: a bare repository; client: a developer's clone) touches only its own
/// hooks and config, and errors in the config being installed into or diagnosed are reported.
final class InstallTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private func isLink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }

    private func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path) || isLink(path)
    }

    // MARK: each kind touches only its own things

    func testClientUninstallOnAServerRepositoryIsRefusedAndLeavesTheServerGuarded() throws {
        let repo = try sandbox.bareRepository("billing-api")
        let uninstall = try sandbox.pushguard("install", "--client", "--uninstall", "--repo", repo)
        XCTAssertEqual(uninstall.status, 2, uninstall.all)
        XCTAssertTrue(uninstall.stdout.contains("is a bare repository: the client hook belongs in a developer's clone; for a server, drop --client: pushguard install --uninstall --repo \(repo)"), uninstall.stdout)
        XCTAssertTrue(isLink(repo + "/hooks/pre-receive"), "the server's hooks stay")
        XCTAssertTrue(isLink(repo + "/hooks/post-receive"))
        XCTAssertEqual(try sandbox.git("config", "receive.advertisePushOptions", in: repo).stdout, "true\n")
        XCTAssertTrue(exists(repo + "/pushguard-install"), "the record of what install changed stays")
        // Still guarded: an out-of-sync push is refused.
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("remote: pushguard: push to billing-api/production"), push.stderr)
    }

    func testServerUninstallOnAClientCloneIsRefusedAndKeepsThePrePushHook() throws {
        let server = try sandbox.bareRepository("billing-api", install: ["none"])
        let clone = try sandbox.workTree("clone", remote: server, files: ["README": "x"])
        XCTAssertEqual(try sandbox.pushguard("install", "--client", "--repo", clone).status, 0)
        let uninstall = try sandbox.pushguard("install", "--uninstall", "--repo", clone)
        XCTAssertEqual(uninstall.status, 2, uninstall.all)
        XCTAssertTrue(uninstall.stdout.contains("for a developer's clone, add --client: pushguard install --uninstall --client --repo \(clone)"), uninstall.stdout)
        XCTAssertTrue(isLink(clone + "/.git/hooks/pre-push"), "the client's hook stays")
        let client = try sandbox.pushguard("install", "--client", "--uninstall", "--repo", clone)
        XCTAssertEqual(client.status, 0, client.all)
        XCTAssertFalse(exists(clone + "/.git/hooks/pre-push"))
    }

    /// A bare repository holding both kinds (a pre-push link from an earlier version): each
    /// uninstall takes out its own hooks and leaves the other kind's.
    func testEachUninstallTakesOutOnlyItsOwnKindWhereBothAreLinked() throws {
        let repo = try sandbox.bareRepository("billing-api")
        let configBefore = "receive.advertisepushoptions=true\n"
        XCTAssertTrue(try sandbox.git("config", "--list", "--local", in: repo).stdout.contains(configBefore))
        try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/pre-push", withDestinationPath: sandbox.binary)

        let client = try sandbox.pushguard("install", "--client", "--uninstall", "--repo", repo)
        XCTAssertEqual(client.status, 0, client.all)
        XCTAssertFalse(exists(repo + "/hooks/pre-push"))
        XCTAssertTrue(isLink(repo + "/hooks/pre-receive"), client.stdout)
        XCTAssertTrue(isLink(repo + "/hooks/post-receive"), client.stdout)
        XCTAssertEqual(try sandbox.git("config", "receive.advertisePushOptions", in: repo).stdout, "true\n", client.stdout)

        try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/pre-push", withDestinationPath: sandbox.binary)
        let server = try sandbox.pushguard("install", "--uninstall", "--repo", repo)
        XCTAssertEqual(server.status, 0, server.all)
        XCTAssertFalse(exists(repo + "/hooks/pre-receive"))
        XCTAssertFalse(exists(repo + "/hooks/post-receive"))
        XCTAssertFalse(exists(repo + "/pushguard-install"))
        XCTAssertFalse(try sandbox.git("config", "--list", "--local", in: repo).stdout.contains("advertisepushoptions"))
        XCTAssertTrue(isLink(repo + "/hooks/pre-push"), "a server uninstall leaves the client's hook: \(server.stdout)")
    }

    func testClientInstallIntoABareRepositoryIsRefusedWithTheServerCommand() throws {
        let repo = try sandbox.bareRepository("billing-api", install: ["none"])
        let configBefore = try sandbox.git("config", "--list", "--local", in: repo).stdout
        let install = try sandbox.pushguard("install", "--client", "--repo", repo)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("NOT installed"), install.stdout)
        XCTAssertTrue(install.stdout.contains("\(repo) is a bare repository: the client hook belongs in a developer's clone; for a server, drop --client: pushguard install --repo \(repo)"), install.stdout)
        XCTAssertFalse(exists(repo + "/hooks/pre-push"))
        XCTAssertEqual(try sandbox.git("config", "--list", "--local", in: repo).stdout, configBefore)
    }

    func testServerInstallIntoACloneIsRefusedWithTheClientCommand() throws {
        let server = try sandbox.bareRepository("billing-api", install: ["none"])
        let clone = try sandbox.workTree("clone", remote: server, files: ["README": "x"])
        let configBefore = try sandbox.git("config", "--list", "--local", in: clone).stdout
        let install = try sandbox.pushguard("install", "--repo", clone)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("NOT installed"), install.stdout)
        XCTAssertTrue(install.stdout.contains("\(clone) is a clone with a work tree, not a bare repository: the server hooks belong in the bare repository that pushes go to; for a developer's clone, add --client: pushguard install --client --repo \(clone)"), install.stdout)
        for hook in ["pre-receive", "update", "post-receive", "pre-push"] {
            XCTAssertFalse(exists(clone + "/.git/hooks/" + hook), hook)
        }
        XCTAssertEqual(try sandbox.git("config", "--list", "--local", in: clone).stdout, configBefore)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.storePath), "no store for a refused install")
    }

    func testServerOnlyOptionsWithClientAreUsageErrors() throws {
        for option in ["--per-ref", "--gitlab"] {
            let install = try sandbox.pushguard("install", "--client", option, "--repo", sandbox.path("clone"))
            XCTAssertEqual(install.status, 2, install.all)
            XCTAssertTrue(install.stderr.contains(option), install.stderr)
        }
        let root = try sandbox.pushguard("install", "--client", "--root", sandbox.path("none"))
        XCTAssertEqual(root.status, 2, root.all)
        XCTAssertTrue(root.stderr.contains("give --repo CLONE, or drop --client for a server"), root.stderr)
    }

    // MARK: the developer's own pre-push hook

    /// Needs the pre-push hook to honour the kept hook's exit status (Hooks.swift).
    func testTheDevelopersOwnPrePushHookStillRefusesAfterClientInstall() throws {
        let server = try sandbox.bareRepository("billing-api", install: ["none"])
        let clone = try sandbox.workTree("clone", remote: server, files: ["README": "x"])
        let hook = clone + "/.git/hooks/pre-push"
        try "#!/bin/sh\necho 'lint: refusing to push a commit without tests' >&2\nexit 1\n"
            .write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let install = try sandbox.pushguard("install", "--client", "--repo", clone)
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("keeping the existing hook as \(hook).before-pushguard"), install.stdout)
        XCTAssertTrue(install.stdout.contains("its refusal stands"), install.stdout)

        let push = try sandbox.push("HEAD:refs/heads/main", from: clone)
        XCTAssertTrue(push.stderr.contains("lint: refusing to push a commit without tests"), push.stderr)
        XCTAssertNotEqual(push.status, 0, "the developer's hook refused, so the push must fail: \(push.stderr)")
        let remote = try sandbox.git("ls-remote", server, in: clone).stdout
        XCTAssertFalse(remote.contains("refs/heads/main"), "nothing reached the server: \(remote)")
    }

    // MARK: a kept hook that deploys (Dokku)

    /// Dokku builds and releases the app from its own pre-receive (`dokku git-hook APP`): kept
    /// to run first, a refused push would still deploy. Install recognises it and keeps it to
    /// run only after PushGuard accepted.
    func testDokkusDeployHookRunsOnlyForAPushPushGuardAccepted() throws {
        let repo = try sandbox.bareRepository("shop", install: ["none"])
        let hook = repo + "/hooks/pre-receive"
        // Dokku's hook as `dokku git-hook` writes it, with `dokku` a stand-in that records the
        // ref lines it was handed and says it deployed.
        try """
            #!/usr/bin/env bash
            set -e
            set -o pipefail
            dokku() { cat >>"$GIT_DIR/deployed"; echo "-----> Releasing $2"; }
            cat | DOKKU_ROOT="/home/dokku" dokku git-hook shop
            """.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("keeping the existing hook as \(hook).after-pushguard; PushGuard runs it only after its check accepted the push"), install.stdout)
        XCTAssertTrue(install.stdout.contains("it is Dokku's deploy"), install.stdout)
        XCTAssertTrue(try sandbox.pushguard("doctor", "--repo", repo).stdout.contains("runs after PushGuard accepted the push"))

        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["DATABASE_URL"])])
        let refused = try sandbox.push("main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("DATABASE_URL"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("-----> Releasing"), "a refused push does not deploy: \(refused.stderr)")
        XCTAssertFalse(exists(repo + "/deployed"), refused.all)

        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "--transmit", "DATABASE_URL=-", input: "postgres://db")
        let accepted = try sandbox.push("main", from: work)
        XCTAssertEqual(accepted.status, 0, accepted.all)
        XCTAssertTrue(accepted.stderr.contains("-----> Releasing shop"), accepted.stderr)
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let handed = try String(contentsOfFile: repo + "/deployed", encoding: .utf8)
        XCTAssertTrue(handed.hasSuffix(" \(head) refs/heads/main\n"), "Dokku got git's ref lines: \(handed)")

        // Its refusal stands, after PushGuard's check.
        try "#!/bin/sh\necho 'dokku: build failed' >&2\nexit 1\n".write(toFile: hook + ".after-pushguard", atomically: true, encoding: .utf8)
        chmod(hook + ".after-pushguard", 0o755)
        try sandbox.commit(in: work, files: ["README": "x"], message: "next")
        let failed = try sandbox.push("main", from: work)
        XCTAssertNotEqual(failed.status, 0, failed.all)
        XCTAssertTrue(failed.stderr.contains("dokku: build failed"), failed.stderr)

        let uninstall = try sandbox.pushguard("install", "--repo", repo, "--uninstall")
        XCTAssertEqual(uninstall.status, 0, uninstall.all)
        XCTAssertFalse(isLink(hook))
        XCTAssertTrue((try? String(contentsOfFile: hook, encoding: .utf8))?.contains("dokku: build failed") ?? false, "restored")
    }

    func testAnyExistingHookCanBeKeptToRunAfterTheCheck() throws {
        let repo = try sandbox.bareRepository("billing-api", install: ["none"])
        let hook = repo + "/hooks/pre-receive"
        try "#!/bin/sh\necho deploying >&2\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let plain = try sandbox.pushguard("install", "--repo", repo, "--dry-run")
        XCTAssertTrue(plain.stdout.contains("as \(hook).before-pushguard; PushGuard runs it first"), "not Dokku's: first, as before: \(plain.stdout)")
        let install = try sandbox.pushguard("install", "--repo", repo, "--existing-hooks-after")
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(exists(hook + ".after-pushguard"), install.stdout)
        XCTAssertFalse(install.stdout.contains("Dokku"), install.stdout)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        let refused = try sandbox.push("main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertFalse(refused.stderr.contains("deploying"), refused.stderr)
    }

    /// A push by root runs the hooks as root: a kept hook another user could have put there is
    /// not run as root, and the push is refused saying whose it is.
    func testRootRunsNoKeptHookAnotherUserControls() throws {
        try requireOrSkip(getuid() == 0, "runs the hooks as root, with a kept hook owned by another user")
        let repo = try sandbox.bareRepository("billing-api", install: ["none"])
        let hook = repo + "/hooks/pre-receive"
        try "#!/bin/sh\ntouch \"$GIT_DIR/ran-as-$(id -u)\"\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        XCTAssertEqual(try sandbox.pushguard("install", "--repo", repo).status, 0)
        let kept = hook + ".before-pushguard"
        XCTAssertEqual(chown(kept, 65534, 65534), 0, "the kept hook is nobody's")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let refused = try sandbox.push("main", from: work)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("refusing to run the existing hook hooks/pre-receive.before-pushguard as root: \(kept) belongs to "), refused.stderr)
        XCTAssertFalse(exists(repo + "/ran-as-0"), "never run as root")
        // A link root owns, in a directory of root's, to a file that is nobody's: the file counts.
        let elsewhere = sandbox.path("nobodys-hook")
        XCTAssertEqual(rename(kept, elsewhere), 0)
        XCTAssertEqual(symlink(elsewhere, kept), 0)
        let throughLink = try sandbox.push("main", from: work)
        XCTAssertNotEqual(throughLink.status, 0, throughLink.all)
        XCTAssertTrue(throughLink.stderr.contains("refusing to run the existing hook hooks/pre-receive.before-pushguard as root"), throughLink.stderr)
        XCTAssertFalse(exists(repo + "/ran-as-0"), "never run as root")
        XCTAssertEqual(chown(elsewhere, 0, 0), 0)
        let accepted = try sandbox.push("main", from: work)
        XCTAssertEqual(accepted.status, 0, accepted.all)
        XCTAssertTrue(exists(repo + "/ran-as-0"), "root's own kept hook runs: \(accepted.all)")
    }

    // MARK: errors are reported, not skipped

    func testInstallReportsSettingsItCannotReadAndInstallsNothing() throws {
        let repo = try sandbox.bareRepository("billing-api", install: ["none"], config: [("pushguard.mode", "sometimes")])
        let configBefore = try sandbox.git("config", "--list", "--local", in: repo).stdout
        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("\(repo): NOT installed"), install.stdout)
        XCTAssertTrue(install.stdout.contains("problem: the repository's settings cannot be read: pushguard.mode is \"sometimes\"; use reject, warn or off."), install.stdout)
        XCTAssertFalse(exists(repo + "/hooks/pre-receive"), "hooks that would fail every push are not linked")
        XCTAssertEqual(try sandbox.git("config", "--list", "--local", in: repo).stdout, configBefore)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.storePath))

        try sandbox.git("config", "pushguard.mode", "warn", in: repo)
        let fixed = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(fixed.status, 0, fixed.all)
        XCTAssertTrue(fixed.stdout.contains("created store \(sandbox.storePath)"), fixed.stdout)
        XCTAssertTrue(isLink(repo + "/hooks/pre-receive"))
    }

    func testInstallWithAnotherRepositorysBadSettingsStillGuardsTheGoodOneAndFails() throws {
        let good = try sandbox.bareRepository("good", install: ["none"])
        let bad = try sandbox.bareRepository("bad", install: ["none"], config: [("pushguard.timeout", "soon")])
        let install = try sandbox.pushguard("install", "--repo", good, bad)
        XCTAssertEqual(install.status, 2, install.all)
        XCTAssertTrue(install.stdout.contains("\(bad): NOT installed"), install.stdout)
        XCTAssertTrue(install.stdout.contains("pushguard.timeout is \"soon\""), install.stdout)
        XCTAssertTrue(isLink(good + "/hooks/pre-receive"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.storePath), "the good repository's store is prepared")
    }

    func testDoctorReportsAnInvalidAdvertisePushOptionsValue() throws {
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        XCTAssertEqual(try sandbox.pushguard("doctor", "--repo", repo).status, 0)
        try sandbox.git("config", "receive.advertisePushOptions", "maybe", in: repo)
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  receive.advertisePushOptions cannot be read: failed to parse 'maybe' as a boolean value; git refuses every push to this repository until it is a boolean: git config receive.advertisePushOptions true"), doctor.stdout)
        XCTAssertFalse(doctor.stdout.contains("is not true"), doctor.stdout)
        // What doctor says is so: git itself refuses the push.
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("bad boolean config value 'maybe'"), push.stderr)
    }

    func testDoctorReportsBrokenSettingsAndStillChecksTheRepository() throws {
        let repo = try sandbox.bareRepository("billing-api")
        try sandbox.git("config", "pushguard.mode", "sometimes", in: repo)
        try FileManager.default.removeItem(atPath: repo + "/hooks/post-receive")
        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  settings cannot be used: pushguard.mode is \"sometimes\"; use reject, warn or off"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("ok       pre-receive hook links to"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  post-receive hook missing: run `pushguard install --repo \(repo)`"), doctor.stdout)
    }

    func testDoctorChecksAClientCloneForThePrePushHook() throws {
        let server = try sandbox.bareRepository("billing-api", install: ["none"])
        try sandbox.register("billing-api", "production")
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let clone = try sandbox.workTree("clone", remote: server, files: ["README": "x"])
        let before = try sandbox.pushguard("doctor", "--repo", clone)
        XCTAssertEqual(before.status, 1, before.all)
        XCTAssertTrue(before.stdout.contains("PROBLEM  pre-push hook missing: run `pushguard install --client --repo \(clone)`"), before.stdout)
        XCTAssertTrue(before.stdout.contains("PROBLEM  no remote names its app"), before.stdout)
        XCTAssertFalse(before.stdout.contains("pre-receive"), "a clone gets no server hooks: \(before.stdout)")

        XCTAssertEqual(try sandbox.pushguard("install", "--client", "--repo", clone).status, 0)
        try sandbox.git("config", "remote.origin.pushguardApp", "billing-api", in: clone)
        let after = try sandbox.pushguard("doctor", "--repo", clone)
        XCTAssertEqual(after.status, 0, after.all)
        XCTAssertTrue(after.stdout.contains("ok       pre-push hook links to"), after.stdout)
        XCTAssertTrue(after.stdout.contains("ok       remote origin deploys billing-api"), after.stdout)
    }

    // MARK: hooks left by an install from another prefix

    /// Hooks linked by an earlier install from another prefix (`./install.sh` put the binary in
    /// /usr/local/bin; the Debian package puts it in /usr/bin): once the old binary is removed,
    /// git skips a hook whose link leads nowhere and pushes go unchecked. doctor says so, and
    /// install re-points such links to the binary that runs it.
    func testInstallRepointsHooksLinkedToAnEarlierPushGuardAndDoctorReportsThem() throws {
        let repo = try sandbox.bareRepository("billing-api")
        let binary = URL(fileURLWithPath: sandbox.binary).resolvingSymlinksInPath().path
        // pre-receive: the earlier binary is gone; post-receive: it is still there (a copy).
        let removed = sandbox.path("usr-local/bin/pushguard")
        let earlier = sandbox.path("opt/bin/pushguard")
        try FileManager.default.createDirectory(atPath: sandbox.path("opt/bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: binary, toPath: earlier)
        for (hook, target) in [("pre-receive", removed), ("post-receive", earlier)] {
            try FileManager.default.removeItem(atPath: repo + "/hooks/" + hook)
            try FileManager.default.createSymbolicLink(atPath: repo + "/hooks/" + hook, withDestinationPath: target)
        }
        try sandbox.pushguard("config", "set", "--app", "billing-api", "--env", "production", "TOKEN=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["TOKEN"])])
        // What the dangling link means: git skips the hook and the unsynchronized push goes through.
        let unchecked = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(unchecked.status, 0, unchecked.all)
        XCTAssertFalse(unchecked.stderr.contains("remote: pushguard: push to"), unchecked.stderr)

        let doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertEqual(doctor.status, 1, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  \(repo)/hooks/pre-receive links to \(removed), which is no longer there (an earlier install): git skips the hook, so pushes go unchecked; re-point it to \(binary): `pushguard install --repo \(repo)`"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  \(repo)/hooks/post-receive links to \(earlier), another PushGuard than this one (\(binary)): pushes are checked by that version, and by none once it is removed; re-point it: `pushguard install --repo \(repo)`"), doctor.stdout)

        let install = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("pre-receive: re-pointing \(repo)/hooks/pre-receive from \(removed) (an earlier install, no longer there: git was skipping this hook) to \(binary)"), install.stdout)
        XCTAssertTrue(install.stdout.contains("post-receive: re-pointing \(repo)/hooks/post-receive from \(earlier) (an earlier install) to \(binary)"), install.stdout)
        for hook in ["pre-receive", "post-receive"] {
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: repo + "/hooks/" + hook), binary)
            XCTAssertFalse(exists(repo + "/hooks/" + hook + ".before-pushguard"), "an earlier PushGuard is not kept as a hook to run first")
        }
        XCTAssertFalse(try sandbox.pushguard("doctor", "--repo", repo).stdout.contains("earlier install"))
        // Checked again.
        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["TOKEN", "OTHER"])], message: "more")
        let checked = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(checked.status, 0, checked.all)
        XCTAssertTrue(checked.stderr.contains("remote: pushguard: push to billing-api/production (refs/heads/main) rejected"), checked.stderr)
        // Installing again changes nothing.
        let again = try sandbox.pushguard("install", "--repo", repo)
        XCTAssertTrue(again.stdout.contains("pre-receive: already installed"), again.stdout)
    }

    /// The same for a directory of hooks that git's template or gitolite links into repositories.
    func testInstallHooksDirRepointsLinksToAnEarlierPushGuard() throws {
        let directory = sandbox.path("template/hooks")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let removed = sandbox.path("usr-local/bin/pushguard")
        try FileManager.default.createSymbolicLink(atPath: directory + "/pre-receive", withDestinationPath: removed)
        let binary = URL(fileURLWithPath: sandbox.binary).resolvingSymlinksInPath().path
        let dryRun = try sandbox.pushguard("install", "--hooks-dir", directory, "--dry-run")
        XCTAssertTrue(dryRun.stdout.contains("pre-receive: re-pointing \(directory)/pre-receive from \(removed)"), dryRun.stdout)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/pre-receive"), removed, "a dry run changes nothing")
        let install = try sandbox.pushguard("install", "--hooks-dir", directory)
        XCTAssertEqual(install.status, 0, install.all)
        XCTAssertTrue(install.stdout.contains("pre-receive: re-pointing \(directory)/pre-receive from \(removed) (an earlier install, no longer there: git was skipping this hook) to \(binary)"), install.stdout)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/pre-receive"), binary)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/post-receive"), binary)
    }
}
