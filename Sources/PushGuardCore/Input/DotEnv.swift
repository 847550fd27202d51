/// Reads dotenv text (`KEY=VALUE` lines, as `.env` files and `heroku config -s` write them)
/// into variables. Nothing it reports ever contains a value: a malformed line is named by
/// its number only, since the line may be a secret pasted on its own.
public enum DotEnv {
    public struct Variable: Sendable {
        public var key: String
        public var value: [UInt8]
        /// The line the assignment starts on.
        public var line: Int
    }

    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem) (the line is not shown)" }
    }

    /// Every assignment in order; the first malformed line throws. Understood: blank lines,
    /// `#` comments (whole lines, and after a space in an unquoted value), an `export ` prefix,
    /// 'single quotes' (taken as they are), "double quotes" (with \n \r \t \" \\ \$ escapes),
    /// and quoted values running over several lines.
    public static func parse(_ bytes: [UInt8]) throws(Malformed) -> [Variable] {
        var lines = splitLines(bytes).map(Array.init)
        if lines.last == [] { lines.removeLast() }
        var variables: [Variable] = []
        var index = 0
        while index < lines.count {
            let number = index + 1
            var rest = ArraySlice(lines[index])
            index += 1
            rest = rest.drop(while: isBlank)
            if rest.isEmpty || rest.first == UInt8(ascii: "#") { continue }
            let export = Array("export".utf8)
            if rest.starts(with: export), rest.count > export.count, isBlank(rest[rest.startIndex + export.count]) {
                rest = rest.dropFirst(export.count).drop(while: isBlank)
            }
            guard let equals = rest.firstIndex(of: UInt8(ascii: "=")) else {
                throw Malformed(line: number, problem: "not KEY=VALUE")
            }
            var keyBytes = rest[..<equals]
            while let last = keyBytes.last, isBlank(last) { keyBytes.removeLast() }
            let key = String(decoding: keyBytes, as: UTF8.self)
            guard isVariableName(Array(keyBytes)) else {
                throw Malformed(line: number, problem: "the name before = is not a variable name (letters, digits, _ . -, not starting with a digit)")
            }
            if let earlier = variables.first(where: { $0.key == key }) {
                throw Malformed(line: number, problem: "\(key) is set again (first on line \(earlier.line))")
            }
            var text = rest[rest.index(after: equals)...].drop(while: isBlank)
            var value: [UInt8] = []
            if let quote = text.first, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
                text = text.dropFirst()
                // A quoted value may run over lines until its closing quote.
                while true {
                    if let (content, after) = quoted(text, quote: quote) {
                        value += content
                        let trailing = after.drop(while: isBlank)
                        guard trailing.isEmpty || trailing.first == UInt8(ascii: "#") else {
                            throw Malformed(line: index, problem: "text after the closing quote")
                        }
                        break
                    }
                    guard index < lines.count else {
                        throw Malformed(line: number, problem: "the quote opened here is never closed")
                    }
                    value += unescaped(text, quote: quote) + [UInt8(ascii: "\n")]
                    text = ArraySlice(lines[index])
                    index += 1
                }
            } else {
                var end = text.endIndex
                var position = text.startIndex
                while position < text.endIndex {
                    if text[position] == UInt8(ascii: "#"), position > text.startIndex, isBlank(text[position - 1]) {
                        end = position
                        break
                    }
                    position += 1
                }
                value = Array(text[..<end])
                while let last = value.last, isBlank(last) { value.removeLast() }
            }
            variables.append(Variable(key: key, value: value, line: number))
        }
        return variables
    }

    /// The quoted text up to the closing quote and what follows it; nil when this line does
    /// not close it.
    private static func quoted(_ text: ArraySlice<UInt8>, quote: UInt8) -> ([UInt8], ArraySlice<UInt8>)? {
        var position = text.startIndex
        while position < text.endIndex {
            let byte = text[position]
            if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") && position + 1 < text.endIndex {
                position += 2
                continue
            }
            if byte == quote {
                return (unescaped(text[..<position], quote: quote), text[(position + 1)...])
            }
            position += 1
        }
        return nil
    }

    /// Double-quoted escapes resolved; single-quoted text as it is.
    private static func unescaped(_ text: ArraySlice<UInt8>, quote: UInt8) -> [UInt8] {
        guard quote == UInt8(ascii: "\"") else { return Array(text) }
        var result: [UInt8] = []
        var position = text.startIndex
        while position < text.endIndex {
            let byte = text[position]
            if byte == UInt8(ascii: "\\"), position + 1 < text.endIndex {
                let next = text[position + 1]
                switch next {
                case UInt8(ascii: "n"): result.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "r"): result.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "t"): result.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "$"): result.append(next)
                default: result += [byte, next]
                }
                position += 2
                continue
            }
            result.append(byte)
            position += 1
        }
        return result
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// As `validateKey` accepts: a letter or _, then letters, digits, _ . -.
    private static func isVariableName(_ bytes: [UInt8]) -> Bool {
        func ok(_ byte: UInt8, first: Bool) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"): return true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"): return !first
            default: return false
            }
        }
        return !bytes.isEmpty && bytes.count <= 256 && ok(bytes[0], first: true) && bytes.dropFirst().allSatisfy { ok($0, first: false) }
    }
}
