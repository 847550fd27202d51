/// A glob compiled to a bit-parallel automaton: every position of the pattern is one bit, and
/// each byte of the text moves all of them at once with a few word operations. Matching costs
/// at most `stepsPerByte` steps per byte of the text, never more: no backtracking, and no
/// pass over the pattern per byte. `pushguard.scanIgnore` (`Glob`) and ref mappings
/// (`RefPattern`) both match with it.
struct GlobAutomaton: Equatable, Sendable {
    /// A set of bytes.
    struct ByteSet: Equatable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (a: ByteSet, b: ByteSet) -> Bool { a.words == b.words }

        init() {}

        /// Every byte.
        static let all: ByteSet = {
            var set = ByteSet()
            set.words = (~0, ~0, ~0, ~0)
            return set
        }()

        /// Every byte but `/`.
        static let notSlash: ByteSet = {
            var set = ByteSet.all
            set.remove(UInt8(ascii: "/"))
            return set
        }()

        static func just(_ byte: UInt8) -> ByteSet {
            var set = ByteSet()
            set.insert(byte)
            return set
        }

        /// The set's only byte, when it has exactly one.
        var single: UInt8? {
            let all = [words.0, words.1, words.2, words.3]
            guard all.reduce(0, { $0 + $1.nonzeroBitCount }) == 1, let word = all.firstIndex(where: { $0 != 0 }) else { return nil }
            return UInt8(word * 64 + all[word].trailingZeroBitCount)
        }

