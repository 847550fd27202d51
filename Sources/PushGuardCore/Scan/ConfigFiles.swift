/// The reads in configuration files (`SourceFiles.ConfigFile`): Spring placeholders in
/// `application*.yml`/`.properties`, and the Ruby inside ERB tags of Rails' `config/` YAML. Each
/// is one linear pass over a file already capped at `EnvironmentReadScanner.maxFileSize`.
enum ConfigFileReads {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Spring placeholders: `${NAME}` fails the application's start when nothing resolves NAME
    /// (insists); `${NAME:default}` tolerates its absence, and so does a placeholder inside a
    /// default (`${A:${B}}`: B is read only when A is absent). Only names written like
    /// environment variables count (upper case, digits, `_`, not starting with a digit), as for
    /// `@Value("${X}")`: `${server.port}` names a property. `#` comments (at a line's start or
    /// after a blank) and `!` comment lines are skipped; a placeholder does not span lines.
    static func springPlaceholders(_ b: Bytes) -> [ReadMatcher.Found] {
        var found: [ReadMatcher.Found] = []
        var line = 1
        var depth = 0
        var atLineStart = true
        var k = 0
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: "\n") {
                line += 1
                depth = 0
                atLineStart = true
                k += 1
                continue
            }
            let blankBefore = k == 0 || b[k - 1] == UInt8(ascii: " ") || b[k - 1] == UInt8(ascii: "\t") || b[k - 1] == UInt8(ascii: "\n")
            if c == UInt8(ascii: "#") && blankBefore || c == UInt8(ascii: "!") && atLineStart {
                while k < b.count && b[k] != UInt8(ascii: "\n") { k += 1 }
                continue
            }
            if c != UInt8(ascii: " ") && c != UInt8(ascii: "\t") { atLineStart = false }
            if c == UInt8(ascii: "$") && k + 1 < b.count && b[k + 1] == UInt8(ascii: "{") {
                let nameStart = k + 2
                var e = nameStart
                while e < b.count && e - nameStart <= EnvironmentReadScanner.maxNameLength && isPropertyByte(b[e]) { e += 1 }
                if e < b.count && e > nameStart && (b[e] == UInt8(ascii: "}") || b[e] == UInt8(ascii: ":")) {
                    let name = Bytes(rebasing: b[nameStart..<e])
                    if isVariableName(name) {
                        found.append(ReadMatcher.Found(name: String(decoding: name, as: UTF8.self), line: line,
                                                       insists: b[e] == UInt8(ascii: "}") && depth == 0))
                    }
                    if b[e] == UInt8(ascii: ":") { depth += 1 }
                    k = e + 1
                    continue
                }
                k += 2
                continue
            }
            if c == UInt8(ascii: "}") && depth > 0 { depth -= 1 }
            k += 1
        }
        return found
    }

    /// Upper case letters, digits and `_`, not starting with a digit.
    static func isVariableName(_ name: Bytes) -> Bool {
        guard !name.isEmpty, name.count <= EnvironmentReadScanner.maxNameLength else { return false }
        for (k, c) in name.enumerated() {
            let upper = c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")
            let digit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            guard upper || c == UInt8(ascii: "_") || (digit && k > 0) else { return false }
        }
        return true
    }

    private static func isPropertyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
            || c == UInt8(ascii: "-") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
    }

    /// ERB: the file with everything outside `<% … %>` blanked (newlines kept, so offsets and
    /// lines stay those of the file), each tag's end turned into `;` so that two tags' code does
    /// not run together. `<%#` comments and `<%%` escapes are left blank, as are the `=`/`-`
    /// markers. nil: the file has no ERB tag.
    static func rubyInERB(_ b: Bytes) -> [UInt8]? {
        guard ByteScan.occurs(Substring("<%").utf8, in: b) else { return nil }
        var out = [UInt8](repeating: UInt8(ascii: " "), count: b.count)
        var k = 0
        var inTag = false
        var comment = false
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: "\n") {
                out[k] = c
                k += 1
                continue
            }
            if !inTag {
                if c == UInt8(ascii: "<") && k + 1 < b.count && b[k + 1] == UInt8(ascii: "%") {
                    let marker: UInt8? = k + 2 < b.count ? b[k + 2] : nil
                    if marker == UInt8(ascii: "%") {
                        k += 3
                        continue
                    }
                    inTag = true
                    comment = marker == UInt8(ascii: "#")
                    k += 2
                    if marker == UInt8(ascii: "=") || marker == UInt8(ascii: "-") || marker == UInt8(ascii: "#") { k += 1 }
                    continue
                }
                k += 1
                continue
            }
            // In a tag: `-%>` or `%>` ends it.
            if c == UInt8(ascii: "-") && k + 2 < b.count && b[k + 1] == UInt8(ascii: "%") && b[k + 2] == UInt8(ascii: ">") {
                k += 1
                continue
            }
            if c == UInt8(ascii: "%") && k + 1 < b.count && b[k + 1] == UInt8(ascii: ">") {
                if !comment { out[k] = UInt8(ascii: ";") }
                inTag = false
                k += 2
                continue
            }
            if !comment { out[k] = c }
            k += 1
        }
        return out
    }
}
