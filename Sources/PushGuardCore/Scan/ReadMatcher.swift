/// Recognises each language's environment reads in a file's tokens. Every check looks a bounded
/// number of tokens ahead, except skipping a call's arguments, which uses the bracket pairs
/// found once in a linear pass: a file's matching stays linear.
struct ReadMatcher {
    struct Found: Equatable {
        var name: String
        var line: Int
        /// The code fails when the variable is absent (see `EnvironmentRead.insists`).
        var insists: Bool
    }

    private let b: UnsafeBufferPointer<UInt8>
    private let tokens: [SourceToken]
    private let language: SourceLanguage
    /// For each bracket token, the index of its partner; -1: none (or not a bracket).
    private var partner: [Int32] = []
    /// Python: `from os import environ` / `getenv` makes the bare names reads.
    private var importsEnviron = false
    private var importsGetenv = false
    /// Python: `environ.Env(…)` seen (django-environ): `env("X")` and `env.str("X")` are reads.
    private var usesDjangoEnviron = false
    /// Names this file has tested for presence or compared so far.
    private var tested = Set<String>()
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
        case .ruby:
            // Presence tests on the value (nil answers them).
            return isWord(t, "present?") || isWord(t, "blank?") || isWord(t, "nil?")
        default:
            return false
        }
    }

    /// Ruby methods nil answers: calling them on an absent variable's nil does not fail.
    private func isNilSafeRubyMethod(_ t: Int) -> Bool {
        isWord(t, "to_s") || isWord(t, "to_i") || isWord(t, "to_f") || isWord(t, "to_a") || isWord(t, "to_h")
            || isWord(t, "to_r") || isWord(t, "to_c") || isWord(t, "inspect") || isWord(t, "presence") || isWord(t, "try")
            || isWord(t, "then") || isWord(t, "tap") || isWord(t, "to_json") || isWord(t, "dup") || isWord(t, "freeze")
            || isWord(t, "frozen?") || isWord(t, "is_a?") || isWord(t, "respond_to?") || isWord(t, "class")
    }

    /// What follows a read before an operator: where the operator stands, whether a method
    /// gives a default or tests presence (`defaulted`), and whether the chain fails when the
    /// variable is absent (`insists`: a method called on the missing value, Rust's `.unwrap()`,
    /// `.expect(…)` and `?`, Kotlin's `!!`).
    struct Chain {
        var end: Int
        var defaulted = false
        var insists = false
    }

    /// Past `.method(…)`, `?.x`, `[…]`, Rust's `?`, TypeScript's `!`, Kotlin's `!!` after a read.
    private func afterChain(_ e: Int) -> Chain {
        var chain = Chain(end: e)
        var t = e
        /// Rust: `.ok()` turned the result into an Option; a later `?` or `.unwrap()` is on that.
        var optional = false
        // Whether a method called with `.` on the value fails on an absent one, per language.
        let memberFails: Bool
        switch language {
        case .javascript, .python, .java, .ruby: memberFails = true
        default: memberFails = false
        }
        /// A step called with `?.`/`&.`, or one nil answers with a value: later calls are on that.
        var guarded = false
        for _ in 0..<Self.maxChain {
            var member = -1
            var safe = false
            if isPunct(t, ".") {
                member = t + 1
            } else if isPair(t, "?", ".") {
                member = t + 2
                safe = true
            } else if language == .ruby && isPair(t, "&", ".") {
                member = t + 2
                safe = true
            }
            if member >= 0 {
                guard isIdentifier(member) else { chain.end = t; return chain }
                if isDefaultMethod(member) {
                    chain.defaulted = true
                    return chain
                }
                if language == .rust {
                    if isWord(member, "ok") { optional = true }
                    if !optional && (isWord(member, "unwrap") || isWord(member, "expect")) { chain.insists = true }
                } else if safe {
                    guarded = true
                } else if language == .ruby && isNilSafeRubyMethod(member) {
                    // `.to_s`, `.to_i`…: the value is no longer nil; `.presence` still may be.
                    if !isWord(member, "presence") && !isWord(member, "try") { guarded = true }
                } else if memberFails && !guarded {
                    chain.insists = true
                }
                t = member + 1
            } else if (isPunct(t, "(") || isPunct(t, "[")) && partner[t] >= 0 {
                t = Int(partner[t]) + 1
            } else if language == .rust && isPunct(t, "?") {
                if !optional { chain.insists = true }
                t += 1
            } else if language == .kotlin && isPair(t, "!", "!") {
                chain.insists = true
                t += 2
            } else if language == .javascript && isPunct(t, "!") && !isPair(t, "!", "=") {
                t += 1
            } else {
                chain.end = t
                return chain
            }
        }
        chain.end = t
        return chain
    }

    /// A default operator at `t` (`||`, `??`, `?:`, Python's `or`): `default` when it gives one,
    /// `raises` when what follows insists on the variable instead (`|| raise "…"`, `?: throw …`).
    private func operatorAt(_ t: Int) -> (isDefault: Bool, raises: Bool) {
        let after: Int
        switch language {
        case .javascript where isPair(t, "|", "|") || isPair(t, "?", "?"): after = t + 2
        case .ruby where isPair(t, "|", "|"), .elixir where isPair(t, "|", "|"): after = t + 2
        case .python where isWord(t, "or"): after = t + 1
        case .php where isPair(t, "?", ":") || isPair(t, "?", "?"): after = t + 2
        case .kotlin where isPair(t, "?", ":"): after = t + 2
        default: return (false, false)
        }
        let raises = isWord(after, "raise") || isWord(after, "throw") || isWord(after, "fail") || isWord(after, "error")
            || isWord(after, "die") || isWord(after, "exit") || isWord(after, "panic") || isWord(after, "abort")
        return (!raises, raises)
    }

    /// A literal operand: a string, a number, or nil/None/null/undefined/true/false.
    private func isLiteralOperand(_ t: Int) -> Bool {
        guard t >= 0 && t < tokens.count else { return false }
        switch tokens[t].kind {
        case .string, .number: return true
        case .identifier:
            return isWord(t, "nil") || isWord(t, "None") || isWord(t, "null") || isWord(t, "undefined")
                || isWord(t, "true") || isWord(t, "false") || isWord(t, "True") || isWord(t, "False")
        case .punctuation:
            // A symbol (`:prod`) in Ruby and Elixir.
            return (language == .ruby || language == .elixir) && isPunct(t, ":") && isIdentifier(t + 1)
                && tokens[t + 1].start == tokens[t].end
        }
    }

    /// `==`, `!=`, `===`, `!==` starting at `t`: the index after the operator, or nil.
    private func comparison(at t: Int) -> Int? {
        guard isPair(t, "=", "=") || isPair(t, "!", "=") else { return nil }
        return isPunct(t + 2, "=") && tokens[t + 2].start == tokens[t + 1].end ? t + 3 : t + 2
    }

    /// The read (tokens `start` to the operator at `after`) is compared with a literal
    /// (`process.env.X === "true"`, `"1" == os.getenv("X")`, `os.getenv("X") in ("1", "yes")`), or
    /// matched (`case System.get_env("X") do`, `switch (process.env.X)`): not a requirement.
    private func isLiteralComparison(start: Int, after a: Int) -> Bool {
        if let operand = comparison(at: a), isLiteralOperand(operand) { return true }
        if language == .python || language == .elixir {
            var k = a
            if isWord(k, "not") { k += 1 }
            if isWord(k, "in") && (isPunct(k + 1, "(") || isPunct(k + 1, "[") || isPunct(k + 1, "{")) { return true }
        }
        // The literal on the left: `"x" == read`, `'x' !== read`.
        var k = start - 1
        var run = 0
        while run < 3 && (isPunct(k, "=") || isPunct(k, "!")) && (run == 0 || tokens[k].end == tokens[k + 1].start) {
            k -= 1
            run += 1
        }
        if run >= 2, let past = comparison(at: k + 1), past == start, isLiteralOperand(k) { return true }
        if isWord(start - 1, "case") && (language == .ruby || language == .elixir) { return true }
        if isPunct(start - 1, "(") && isWord(start - 2, "switch") && partner[start - 1] == Int32(a) { return true }
        if isWord(start - 1, "match") && language == .rust { return true }
        return false
    }

    /// The read is only tested for presence: `!read`, `not read`, `if read`, `if (read)`,
    /// `read ? a : b`, `read && …`, `if v := read:`, `Boolean(read)`.
    private func isPresenceTest(start: Int, after a: Int) -> Bool {
        let p = start - 1
        let conditionWords = isWord(p, "if") || isWord(p, "unless") || isWord(p, "elsif") || isWord(p, "elif")
            || isWord(p, "while") || isWord(p, "until")
        switch language {
        case .ruby, .python, .elixir:
            if conditionWords { return true }
            if language == .python && isWord(p, "not") { return true }
            if language != .python && isPunct(p, "!") { return true }
            // `if v := read:` (Python), `if v = read` (Ruby, Elixir).
            if language == .python && isPair(p - 1, ":", "=") && isIdentifier(p - 2)
                && (isWord(p - 3, "if") || isWord(p - 3, "elif") || isWord(p - 3, "while")) { return true }
            if language != .python && isPunct(p, "=") && !isPunct(p - 1, "=") && isIdentifier(p - 1)
                && (isWord(p - 2, "if") || isWord(p - 2, "unless") || isWord(p - 2, "while")) { return true }
            if isWord(a, "and") || isPair(a, "&", "&") { return true }
            if language == .ruby && isPunct(a, "?") { return true }
        case .javascript, .php, .java, .kotlin:
            if isPunct(p, "!") { return true }
            if isPunct(p, "(") && (isWord(p - 1, "if") || isWord(p - 1, "while") || isWord(p - 1, "elseif") || isWord(p - 1, "Boolean"))
                && partner[p] == Int32(a) { return true }
            if isPair(a, "&", "&") { return true }
            if isPunct(a, "?") && !isPair(a, "?", ".") && !isPair(a, "?", "?") && !isPair(a, "?", ":") { return true }
        case .go, .rust:
            if isWord(p, "if") && language == .rust { return true }
        }
        return false
    }

    /// A word that ends the program or raises: what follows a test for a missing variable when
    /// the code insists on it.
    private func isRaise(_ t: Int) -> Bool {
        isWord(t, "raise") || isWord(t, "throw") || isWord(t, "fail") || isWord(t, "abort") || isWord(t, "die")
            || isWord(t, "panic") || (isWord(t, "process") && isPunct(t + 1, ".") && isWord(t + 2, "exit"))
            || (isWord(t, "sys") && isPunct(t + 1, ".") && isWord(t + 2, "exit")) || isWord(t, "exit")
    }

    /// The read is tested for absence and the code then stops: `if (!process.env.X) throw …`,
    /// `if not os.getenv("X"): raise …`, `raise "…" unless ENV["X"]`, `unless ENV["X"] then raise`.
    private func failsWhenAbsent(start: Int, after a: Int) -> Bool {
        let p = start - 1
        switch language {
        case .javascript, .php, .java, .kotlin:
            guard isPunct(p, "!"), isPunct(p - 1, "("), isWord(p - 2, "if"), partner[p - 1] == Int32(a) else { return false }
            return isRaise(a + 1) || (isPunct(a + 1, "{") && isRaise(a + 2))
        case .python:
            guard isWord(p, "not"), isWord(p - 1, "if") else { return false }
            return isPunct(a, ":") && isRaise(a + 1)
        case .ruby:
            guard isWord(p, "unless") else { return false }
            if isRaise(a) || (isWord(a, "then") && isRaise(a + 1)) { return true }
            // `raise "…" unless ENV["X"]`: the line's first token raises.
            var k = p - 1
            while k > 0 && k > p - 64 && tokens[k - 1].line == tokens[p].line { k -= 1 }
            return k >= 0 && k < p && tokens[k].line == tokens[p].line && isRaise(k)
        default:
            return false
        }
    }

    /// Records the read whose name is token `nameToken`, whose expression starts at token
    /// `start` and ends before `end`, unless it is written (`mayBeWritten`: an index or property
    /// form), given a default, only tested for presence or compared with a literal. `insists`:
    /// the form itself fails when the variable is absent (`ENV.fetch("X")`, `os.environ["X"]`).
    private mutating func report(_ nameToken: Int, start: Int, end: Int, mayBeWritten: Bool, insists: Bool = false) {
        if mayBeWritten && isAssignment(at: end) { return }
        var chain = afterChain(end)
        if chain.defaulted {
            noteTested(nameToken)
            return
        }
        var after = chain.end
        var op = operatorAt(after)
        if op.isDefault { return }
        if !insists && !chain.insists && !op.raises && failsWhenAbsent(start: start, after: after) {
            guard let name = name(nameToken) else { return }
            found.append(Found(name: name, line: Int(tokens[nameToken].line), insists: true))
            return
        }
        if !insists && !chain.insists && !op.raises {
            if isLiteralComparison(start: start, after: after) || isPresenceTest(start: start, after: after) {
                noteTested(nameToken)
                return
            }
            // A read wrapped in one call (`Number(process.env.X) || 86400`, `int(os.getenv("X")) == 1`):
            // what follows the call counts as following the read.
            if isPunct(after, ")") && isPunct(start - 1, "(") && partner[start - 1] == Int32(after) && isIdentifier(start - 2)
                && !isWord(start - 2, "if") && !isWord(start - 2, "while") && !isWord(start - 2, "elseif") {
                if isWord(start - 2, "Boolean") || isWord(start - 2, "bool") { return }
                // The call converts the value (`String(x)`, `Number(x)`): what is called on its
                // result is not called on an absent variable's nil.
                let outer = afterChain(after + 1)
                if outer.defaulted { return }
                after = outer.end
                op = operatorAt(after)
                if op.isDefault { return }
                if !op.raises && (isLiteralComparison(start: start - 2, after: after) || isPresenceTest(start: start - 2, after: after)) {
                    noteTested(nameToken)
                    return
                }
            }
        }
        guard let name = name(nameToken) else { return }
        // A method called on the value after the same file tested the variable's presence
        // (`if (process.env.X) { process.env.X.split(",") }`) is guarded by that test.
        if chain.insists && !insists && !op.raises && tested.contains(name) { chain.insists = false }
        found.append(Found(name: name, line: Int(tokens[nameToken].line), insists: insists || chain.insists || op.raises))
    }

    /// Remembers that the file tests the presence of (or compares) the variable named at `t`.
    private mutating func noteTested(_ t: Int) {
        if let name = name(t) { tested.insert(name) }
    }

    // MARK: the forms, per language

    private mutating func match(at t: Int) {
        switch language {
        case .go:
            if isWord(t, "os") && isPunct(t + 1, ".") && (isWord(t + 2, "Getenv") || isWord(t + 2, "LookupEnv")),
               let call = literalCall(t + 3), !call.more {
                report(call.name, start: t, end: call.end, mayBeWritten: false)
            } else if isWord(t, "EnvVars") {
                matchEnvVarList(at: t)
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
                report(u + 1, start: t, end: u + 2, mayBeWritten: true)
            } else if isPunct(u, "["), isLiteralName(u + 1), isPunct(u + 2, "]") {
                report(u + 1, start: t, end: u + 3, mayBeWritten: true)
            }
        case .rust:
            // env::var("X"), std::env::var("X"), env::var_os("X"); env!("X") is compile-time.
            if isWord(t, "env") && isPair(t + 1, ":", ":") && (isWord(t + 3, "var") || isWord(t + 3, "var_os")),
               let call = literalCall(t + 4), !call.more {
                let start = isPair(t - 2, ":", ":") && isWord(t - 3, "std") ? t - 3 : t
                report(call.name, start: start, end: call.end, mayBeWritten: false)
            } else if isWord(t, "env") && isPunct(t + 1, "=") && !isPunct(t + 2, "=") && isLiteralName(t + 2)
                        && (isPunct(t - 1, ",") || isPunct(t - 1, "(")) {
                // clap: #[arg(long, env = "X")] reads the variable when the flag is not given.
                if let name = name(t + 2) { found.append(Found(name: name, line: Int(tokens[t + 2].line), insists: false)) }
            }
        case .java, .kotlin:
            if language == .java && isPunct(t - 1, "@") && isWord(t, "Value") && isPunct(t + 1, "(") && partner[t + 1] >= 0 {
                matchSpringValue(at: t + 2, end: Int(partner[t + 1]))
                return
            }
            guard isWord(t, "System") && isPunct(t + 1, ".") && isWord(t + 2, "getenv") else { return }
            if let call = literalCall(t + 3), !call.more {
                report(call.name, start: t, end: call.end, mayBeWritten: false)
            } else if isPunct(t + 3, "(") && isPunct(t + 4, ")") && isPunct(t + 5, ".") && isWord(t + 6, "get"),
                      let call = literalCall(t + 7), !call.more {
                report(call.name, start: t, end: call.end, mayBeWritten: false)
            }
        case .php:
            matchPHP(at: t)
        case .elixir:
            guard isWord(t, "System") && isPunct(t + 1, ".")
                    && (isWord(t + 2, "get_env") || isWord(t + 2, "fetch_env!") || isWord(t + 2, "fetch_env")) else { return }
            // System.fetch_env!/1 raises when the variable is absent; get_env returns nil and
            // fetch_env :error. A get_env converted straight away raises on that nil too:
            // `String.to_integer(System.get_env("X"))`, `System.get_env("X") |> String.to_integer()`.
            var insists = isWord(t + 2, "fetch_env!")
            if let call = literalCall(t + 3) {
                if isWord(t + 2, "get_env") && !call.more {
                    insists = insists || (isPunct(t - 1, "(") && partner[t - 1] == Int32(call.end) && isElixirConversion(endingAt: t - 2))
                        || (isPunct(call.end, "|") && isPunct(call.end + 1, ">") && tokens[call.end + 1].start == tokens[call.end].end
                            && isElixirConversion(startingAt: call.end + 2))
                }
                if !call.more { report(call.name, start: t, end: call.end, mayBeWritten: false, insists: insists) }
            } else if isLiteralName(t + 3) && !isPunct(t + 4, ",") {
                report(t + 3, start: t, end: t + 4, mayBeWritten: false, insists: insists)
            }
        }
    }

    /// Elixir conversions that raise on nil: `String.to_integer`, `String.to_float`,
    /// `String.to_atom`, `String.to_existing_atom`, `Integer.parse`, `Float.parse`. `endingAt`:
    /// the function name's token; `startingAt`: the module's.
    private func isElixirConversion(endingAt t: Int) -> Bool {
        t >= 2 && isPunct(t - 1, ".") && isElixirConversion(module: t - 2, function: t)
    }

    private func isElixirConversion(startingAt t: Int) -> Bool {
        isPunct(t + 1, ".") && isElixirConversion(module: t, function: t + 2)
    }

    private func isElixirConversion(module: Int, function: Int) -> Bool {
        (isWord(module, "String") && (isWord(function, "to_integer") || isWord(function, "to_float")
                                      || isWord(function, "to_atom") || isWord(function, "to_existing_atom")))
            || ((isWord(module, "Integer") || isWord(module, "Float")) && isWord(function, "parse"))
    }

    /// urfave/cli: `EnvVars: []string{"A", "B"}` (v2) and `cli.EnvVars("A", "B")` (v3): the flag
    /// falls back to these variables, so each is a read that tolerates absence.
    private mutating func matchEnvVarList(at t: Int) {
        var open = -1
        if isPunct(t + 1, ":") && isPunct(t + 2, "[") && isPunct(t + 3, "]") && isWord(t + 4, "string") && isPunct(t + 5, "{") {
            open = t + 5
        } else if isPunct(t - 1, ".") && isPunct(t + 1, "(") {
            open = t + 1
        }
        guard open >= 0, partner[open] >= 0 else { return }
        let close = Int(partner[open])
        var k = open + 1
        while k < close && k < open + 64 {
            if isLiteralName(k), let name = name(k) { found.append(Found(name: name, line: Int(tokens[k].line), insists: false)) }
            k += 1
        }
    }

    /// Spring: `@Value("${NAME}")` fails the application's start when nothing resolves NAME;
    /// `${NAME:default}` gives a default. Only names written like environment variables
    /// (upper case, digits, `_`) count: a dotted property comes from the application's files.
    private mutating func matchSpringValue(at t: Int, end: Int) {
        guard t < end, tokens[t].kind == .string, tokens[t].literal else { return }
        let start = Int(tokens[t].start), stop = Int(tokens[t].end)
        guard stop - start >= 4, b[start] == UInt8(ascii: "$"), b[start + 1] == UInt8(ascii: "{"),
              b[stop - 1] == UInt8(ascii: "}"), stop - start - 3 <= EnvironmentReadScanner.maxNameLength else { return }
        for k in (start + 2)..<(stop - 1) {
            let c = b[k]
            let upper = c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")
            let digit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            guard upper || c == UInt8(ascii: "_") || (digit && k > start + 2) else { return }
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: b[(start + 2)..<(stop - 1)]), as: UTF8.self)
        found.append(Found(name: name, line: Int(tokens[t].line), insists: true))
    }

    private mutating func matchPython(at t: Int) {
        if isWord(t, "from") && isWord(t + 1, "os") && isWord(t + 2, "import") {
            noteImports(after: t + 2)
            return
        }
        // django-environ: `env = environ.Env(…)`, then `env("X")`, `env.str("X")`, `env.bool("X")`…
        // raise ImproperlyConfigured when the variable is absent and no default is given.
        if isWord(t, "environ") && isPunct(t + 1, ".") && isWord(t + 2, "Env") && isPunct(t + 3, "(") {
            usesDjangoEnviron = true
            return
        }
        if usesDjangoEnviron && isWord(t, "env") && !isPunct(t - 1, ".") && !isWord(t - 1, "def") {
            var open = t + 1
            if isPunct(t + 1, "."), isIdentifier(t + 2), isPunct(t + 3, "(") { open = t + 3 }
            if let call = literalCall(open), !call.more {
                report(call.name, start: t, end: call.end, mayBeWritten: false, insists: true)
            }
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
                // KeyError when absent.
                report(subject + 2, start: t, end: subject + 4, mayBeWritten: true, insists: true)
            } else if isPunct(subject + 1, ".") && isWord(subject + 2, "get"), let call = literalCall(subject + 3), !call.more {
                report(call.name, start: t, end: call.end, mayBeWritten: false)
            }
        } else if isWord(subject, "getenv"), let call = literalCall(subject + 1), !call.more {
            report(call.name, start: t, end: call.end, mayBeWritten: false)
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
            report(t + 2, start: t, end: t + 4, mayBeWritten: true)
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
            // KeyError when absent.
            report(nameToken, start: t, end: end, mayBeWritten: false, insists: true)
        }
    }

    private mutating func matchPHP(at t: Int) {
        // isset($_ENV['X']), unset(…), empty(…) test or remove.
        let tested = isPunct(t - 1, "(") && (isWord(t - 2, "isset", ignoringCase: true) || isWord(t - 2, "unset", ignoringCase: true)
                                              || isWord(t - 2, "empty", ignoringCase: true))
        // `->name(` and `::name(` are methods (`=> name(` in an array is not), `function name(` a definition.
        let method = (isPunct(t - 1, ">") && isPunct(t - 2, "-") && tokens[t - 2].end == tokens[t - 1].start)
            || isPunct(t - 1, ":") || isWord(t - 1, "function", ignoringCase: true)
        if isWord(t, "getenv", ignoringCase: true) {
            // Not a method (`->getenv(`, `::getenv(`) nor its definition; a second argument is `local_only`.
            guard !method && !tested, let call = literalCall(t + 1) else { return }
            report(call.name, start: t, end: call.end, mayBeWritten: false)
        } else if isWord(t, "env") && !method && !tested, let call = literalCall(t + 1) {
            // Laravel's env('X'): null when absent; a second argument is the default.
            if !call.more { report(call.name, start: t, end: call.end, mayBeWritten: false) }
        } else if isWord(t, "Env") && isPair(t + 1, ":", ":") && isWord(t + 3, "getOrFail"), let call = literalCall(t + 4), !call.more {
            // Laravel's Env::getOrFail('X') throws when absent.
            report(call.name, start: t, end: call.end, mayBeWritten: false, insists: true)
        } else if isWord(t, "$_ENV") && !tested, isPunct(t + 1, "["), isLiteralName(t + 2), isPunct(t + 3, "]") {
            report(t + 2, start: t, end: t + 4, mayBeWritten: true)
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
