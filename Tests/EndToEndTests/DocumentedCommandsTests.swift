import Foundation
import XCTest

/// The commands the documents show. The README's five-minute walkthrough is run as written,
/// line by line, in a sandbox (its `/srv/git` and `/tmp` paths moved below the sandbox,
/// `pushguard` the built one, the store the sandbox's): what it shows a push printing is what it
/// prints. Every other `pushguard` command a document shows (the admin guide's need servers,
/// containers or a Debian root, which their own end-to-end tests start) names a command and
/// options the built CLI has.
final class DocumentedCommandsTests: XCTestCase {
    private var sandbox: Sandbox!

    override func setUpWithError() throws { sandbox = try Sandbox() }
    override func tearDown() { sandbox = nil }

    private var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The README's section that starts with `heading`, up to the next `## ` heading.
    private func readmeSection(_ heading: String) throws -> [Substring] {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return [] }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
        return Array(lines[start..<end])
    }

    /// The fenced blocks of a section, in order, with their info string (`sh` or empty).
    private func blocks(_ section: [Substring]) -> [(kind: String, lines: [String])] {
        var found: [(kind: String, lines: [String])] = []
        var current: (kind: String, lines: [String])?
        for line in section {
            if line.hasPrefix("```") {
                if let block = current { found.append(block); current = nil } else { current = (String(line.dropFirst(3)), []) }
            } else if current != nil {
                current!.lines.append(String(line))
            }
        }
        return found
    }

    func testTheFiveMinuteWalkthroughRunsAsWrittenAndPrintsWhatItShows() throws {
        let section = try readmeSection("## Five-minute walkthrough")
        let fenced = blocks(section)
        let commands = fenced.filter { $0.kind == "sh" }.flatMap(\.lines)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
        let shown = try XCTUnwrap(fenced.first { $0.kind.isEmpty }, "the block of what the refused push prints").lines
        XCTAssertGreaterThan(commands.count, 15, "the walkthrough's commands: \(commands)")
        // The build under test is installed already: the walkthrough's ./install.sh builds and
        // installs it system-wide, which the README's set-up command (run by hand) covers.
        XCTAssertTrue(commands.first?.hasPrefix("./install.sh") ?? false, "\(commands)")
        let sandboxed = commands.dropFirst().map {
            $0.replacingOccurrences(of: "/srv/git/", with: sandbox.path("srv/git") + "/")
                .replacingOccurrences(of: "/tmp/billing-api", with: sandbox.path("billing-api"))
        }
        XCTAssertFalse(sandboxed.contains {
            let outside = $0.replacingOccurrences(of: sandbox.path("srv/git"), with: "")
                .replacingOccurrences(of: sandbox.path("billing-api"), with: "")
            return outside.contains("/srv/") || outside.contains("/tmp/")
        }, "every path moved: \(sandboxed)")
        // One script, each command followed by a line with its exit status.
        var script = "exec 2>&1\n"
        for (index, command) in sandboxed.enumerated() {
            script += command + "\necho \"walkthrough-step \(index) exit $?\"\n"
        }
        let binaries = URL(fileURLWithPath: sandbox.binary).deletingLastPathComponent().path
        let output = try sandbox.run(["/bin/sh", "-c", script],
                                     environment: ["PATH": binaries + ":" + (sandbox.environment["PATH"] ?? "/usr/bin:/bin")])
        var steps: [(command: String, status: Int, output: String)] = []
        var collected = ""
        for line in output.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("walkthrough-step "), let status = Int(line.split(separator: " ").last ?? "") {
                steps.append((sandboxed[steps.count], status, collected))
                collected = ""
            } else {
                collected += line + "\n"
            }
        }
        XCTAssertEqual(steps.count, sandboxed.count, output.all)
        for step in steps {
            // The one push the README says is rejected fails; every other command succeeds.
            let rejected = step.command.contains("# rejected")
            XCTAssertEqual(step.status != 0, rejected, "\(step.command) exited \(step.status): \(step.output)")
            if rejected {
                for line in shown {
                    XCTAssertTrue(step.output.contains(line), "the README shows \"\(line)\"; the push printed:\n\(step.output)")
                }
            }
        }
        // What the comments say the status commands show.
        let statuses = steps.filter { $0.command.contains("pushguard status") }
        XCTAssertEqual(statuses.count, 2, "\(steps.map(\.command))")
        XCTAssertTrue(statuses.first?.output.range(of: #"billing-api/production +1 key unsynchronized"#, options: .regularExpression) != nil,
                      statuses.first?.output ?? "")
        XCTAssertTrue(statuses.last?.output.range(of: #"NEW_AUTH_TOKEN +live"#, options: .regularExpression) != nil,
                      statuses.last?.output ?? "")
        XCTAssertTrue(statuses.last?.output.contains("3 of 3") ?? false, statuses.last?.output ?? "")
        // No value in anything it printed.
        XCTAssertFalse(output.all.contains("s3cret-token"), output.all)

        // "To take it out again": the uninstall command the prose names, run as written.
        let prose = section.joined(separator: "\n")
        let uninstall = try XCTUnwrap(prose.components(separatedBy: "`").first { $0.hasPrefix("pushguard install") && $0.hasSuffix("--uninstall") })
        let removed = try sandbox.run(["/bin/sh", "-c", uninstall.replacingOccurrences(of: "/srv/git/", with: sandbox.path("srv/git") + "/")],
                                      environment: ["PATH": binaries + ":" + (sandbox.environment["PATH"] ?? "/usr/bin:/bin")])
        XCTAssertEqual(removed.status, 0, removed.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.path("srv/git/billing-api.git/hooks/pre-receive")), removed.all)
    }

    /// Every `pushguard …` command in the documents' shell blocks and code spans, with where it is.
    private func documentedCommands() throws -> [(place: String, words: [String])] {
        let documents = ["README.md", "CONTRIBUTING.md"] + (try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("docs").path))
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        var found: [(place: String, words: [String])] = []
        func add(_ text: String, place: String) {
            for segment in text.components(separatedBy: CharacterSet(charactersIn: "|;&")) {
                let words = segment.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                guard words.first == "pushguard" else { continue }
                found.append((place, Array(words.dropFirst())))
            }
        }
        for document in documents {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(document), encoding: .utf8)
            // Shell blocks line by line, without comments; every other fenced block left out,
            // as blank lines, so what remains is prose whose code spans may cross a line break.
            var prose: [String] = []
            var inShell = false, inOther = false
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                defer { if inShell || inOther || line.hasPrefix("```") { prose.append("") } }
                if line.hasPrefix("```") {
                    if inShell || inOther { inShell = false; inOther = false } else if line == "```sh" { inShell = true } else { inOther = true }
                    continue
                }
                if inShell { add(String(line.prefix { $0 != "#" }), place: "\(document):\(number + 1)") }
                if !inShell && !inOther { prose.append(String(line)) }
            }
            var line = 1
            for (index, piece) in prose.joined(separator: "\n").components(separatedBy: "`").enumerated() {
                if index % 2 == 1 { add(piece, place: "\(document):\(line)") }
                line += piece.filter { $0 == "\n" }.count
            }
        }
        return found
    }

    func testEveryPushguardCommandTheDocumentsShowNamesACommandAndOptionsThatExist() throws {
        let cli = URL(fileURLWithPath: sandbox.binary).deletingLastPathComponent().appendingPathComponent("pushguard-cli").path
        let commands = try documentedCommands()
        XCTAssertGreaterThan(commands.count, 60, "\(commands.map(\.place))")
        var helps: [String: String] = [:]
        for command in commands {
            // `help` is the argument parser's own; its pages are checked in CLITests.
            guard command.words.first != "help" else { continue }
            // The words before the first option or placeholder (NAME, APP…): the subcommand,
            // then its arguments.
            let leading = Array(command.words.prefix { word in
                !word.hasPrefix("-") && !word.hasPrefix("[") && !(word.first?.isUppercase ?? false)
            })
            let key = leading.joined(separator: " ")
            if helps[key] == nil { helps[key] = try sandbox.run([cli] + leading + ["--help"]).stdout }
            let help = helps[key]!
            // ArgumentParser's help starts the usage line with the subcommand it matched.
            let usage = help.components(separatedBy: "USAGE: pushguard").dropFirst().first ?? ""
            let matched = usage.split(separator: " ").prefix { !$0.hasPrefix("[") && !$0.hasPrefix("<") && !$0.hasPrefix("-") && !$0.contains("\n") }.map(String.init)
            XCTAssertEqual(Array(leading.prefix(matched.count)), matched, "\(command.place): pushguard \(command.words.joined(separator: " "))")
            if matched.isEmpty && !leading.isEmpty {
                XCTFail("\(command.place): no command \"\(leading[0])\": pushguard \(command.words.joined(separator: " "))")
            }
            for word in command.words.prefix(while: { $0 != "--" }) where word.hasPrefix("-") && word.count > 1 {
                let option = String(word.prefix { $0 != "=" })
                let known = help.range(of: "(^|[\\s,\\[])" + NSRegularExpression.escapedPattern(for: option) + "([\\s,=<\\]]|$)",
                                       options: .regularExpression) != nil
                XCTAssertTrue(known, "\(command.place): \(option) is not an option of pushguard \(matched.joined(separator: " "))")
            }
        }
    }
}
