/// Finding and replacing text within text, by characters, as Swift's string-processing library
/// does with `ranges(of:)`, `firstRange(of:)`, `replacing(_:with:)` and `contains(_:)` with a
/// string. The modules a hook runs use these instead: one call of that library links all of it,
/// its regex engine included, into the hook executable (1 MB of code and the relocations and
/// conformance records every start pays for). `StartupTests` checks that the hook executable
/// does without it.
extension StringProtocol {
    /// Where `target` first occurs at or after `start`; nil for an empty `target`.
    public func firstOccurrence(of target: some StringProtocol, from start: Index? = nil) -> Range<Index>? {
        guard let first = target.first else { return nil }
        var searchFrom = start ?? startIndex
        while searchFrom < endIndex, let candidate = self[searchFrom...].firstIndex(of: first) {
            var here = index(after: candidate)
            var there = target.index(after: target.startIndex)
            while there < target.endIndex, here < endIndex, self[here] == target[there] {
                formIndex(after: &here)
                target.formIndex(after: &there)
            }
            if there == target.endIndex { return candidate..<here }
            searchFrom = index(after: candidate)
        }
        return nil
    }

    /// Every place `target` occurs, left to right, none overlapping; none for an empty `target`.
    public func occurrences(of target: some StringProtocol) -> [Range<Index>] {
        var found: [Range<Index>] = []
        var from = startIndex
        while let range = firstOccurrence(of: target, from: from) {
            found.append(range)
            from = range.upperBound
        }
        return found
    }

    /// True when `target` occurs in it (an empty `target` does not).
    public func containsText(_ target: some StringProtocol) -> Bool {
        firstOccurrence(of: target) != nil
    }

    /// It with every occurrence of `target` replaced by `replacement`.
    public func replacingEvery(_ target: some StringProtocol, with replacement: String) -> String {
        var result = ""
        var copied = startIndex
        for range in occurrences(of: target) {
            result += self[copied..<range.lowerBound]
            result += replacement
            copied = range.upperBound
        }
        return result + self[copied...]
    }
}
