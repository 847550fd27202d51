import PushGuardCore

/// A store URL as written (`postgres://…`, `https://…`, `exec:…`, an SQLite path), parsed once
/// for the credentials it carries. `display` is the only form of it any message may show;
/// `scrub` takes those credentials out of text that libpq, libcurl or a server wrote about it.
///
/// Hidden, failing safe where a URL is ambiguous:
/// - the authority's password (`postgres://u:***@h/db`); in http(s) URLs the whole user info
///   (`https://***@h`), since a user name there is as often a token as a name;
/// - the value of every query parameter whose name (percent-decoded, any case) contains pass,
///   pwd, token, secret, key, auth, credential or signature — `sslkey` names a file, but a name
///   like a key is treated as one;
/// - a fragment (`#***`);
/// - outside URLs (an `exec:` command line), `NAME=VALUE` words with such a name, and the word
///   after an option with such a name (`--token VALUE`).
///
/// A password may hold `@`, `:`, `/`, `?` or `#` unencoded: the user info ends at the last `@`
/// before the query, or at libpq's reading of it (the first `@` before any `/`), or at the first
/// `@` after a `user:` that has no `=` before it — whichever hides the most.
public struct StoreURL: Equatable, Sendable {
    /// The URL exactly as configured (for connecting; never for messages).
    public let text: String
    /// The URL with credentials replaced by `***`, escaped for a terminal.
    public let display: String
    /// The hidden values, raw and percent-decoded, longest first.
    let secrets: [String]

    /// A store URL, or anything given where one was expected.
    public init(_ text: String) {
        self.init(text, asCommandLine: false)
    }

    /// A command line (an `exec:` store's helper), read word by word even when it starts with
    /// a URL.
    public init(commandLine: String) {
        self.init(commandLine, asCommandLine: true)
    }

    private init(_ text: String, asCommandLine: Bool) {
        self.text = text
        // A plain path (the SQLite store every hook opens) holds nothing to hide or escape: one
        // word without `=`, `:`, `%` or a space. Shown as it is, without the parse (which was
        // 1.5 % of a hook's run).
        if !text.isEmpty && text.utf8.allSatisfy(StoreURL.isPlainPathByte) {
            display = text
            secrets = []
            return
        }
        var secrets: [String] = []
        let shown = asCommandLine ? StoreURL.redactWords(text, secrets: &secrets) : StoreURL.redact(text, secrets: &secrets)
        display = escapedForTerminal(shown)
        var unique: [String] = []
        for secret in secrets where !secret.isEmpty && !unique.contains(secret) { unique.append(secret) }
        self.secrets = unique.sorted { $0.count > $1.count }
    }

