/// Makes text from pushed content or the store safe to print on a terminal, and unambiguous:
/// every character that acts instead of showing, or shows as nothing, becomes a visible escape
/// (`\x1b`, `\n`, `\u{200b}`), and a literal backslash becomes `\\`, so the text `E\x1b`
/// (shown `E\\x1b`) never looks like `E` followed by ESC (shown `E\x1b`). Escaped are:
/// - C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F: category Cc);
/// - format characters (category Cf: bidi embeddings, overrides, isolates and marks, zero-width
///   space and joiners, U+2060–U+2064, U+FEFF, the soft hyphen U+00AD, U+180E, …);
/// - the line and paragraph separators U+2028 and U+2029 (categories Zl and Zp);
/// - the whole tag block U+E0000–U+E007F (tag characters hide text in plain sight);
/// - the backslash.
/// Printable ASCII without a backslash, the usual line, is returned as it is after one pass
/// over its bytes. Not idempotent (the backslash of an escape is escaped again): escape raw
/// text once, and use `escapedControls` for text that may already hold escapes.
public func escapedForTerminal(_ text: String) -> String {
    escaped(text, backslash: true)
}

/// Escapes what `escapedForTerminal` does except the backslash, which stays as it is: for text
/// that may already hold escapes (messages built from escaped parts, records read back from a
/// store, which keeps them escaped), where a raw control character must still never pass but
/// escaping the escapes again would show `\\x1b` for an ESC. Idempotent.
public func escapedControls(_ text: String) -> String {
    escaped(text, backslash: false)
}

private func escaped(_ text: String, backslash: Bool) -> String {
    // Fast path: bytes 0x20–0x7E other than a backslash need nothing. Any other byte (a control,
    // DEL, a backslash, or the start of a non-ASCII character) sends the text down the slow path.
    var plain = true
    for byte in text.utf8 where byte < 0x20 || byte >= 0x7F || (backslash && byte == 0x5C) {
        plain = false
        break
    }
    if plain { return text }
    var changed = false
    for scalar in text.unicodeScalars where isUnsafe(scalar) || (backslash && scalar == "\\") {
        changed = true
        break
    }
    if !changed { return text }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if backslash && scalar == "\\" {
            out.append(contentsOf: "\\\\".unicodeScalars)
            continue
        }
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

/// Categories Cc, Cf, Zl, Zp and the tag block (see `escapedForTerminal`).
private func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: return true
    case 0x20...0x7E: return false
    case 0xE0000...0xE007F: return true
    default:
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator, .control: return true
        default: return false
        }
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
