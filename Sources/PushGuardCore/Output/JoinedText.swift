extension Array where Element == String {
    /// The elements with `separator` between them, as `joined(separator:)` gives them. The
    /// library's is generic over the collection and not specialized for arrays: its first call in
    /// a process looks the array's associated types up at run time, which checks their
    /// conformances against every conformance record of the executable (90,000 instructions,
    /// 2.6 % of an in-sync hook). What an accepted push builds (its SQL, its hand-over) uses
    /// this one; `JoinedTextTests` compares the two.
    public func joinedText(separator: String = "") -> String {
        var result = ""
        for (index, element) in enumerated() {
            if index > 0 { result += separator }
            result += element
        }
        return result
    }
}
