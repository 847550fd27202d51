/// `text` cut to at most `limit` characters for a table cell: at the last space that fits,
/// never inside a word (unless one word alone is longer), marked with "…".
public func shortenedAtWord(_ text: String, limit: Int) -> String {
    guard limit > 1, text.count > limit else { return text }
    let room = text.prefix(limit - 1)
    guard let space = room.lastIndex(of: " "), space > room.startIndex else {
        return String(room) + "…"
    }
    var cut = room[..<space]
    while cut.last == " " || cut.last == "," || cut.last == ";" { cut.removeLast() }
    return String(cut) + " …"
}

/// `text` with each `%XX` (two hex digits, RFC 3986's pct-encoded) decoded, the bytes read as
/// UTF-8. Anything else after a `%` is kept as it is, `%+f` and `%4` among them: a URL and
/// SQLite's `file:` URIs both take `%` followed by two hex digits and nothing else.
public func percentDecoded(_ text: String) -> String {
    guard text.contains("%") else { return text }
    func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    let utf8 = Array(text.utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(utf8.count)
    var index = 0
    while index < utf8.count {
        if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
           let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
            bytes.append(high << 4 | low)
            index += 3
        } else {
            bytes.append(utf8[index])
            index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The lines of `bytes`: split at each LF, a CR just before it dropped, so "\r\n" and "\n"
/// end a line alike. Split as bytes: in a Swift String "\r\n" is one Character, in which no
/// "\n" would be found. `omittingEmpty` drops empty pieces as `split` does (before the CR is
/// dropped, so a line of a lone CR stays, empty).
public func splitLines<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes, omittingEmpty: Bool = false) -> [Bytes.SubSequence] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: omittingEmpty).map { line in
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
}
