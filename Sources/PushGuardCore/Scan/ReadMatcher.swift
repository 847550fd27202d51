/// Recognises each language's environment reads in a file's tokens. Every check looks a bounded
/// number of tokens ahead, except skipping a call's arguments, which uses the bracket pairs
/// found once in a linear pass: a file's matching stays linear.
struct ReadMatcher {
    struct Found: Equatable {
        var name: String
        var line: Int
    }

    private let b: UnsafeBufferPointer<UInt8>
    private let tokens: [SourceToken]
    private let language: SourceLanguage
    /// For each bracket token, the index of its partner; -1: none (or not a bracket).
    private var partner: [Int32] = []
    /// Python: `from os import environ` / `getenv` makes the bare names reads.
    private var importsEnviron = false
    private var importsGetenv = false
    private var found: [Found] = []

    /// How many `.method(…)` steps after a read are looked at for a default.
    static let maxChain = 32

    init(bytes: UnsafeBufferPointer<UInt8>, tokens: [SourceToken], language: SourceLanguage) {
        b = bytes
        self.tokens = tokens
        self.language = language
    }

    mutating func reads() -> [Found] {
        pairBrackets()
        var t = 0
        while t < tokens.count {
            if let next = skipTestModule(at: t) {
                t = next
                continue
            }
            if tokens[t].kind == .identifier { match(at: t) }
            t += 1
        }
        return found
    }

    // MARK: tokens

    private func isPunct(_ t: Int, _ c: Unicode.Scalar) -> Bool {
        t >= 0 && t < tokens.count && tokens[t].kind == .punctuation && b[Int(tokens[t].start)] == UInt8(ascii: c)
    }

    /// Two punctuation tokens written together (`||`, `??`, `?:`, `::`).
    private func isPair(_ t: Int, _ first: Unicode.Scalar, _ second: Unicode.Scalar) -> Bool {
        isPunct(t, first) && isPunct(t + 1, second) && tokens[t + 1].start == tokens[t].end
    }

    private func isWord(_ t: Int, _ word: StaticString, ignoringCase: Bool = false) -> Bool {
        guard t >= 0 && t < tokens.count && tokens[t].kind == .identifier else { return false }
        let start = Int(tokens[t].start)
        let count = word.utf8CodeUnitCount
        guard Int(tokens[t].end) - start == count else { return false }
        let p = word.utf8Start
        for k in 0..<count {
            let c = ignoringCase ? b[start + k] | 0x20 : b[start + k]
            if c != p[k] { return false }
        }
        return true
    }

    private func isIdentifier(_ t: Int) -> Bool {
        t >= 0 && t < tokens.count && tokens[t].kind == .identifier
    }

