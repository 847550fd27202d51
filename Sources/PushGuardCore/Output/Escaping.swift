/// Makes text from pushed content or the store safe to print on a terminal: control characters
/// (C0, DEL, C1) and bidirectional overrides become visible escapes instead of acting.
public func escapedForTerminal(_ text: String) -> String {
    var needsWork = false
    for scalar in text.unicodeScalars where isUnsafe(scalar) {
        needsWork = true
        break
    }
    if !needsWork { return text }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        guard isUnsafe(scalar) else {
            out.append(scalar)
            continue
        }
        let escape: String
        switch scalar {
        case "\n": escape = "\\n"
        case "\t": escape = "\\t"
        case "\r": escape = "\\r"
        default:
            let hex = String(scalar.value, radix: 16)
            escape = scalar.value < 0x100
                ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                : "\\u{" + hex + "}"
        }
        out.append(contentsOf: escape.unicodeScalars)
    }
    return String(out)
}

private func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: return true
    // Bidirectional embeddings, overrides and isolates reorder what the reader sees.
    case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
    default: return false
    }
}

/// Quotes a word for a POSIX shell when it holds anything but plainly safe characters, so a fix
/// command printed to the pusher can be pasted as it is.
public func shellQuoted(_ word: String) -> String {
    let safe = word.utf8.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-_./:@%+=,".utf8.contains(byte)
        }
    }
    if safe && !word.isEmpty { return word }
    return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}
