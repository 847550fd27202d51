// Strict, bounded JSON (RFC 8259) parser and encoder. No Foundation.
//
// The parser reads hostile input, so it:
//   * works on UTF-8 bytes and validates every multi-byte sequence;
//   * is iterative (an explicit container stack), so no input can overflow
//     the call stack, and the depth limit is checked before a container opens;
//   * keeps numbers as their lexeme, so long numbers cannot overflow;
//   * builds each string once from a validated byte slice (linear time);
//   * reports the byte offset (into the original input, BOM included) of
//     every error.

/// A JSON value; numbers keep their exact source lexeme.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)          // the exact lexeme, e.g. "42", "-1.5e3"
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object whose members keep their insertion order.
public struct JSONObject: Equatable, Sendable {
    /// The members in insertion order.
    public var members: [(key: String, value: JSONValue)]

    /// Creates an object from members, kept in the given order.
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The value of the last member named `key`, if any: the one JSON.parse, Ruby and Python
    /// keep when a name repeats (only a parse with `.keepAll` can repeat one).
    public subscript(key: String) -> JSONValue? {
        for member in members.reversed() where member.key == key {
            return member.value
        }
        return nil
    }

    /// How many members are named `key` (more than one only after a parse with `.keepAll`).
    public func count(of key: String) -> Int {
        members.reduce(0) { $0 + ($1.key == key ? 1 : 0) }
    }

    /// The member names in order.
    public var keys: [String] {
        members.map { $0.key }
    }

    /// Equal when both have the same keys with equal values in the same order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (l, r) in zip(lhs.members, rhs.members) {
            if l.key != r.key || l.value != r.value { return false }
        }
        return true
    }
}

/// A JSON syntax error with the byte offset where it was detected.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, e.g. "expected ',' or '}'".
    public var message: String
    /// Byte offset into the input where the problem is.
    public var offset: Int

    /// Creates an error with a message and byte offset.
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// "invalid JSON at byte N: message".
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// Strict RFC 8259 parser with a nesting limit.
public struct JSONParser {
    /// What to do with an object member whose name is already in that object. RFC 8259 only says
    /// names SHOULD be unique.
    public enum DuplicateNames: Sendable {
        /// An error: documents PushGuard's own protocols exchange (state documents, records)
        /// must say one thing once.
        case reject
        /// Kept, in order: for documents written by people (app.json), read as JSON.parse, Ruby
        /// and Python read them (the last one wins; `JSONObject`'s subscript returns it).
        case keepAll
    }

