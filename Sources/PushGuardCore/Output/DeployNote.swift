extension DeployRecord {
    /// The git note a deploy leaves on its commit: never a value, everything escaped.
    public var noteText: String {
        var lines = ["pushguard: \(decision.rawValue) deploy of \(escapedForTerminal(app)) to \(escapedForTerminal(environment))",
                     (refs.count == 1 ? "ref: " : "refs: ") + refs.prefix(5).map(escapedForTerminal).joined(separator: ", ")
                        + (refs.count > 5 ? ", … and \(refs.count - 5) more" : ""),
                     "config version: \(configVersion)"]
        if !findings.isEmpty {
            let keys = findings.prefix(50).map(\.text)
                .joined(separator: ", ")
            let more = findings.count > 50 ? ", … and \(findings.count - 50) more" : ""
            lines.append((decision == .synced ? "synced in this push: " : "out of sync: ") + keys + more)
        }
        if decision == .overridden {
            lines.append("override by \(escapedForTerminal(pusher))" + (reason.isEmpty ? "" : ": " + escapedControls(reason)))
        } else if !reason.isEmpty {
            // A warning's cause (a manifest that cannot be read, a sync that failed) stays with the commit.
            lines.append("reason: " + escapedControls(reason))
        }
        lines.append("pusher: " + escapedForTerminal(pusher))
        lines.append("time: " + escapedForTerminal(time))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A commit's note as deploys add to it: every earlier record is kept (a second deploy of a
/// commit, or a plain deploy after an override, never replaces what was there), each new one
/// after a blank line, and the whole note bounded.
public enum DeployNoteText {
    /// A note holds at most this many bytes. Past it the oldest records (paragraphs) are
    /// dropped and the note starts with a line saying how many: the audit log keeps them all.
    /// A record is about 300 bytes, so this keeps the last 200 or so deploys of one commit.
    public static let maxBytes = 64 << 10

    static let trimmedStart = "pushguard: "
    static let trimmedEnd = " earlier deploy record(s) trimmed from this note; the audit log keeps them"

    /// `existing` (nil: no note yet) with `text` added after it, within `maxBytes`.
    public static func appending(_ text: String, to existing: String?, maxBytes: Int = DeployNoteText.maxBytes) -> String {
        var joined = text
        if let existing, !existing.isEmpty {
            joined = existing.hasSuffix("\n") ? existing + "\n" + text : existing + "\n\n" + text
        }
        return joined.utf8.count <= maxBytes ? joined : trimmed(joined, maxBytes: maxBytes)
    }

    /// The newest records of `note` that fit, after a line counting the ones dropped.
    static func trimmed(_ note: String, maxBytes: Int) -> String {
        var paragraphs = paragraphsOf(note)
        var dropped = 0
        if let first = paragraphs.first, let earlier = trimmedCount(first) {
            dropped = earlier
            paragraphs.removeFirst()
        }
        // The newest record is always kept (cut if it alone is too big); older ones while they fit.
        let newest = paragraphs.removeLast()
        var kept: [String] = []
        var size = newest.utf8.count + 1
        let markerRoom = (trimmedStart + trimmedEnd).utf8.count + 24
        while let last = paragraphs.last, size + last.utf8.count + 2 + markerRoom <= maxBytes {
            kept.insert(last, at: 0)
            size += last.utf8.count + 2
            paragraphs.removeLast()
        }
        dropped += paragraphs.count
        var newestText = newest
        if size + markerRoom > maxBytes {
            newestText = cut(newest, toBytes: maxBytes - markerRoom - 64) + "\n… (record cut: over \(maxBytes / 1024) KiB)"
        }
        let marker = dropped > 0 ? [trimmedStart + String(dropped) + trimmedEnd] : []
        return (marker + kept + [newestText]).map { $0 + "\n" }.joined(separator: "\n")
    }

    /// The paragraphs of a note (records separated by blank lines), each without its final newline.
    static func paragraphsOf(_ note: String) -> [String] {
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in note.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
        return paragraphs.isEmpty ? [""] : paragraphs
    }

    /// How many records an earlier trim dropped, when `paragraph` is that trim's line.
    static func trimmedCount(_ paragraph: String) -> Int? {
        guard paragraph.hasPrefix(trimmedStart), paragraph.hasSuffix(trimmedEnd) else { return nil }
        let middle = paragraph.dropFirst(trimmedStart.count).dropLast(trimmedEnd.count)
        return Int(middle)
    }

    /// At most `bytes` bytes of `text`, cut at a character boundary.
    static func cut(_ text: String, toBytes bytes: Int) -> String {
        var result = ""
        var size = 0
        for character in text {
            let length = character.utf8.count
            if size + length > bytes { break }
            result.append(character)
            size += length
        }
        return result
    }
}
