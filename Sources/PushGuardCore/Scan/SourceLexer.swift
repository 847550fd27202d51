/// One token of a source file. Whitespace and comments leave none; a string's contents are one
/// token, so a read written inside a string or a comment is never seen as code.
struct SourceToken {
    enum Kind: UInt8 { case identifier, string, number, punctuation }
    var kind: Kind
    /// Strings: closed, on one line, without escapes or interpolation, so `start..<end` is the value.
    var literal: Bool
    /// Strings: the contents' first byte; others: the token's first byte.
    var start: Int32
    /// Exclusive.
    var end: Int32
    /// 1-based; a CRLF or a lone CR ends a line like an LF.
    var line: Int32
}

/// A lexer shared by all scanned languages, on bytes (invalid UTF-8 is just bytes), in one pass
/// with no backtracking beyond a few bytes. It knows each language's comments (line, block,
/// nested block, Ruby's `=begin`), strings (quotes, triple quotes, raw strings, Ruby `%`
/// literals and heredocs, Elixir sigils, PHP heredocs and the HTML around `<?php … ?>`) and the
/// code inside interpolations (`${…}`, `#{…}`, Python f-strings' `{…}`), which is lexed as code.
/// A `/` that starts a JavaScript or Ruby regular expression is told from a division by the
/// token before it. Strings that cannot span lines in a language end at the line's end, so a
/// misread quote costs at most one line.
struct SourceLexer {
    private let b: UnsafeBufferPointer<UInt8>
    private let n: Int
    private let language: SourceLanguage
    private var i = 0
    private var line: Int32 = 1
    private var tokens: [SourceToken] = []
    /// Strings whose interpolated code is being lexed, innermost last.
    private var suspended: [Suspended] = []
    /// Heredocs opened on the current line; their bodies start at the next line.
    private var heredocs: [Heredoc] = []

    /// Deeper interpolations are read as plain string contents.
    static let maxNesting = 64

    private enum Interpolation { case none, dollarBrace, hashBrace, brace }

    private struct StringForm {
        var close: UInt8
        /// A bracket that nests (`%w[a [b]]`); 0: none.
        var open: UInt8 = 0
        var triple = false
        var escapes = true
        var multiline = true
        var interpolation: Interpolation = .none
        /// A Rust raw string: the number of `#` after the closing quote; -1: not raw.
        var rawHashes = -1
    }

    private struct Suspended {
        var form: StringForm
        var token: Int
        var nesting: Int
        var braces: Int
    }

    private struct Heredoc {
        var tag: [UInt8]
        var indented: Bool
        var php: Bool
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, language: SourceLanguage) {
        b = bytes
        n = bytes.count
        self.language = language
    }

    static func tokens(of bytes: UnsafeBufferPointer<UInt8>, language: SourceLanguage) -> [SourceToken] {
        var lexer = SourceLexer(bytes: bytes, language: language)
        lexer.tokens.reserveCapacity(bytes.count / 8)
        lexer.run()
        return lexer.tokens
    }

    // MARK: bytes

    private static let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    @inline(__always) private func peek(_ k: Int) -> UInt8 {
        i + k < n ? b[i + k] : 0
    }

    @inline(__always) private static func isLetter(_ c: UInt8) -> Bool {
        (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
    }

    @inline(__always) private func isIdentifierStart(_ c: UInt8) -> Bool {
        Self.isLetter(c) || c == UInt8(ascii: "_") || c >= 0x80 || (c == UInt8(ascii: "$") && language == .javascript)
    }

    @inline(__always) private func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || Self.isDigit(c)
    }

    /// Moves one byte, counting lines: LF, and CR not followed by LF, end a line.
    @inline(__always) private mutating func advance() {
        let c = b[i]
        if c == Self.lf || (c == Self.cr && peek(1) != Self.lf) { line += 1 }
        i += 1
    }

    private func isLineEnd() -> Bool {
        b[i] == Self.lf || (b[i] == Self.cr && peek(1) != Self.lf)
    }

    private func matches(_ word: StaticString, at k: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard k + count <= n else { return false }
        let p = word.utf8Start
        for j in 0..<count where b[k + j] != p[j] { return false }
        return true
    }

    private mutating func emit(_ kind: SourceToken.Kind, from start: Int, to end: Int) {
        tokens.append(SourceToken(kind: kind, literal: false, start: Int32(start), end: Int32(end), line: line))
    }

