import Glibc
import PushGuardCore

/// How a child process ended.
public struct ProcessResult: Sendable {
    /// The exit status, or 128 + signal number when killed by a signal.
    public var status: Int32
    /// Standard output, when captured (bounded by the caller's limit).
    public var output: [UInt8]
    /// The process (and its group) was killed because the deadline passed.
    public var timedOut: Bool
    /// Output went past the limit and the rest was dropped.
    public var outputTruncated: Bool
    /// Standard error, when captured on its own: its last `standardErrorLimit` bytes.
    public var standardError: [UInt8] = []
    /// Standard error went past its limit and its beginning was dropped.
    public var standardErrorTruncated = false
}

/// The environment a child starts with.
public enum ChildEnvironment: Sendable, Equatable {
    /// This process's whole environment with `adding` set on top: for a hook kept from before
    /// PushGuard, which git would have run with all of git's environment.
    case inherited(adding: [String: String])
    /// Exactly these variables and nothing else.
    case exactly([String: String])

    /// What PushGuard's own children (the transmit command, an exec helper) get: the variables of
    /// `PassedEnvironment.always` and those `passing` names (`pushguard.passEnv`) that this
    /// process has, never git's quarantine, then `setting` on top. Nothing else of the hook's
    /// environment (a `PGPASSWORD`, git's `GIT_*`, the pusher's push options) reaches them.
    public static func scrubbed(passing names: [String] = [], setting values: [String: String] = [:]) -> ChildEnvironment {
        var environment: [String: String] = [:]
        for name in PassedEnvironment.always + names where !PassedEnvironment.quarantine.contains(name) {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        for (name, value) in values { environment[name] = value }
        return .exactly(environment)
    }

    /// `NAME=VALUE` strings for `posix_spawn`.
    var entries: [String] {
        switch self {
        case .exactly(let variables):
            return variables.map { $0.key + "=" + $0.value }
        case .inherited(let extra):
            var environment: [String] = []
            var index = 0
            while let entry = environ[index] {
                let text = String(cString: entry)
                let name = text.prefix { $0 != "=" }
                if extra[String(name)] == nil { environment.append(text) }
                index += 1
            }
            for (name, value) in extra { environment.append(name + "=" + value) }
            return environment
        }
    }
}

/// Runs programs the way hooks need: stdin fed from memory, stdout captured or passed through,
/// stderr passed through (git relays it to the pusher) or captured, the whole process group
/// killed when a deadline passes so helpers that fork cannot outlive the hook.
public enum Subprocess {
    /// `environment`: PushGuard's own children get `.scrubbed(…)`; the default passes this
    /// process's environment on. `captureStandardError` keeps the last `standardErrorLimit`
    /// bytes of stderr in the result instead of passing them through (ignored when
    /// `mergeStandardError` sends stderr into the captured output). A process that could not
    /// be started is a .usage failure (exit 2).
    public static func run(_ arguments: [String], input: [UInt8] = [], environment: ChildEnvironment = .inherited(adding: [:]),
                           captureOutput: Bool, mergeStandardError: Bool = false, outputLimit: Int = 4 << 20,
                           captureStandardError: Bool = false, standardErrorLimit: Int = 64 << 10,
                           timeoutMilliseconds: Int? = nil) throws(Failure) -> ProcessResult {
        guard let program = arguments.first else { throw Failure.usage("no program given") }
        let separateError = captureStandardError && !(captureOutput && mergeStandardError)
        signal(SIGPIPE, SIG_IGN)
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard makePipe(&stdinPipe) else { throw Failure.usage("pipe: \(lastErrorText())") }
        if captureOutput && !makePipe(&stdoutPipe) {
            close(stdinPipe[0]); close(stdinPipe[1])
            throw Failure.usage("pipe: \(lastErrorText())")
        }
        if separateError && !makePipe(&stderrPipe) {
            close(stdinPipe[0]); close(stdinPipe[1])
            if captureOutput { close(stdoutPipe[0]); close(stdoutPipe[1]) }
            throw Failure.usage("pipe: \(lastErrorText())")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        if captureOutput { posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1) }
        if captureOutput && mergeStandardError { posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 2) }
        if separateError { posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let spawned = withCStrings(arguments) { argv in
            withCStrings(environment.entries) { envp in
                posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
            }
        }
        close(stdinPipe[0])
        if captureOutput { close(stdoutPipe[1]) }
        if separateError { close(stderrPipe[1]) }
        guard spawned == 0 else {
            close(stdinPipe[1])
            if captureOutput { close(stdoutPipe[0]) }
            if separateError { close(stderrPipe[0]) }
            throw Failure.usage("cannot run \(escapedForTerminal(program)): \(String(cString: strerror(spawned)))")
        }

        let deadline = timeoutMilliseconds.map { Clock.monotonicMilliseconds() + $0 }
        var result = ProcessResult(status: 0, output: [], timedOut: false, outputTruncated: false)
        var inputOffset = 0
        var inputFD: Int32 = stdinPipe[1]
        var outputFD: Int32 = captureOutput ? stdoutPipe[0] : -1
        var errorFD: Int32 = separateError ? stderrPipe[0] : -1
        if input.isEmpty { close(inputFD); inputFD = -1 }
        if inputFD >= 0 { _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while inputFD >= 0 || outputFD >= 0 || errorFD >= 0 {
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - Clock.monotonicMilliseconds()
                if left <= 0 { result.timedOut = true; break }
                wait = Int32(min(left, 1000))
            }
            var fds: [pollfd] = []
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            if outputFD >= 0 { fds.append(pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)) }
            if errorFD >= 0 { fds.append(pollfd(fd: errorFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            for fd in fds where fd.revents != 0 {
                if fd.fd == inputFD {
                    let written = input.withUnsafeBytes { write(inputFD, $0.baseAddress! + inputOffset, input.count - inputOffset) }
                    if written > 0 { inputOffset += written }
                    if written < 0 && errno == EAGAIN { continue }
                    if written <= 0 || inputOffset == input.count { close(inputFD); inputFD = -1 }
                } else if fd.fd == outputFD {
                    let count = buffer.withUnsafeMutableBytes { read(outputFD, $0.baseAddress, 65536) }
                    if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                    if count <= 0 { close(outputFD); outputFD = -1; continue }
                    let room = outputLimit - result.output.count
                    if count > room { result.outputTruncated = true }
                    result.output += buffer.prefix(max(0, min(count, room)))
                } else if fd.fd == errorFD {
                    let count = buffer.withUnsafeMutableBytes { read(errorFD, $0.baseAddress, 65536) }
                    if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                    if count <= 0 { close(errorFD); errorFD = -1; continue }
                    // The end of stderr is where a failing program says why: keep the tail.
                    result.standardError += buffer.prefix(count)
                    let excess = result.standardError.count - standardErrorLimit
                    if excess > 0 {
                        result.standardError.removeFirst(excess)
                        result.standardErrorTruncated = true
                    }
                }
            }
        }
        if inputFD >= 0 { close(inputFD) }
        if outputFD >= 0 { close(outputFD) }
        if errorFD >= 0 { close(errorFD) }
        if !result.timedOut, let deadline {
            // Output closed; the process may still be running: wait for it within the deadline.
            while waitpid(pid, &result.status, WNOHANG) == 0 {
                if Clock.monotonicMilliseconds() >= deadline { result.timedOut = true; break }
                usleep(2000)
            }
            if !result.timedOut { result.status = decode(result.status); return result }
        }
        if result.timedOut {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        result.status = decode(status)
        if result.timedOut { kill(-pid, SIGKILL) }
        return result
    }

    /// A pipe whose ends are not inherited by children (dup2 in the child clears the flag).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

/// Limits this process sets on itself.
public enum CurrentProcess {
    /// No core dump of this process, ever: for commands that hold a config value in memory.
    public static func forbidCoreDumps() {
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
    }
}
