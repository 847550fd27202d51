import Foundation
import PushGuardCore
import XCTest

/// The admin CLI's conveniences (issue 13): --version, -a/-e, inference inside a guarded
/// repository, config import, the fleet status, one JSON document, progress, man page and
/// completions.
final class CLITests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        try sandbox.register("a", "e", "production")
    }
    override func tearDown() { sandbox = nil }

    /// The package's root directory (for Version.swift, generate-docs.sh and README.md).
    private var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `command` under a pseudo-terminal (util-linux's script), as a person would.
    private func onTerminal(_ command: String, environment: [String: String] = [:]) throws -> Output {
        try sandbox.run(["script", "-qec", command, "/dev/null"], environment: environment)
    }

    func testVersionPrintsTheOneVersionAlone() throws {
        let output = try sandbox.pushguard("--version")
        XCTAssertEqual(output.status, 0, output.all)
        let source = try String(contentsOf: packageRoot.appendingPathComponent("Sources/PushGuardCommands/Version.swift"), encoding: .utf8)
        let defined = source.components(separatedBy: "current = \"").dropFirst().first?.components(separatedBy: "\"").first
        XCTAssertNotNil(defined)
        XCTAssertEqual(output.stdout, (defined ?? "?") + "\n")
        XCTAssertTrue(output.stdout.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\n$"#, options: .regularExpression) != nil, output.stdout)
    }

    func testShortAppAndEnvFlagsWorkEverywhere() throws {
        XCTAssertEqual(try sandbox.pushguard("instances", "add", "-a", "a", "-e", "production", "web.1").status, 0)
        let set = try sandbox.pushguard("config", "set", "-a", "a", "-e", "production", "K=-", "L=x", input: "v")
        XCTAssertTrue(set.stdout.contains("set K, L in a/production: config version 1"), set.all)
        XCTAssertTrue(set.stdout.contains("pushguard config transmit -a a -e production"), set.stdout)
        XCTAssertEqual(try sandbox.pushguard("config", "transmit", "-a", "a", "-e", "production").status, 0)
        XCTAssertTrue(try sandbox.pushguard("instances", "list", "-a", "a", "-e", "production").stdout.contains("web.1"))
        XCTAssertTrue(try sandbox.pushguard("status", "-a", "a", "-e", "production").stdout.contains("K    live"))
        XCTAssertEqual(try sandbox.pushguard("audit", "-a", "a", "-e", "production").status, 0)
        // unset takes several keys: one new version for both.
        let unset = try sandbox.pushguard("config", "unset", "-a", "a", "-e", "production", "K", "L")
        XCTAssertTrue(unset.stdout.contains("unset K, L in a/production: config version 2"), unset.all)
        for command in [["instances", "drain"], ["instances", "activate"], ["instances", "remove"]] {
            let output = try sandbox.run([sandbox.binary] + command + ["-a", "a", "-e", "production", "web.1"])
            XCTAssertEqual(output.status, 0, output.all)
        }
    }

    func testInsideAGuardedRepositoryTheAppEnvironmentAndStoreComeFromItsConfig() throws {
        // The repository's own config names a store of its own; nothing else does.
        let store = "sqlite:" + sandbox.path("repo-store/state.db")
        sandbox.environment["PUSHGUARD_STORE"] = ""
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.store", store)])
        let add = try sandbox.run([sandbox.binary, "instances", "add", "-e", "production", "web.1"], in: repo)
        XCTAssertEqual(add.stdout, "registered 1 instance(s) in shop/production\n", add.all)
        // One environment mapped: -e may go too.
        let set = try sandbox.run([sandbox.binary, "config", "set", "TOKEN=-"], in: repo, input: "t")
        XCTAssertTrue(set.stdout.contains("set TOKEN in shop/production: config version 1"), set.all)
        let status = try sandbox.run([sandbox.binary, "status"], in: repo)
        XCTAssertEqual(status.status, 0, status.all)
        XCTAssertTrue(status.stdout.contains("shop/production: config version 1, 1 active of 1 instance(s)"), status.stdout)
        XCTAssertTrue(status.stdout.contains("TOKEN  staged"), status.stdout)
        // --repo from anywhere else.
        let elsewhere = try sandbox.pushguard("instances", "list", "--repo", repo)
        XCTAssertTrue(elsewhere.stdout.contains("web.1"), elsewhere.all)
        // Not in a repository, without -a: a usage error saying what to give.
        let outside = try sandbox.pushguard("instances", "list", "-e", "production")
        XCTAssertEqual(outside.status, 2, outside.all)
        XCTAssertTrue(outside.stderr.contains("give -a APP and -e ENV, or run this inside the app's guarded bare repository"), outside.stderr)
        XCTAssertTrue(outside.stderr.contains("Usage:"), outside.stderr)
        // Two environments mapped: -e is needed, and the message names them.
        try sandbox.git("config", "pushguard.staging.ref", "refs/heads/staging", in: repo)
        try sandbox.git("config", "pushguard.production.ref", "refs/heads/main", in: repo)
        let ambiguous = try sandbox.run([sandbox.binary, "config", "set", "TOKEN=-"], in: repo, input: "t")
        XCTAssertEqual(ambiguous.status, 2, ambiguous.all)
        XCTAssertTrue(ambiguous.stderr.contains("give -e ENV"), ambiguous.stderr)
        XCTAssertTrue(ambiguous.stderr.contains("staging, production"), ambiguous.stderr)
        // The rules stand: an environment the store does not know is refused, nearest named.
        let unknown = try sandbox.run([sandbox.binary, "instances", "add", "-e", "staging", "web.2"], in: repo)
        XCTAssertEqual(unknown.status, 2, unknown.all)
        XCTAssertTrue(unknown.stderr.contains("unknown environment staging of shop"), unknown.stderr)
    }

    func testConfigImportSetsDotenvLinesAsOneVersion() throws {
        let dotenv = """
            # the billing API's settings

            PLAIN=value one
            export EXPORTED=exp
            SINGLE='its $NOT expanded # kept'
            DOUBLE="line\\nbreak \\"quoted\\""   # a comment
            SPACED = spaced value # comment
            MULTI="first
            second"

            """
        let imported = try sandbox.pushguard("config", "import", "-a", "a", "-e", "production", input: dotenv)
        XCTAssertEqual(imported.status, 0, imported.all)
        XCTAssertEqual(imported.stdout.components(separatedBy: "\n").first,
                       "set PLAIN, EXPORTED, SINGLE, DOUBLE, SPACED, MULTI in a/production: config version 1")
        // Each value is the one meant: setting it again changes nothing.
        let expected = ["PLAIN": "value one", "EXPORTED": "exp", "SINGLE": "its $NOT expanded # kept",
                        "DOUBLE": "line\nbreak \"quoted\"", "SPACED": "spaced value", "MULTI": "first\nsecond"]
        for (key, value) in expected {
            let again = try sandbox.pushguard("config", "set", "-a", "a", "-e", "production", "\(key)=\(value)")
            XCTAssertTrue(again.stdout.contains("no change"), "\(key): \(again.all)")
        }
        let transmitted = try sandbox.pushguard("config", "import", "-a", "a", "-e", "e", "--transmit", input: "A=1\r\nB=2\r\n")
        XCTAssertTrue(transmitted.stdout.contains("set A, B in a/e: config version 1"), transmitted.all)
        XCTAssertTrue(transmitted.stdout.contains("transmitted config version 1 of a/e"), transmitted.all)
    }

    func testConfigImportRefusesAMalformedLineByNumberSetsNothingAndShowsNoValue() throws {
        let cases: [(String, String)] = [
            ("GOOD=1\nhunter2-secret\n", "line 2: not KEY=VALUE"),
            ("GOOD=1\n\n1BAD=hunter2\n", "line 3: the name before = is not a variable name"),
            ("GOOD='hunter2\n", "line 1: the quote opened here is never closed"),
            ("GOOD=\"hunter2\" hunter3\n", "line 1: text after the closing quote"),
            ("GOOD=hunter2\nOTHER=x\nGOOD=hunter3\n", "line 3: GOOD is set again (first on line 1)"),
            ("GOOD=hunter2\nEMPTY=\n", "line 2: the value for EMPTY is empty"),
            ("# nothing\n\n", "no KEY=VALUE lines on stdin"),
        ]
        for (input, message) in cases {
            let output = try sandbox.pushguard("config", "import", "-a", "a", "-e", "production", input: input)
            XCTAssertEqual(output.status, 2, output.all)
            XCTAssertTrue(output.stderr.contains(message), "\(message): \(output.stderr)")
            XCTAssertTrue(output.stderr.contains("nothing was set"), output.stderr)
            XCTAssertFalse(output.all.contains("hunter"), "a value was shown: \(output.all)")
        }
        let status = try sandbox.pushguard("status", "-a", "a", "-e", "production")
        XCTAssertTrue(status.stdout.contains("config version 0"), status.stdout)
        let allowed = try sandbox.pushguard("config", "import", "-a", "a", "-e", "production", "--allow-empty", input: "EMPTY=\n")
        XCTAssertTrue(allowed.stdout.contains("set EMPTY in a/production: config version 1"), allowed.all)
    }

    func testStatusWithNoAppShowsEveryEnvironmentOnOneLine() throws {
        let repo = try sandbox.bareRepository("shop")
        let work = try sandbox.workTree("work", remote: repo, files: ["README": "x"])
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0)
        let commit = try sandbox.git("rev-parse", "HEAD", in: work).stdout.prefix(12)
        try sandbox.pushguard("instances", "add", "-a", "a", "-e", "production", "web.1", "web.2")
        try sandbox.pushguard("instances", "drain", "-a", "a", "-e", "production", "web.2")
        try sandbox.pushguard("config", "set", "-a", "a", "-e", "production", "K=1", "L=2")
        let status = try sandbox.pushguard("status")
        XCTAssertEqual(status.status, 0, status.all)
        // Columns as cells: runs of two or more spaces separate them.
        let lines = status.stdout.split(separator: "\n").map {
            $0.replacingOccurrences(of: " {2,}", with: " | ", options: .regularExpression)
        }
        XCTAssertEqual(lines.count, 4, status.stdout)
        XCTAssertEqual(lines[0], "APP/ENV | CONFIG | INSTANCES | LAST DEPLOY")
        XCTAssertEqual(lines[1], "a/e | in sync | none | none")
        XCTAssertEqual(lines[2], "a/production | 2 keys unsynchronized | 2 (1 draining) | none")
        XCTAssertTrue(lines[3].hasPrefix("shop/production | in sync | none | "), status.stdout)
        XCTAssertTrue(lines[3].contains("\(commit) by alice at "), status.stdout)
        XCTAssertFalse(status.stdout.contains("\u{1b}["), "no colour into a pipe")
        let json = try sandbox.pushguard("status", "--json")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let environments = document?["environments"] as? [[String: Any]] ?? []
        XCTAssertEqual(environments.map { "\($0["app"]!)/\($0["environment"]!)" }, ["a/e", "a/production", "shop/production"])
        XCTAssertEqual(environments[1]["unsynchronized"] as? Int, 2)
        XCTAssertEqual(environments[1]["inSync"] as? Bool, false)
        XCTAssertEqual((environments[2]["lastDeploy"] as? [String: Any])?["by"] as? String, "alice")
    }

    func testStatusColoursOnlyOnATerminalAndHonoursNoColor() throws {
        try sandbox.pushguard("config", "set", "-a", "a", "-e", "production", "K=1")
        let coloured = try onTerminal("'\(sandbox.binary)' status")
        XCTAssertEqual(coloured.status, 0, coloured.all)
        XCTAssertTrue(coloured.stdout.contains("\u{1b}[31m1 key unsynchronized\u{1b}[0m"), coloured.stdout)
        XCTAssertTrue(coloured.stdout.contains("\u{1b}[32min sync\u{1b}[0m"), coloured.stdout)
        let plain = try onTerminal("'\(sandbox.binary)' status", environment: ["NO_COLOR": "1"])
        XCTAssertTrue(plain.stdout.contains("1 key unsynchronized"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("\u{1b}["), plain.stdout)
    }

    func testStatusJSONIsAlwaysOneDocumentWithEachKeysStatus() throws {
        try sandbox.pushguard("instances", "add", "-a", "a", "-e", "production", "web.1", "web.2")
        try sandbox.pushguard("config", "set", "-a", "a", "-e", "production", "TOKEN=-", input: "t")
        try sandbox.pushguard("config", "transmit", "-a", "a", "-e", "production", "--instance", "web.1")
        try sandbox.pushguard("config", "set", "-a", "a", "-e", "e", "OTHER=-", input: "o")
        let all = try sandbox.pushguard("status", "-a", "a", "--json")
        XCTAssertEqual(all.status, 0, all.all)
        let document = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(document?["app"] as? String, "a")
        let environments = document?["environments"] as? [[String: Any]] ?? []
        XCTAssertEqual(environments.compactMap { $0["environment"] as? String }, ["e", "production"])
        let production = environments.last ?? [:]
        let token = (production["config"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(token["key"] as? String, "TOKEN")
        XCTAssertEqual(token["status"] as? String, "partial")
        XCTAssertEqual(token["appliedOn"] as? Int, 1)
        XCTAssertEqual(token["instanceCount"] as? Int, 2)
        XCTAssertTrue((token["digest"] as? String ?? "").hasPrefix("hmac-sha256:"))
        XCTAssertFalse(all.stdout.contains("\"t\""))
        let staged = ((environments.first?["config"] as? [[String: Any]])?.first)?["status"] as? String
        XCTAssertEqual(staged, "staged")
        // With -e: that environment's document, the same shape as each above.
        let one = try sandbox.pushguard("status", "-a", "a", "-e", "production", "--json")
        let single = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(((single?["config"] as? [[String: Any]])?.first)?["status"] as? String, "partial")
        XCTAssertEqual(single?["unsynchronized"] as? Int, 1)
    }

    func testInstancesListHasLabelledColumns() throws {
        try sandbox.pushguard("instances", "add", "-a", "a", "-e", "production", "web.1")
        let list = try sandbox.pushguard("instances", "list", "-a", "a", "-e", "production")
        XCTAssertTrue(list.stdout.contains("INSTANCE  STATE   APPLIED  CONFIG\nweb.1     active  0        up to date"), list.stdout)
    }

    func testLongWorkShowsProgressOnATerminalAndStaysQuietOtherwise() throws {
        for name in ["one", "two", "three"] { try sandbox.bareRepository("fleet/" + name, install: ["none"]) }
        let quiet = try sandbox.pushguard("install", "--root", sandbox.path("fleet"), "--dry-run")
        XCTAssertEqual(quiet.status, 0, quiet.all)
        XCTAssertEqual(quiet.stderr, "")
        let shown = try onTerminal("'\(sandbox.binary)' install --root '\(sandbox.path("fleet"))' --dry-run")
        XCTAssertEqual(shown.status, 0, shown.all)
        XCTAssertTrue(shown.stdout.contains("3 of 3: "), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("\r\u{1b}[K"), "the progress line is taken away: \(shown.stdout)")

        try sandbox.pushguard("config", "set", "-a", "a", "-e", "production", "K=1")
        let copy = try sandbox.pushguard("store", "copy", "--from", "sqlite:" + sandbox.storePath, "--to", "sqlite:" + sandbox.path("copy/state.db"))
        XCTAssertEqual(copy.status, 0, copy.all)
        XCTAssertEqual(copy.stderr, "")
        let copied = try onTerminal("'\(sandbox.binary)' store copy --from 'sqlite:\(sandbox.storePath)' --to 'sqlite:\(sandbox.path("copy2/state.db"))'")
        XCTAssertEqual(copied.status, 0, copied.all)
        XCTAssertTrue(copied.stdout.contains("rows copied"), copied.stdout)
    }

    func testManPageRendersAndCompletionScriptsLoad() throws {
        let share = sandbox.path("share")
        let generated = try sandbox.run([packageRoot.appendingPathComponent("generate-docs.sh").path, sandbox.binary, share],
                                        environment: ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root"])
        XCTAssertEqual(generated.status, 0, generated.all)
        let page = share + "/man/man1/pushguard.1"
        let man = try sandbox.run(["man", "-l", page], environment: ["MANPAGER": "cat", "MANWIDTH": "100"])
        XCTAssertEqual(man.status, 0, man.all)
        XCTAssertEqual(man.stderr, "")
        for text in ["config import", "--version", "status", "instances", "-e, --env"] {
            XCTAssertTrue(man.stdout.contains(text), "\(text) not in the man page")
        }
        // pushguard-config(5): the settings reference, with a paragraph for every setting.
        let settings = try sandbox.run(["man", "--warnings", "-l", share + "/man/man5/pushguard-config.5"],
                                       environment: ["MANPAGER": "cat", "MANWIDTH": "100"])
        XCTAssertEqual(settings.status, 0, settings.all)
        XCTAssertEqual(settings.stderr, "")
        for name in Vocabulary.settings.map({ "pushguard." + $0 }) + Vocabulary.environmentSettings.map({ "pushguard.ENV." + $0 }) {
            XCTAssertTrue(settings.stdout.contains("\n       " + name + "\n"), "\(name) has no paragraph in pushguard-config(5)")
        }
        let bash = try sandbox.run(["bash", "-c", "set -e; source \"$1\"; complete -p pushguard", "bash",
                                    share + "/bash-completion/completions/pushguard"])
        XCTAssertEqual(bash.status, 0, bash.all)
        XCTAssertEqual(bash.stderr, "")
        XCTAssertTrue(bash.stdout.contains("_pushguard pushguard"), bash.stdout)
        // The completion function completes subcommands.
        let words = try sandbox.run(["bash", "-c", """
            source "$1"; COMP_WORDS=(pushguard con); COMP_CWORD=1; COMP_LINE="pushguard con"; COMP_POINT=${#COMP_LINE}
            _pushguard pushguard con pushguard; printf '%s\\n' "${COMPREPLY[@]}"
            """, "bash", share + "/bash-completion/completions/pushguard"])
        XCTAssertTrue(words.stdout.contains("config"), words.all)
        for file in ["/zsh/site-functions/_pushguard", "/fish/vendor_completions.d/pushguard.fish"] {
            let text = (try? String(contentsOfFile: share + file, encoding: .utf8)) ?? ""
            XCTAssertTrue(text.contains("pushguard"), file)
        }
    }

    func testInstallShInstallsTheManPageAndCompletions() throws {
        let script = try String(contentsOf: packageRoot.appendingPathComponent("install.sh"), encoding: .utf8)
        // install_files lists what both the install under PREFIX and the Debian package install
        // (DebianPackageTests finds the man page and completions in the installed package).
        XCTAssertTrue(script.contains("./generate-docs.sh \"$root/bin/pushguard\" \"$root/share\""), "install.sh generates them at build time")
        XCTAssertTrue(script.contains("install_files \"\" \"$PREFIX\" zsh/site-functions"), "under PREFIX")
        XCTAssertTrue(script.contains("install_files \"$stage\" /usr zsh/vendor-completions"), "in the package")
    }

    /// docs/commands.md names every command and option `--help` shows: each leaf
    /// command of the tree the binary describes (`--experimental-dump-help`) has a row, and
    /// that row names each of its options, long or short.
    func testCommandReferenceMatchesHelp() throws {
        let page = try String(contentsOf: packageRoot.appendingPathComponent("docs/commands.md"), encoding: .utf8)
        guard let start = page.range(of: "## Commands") else {
            return XCTFail("docs/commands.md has no Commands section")
        }
        let reference = String(page[start.upperBound...])
        // Said once for all: every command takes --store, and --repo wherever it takes -a/-e.
        XCTAssertTrue(reference.contains("Every command takes `--store URL`"), reference)
        XCTAssertTrue(reference.contains("`--repo PATH`"), reference)
        // The first cell of each row (a `\|` inside it is a |).
        let rows = reference.split(separator: "\n").filter { $0.hasPrefix("| `pushguard ") }.map { line in
            String(line.replacingOccurrences(of: "\\|", with: "\u{1}").split(separator: "|", omittingEmptySubsequences: false)
                .prefix(2).last ?? "").replacingOccurrences(of: "\u{1}", with: "|")
        }
        let dump = try sandbox.pushguard("--experimental-dump-help")
        let tree = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
        var pending: [([String], [String: Any])] = [([], tree?["command"] as? [String: Any] ?? [:])]
        var leaves = 0
        while let (path, command) = pending.popLast() {
            if let subcommands = command["subcommands"] as? [[String: Any]], !subcommands.isEmpty {
                for sub in subcommands where sub["commandName"] as? String != "help" {
                    pending.append((path + [sub["commandName"] as? String ?? "?"], sub))
                }
                continue
            }
            leaves += 1
            let parent = "`pushguard " + path.dropLast().map { $0 + " " }.joined()
            let leaf = path.last ?? ""
            // A row for this command: "pushguard config import …", or "instances drain\|activate …".
            let mine = rows.filter { row in
                guard let at = row.range(of: parent) else { return false }
                let words = row[at.upperBound...].split(separator: " ").first.map(String.init) ?? ""
                return words.split(separator: "|").map(String.init).contains(leaf) || words == leaf + "`"
            }
            XCTAssertFalse(mine.isEmpty, "pushguard \(path.joined(separator: " ")) has no row in docs/commands.md")
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                guard argument["shouldDisplay"] as? Bool ?? true,
                      let names = argument["names"] as? [[String: String]], !names.isEmpty else { continue }
                let spelled = names.map { ($0["kind"] == "short" ? "-" : "--") + ($0["name"] ?? "") }
                if spelled.contains(where: { ["--help", "--version", "--store", "--repo"].contains($0) }) { continue }
                XCTAssertTrue(mine.contains { row in spelled.contains { row.contains($0 + " ") || row.contains($0 + "`") || row.contains($0 + "]") } },
                              "pushguard \(path.joined(separator: " ")) \(spelled.joined(separator: "/")) is not in its docs/commands.md row")
            }
        }
        XCTAssertGreaterThanOrEqual(leaves, 20)
    }
}