    private mutating func punctuation() {
        emit(.punctuation, from: i, to: i + 1)
        i += 1
    }

    private mutating func skipToLineEnd() {
        while i < n && b[i] != Self.lf && b[i] != Self.cr { i += 1 }
    }

    /// Past the line's end (CRLF counts once).
    private mutating func skipLineBreak() {
        guard i < n else { return }
        if b[i] == Self.cr && peek(1) == Self.lf { i += 1 }
        advance()
    }

    // MARK: the main loop

    private mutating func run() {
        if language == .php { skipInlineHTML() }
        while i < n {
            let c = b[i]
            switch c {
            case Self.lf, Self.cr:
                let end = isLineEnd()
                advance()
                if end && !heredocs.isEmpty { skipHeredocBodies() }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0B, 0x0C:
                i += 1
            case UInt8(ascii: "#"):
                switch language {
                case .python, .ruby, .elixir: skipLineComment()
                case .php: if peek(1) == UInt8(ascii: "[") { punctuation() } else { skipLineComment() }
                default: punctuation()
                }
            case UInt8(ascii: "/"):
                let slashComments = language != .python && language != .ruby && language != .elixir
                if slashComments && peek(1) == UInt8(ascii: "/") {
                    skipLineComment()
                } else if slashComments && peek(1) == UInt8(ascii: "*") {
                    skipBlockComment()
                } else if (language == .javascript || language == .ruby) && expressionStart() {
                    regularExpression()
                } else {
                    punctuation()
                }
            case UInt8(ascii: "\""): doubleQuote()
            case UInt8(ascii: "'"): singleQuote()
            case UInt8(ascii: "`"): backtick()
            case UInt8(ascii: "0")...UInt8(ascii: "9"): number()
            case UInt8(ascii: "{"):
                if !suspended.isEmpty { suspended[suspended.count - 1].braces += 1 }
                punctuation()
            case UInt8(ascii: "}"):
                if let top = suspended.last, top.braces == 0 {
                    suspended.removeLast()
                    i += 1
                    stringBody(top.form, token: top.token, nesting: top.nesting)
                } else {
                    if !suspended.isEmpty { suspended[suspended.count - 1].braces -= 1 }
                    punctuation()
                }
            case UInt8(ascii: "?"):
                if language == .elixir && i + 1 < n && b[i + 1] > 0x20 {
                    characterLiteral()
                } else if language == .php && peek(1) == UInt8(ascii: ">") {
                    i += 2
                    skipInlineHTML()
                } else {
                    punctuation()
                }
            case UInt8(ascii: "%"):
                if !(language == .ruby && percentLiteral()) { punctuation() }
            case UInt8(ascii: "~"):
                if !(language == .elixir && sigil()) { punctuation() }
            case UInt8(ascii: "<"):
                if !((language == .ruby || language == .php) && heredocStart()) { punctuation() }
            case UInt8(ascii: "="):
                if language == .ruby && (i == 0 || b[i - 1] == Self.lf || b[i - 1] == Self.cr) && matches("=begin", at: i)
                    && (i + 6 >= n || b[i + 6] <= 0x20) {
                    skipRubyBlockComment()
                } else {
                    punctuation()
                }
            case UInt8(ascii: "$") where language == .php && isIdentifierStart(peek(1)):
                identifier()
            default:
                if isIdentifierStart(c) { identifier() } else { punctuation() }
            }
        }
    }

    // MARK: comments

    private mutating func skipLineComment() {
        if language != .php {
            i = ByteScan.firstIndex(of: Self.lf, or: Self.cr, in: b, from: i)
            return
        }
        while i < n && b[i] != Self.lf && b[i] != Self.cr {
            // PHP: `?>` ends a line comment and the code.
            if language == .php && b[i] == UInt8(ascii: "?") && peek(1) == UInt8(ascii: ">") { return }
            i += 1
        }
    }