    /// A token's text as a variable name: a closed, plain string literal or an identifier whose
    /// bytes are `[A-Za-z_][A-Za-z0-9_]*`, at most `maxNameLength` long.
    private func name(_ t: Int) -> String? {
        guard t >= 0 && t < tokens.count else { return nil }
        let token = tokens[t]
        switch token.kind {
        case .string: guard token.literal else { return nil }
        case .identifier: break
        default: return nil
        }
        let start = Int(token.start), end = Int(token.end)
        guard end > start, end - start <= EnvironmentReadScanner.maxNameLength else { return nil }
        for k in start..<end {
            let c = b[k]
            let letter = (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
            let digit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            guard letter || c == UInt8(ascii: "_") || (digit && k > start) else { return nil }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }

    private func isLiteralName(_ t: Int) -> Bool {
        t < tokens.count && tokens[t].kind == .string && name(t) != nil
    }

    private mutating func pairBrackets() {
        partner = [Int32](repeating: -1, count: tokens.count)
        var open: [Int] = []
        for k in tokens.indices where tokens[k].kind == .punctuation {
            let c = b[Int(tokens[k].start)]
            switch c {
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(k)
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                let opener: UInt8 = c == UInt8(ascii: ")") ? UInt8(ascii: "(") : c - 2
                if let top = open.last, b[Int(tokens[top].start)] == opener {
                    open.removeLast()
                    partner[top] = Int32(k)
                    partner[k] = Int32(top)
                }
            default:
                break
            }
        }
    }

    /// `(` "NAME" `)` or `(` "NAME" `,` … `)` at `open`: the name's token, the index after the
    /// call, and whether more arguments follow the name.
    private func literalCall(_ open: Int) -> (name: Int, end: Int, more: Bool)? {
        guard isPunct(open, "("), isLiteralName(open + 1) else { return nil }
        if isPunct(open + 2, ")") { return (open + 1, open + 3, false) }
        if isPunct(open + 2, ","), partner[open] >= 0 { return (open + 1, Int(partner[open]) + 1, true) }
        return nil
    }

    // MARK: what follows a read

    /// `=`, `+=`, `||=`, `??=`, `.=` right after the read: it writes the variable (or gives it a
    /// default); `==`, `!=`, `<=`, `=>`, `=~` do not.
    private func isAssignment(at e: Int) -> Bool {
        var run: [UInt8] = []
        var t = e
        while t < tokens.count && run.count < 3 && tokens[t].kind == .punctuation && (t == e || tokens[t].start == tokens[t - 1].end) {
            run.append(b[Int(tokens[t].start)])
            t += 1
        }
        guard let equals = run.firstIndex(of: UInt8(ascii: "=")) else { return false }
        if equals > 0 && "!<>=".utf8.contains(run[equals - 1]) { return false }
        if equals + 1 < run.count && "=>~".utf8.contains(run[equals + 1]) { return false }
        return true
    }

    /// Methods that give a default or only test presence, per language.
    private func isDefaultMethod(_ t: Int) -> Bool {
        switch language {
        case .rust:
            return isWord(t, "unwrap_or") || isWord(t, "unwrap_or_else") || isWord(t, "unwrap_or_default")
                || isWord(t, "map_or") || isWord(t, "map_or_else") || isWord(t, "or") || isWord(t, "or_else")
                || isWord(t, "is_ok") || isWord(t, "is_err") || isWord(t, "is_some") || isWord(t, "is_none")
        case .kotlin:
            return isWord(t, "orEmpty") || isWord(t, "isNullOrEmpty") || isWord(t, "isNullOrBlank")
        default:
            return false
        }
    }

    /// Past `.method(…)`, `?.x`, `[…]`, Rust's `?`, TypeScript's `!`, Kotlin's `!!` after a read:
    /// where an operator would stand, or nil when a method in the chain gives a default.
    private func afterChain(_ e: Int) -> Int? {
        var t = e
        for _ in 0..<Self.maxChain {
            var member = -1
            if isPunct(t, ".") {
                member = t + 1
            } else if isPair(t, "?", ".") {
                member = t + 2
            }
            if member >= 0 {
                guard isIdentifier(member) else { return t }
                if isDefaultMethod(member) { return nil }
                t = member + 1
            } else if (isPunct(t, "(") || isPunct(t, "[")) && partner[t] >= 0 {
                t = Int(partner[t]) + 1
            } else if language == .rust && isPunct(t, "?") {
                t += 1
            } else if (language == .javascript || language == .kotlin) && isPunct(t, "!") && !isPair(t, "!", "=") {
                t += 1
            } else {
                return t
            }
        }
        return t
    }

    /// A default operator at `t` (`||`, `??`, `?:`, Python's `or`), unless what follows insists
    /// on the variable (`|| raise "…"`, `?: throw …`).
    private func isDefaultOperator(at t: Int) -> Bool {
        let after: Int
        switch language {
        case .javascript where isPair(t, "|", "|") || isPair(t, "?", "?"): after = t + 2
        case .ruby where isPair(t, "|", "|"), .elixir where isPair(t, "|", "|"): after = t + 2
        case .python where isWord(t, "or"): after = t + 1
        case .php where isPair(t, "?", ":") || isPair(t, "?", "?"): after = t + 2
        case .kotlin where isPair(t, "?", ":"): after = t + 2
        default: return false
        }
        let insists = isWord(after, "raise") || isWord(after, "throw") || isWord(after, "fail") || isWord(after, "error")
            || isWord(after, "die") || isWord(after, "exit") || isWord(after, "panic") || isWord(after, "abort")
        return !insists
    }

    /// Records the read whose name is token `nameToken` and which ends before `end`, unless it
    /// is written (`mayBeWritten`: an index or property form) or given a default.
    private mutating func report(_ nameToken: Int, end: Int, mayBeWritten: Bool) {
        if mayBeWritten && isAssignment(at: end) { return }
        guard let after = afterChain(end), !isDefaultOperator(at: after) else { return }
        guard let name = name(nameToken) else { return }
        found.append(Found(name: name, line: Int(tokens[nameToken].line)))
    }

    // MARK: the forms, per language

    private mutating func match(at t: Int) {
        switch language {
        case .go:
            if isWord(t, "os") && isPunct(t + 1, ".") && (isWord(t + 2, "Getenv") || isWord(t + 2, "LookupEnv")),
               let call = literalCall(t + 3), !call.more {
                report(call.name, end: call.end, mayBeWritten: false)
            }
        case .python:
            matchPython(at: t)
        case .ruby:
            matchRuby(at: t)
        case .javascript:
            // process.env.X, process.env["X"] (`?.` too); not `delete`/`typeof`, nor a method
            // (`process.env.hasOwnProperty(…)`).
            guard isWord(t, "process") && isPunct(t + 1, ".") && isWord(t + 2, "env"),
                  !isWord(t - 1, "delete") && !isWord(t - 1, "typeof") else { return }
            var u = t + 3
            if isPair(u, "?", ".") {
                u += 1
                if isPunct(u + 1, "[") { u += 1 }
            }
            if isPunct(u, "."), name(u + 1) != nil, !isPunct(u + 2, "(") {
                report(u + 1, end: u + 2, mayBeWritten: true)
            } else if isPunct(u, "["), isLiteralName(u + 1), isPunct(u + 2, "]") {
                report(u + 1, end: u + 3, mayBeWritten: true)
            }
        case .rust:
            // env::var("X"), std::env::var("X"), env::var_os("X"); env!("X") is compile-time.
            if isWord(t, "env") && isPair(t + 1, ":", ":") && (isWord(t + 3, "var") || isWord(t + 3, "var_os")),
               let call = literalCall(t + 4), !call.more {
                report(call.name, end: call.end, mayBeWritten: false)
            }
        case .java, .kotlin:
            guard isWord(t, "System") && isPunct(t + 1, ".") && isWord(t + 2, "getenv") else { return }
            if let call = literalCall(t + 3), !call.more {
                report(call.name, end: call.end, mayBeWritten: false)
            } else if isPunct(t + 3, "(") && isPunct(t + 4, ")") && isPunct(t + 5, ".") && isWord(t + 6, "get"),
                      let call = literalCall(t + 7), !call.more {
                report(call.name, end: call.end, mayBeWritten: false)
            }
        case .php:
            matchPHP(at: t)
        case .elixir:
            guard isWord(t, "System") && isPunct(t + 1, ".")
                    && (isWord(t + 2, "get_env") || isWord(t + 2, "fetch_env!") || isWord(t + 2, "fetch_env")) else { return }
            if let call = literalCall(t + 3) {
                if !call.more { report(call.name, end: call.end, mayBeWritten: false) }
            } else if isLiteralName(t + 3) && !isPunct(t + 4, ",") {
                report(t + 3, end: t + 4, mayBeWritten: false)
            }
        }
    }

    private mutating func matchPython(at t: Int) {
        if isWord(t, "from") && isWord(t + 1, "os") && isWord(t + 2, "import") {
            noteImports(after: t + 2)
            return
        }
        let subject: Int
        if isWord(t, "os") && isPunct(t + 1, ".") {
            subject = t + 2
        } else if !isPunct(t - 1, ".") && !isWord(t - 1, "def")
                    && ((importsEnviron && isWord(t, "environ")) || (importsGetenv && isWord(t, "getenv"))) {
            subject = t
        } else {
            return
        }
        if isWord(t - 1, "del") { return }
        if isWord(subject, "environ") {
            if isPunct(subject + 1, "["), isLiteralName(subject + 2), isPunct(subject + 3, "]") {
                report(subject + 2, end: subject + 4, mayBeWritten: true)
            } else if isPunct(subject + 1, ".") && isWord(subject + 2, "get"), let call = literalCall(subject + 3), !call.more {
                report(call.name, end: call.end, mayBeWritten: false)
            }
        } else if isWord(subject, "getenv"), let call = literalCall(subject + 1), !call.more {
            report(call.name, end: call.end, mayBeWritten: false)
        }
    }

    /// `from os import environ, getenv` (parenthesised or not; `as` renames, which is not followed).
    private mutating func noteImports(after keyword: Int) {
        var k = keyword + 1
        let line = tokens[keyword].line
        let parenthesised = isPunct(k, "(")
        if parenthesised { k += 1 }
        while k < tokens.count && k < keyword + 256 {
            if !parenthesised && tokens[k].line != line { return }
            if isPunct(k, ")") { return }
            if !isWord(k + 1, "as") {
                if isWord(k, "environ") { importsEnviron = true }
                if isWord(k, "getenv") { importsGetenv = true }
            }
            k += 1
        }
    }

    private mutating func matchRuby(at t: Int) {
        guard isWord(t, "ENV") && !isPunct(t - 1, ".") else { return }
        if isPunct(t + 1, "["), isLiteralName(t + 2), isPunct(t + 3, "]") {
            report(t + 2, end: t + 4, mayBeWritten: true)
        } else if isPunct(t + 1, ".") && isWord(t + 2, "fetch") {
            let nameToken: Int, end: Int
            if let call = literalCall(t + 3) {
                if call.more { return }
                (nameToken, end) = (call.name, call.end)
            } else if isLiteralName(t + 3) && !isPunct(t + 4, ",") {
                (nameToken, end) = (t + 3, t + 4)
            } else {
                return
            }
            // ENV.fetch("X") { … } / do … end: the block is the default.
            if isPunct(end, "{") || isWord(end, "do") { return }
            report(nameToken, end: end, mayBeWritten: false)
        }
    }

    private mutating func matchPHP(at t: Int) {
        // isset($_ENV['X']), unset(…), empty(…) test or remove.
        let tested = isPunct(t - 1, "(") && (isWord(t - 2, "isset", ignoringCase: true) || isWord(t - 2, "unset", ignoringCase: true)
                                              || isWord(t - 2, "empty", ignoringCase: true))
        if isWord(t, "getenv", ignoringCase: true) {
            // Not a method (`->getenv(`, `::getenv(`) nor its definition; a second argument is `local_only`.
            guard !isPunct(t - 1, ">") && !isPunct(t - 1, ":") && !isWord(t - 1, "function", ignoringCase: true) && !tested,
                  let call = literalCall(t + 1) else { return }
            report(call.name, end: call.end, mayBeWritten: false)
        } else if isWord(t, "$_ENV") && !tested, isPunct(t + 1, "["), isLiteralName(t + 2), isPunct(t + 3, "]") {
            report(t + 2, end: t + 4, mayBeWritten: true)
        }
    }

    /// Rust: `#[cfg(test)] mod tests { … }` is test code; the index after it, or nil.
    private func skipTestModule(at t: Int) -> Int? {
        guard language == .rust, isPunct(t, "#"), isPunct(t + 1, "["), isWord(t + 2, "cfg"), isPunct(t + 3, "("),
              isWord(t + 4, "test"), isPunct(t + 5, ")"), isPunct(t + 6, "]") else { return nil }
        var u = t + 7
        while isPunct(u, "#") && isPunct(u + 1, "[") && partner[u + 1] >= 0 { u = Int(partner[u + 1]) + 1 }
        if isWord(u, "pub") {
            u += 1
            if isPunct(u, "(") && partner[u] >= 0 { u = Int(partner[u]) + 1 }
        }
        guard isWord(u, "mod"), isIdentifier(u + 1), isPunct(u + 2, "{"), partner[u + 2] >= 0 else { return nil }
        return Int(partner[u + 2]) + 1
    }
}
