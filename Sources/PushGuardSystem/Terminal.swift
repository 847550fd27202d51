import Glibc
import PushGuardCore

/// Reading a secret from whoever runs a command.
public enum Terminal {
    /// True when standard input is a terminal (a person typing, not a pipe).
    public static var inputIsTerminal: Bool { isatty(0) == 1 }

    /// True when standard output is a terminal (a person reading, not a pipe or file).
    public static var outputIsTerminal: Bool { isatty(1) == 1 }

    /// True when standard error is a terminal.
    public static var errorIsTerminal: Bool { isatty(2) == 1 }

    /// Prompts on stderr and reads one line from the terminal on stdin with echo off, so the
    /// value never shows on screen or in a terminal's scrollback. Echo is restored even when
    /// reading fails.
    public static func readHidden(prompt: String, limit: Int) throws(Failure) -> [UInt8] {
        printError([prompt], terminator: "")
        var saved = termios()
        let canHide = tcgetattr(0, &saved) == 0
        if canHide {
            var hidden = saved
            hidden.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(0, TCSAFLUSH, &hidden)
        }
        defer {
            if canHide { _ = tcsetattr(0, TCSAFLUSH, &saved) }
            printError([""], terminator: "")
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(0, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .failed("read", "the terminal") }
            if count == 0 || byte == UInt8(ascii: "\n") { break }
            line.append(byte)
            if line.count > limit { throw Failure.system("the value typed is longer than \(limit) bytes") }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}
