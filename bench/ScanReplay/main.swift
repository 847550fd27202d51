// bench/scan-replay's engine: replays first-parent commits of one repository as pushes would
// be decided, with the real scanner (Repository.addedReads) and the real decision
// (Evaluator.evaluate) for an environment in which no variable is set and no app.json applies.
// Reads "COMMIT PARENT" lines on stdin; prints one tab-separated row per finding:
//   repository  commit  variable  site  kind  decision
// and, last, a "#summary" row: commits, commits refused, findings, refusing findings, files too large.
import PushGuardCore
import PushGuardGit
import Glibc

@main
struct ScanReplay {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            print("usage: scan-replay GIT_DIR LABEL [scan-mode] < pairs")
            exit(2)
        }
        let repository: Repository
        do {
            repository = try Repository.open(path: arguments[1])
        } catch {
            print("cannot open \(arguments[1]): \(error)")
            exit(2)
        }
        let label = arguments[2]
        let mode = arguments.count > 3 ? ScanMode(rawValue: arguments[3]) ?? .on : .on
        let ignore = ScanIgnore(patterns: [], including: [])
        var commits = 0, refusedCommits = 0, findings = 0, refusing = 0, tooLarge = 0
        while let line = readLine() {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 2 else { continue }
            let (commit, parent) = (fields[0], fields[1])
            commits += 1
            var budget = ScanBudget()
            let scan = repository.addedReads(base: parent, new: commit, ignore: ignore, budget: &budget)
            tooLarge += scan.tooLarge.count
            if let failure = scan.failure { print("#failure\t\(label)\t\(commit)\t\(failure)") }
            if scan.added.isEmpty { continue }
            // As PushDecider does for reads of variables the environment lacks (here: all).
            let known = repository.knownReads(in: parent, names: Set(scan.added.map(\.name)), ignore: ignore, budget: &budget)
            let reads = EnvironmentReadScanner.newToApplication(scan.added, known: known.reads)
            if reads.isEmpty { continue }
            let state = EnvironmentState(app: label, environment: "production")
            let evaluation = Evaluator.evaluate(state: state, manifest: .absent, mode: .reject,
                                                reads: reads, scan: mode)
            let refused = evaluation.decision == .rejected
            if refused { refusedCommits += 1 }
            for key in evaluation.findings {
                guard let read = key.readBy else { continue }
                findings += 1
                let refuses = refused && key.refuses(scan: mode)
                if refuses { refusing += 1 }
                print([label, commit, key.key, read.path + ":" + String(read.line), read.insists ? "insists" : "tolerates", refuses ? "refuse" : "warn"]
                        .joined(separator: "\t"))
            }
        }
        print("#summary\t\(label)\tcommits=\(commits)\trefused_commits=\(refusedCommits)\tfindings=\(findings)\trefusing=\(refusing)\ttoo_large=\(tooLarge)")
    }
}
