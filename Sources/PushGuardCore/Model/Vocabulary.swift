/// The names PushGuard understands, so a typo is named as one ("did you mean `ref`?") instead
/// of being ignored: an ignored `refs` for `ref` once left production pushes unchecked.
public enum Vocabulary {
    /// `pushguard.NAME` settings, as git config spells them (matched without regard to case).
    public static let settings = ["store", "app", "manifest", "mode", "onStoreError", "timeout", "digestKey",
                                  "transmitCommand", "transmitTimeout", "tokenFile", "perRef", "passEnv",
                                  "scan", "scanIgnore", "scanInclude"]
    /// `pushguard.ENV.NAME` settings of an environment section.
    public static let environmentSettings = ["ref", "mode", "autoSync", "verbose", "manifestEnvironment", "scan",
                                             "containers", "containerSocket", "desiredEnvFile", "syncCommand"]
    /// `git push -o NAME[=VALUE]` options.
    public static let pushOptions = ["pushguard.ack", "pushguard.sync"]

    /// The known name closest to `word` (case-insensitive edit distance), when it is close
    /// enough to be a typo of it: at most a third of the word's length, at least 2. A known
    /// name the word abbreviates (`prod` for `production`) counts too.
    public static func nearest(to word: String, among known: [String]) -> String? {
        let lowered = word.lowercased()
        if lowered.count >= 3, let abbreviated = known.first(where: { $0.lowercased().hasPrefix(lowered) }) {
            return abbreviated
        }
        let target = Array(lowered.unicodeScalars)
        var best: (name: String, distance: Int)?
        for name in known {
            let distance = editDistance(target, Array(name.lowercased().unicodeScalars))
            if best == nil || distance < best!.distance { best = (name, distance) }
        }
        guard let best, best.distance <= max(2, target.count / 3) else { return nil }
        return best.name
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// "; did you mean `X`?" or nothing.
    public static func suggestion(for word: String, among known: [String]) -> String {
        nearest(to: word, among: known).map { "; did you mean `\($0)`?" } ?? ""
    }
}