    private mutating func skipBlockComment() {
        let nests = language == .rust || language == .kotlin
        i += 2
        var depth = 1
        while i < n {
            if b[i] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
                i += 2
                depth -= 1
                if depth == 0 { return }
            } else if nests && b[i] == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                i += 2
                depth += 1
            } else {
                advance()
            }
        }
    }

    private mutating func skipRubyBlockComment() {
        while i < n {
            skipToLineEnd()
            skipLineBreak()
            if matches("=end", at: i) {
                skipToLineEnd()
                return
            }
        }
    }

    /// PHP outside `<?php … ?>` is text sent as it is.
    private mutating func skipInlineHTML() {
        while i < n {
            if b[i] == UInt8(ascii: "<") && peek(1) == UInt8(ascii: "?") {
                i += 2
                if i + 3 <= n && (b[i] | 0x20) == UInt8(ascii: "p") && (b[i + 1] | 0x20) == UInt8(ascii: "h") && (b[i + 2] | 0x20) == UInt8(ascii: "p") {
                    i += 3
                } else if i < n && b[i] == UInt8(ascii: "=") {
                    i += 1
                }
                return
            }
            advance()
        }
    }

    // MARK: words and numbers

    private mutating func identifier() {
        let start = i
        i += 1
        while i < n && isIdentifierPart(b[i]) { i += 1 }
        if (language == .ruby || language == .elixir) && i < n && (b[i] == UInt8(ascii: "?") || b[i] == UInt8(ascii: "!")) && peek(1) != UInt8(ascii: "=") {
            i += 1
        }
        let length = i - start
        if language == .python && length <= 2 && i < n && (b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'")) {
            var formatted = false
            var prefix = true
            for k in start..<i {
                switch b[k] | 0x20 {
                case UInt8(ascii: "f"), UInt8(ascii: "t"): formatted = true
                case UInt8(ascii: "r"), UInt8(ascii: "b"), UInt8(ascii: "u"): break
                default: prefix = false
                }
            }
            if prefix {
                pythonString(interpolation: formatted ? .brace : .none)
                return
            }
        }
        if language == .rust && length <= 2 && i < n && (b[i] == UInt8(ascii: "#") || b[i] == UInt8(ascii: "\""))
            && b[i - 1] == UInt8(ascii: "r") && (length == 1 || b[start] == UInt8(ascii: "b") || b[start] == UInt8(ascii: "c")) {
            var hashes = 0
            while i + hashes < n && b[i + hashes] == UInt8(ascii: "#") { hashes += 1 }
            if i + hashes < n && b[i + hashes] == UInt8(ascii: "\"") {
                i += hashes
                openString(quoteLength: 1, StringForm(close: UInt8(ascii: "\""), escapes: false, rawHashes: hashes))
                return
            }
        }
        emit(.identifier, from: start, to: i)
    }

    private mutating func number() {
        let start = i
        i += 1
        while i < n {
            let c = b[i]
            if isIdentifierPart(c) || (c == UInt8(ascii: ".") && i + 1 < n && Self.isDigit(b[i + 1])) { i += 1 } else { break }
        }
        emit(.number, from: start, to: i)
    }

    /// Elixir's `?a`, `?\n`: a number, which must not open a string at `?"`.
    private mutating func characterLiteral() {
        let start = i
        i += 1
        if b[i] == UInt8(ascii: "\\") && i + 1 < n { i += 1 }
        if b[i] <= 0x20 {
            i = start + 1
        } else {
            i += Self.scalarLength(b[i])
            if i > n { i = n }
        }
        emit(.number, from: start, to: i)
    }

    private static func scalarLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xC0...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF7: return 4
        default: return 1
        }
    }

    /// Whether a `/` (or Ruby's `%`) here starts a literal rather than a division: it does after
    /// an operator, an opening bracket, a keyword or at the start.
    private func expressionStart() -> Bool {
        guard let last = tokens.last else { return true }
        switch last.kind {
        case .number, .string: return false
        case .punctuation:
            let c = b[Int(last.start)]
            return c != UInt8(ascii: ")") && c != UInt8(ascii: "]") && c != UInt8(ascii: "}")
        case .identifier:
            let word = b[Int(last.start)..<Int(last.end)]
            return (language == .ruby ? Self.rubyKeywords : Self.javaScriptKeywords).contains { keyword in
                keyword.utf8CodeUnitCount == word.count && word.elementsEqual(UnsafeBufferPointer(start: keyword.utf8Start, count: keyword.utf8CodeUnitCount))
            }
        }
    }

    /// Words after which a `/` starts a regular expression.
    private static let rubyKeywords: [StaticString] = ["if", "unless", "while", "until", "when", "and", "or", "not", "return", "then", "elsif", "case", "in"]
    private static let javaScriptKeywords: [StaticString] = ["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]

    // MARK: strings

    private mutating func openString(quoteLength: Int, _ form: StringForm) {
        let token = tokens.count
        tokens.append(SourceToken(kind: .string, literal: true, start: Int32(min(i + quoteLength, n)), end: Int32(min(i + quoteLength, n)), line: line))
        i = min(i + quoteLength, n)
        stringBody(form, token: token, nesting: 0)
    }

    private mutating func doubleQuote() {
        let quote = UInt8(ascii: "\"")
        let triple = peek(1) == quote && peek(2) == quote
        switch language {
        case .go, .javascript:
            openString(quoteLength: 1, StringForm(close: quote, multiline: false))
        case .java:
            if triple { openString(quoteLength: 3, StringForm(close: quote, triple: true)) }
            else { openString(quoteLength: 1, StringForm(close: quote, multiline: false)) }
        case .kotlin:
            if triple { openString(quoteLength: 3, StringForm(close: quote, triple: true, escapes: false, interpolation: .dollarBrace)) }
            else { openString(quoteLength: 1, StringForm(close: quote, multiline: false, interpolation: .dollarBrace)) }
        case .python:
            pythonString(interpolation: .none)
        case .ruby:
            openString(quoteLength: 1, StringForm(close: quote, interpolation: .hashBrace))
        case .rust, .php:
            openString(quoteLength: 1, StringForm(close: quote))
        case .elixir:
            if triple { openString(quoteLength: 3, StringForm(close: quote, triple: true, interpolation: .hashBrace)) }
            else { openString(quoteLength: 1, StringForm(close: quote, interpolation: .hashBrace)) }
        }
    }

    private mutating func singleQuote() {
        let quote = UInt8(ascii: "'")
        switch language {
        case .go, .java, .kotlin, .javascript:
            openString(quoteLength: 1, StringForm(close: quote, multiline: false))
        case .python:
            pythonString(interpolation: .none)
        case .ruby, .php:
            openString(quoteLength: 1, StringForm(close: quote))
        case .elixir:
            if peek(1) == quote && peek(2) == quote { openString(quoteLength: 3, StringForm(close: quote, triple: true, interpolation: .hashBrace)) }
            else { openString(quoteLength: 1, StringForm(close: quote, interpolation: .hashBrace)) }
        case .rust:
            rustQuote()
        }
    }

    private mutating func backtick() {
        let tick = UInt8(ascii: "`")
        switch language {
        case .go: openString(quoteLength: 1, StringForm(close: tick, escapes: false))
        case .javascript: openString(quoteLength: 1, StringForm(close: tick, interpolation: .dollarBrace))
        case .ruby: openString(quoteLength: 1, StringForm(close: tick, interpolation: .hashBrace))
        case .php: openString(quoteLength: 1, StringForm(close: tick))
        case .kotlin: openString(quoteLength: 1, StringForm(close: tick, escapes: false, multiline: false))
        default: punctuation()
        }
    }

    /// At the quote of a Python string (after any prefix).
    private mutating func pythonString(interpolation: Interpolation) {
        let quote = b[i]
        if peek(1) == quote && peek(2) == quote {
            openString(quoteLength: 3, StringForm(close: quote, triple: true, interpolation: interpolation))
        } else {
            openString(quoteLength: 1, StringForm(close: quote, multiline: false, interpolation: interpolation))
        }
    }

    /// Rust: `'a'`, `'\n'`, `'\u{1F600}'` are characters; `'a` (a lifetime or label) is not.
    private mutating func rustQuote() {
        let start = i
        if peek(1) == UInt8(ascii: "\\") {
            var j = i + 3
            while j < n && j < i + 14 && b[j] != UInt8(ascii: "'") && b[j] != Self.lf { j += 1 }
            if j < n && b[j] == UInt8(ascii: "'") {
                i = j + 1
                emit(.number, from: start, to: i)
                return
            }
        } else if i + 1 < n && b[i + 1] != UInt8(ascii: "'") && b[i + 1] != Self.lf {
            let after = i + 1 + Self.scalarLength(b[i + 1])
            if after < n && b[after] == UInt8(ascii: "'") {
                i = after + 1
                emit(.number, from: start, to: i)
                return
            }
        }
        punctuation()
    }

    /// The contents of a string from `i` to its end, or to an interpolation (whose code the main
    /// loop then lexes until the matching `}` resumes this string).
    private mutating func stringBody(_ form: StringForm, token: Int, nesting: Int) {
        var nesting = nesting
        while i < n {
            let c = b[i]
            if form.escapes && c == UInt8(ascii: "\\") {
                tokens[token].literal = false
                i += 1
                if i < n {
                    if b[i] == Self.cr && peek(1) == Self.lf { i += 1 }
                    advance()
                }
                continue
            }
            if c == form.close {
                if form.triple {
                    if peek(1) == c && peek(2) == c {
                        finish(token, at: i)
                        i += 3
                        return
                    }
                } else if form.rawHashes >= 0 {
                    var hashes = 0
                    while hashes < form.rawHashes && i + 1 + hashes < n && b[i + 1 + hashes] == UInt8(ascii: "#") { hashes += 1 }
                    if hashes == form.rawHashes {
                        finish(token, at: i)
                        i += 1 + hashes
                        return
                    }
                } else if nesting > 0 {
                    nesting -= 1
                } else {
                    finish(token, at: i)
                    i += 1
                    return
                }
                i += 1
                continue
            }
            if form.open != 0 && c == form.open {
                nesting += 1
                i += 1
                continue
            }
            if c == Self.lf || c == Self.cr {
                tokens[token].literal = false
                if !form.multiline {
                    finish(token, at: i)
                    return
                }
                advance()
                continue
            }
            let interpolates: Int
            switch form.interpolation {
            case .none: interpolates = 0
            case .dollarBrace: interpolates = c == UInt8(ascii: "$") && peek(1) == UInt8(ascii: "{") ? 2 : 0
            case .hashBrace: interpolates = c == UInt8(ascii: "#") && peek(1) == UInt8(ascii: "{") ? 2 : 0
            case .brace:
                if c == UInt8(ascii: "{") && peek(1) == UInt8(ascii: "{") {
                    tokens[token].literal = false
                    i += 2
                    continue
                }
                interpolates = c == UInt8(ascii: "{") ? 1 : 0
            }
            if interpolates > 0 {
                tokens[token].literal = false
                if suspended.count < Self.maxNesting {
                    suspended.append(Suspended(form: form, token: token, nesting: nesting, braces: 0))
                    i += interpolates
                    return
                }
            }
            i += 1
        }
        tokens[token].literal = false
        finish(token, at: n)
    }

    private mutating func finish(_ token: Int, at end: Int) {
        tokens[token].end = Int32(end)
    }

    /// A JavaScript or Ruby regular expression literal: one line at most.
    private mutating func regularExpression() {
        let start = i
        i += 1
        var inClass = false
        while i < n {
            let c = b[i]
            if c == Self.lf || c == Self.cr { break }
            if c == UInt8(ascii: "\\") {
                if i + 1 < n && b[i + 1] != Self.lf && b[i + 1] != Self.cr { i += 2 } else { i += 1 }
                continue
            }
            i += 1
            if c == UInt8(ascii: "[") { inClass = true }
            else if c == UInt8(ascii: "]") { inClass = false }
            else if c == UInt8(ascii: "/") && !inClass { break }
        }
        emit(.string, from: start, to: i)
    }

    private static func closing(_ open: UInt8) -> UInt8? {
        switch open {
        case UInt8(ascii: "("): return UInt8(ascii: ")")
        case UInt8(ascii: "["): return UInt8(ascii: "]")
        case UInt8(ascii: "{"): return UInt8(ascii: "}")
        case UInt8(ascii: "<"): return UInt8(ascii: ">")
        default: return nil
        }
    }

    /// Ruby's `%w[…]`, `%q(…)`, `%(…)`, … where an expression may start.
    private mutating func percentLiteral() -> Bool {
        guard expressionStart() else { return false }
        var j = i + 1
        var typed = false
        if j < n && "qQwWiIrsx".utf8.contains(b[j]) {
            j += 1
            typed = true
        }
        guard j < n else { return false }
        let delimiter = b[j]
        let close = Self.closing(delimiter)
        if close == nil && (!typed || Self.isLetter(delimiter) || Self.isDigit(delimiter) || delimiter <= 0x20) { return false }
        i = j
        openString(quoteLength: 1, StringForm(close: close ?? delimiter, open: close == nil ? 0 : delimiter))
        tokens[tokens.count - 1].literal = false
        return true
    }

    /// Elixir's sigils: `~s(…)`, `~r/…/`, `~S"""…"""`, `~HTML[…]`.
    private mutating func sigil() -> Bool {
        var j = i + 1
        guard j < n && Self.isLetter(b[j]) else { return false }
        j += 1
        while j < n && j < i + 16 && Self.isLetter(b[j]) { j += 1 }
        guard j < n else { return false }
        let delimiter = b[j]
        guard "/|\"'([{<".utf8.contains(delimiter) else { return false }
        i = j
        if (delimiter == UInt8(ascii: "\"") || delimiter == UInt8(ascii: "'")) && peek(1) == delimiter && peek(2) == delimiter {
            openString(quoteLength: 3, StringForm(close: delimiter, triple: true))
        } else {
            let close = Self.closing(delimiter)
            openString(quoteLength: 1, StringForm(close: close ?? delimiter, open: close == nil ? 0 : delimiter))
        }
        tokens[tokens.count - 1].literal = false
        return true
    }

    /// Ruby's `<<~TAG`, `<<-TAG`, `<<TAG`, `<<~'TAG'`; PHP's `<<<TAG`, `<<<'TAG'`, `<<<"TAG"`. The
    /// body starts at the next line.
    private mutating func heredocStart() -> Bool {
        guard peek(1) == UInt8(ascii: "<") else { return false }
        var j = i + 2
        var indented = false
        let php = language == .php
        if php {
            guard j < n && b[j] == UInt8(ascii: "<") else { return false }
            j += 1
            while j < n && (b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t")) { j += 1 }
            indented = true
        } else if j < n && (b[j] == UInt8(ascii: "~") || b[j] == UInt8(ascii: "-")) {
            indented = true
            j += 1
        }
        guard j < n else { return false }
        var quote: UInt8 = 0
        if b[j] == UInt8(ascii: "'") || b[j] == UInt8(ascii: "\"") || (!php && b[j] == UInt8(ascii: "`")) {
            quote = b[j]
            j += 1
        }
        guard j < n, Self.isLetter(b[j]) || b[j] == UInt8(ascii: "_") else { return false }
        // Ruby's bare `<<TAG` only with a capital: `list <<item` appends.
        if !php && !indented && quote == 0 && !(b[j] >= UInt8(ascii: "A") && b[j] <= UInt8(ascii: "Z")) { return false }
        let tagStart = j
        while j < n && (Self.isLetter(b[j]) || Self.isDigit(b[j]) || b[j] == UInt8(ascii: "_")) { j += 1 }
        let tag = Array(b[tagStart..<j])
        if quote != 0 {
            guard j < n && b[j] == quote else { return false }
            j += 1
        }
        emit(.string, from: i, to: j)
        i = j
        if heredocs.count < Self.maxNesting { heredocs.append(Heredoc(tag: tag, indented: indented, php: php)) }
        return true
    }

    /// At the start of the line after heredoc openers: skips each body through its closing tag.
    private mutating func skipHeredocBodies() {
        let pending = heredocs
        heredocs.removeAll()
        for (index, doc) in pending.enumerated() {
            while i < n {
                var k = i
                if doc.indented { while k < n && (b[k] == UInt8(ascii: " ") || b[k] == UInt8(ascii: "\t")) { k += 1 } }
                if k + doc.tag.count <= n && b[k..<k + doc.tag.count].elementsEqual(doc.tag) {
                    let after = k + doc.tag.count
                    let closes: Bool
                    if doc.php {
                        closes = after >= n || !isIdentifierPart(b[after])
                    } else {
                        var m = after
                        while m < n && (b[m] == UInt8(ascii: " ") || b[m] == UInt8(ascii: "\t")) { m += 1 }
                        closes = m >= n || b[m] == Self.lf || b[m] == Self.cr
                    }
                    if closes {
                        i = after
                        // PHP: the code goes on after the tag (`EOT;`).
                        if doc.php { return }
                        skipToLineEnd()
                        if index < pending.count - 1 { skipLineBreak() }
                        break
                    }
                }
                skipToLineEnd()
                skipLineBreak()
            }
        }
    }
}
