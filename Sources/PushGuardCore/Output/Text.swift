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