        func contains(_ byte: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: return words.0 & bit != 0
            case 1: return words.1 & bit != 0
            case 2: return words.2 & bit != 0
            default: return words.3 & bit != 0
            }
        }

        mutating func insert(_ byte: UInt8) {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func remove(_ byte: UInt8) {
            let bit = ~(UInt64(1) << UInt64(byte & 63))
            switch byte >> 6 {
            case 0: words.0 &= bit
            case 1: words.1 &= bit
            case 2: words.2 &= bit
            default: words.3 &= bit
            }
        }
    }

    enum Piece: Equatable, Sendable {
        /// One byte of the set.
        case one(ByteSet)
        /// Any run of bytes of the set, the empty run included.
        case run(ByteSet)
        /// The start of `**/`, which matches any run ending in `/` or nothing at all: followed by
        /// `.run(.all)` and `.one(/)`, and either goes through them or jumps past them.
        case branch
    }

    /// Words per state vector: one bit per position of the pattern, plus the end.
    let width: Int
    /// `advance[byte * width + w]`: the positions whose piece consumes `byte` and moves on.
    private let advance: [UInt64]
    /// `stay[byte * width + w]`: the positions whose run takes `byte` and stays.
    private let stay: [UInt64]
    /// Positions left without consuming a byte (runs, branches): each reaches the next.
    private let skippable: [UInt64]
    /// Branch positions: each also reaches the position three further on (past its `**/`).
    private let branches: [UInt64]
    /// The position after the last piece: the text matched when it is reached at the end.
    private let end: Int
    /// The bytes every match ends with (the pattern's trailing literal bytes, as in `*.gen.go`):
    /// a text without them is refused before the automaton runs.
    private let suffix: [UInt8]

    /// The most steps one byte of text costs: `stepsPerByte(width)` (see `matches`).
    static func stepsPerByte(width: Int) -> Int { 7 * width }

    init(_ pieces: [Piece]) {
        let positions = pieces.count + 1
        let width = (positions + 63) / 64
        var advance = [UInt64](repeating: 0, count: 256 * width)
        var stay = [UInt64](repeating: 0, count: 256 * width)
        var skippable = [UInt64](repeating: 0, count: width)
        var branches = [UInt64](repeating: 0, count: width)
        for (index, piece) in pieces.enumerated() {
            let word = index / 64, bit = UInt64(1) << UInt64(index % 64)
            let set: ByteSet
            switch piece {
            case .one(let bytes):
                set = bytes
            case .run(let bytes):
                skippable[word] |= bit
                for byte in 0..<256 where bytes.contains(UInt8(byte)) { stay[byte * width + word] |= bit }
                continue
            case .branch:
                skippable[word] |= bit
                branches[word] |= bit
                continue
            }
            if let byte = set.single {
                advance[Int(byte) * width + word] |= bit
            } else {
                for byte in 0..<256 where set.contains(UInt8(byte)) { advance[byte * width + word] |= bit }
            }
        }
        self.width = width
        self.advance = advance
        self.stay = stay
        self.skippable = skippable
        self.branches = branches
        self.end = pieces.count
        var suffix: [UInt8] = []
        for index in pieces.indices.reversed() {
            // The `/` of a `**/` may be left out: it is no byte every match ends with.
            if index >= 2 && pieces[index - 2] == .branch { break }
            guard case .one(let set) = pieces[index], let byte = set.single else { break }
            suffix.append(byte)
        }
        self.suffix = suffix.reversed()
    }

    func matches<Bytes: Collection>(_ text: Bytes) -> Bool where Bytes.Element == UInt8 {
        var steps = 0
        return matches(text, steps: &steps)
    }

    /// True when the whole of `text` matches; `steps` grows by the word operations done, at
    /// most `stepsPerByte(width:)` per byte plus one closure at the start (and one per byte of
    /// the pattern's literal end, compared first).
    func matches<Bytes: Collection>(_ text: Bytes, steps: inout Int) -> Bool where Bytes.Element == UInt8 {
        if !suffix.isEmpty {
            steps += suffix.count
            guard text.count >= suffix.count, text.suffix(suffix.count).elementsEqual(suffix) else { return false }
        }
        if width == 1 { return matchesInOneWord(text, steps: &steps) }
        var current = [UInt64](repeating: 0, count: width)
        var next = current
        current[0] = 1
        close(&current, steps: &steps)
        for byte in text {
            let row = Int(byte) * width
            var any: UInt64 = 0
            var carry: UInt64 = 0
            // Moved: the positions whose piece took the byte, shifted to the next position
            // (carrying across words), and the runs that took it and stay.
            for w in 0..<width {
                let moved = current[w] & advance[row + w]
                next[w] = (moved << 1) | carry | (current[w] & stay[row + w])
                carry = moved >> 63
                any |= next[w]
            }
            steps += 2 * width
            if any == 0 { return false }
            close(&next, steps: &steps)
            swap(&current, &next)
        }
        return current[end / 64] & (UInt64(1) << UInt64(end % 64)) != 0
    }

    /// `matches` for patterns of at most 63 positions (nearly all): the same steps on one word
    /// held in a register, with nothing allocated.
    private func matchesInOneWord<Bytes: Collection>(_ text: Bytes, steps: inout Int) -> Bool where Bytes.Element == UInt8 {
        let skippable = skippable[0], branches = branches[0]
        func close(_ states: UInt64) -> UInt64 {
            var states = states | ((skippable &+ (states & skippable)) ^ skippable)
            states |= (states & branches) << 3
            return states | ((skippable &+ (states & skippable)) ^ skippable)
        }
        var current = close(1)
        steps += 5
        for byte in text {
            let row = Int(byte)
            current = ((current & advance[row]) << 1) | (current & stay[row])
            steps += 2
            if current == 0 { return false }
            current = close(current)
            steps += 5
        }
        return current & (UInt64(1) << UInt64(end)) != 0
    }

    /// Adds the positions reachable without consuming a byte: from a skippable position, the
    /// next, through a whole stretch of skippable positions; from a branch, past its `**/`.
    /// Adding the reached skippable bits to the skippable mask carries through each stretch up
    /// to the position after it (the carry-propagation fill), so a stretch of any length costs
    /// the same few word operations. Patterns are built so that what a jump past a `**/`
    /// reaches needs one more fill and no further jump (see `Glob`).
    private func close(_ states: inout [UInt64], steps: inout Int) {
        fill(&states)
        var carry: UInt64 = 0
        for w in 0..<width {
            let jumping = states[w] & branches[w]
            states[w] |= (jumping << 3) | carry
            carry = jumping >> 61
        }
        fill(&states)
        steps += 5 * width
    }

    private func fill(_ states: inout [UInt64]) {
        var carry: UInt64 = 0
        for w in 0..<width {
            let reached = states[w] & skippable[w]
            let (partial, overflow1) = skippable[w].addingReportingOverflow(reached)
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            carry = (overflow1 || overflow2) ? 1 : 0
            states[w] |= sum ^ skippable[w]
        }
    }
}