    /// Parses one JSON value from UTF-8 bytes (a leading BOM is skipped); containers may nest at most `maxDepth` levels.
    /// Parsing is iterative, but keep `maxDepth` modest (hundreds at most): the Swift runtime frees a
    /// nested value recursively, so a value tens of thousands of levels deep can exhaust the stack later.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64,
                             duplicateNames: DuplicateNames = .reject) throws(JSONError) -> JSONValue {
        var parser = ParserState(bytes: bytes, maxDepth: max(0, maxDepth), rejectDuplicates: duplicateNames == .reject)
        return try parser.parseDocument()
    }

    /// Parses one JSON value from a string; containers may nest at most `maxDepth` levels.
    public static func parse(_ text: String, maxDepth: Int = 64,
                             duplicateNames: DuplicateNames = .reject) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth, duplicateNames: duplicateNames)
    }

    /// Line and column (both from 1) of a byte offset into `bytes`, as an editor counts them:
    /// lines end at LF, columns count characters (Unicode scalars; a leading BOM is not one).
    public static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let end = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? min(3, end) : 0
        var index = lineStart
        while index < end {
            if bytes[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        var column = 1
        for byte in bytes[lineStart..<end] where byte & 0xC0 != 0x80 { column += 1 }
        return (line, column)
    }
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Exact integer value of a number lexeme with no fraction/exponent that fits Int64; nil otherwise.
    public var int64Value: Int64? {
        guard case .number(let lexeme) = self else { return nil }
        var bytes = lexeme.utf8.makeIterator()
        guard var byte = bytes.next() else { return nil }
        let negative = byte == UInt8(ascii: "-")
        if negative {
            guard let next = bytes.next() else { return nil }
            byte = next
        }
        guard isDigit(byte) else { return nil }
        let leadingZero = byte == UInt8(ascii: "0")
        // Accumulate as a negative number so Int64.min is representable.
        var value = -Int64(byte &- UInt8(ascii: "0"))
        while let next = bytes.next() {
            guard isDigit(next), !leadingZero else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.subtractingReportingOverflow(Int64(next &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    /// Serialise. Keys in stored order. `pretty` = 2-space indentation, "key": value, one member per line.
    /// Number lexemes are written as stored; they are assumed to be valid JSON numbers.
    public func encoded(pretty: Bool = false) -> String {
        var out = [UInt8]()
        appendEncoded(to: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func appendEncoded(to out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let lexeme):
            out.append(contentsOf: lexeme.utf8)
        case .string(let s):
            appendQuoted(s, to: &out)
        case .array(let elements):
            if elements.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { appendNewline(to: &out, indent: indent + 1) }
                element.appendEncoded(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { appendNewline(to: &out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { appendNewline(to: &out, indent: indent + 1) }
                appendQuoted(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                member.value.appendEncoded(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { appendNewline(to: &out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// JSON string literal (with quotes) for s: escapes ", \, and every control char U+0000–U+001F and U+007F as \n \t \r \b \f or \u00XX; other non-ASCII as raw UTF-8.
public func jsonQuoted(_ s: String) -> String {
    var out = [UInt8]()
    out.reserveCapacity(s.utf8.count + 2)
    appendQuoted(s, to: &out)
    return String(decoding: out, as: UTF8.self)
}

// MARK: - Encoding helpers

private func appendNewline(to out: inout [UInt8], indent: Int) {
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
}

private func appendQuoted(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0x00..<0x20, 0x7F:
            out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            appendHex(byte, to: &out)
        default:
            out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}

// MARK: - Parser

@inline(__always)
private func isDigit(_ b: UInt8) -> Bool {
    b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
}

/// Longest key (in Unicode scalars) quoted verbatim in a "duplicate key" message.
private let maxKeyInMessage = 80

/// One open container on the parser's explicit stack.
private struct Frame {
    var isObject: Bool
    var elements: [JSONValue] = []
    var members: [(key: String, value: JSONValue)] = []
    /// Key set for duplicate detection; filled once the object grows past a few members.
    var keySet: Set<String> = []
    /// The key whose value is being parsed (objects only).
    var pendingKey: String = ""
}

private struct ParserState {
    let bytes: [UInt8]
    let maxDepth: Int
    let rejectDuplicates: Bool
    var pos = 0
    var stack: [Frame] = []

    init(bytes: [UInt8], maxDepth: Int, rejectDuplicates: Bool) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.rejectDuplicates = rejectDuplicates
    }

    // MARK: Driver

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            pos = 3
        }
        let value = try parseValueTree()
        skipWhitespace()
        if pos < bytes.count {
            throw unexpected(bytes[pos], expecting: "unexpected data after JSON value")
        }
        return value
    }

    /// Parses one complete value (with any nested containers) iteratively.
    mutating func parseValueTree() throws(JSONError) -> JSONValue {
        outer: while true {
            // Parse the start of a value: either a scalar, an empty container, or an opened container.
            skipWhitespace()
            guard pos < bytes.count else {
                throw error("unexpected end of input", at: pos)
            }
            var completed: JSONValue
            switch bytes[pos] {
            case UInt8(ascii: "["):
                try checkDepth()
                pos += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    pos += 1
                    completed = .array([])
                } else {
                    stack.append(Frame(isObject: false))
                    continue outer
                }
            case UInt8(ascii: "{"):
                try checkDepth()
                pos += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    pos += 1
                    completed = .object(JSONObject())
                } else {
                    stack.append(Frame(isObject: true))
                    try readKey(forFrame: stack.count - 1)
                    continue outer
                }
            default:
                completed = try parseScalar()
            }

            // Attach the completed value to enclosing containers, closing as many as end here.
            while true {
                guard !stack.isEmpty else { return completed }
                let top = stack.count - 1
                skipWhitespace()
                let next = peek()
                if stack[top].isObject {
                    let key = stack[top].pendingKey
                    stack[top].members.append((key: key, value: completed))
                    if next == UInt8(ascii: ",") {
                        pos += 1
                        skipWhitespace()
                        try readKey(forFrame: top)
                        continue outer
                    } else if next == UInt8(ascii: "}") {
                        pos += 1
                        let frame = stack.removeLast()
                        completed = .object(JSONObject(frame.members))
                    } else {
                        throw unexpected(next, expecting: "expected ',' or '}'")
                    }
                } else {
                    stack[top].elements.append(completed)
                    if next == UInt8(ascii: ",") {
                        pos += 1
                        continue outer
                    } else if next == UInt8(ascii: "]") {
                        pos += 1
                        let frame = stack.removeLast()
                        completed = .array(frame.elements)
                    } else {
                        throw unexpected(next, expecting: "expected ',' or ']'")
                    }
                }
            }
        }
    }

    mutating func checkDepth() throws(JSONError) {
        if stack.count >= maxDepth {
            throw error("nesting deeper than \(maxDepth) levels", at: pos)
        }
    }

    /// Parses `"key"` then `:` at `pos` and stores the key as the pending key of `stack[index]`,
    /// rejecting a key already present in that object unless duplicates are kept.
    mutating func readKey(forFrame index: Int) throws(JSONError) {
        guard peek() == UInt8(ascii: "\"") else {
            throw unexpected(peek(), expecting: "expected '\"' to begin an object key")
        }
        let keyOffset = pos
        let key = try parseString()
        if rejectDuplicates, ParserState.isDuplicate(key, in: &stack[index]) {
            throw error("duplicate key \(quotedForMessage(key))", at: keyOffset)
        }
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else {
            throw unexpected(peek(), expecting: "expected ':' after object key")
        }
        pos += 1
        stack[index].pendingKey = key
    }

    /// Duplicate check: a linear scan while the object is small, then a hash set that
    /// holds every key seen so far (each new key is inserted as it is checked).
    static func isDuplicate(_ key: String, in frame: inout Frame) -> Bool {
        if frame.keySet.isEmpty {
            if frame.members.count < 8 {
                return frame.members.contains { $0.key == key }
            }
            frame.keySet.reserveCapacity(frame.members.count * 2)
            for member in frame.members { frame.keySet.insert(member.key) }
        }
        return !frame.keySet.insert(key).inserted
    }

    // MARK: Scalars

    mutating func parseScalar() throws(JSONError) -> JSONValue {
        let b = bytes[pos]
        switch b {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw unexpected(b, expecting: "expected a JSON value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let start = pos
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { lit in
            guard bytes.count - start >= count else { return false }
            for i in 0..<count where bytes[start + i] != lit[i] { return false }
            return true
        }
        guard matches else {
            throw error("invalid literal (expected '\(literal)')", at: start)
        }
        pos += count
    }

    /// Parses a number per RFC 8259 and returns its lexeme.
    mutating func parseNumber() throws(JSONError) -> String {
        let start = pos
        if peek() == UInt8(ascii: "-") { pos += 1 }
        guard let first = peek(), isDigit(first) else {
            throw unexpected(peek(), expecting: "expected a digit")
        }
        if first == UInt8(ascii: "0") {
            if let next = peekAt(pos + 1), isDigit(next) {
                throw error("leading zeros are not allowed", at: pos)
            }
            pos += 1
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard let d = peek(), isDigit(d) else {
                throw unexpected(peek(), expecting: "expected a digit after '.'")
            }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            guard let d = peek(), isDigit(d) else {
                throw unexpected(peek(), expecting: "expected a digit in exponent")
            }
            skipDigits()
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    mutating func skipDigits() {
        while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
    }

    /// Parses a string starting at the opening quote; validates UTF-8 and escapes.
    mutating func parseString() throws(JSONError) -> String {
        pos += 1  // opening quote
        var segmentStart = pos
        var decoded: [UInt8] = []     // used (and allocated) only once an escape is seen
        var sawEscape = false
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let result: String
                if sawEscape {
                    decoded.append(contentsOf: bytes[segmentStart..<pos])
                    result = String(decoding: decoded, as: UTF8.self)
                } else {
                    result = String(decoding: bytes[segmentStart..<pos], as: UTF8.self)
                }
                pos += 1
                return result
            } else if b == UInt8(ascii: "\\") {
                sawEscape = true
                decoded.append(contentsOf: bytes[segmentStart..<pos])
                try parseEscape(into: &decoded)
                segmentStart = pos
            } else if b < 0x20 {
                throw error("unescaped control character in string", at: pos)
            } else if b < 0x80 {
                pos += 1
            } else {
                guard let length = validUTF8Length(at: pos) else {
                    throw error("invalid UTF-8", at: pos)
                }
                pos += length
            }
        }
        throw error("unterminated string", at: pos)
    }

    /// Parses one escape at `pos` (the backslash) and appends its UTF-8 to `out`.
    mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
        let escapeStart = pos
        guard let c = peekAt(pos + 1) else {
            throw error("unterminated string", at: bytes.count)
        }
        pos += 2
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalar: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed immediately by an escaped low surrogate.
                guard peek() == UInt8(ascii: "\\"), peekAt(pos + 1) == UInt8(ascii: "u") else {
                    throw error("unpaired high surrogate in \\u escape", at: escapeStart)
                }
                let lowStart = pos
                pos += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("high surrogate not followed by a low surrogate", at: lowStart)
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF:
                throw error("unpaired low surrogate in \\u escape", at: escapeStart)
            default:
                scalar = unit
            }
            appendUTF8(scalar, to: &out)
        default:
            throw error("invalid escape sequence", at: escapeStart)
        }
    }

    /// Reads four hex digits at `pos`.
    mutating func parseHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek() else {
                throw error("unterminated string", at: pos)
            }
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape", at: pos)
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    /// Length of the well-formed UTF-8 sequence starting at `index` (lead byte >= 0x80), or nil if it is
    /// ill-formed (stray continuation byte, C0/C1/F5-FF, overlong, UTF-16 surrogate, above U+10FFFF, truncated).
    func validUTF8Length(at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80   // allowed range of the second byte
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0           // no overlongs
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F          // no UTF-16 surrogates
        case 0xF0: length = 4; low = 0x90           // no overlongs
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F          // nothing above U+10FFFF
        default: return nil
        }
        guard bytes.count - index >= length else { return nil }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return nil }
        for i in 2..<length {
            let c = bytes[index + i]
            guard c >= 0x80 && c <= 0xBF else { return nil }
        }
        return length
    }

    // MARK: Helpers

    @inline(__always)
    func peek() -> UInt8? {
        pos < bytes.count ? bytes[pos] : nil
    }

    @inline(__always)
    func peekAt(_ index: Int) -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    func error(_ message: String, at offset: Int) -> JSONError {
        JSONError(message: message, offset: offset)
    }

    /// Error for byte `b` at `pos` (nil = end of input) where `expecting` was required.
    /// Non-ASCII bytes that do not start valid UTF-8 are reported as "invalid UTF-8".
    func unexpected(_ b: UInt8?, expecting: String) -> JSONError {
        guard let b else {
            return error("unexpected end of input; \(expecting)", at: pos)
        }
        if b >= 0x80 {
            guard validUTF8Length(at: pos) != nil else {
                return error("invalid UTF-8", at: pos)
            }
            return error("\(expecting), found non-ASCII character", at: pos)
        }
        if b < 0x20 || b == 0x7F {
            return error("\(expecting), found byte 0x\(hexString([b]))", at: pos)
        }
        return error("\(expecting), found \(jsonQuoted(String(UnicodeScalar(b))))", at: pos)
    }

    func quotedForMessage(_ key: String) -> String {
        let scalars = key.unicodeScalars
        if scalars.count <= maxKeyInMessage {
            return jsonQuoted(key)
        }
        var shortened = String.UnicodeScalarView()
        shortened.append(contentsOf: scalars.prefix(maxKeyInMessage))
        return jsonQuoted(String(shortened)) + "…"
    }
}

/// Appends the UTF-8 encoding of a Unicode scalar value (already known to be valid).
private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(truncatingIfNeeded: scalar))
    case 0x80..<0x800:
        out.append(0xC0 | UInt8(truncatingIfNeeded: scalar >> 6))
        out.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
    case 0x800..<0x10000:
        out.append(0xE0 | UInt8(truncatingIfNeeded: scalar >> 12))
        out.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
        out.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
    default:
        out.append(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
        out.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F))
        out.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
        out.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
    }
}
