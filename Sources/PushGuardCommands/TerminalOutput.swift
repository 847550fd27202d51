import PushGuardSystem

/// Colour for a person at a terminal: never in a pipe or file, never with NO_COLOR set
/// (no-color.org) or on a dumb terminal.
enum Colour {
    enum Code: String {
        case green = "32"
        case red = "31"
    }

    static var enabled: Bool {
        Terminal.outputIsTerminal && (processEnvironment("NO_COLOR") ?? "").isEmpty && processEnvironment("TERM") != "dumb"
    }

    static func paint(_ text: String, _ code: Code) -> String { "\u{1b}[\(code.rawValue)m" + text + "\u{1b}[0m" }
}

/// "12 of 40: …" on one rewritten line of stderr while long work runs at a terminal; nothing
/// at all otherwise, so logs and scripts see only the results.
struct Progress {
    let total: Int
    let enabled: Bool
    private var shown = false

    init(total: Int) {
        self.total = total
        enabled = total > 1 && Terminal.errorIsTerminal && processEnvironment("TERM") != "dumb"
    }

    /// Shows step `done` of `total`.
    mutating func update(_ done: Int, _ what: String) {
        guard enabled else { return }
        var text = "\(done) of \(total): " + what
        if text.count > 76 { text = String(text.prefix(75)) + "…" }
        printError(["\r\u{1b}[K" + text], terminator: "")
        shown = true
    }

    /// Takes the progress line away (before printing results, and at the end).
    mutating func clear() {
        guard shown else { return }
        printError(["\r\u{1b}[K"], terminator: "")
        shown = false
    }
}