    /// `text` with every credential of this URL replaced by `***`, its controls escaped for a
    /// terminal (`escapedControls`: messages are built of parts escaped already, which are not
    /// escaped again): for messages from libpq or libcurl, which may quote a connection string
    /// or a host they were given. A secret of four characters or more is replaced wherever it occurs, even inside
    /// a word (a mangled message is better than a leaked password); a shorter one wherever it
    /// stands as a word of its own, so a password `x` does not turn every x into `***`.
    func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets {
            if secret.count >= 4 {
                result = result.replacingEvery(secret, with: "***")
                continue
            }
            func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }
            var scrubbed = ""
            var copied = result.startIndex
            for range in result.occurrences(of: secret) where range.lowerBound >= copied {
                let before = range.lowerBound > result.startIndex ? result[result.index(before: range.lowerBound)] : nil
                let after = range.upperBound < result.endIndex ? result[range.upperBound] : nil
                guard !(before.map(isWordCharacter) ?? false), !(after.map(isWordCharacter) ?? false) else { continue }
                scrubbed += result[copied..<range.lowerBound] + "***"
                copied = range.upperBound
            }
            result = scrubbed + result[copied...]
        }
        return escapedControls(result)
    }

    // MARK: Parsing

    private static let secretNameParts = ["pass", "pwd", "token", "secret", "key", "auth", "credential", "signature"]

    /// True for a parameter or option name that may carry a credential.
    static func isSecretName(_ name: String) -> Bool {
        let lowered = percentDecoded(name).lowercased()
        return secretNameParts.contains { lowered.containsText($0) }
    }

    private static func redact(_ text: String, secrets: inout [String]) -> String {
        if let url = redactURL(text, secrets: &secrets) { return url }
        return redactWords(text, secrets: &secrets)
    }

    /// `scheme://…`, or nil when `text` does not start with a scheme and `://`.
    private static func redactURL(_ text: String, secrets: inout [String]) -> String? {
        guard let separator = text.firstOccurrence(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound]
        // RFC 3986: a letter, then letters, digits, `+`, `-` or `.`.
        guard let first = scheme.utf8.first, isLetter(first), scheme.utf8.allSatisfy(isSchemeByte) else { return nil }
        let rest = text[separator.upperBound...]
        var shown = String(scheme) + "://"
        var remainder = rest
        if let at = userInfoEnd(rest) {
            let userInfo = rest[..<at]
            remainder = rest[rest.index(after: at)...]
            let lowered = scheme.lowercased()
            if lowered == "http" || lowered == "https" {
                secrets += [String(userInfo), percentDecoded(String(userInfo))]
                for part in userInfo.split(separator: ":") { secrets += [String(part), percentDecoded(String(part))] }
                shown += "***@"
            } else if let colon = userInfo.firstIndex(of: ":") {
                let password = String(userInfo[userInfo.index(after: colon)...])
                secrets += [password, percentDecoded(password)]
                shown += userInfo[..<colon] + ":***@"
            } else {
                shown += userInfo + "@"
            }
        }
        // What follows the user info: host, path, then `?query`, then `#fragment`.
        var fragment: Substring?
        if let hash = remainder.firstIndex(of: "#") {
            fragment = remainder[remainder.index(after: hash)...]
            remainder = remainder[..<hash]
        }
        // Host and path hold no credential, unless a command line was mistaken for a URL.
        let question = remainder.firstIndex(of: "?") ?? remainder.endIndex
        shown += redactWords(String(remainder[..<question]), secrets: &secrets)
        if question < remainder.endIndex {
            shown += "?" + redactQuery(remainder[remainder.index(after: question)...], secrets: &secrets)
        }
        if let fragment {
            if fragment.isEmpty {
                shown += "#"
            } else {
                secrets += [String(fragment), percentDecoded(String(fragment))]
                shown += "#***"
            }
        }
        return shown
    }

    /// Where the user info of `rest` (the URL after `scheme://`) ends: see the type's comment.
    private static func userInfoEnd(_ rest: Substring) -> Substring.Index? {
        var candidates: [Substring.Index] = []
        // The last `@` before the query: a password holding `@` or `/`.
        let queryStart = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? rest.endIndex
        if let at = rest[..<queryStart].lastIndex(of: "@") { candidates.append(at) }
        // libpq's reading: the first `@` when no `/` comes before it (a password holding `?`).
        if let at = rest.firstIndex(of: "@"), !rest[..<at].contains("/") { candidates.append(at) }
        // `user:` followed by anything but a parameter before the first `@`.
        if let at = rest.firstIndex(of: "@"), rest[..<at].contains(":"), !rest[..<at].contains("=") { candidates.append(at) }
        return candidates.max()
    }

    /// `a=1&password=x` → `a=1&password=***`.
    private static func redactQuery(_ query: Substring, secrets: inout [String]) -> String {
        var parameters: [String] = []
        for parameter in query.split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = parameter.firstIndex(of: "="), isSecretName(String(parameter[..<equals])) else {
                parameters.append(String(parameter))
                continue
            }
            let value = String(parameter[equals...].dropFirst())
            secrets += [value, percentDecoded(value), percentDecoded(value.replacingEvery("+", with: " "))]
            parameters.append(parameter[..<equals] + "=***")
        }
        return parameters.joined(separator: "&")
    }

    /// Anything that is not a URL (an `exec:` command line, a path, a mistyped store): words
    /// split on spaces, each URL among them redacted as one.
    private static func redactWords(_ text: String, secrets: inout [String]) -> String {
        var hideNext = false
        return text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            if hideNext && !word.isEmpty {
                hideNext = false
                secrets += [String(word), percentDecoded(String(word))]
                return "***"
            }
            let separator = word.firstOccurrence(of: "://")
            let equals = word.firstIndex(of: "=")
            // `NAME=VALUE` with a secret-like name, unless the `=` is inside a URL's query.
            if let equals, separator.map({ equals < $0.lowerBound }) ?? true, isSecretName(String(word[..<equals])) {
                let value = String(word[word.index(after: equals)...])
                secrets += [value, percentDecoded(value)]
                return word[..<equals] + "=***"
            }
            // A URL inside the word (`exec:https://…`, `DSN=postgres://…`): its scheme starts
            // after the last character that cannot be part of one.
            if let separator {
                let start = word[..<separator.lowerBound].lastIndex(where: { !isSchemeCharacter($0) })
                    .map { word.index(after: $0) } ?? word.startIndex
                if let url = redactURL(String(word[start...]), secrets: &secrets) { return word[..<start] + url }
            }
            if word.hasPrefix("-"), isSecretName(String(word)) { hideNext = true }
            return String(word)
        }.joined(separator: " ")
    }

    /// Letters, digits, `/`, `.`, `_` and `-`.
    private static func isPlainPathByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "/._-".utf8.contains(byte)
    }

    private static func isSchemeCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return isSchemeByte(ascii)
    }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "+-.".utf8.contains(byte)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
}
