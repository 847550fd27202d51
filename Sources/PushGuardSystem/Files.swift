import Glibc
import PushGuardCore

/// A file or process operation that failed, saying what and why in one sentence.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// "cannot <action> <path>: <strerror(errno)>", with the path escaped.
    public static func failed(_ action: String, _ path: String, errno code: Int32 = errno) -> SystemError {
        SystemError("cannot \(action) \(escapedForTerminal(path)): \(String(cString: strerror(code)))")
    }
}

/// The text of `errno`.
public func lastErrorText() -> String { String(cString: strerror(errno)) }

/// The file operations PushGuard uses: small, explicit about links and modes.
public enum Files {
    /// Reads a descriptor until end of file, an error, or just past `limit` bytes (so callers
    /// can tell "too large" from "exactly the limit"); `failed` is errno when a read failed.
    public static func readAll(_ descriptor: Int32, limit: Int) -> (bytes: [UInt8], failed: Int32?) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return (bytes, errno)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return (bytes, nil)
    }

    /// A whole file (or standard input, `path` nil) up to `limit` bytes. Throws when it cannot
    /// be read or is larger. `followLinks: false` refuses a symbolic link in the last component.
    public static func read(_ path: String?, limit: Int, followLinks: Bool = true) throws(SystemError) -> [UInt8] {
        let descriptor: Int32
        if let path {
            descriptor = open(path, O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
            guard descriptor >= 0 else { throw .failed("read", path) }
        } else {
            descriptor = 0
        }
        defer { if path != nil { close(descriptor) } }
        let result = readAll(descriptor, limit: limit)
        if let failed = result.failed { throw .failed("read", path ?? "standard input", errno: failed) }
        if result.bytes.count > limit {
            throw SystemError("\(escapedForTerminal(path ?? "standard input")) is larger than \(limit) bytes")
        }
        return result.bytes
    }

    /// A whole text file, or nil when it does not exist. Other failures throw.
    public static func readTextIfPresent(_ path: String, limit: Int) throws(SystemError) -> String? {
        do {
            return String(decoding: try read(path, limit: limit), as: UTF8.self)
        } catch {
            if !exists(path) { return nil }
            throw error
        }
    }

    /// Writes a file atomically: a fresh temporary file beside it (created exclusively, so a
    /// planted link is never followed), fsync, then rename over `path`. With `owner`, the new file gets that owner before it appears (root writing into
    /// the git user's repository). Readers see the old file or the new one, never a part.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t,
                                       owner: (uid: uid_t, gid: gid_t)? = nil) throws(SystemError) {
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .failed("write", path) }
        let temporary = String(cString: template)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var ok = fchmod(descriptor, mode) == 0
        if ok, let owner { ok = fchown(descriptor, owner.uid, owner.gid) == 0 }
        var offset = 0
        while ok && offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { ok = false; break }
            offset += written
        }
        if ok { ok = fsync(descriptor) == 0 }
        let code = errno
        close(descriptor)
        guard ok, rename(temporary, path) == 0 else {
            let failure = ok ? errno : code
            unlink(temporary)
            throw .failed("write", path, errno: failure)
        }
    }

    /// True when something (even a dangling link) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// True when `path` is a directory (following links).
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The target of a symbolic link, or nil when `path` is not one.
    public static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The canonical absolute path, or nil when it does not resolve.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Creates a directory and its parents with `mode`; an existing directory is left as it is.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        if isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectory(parent, mode: 0o755) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw .failed("create", path) }
    }

    /// The names in a directory (without `.` and `..`); empty when it cannot be read.
    public static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Modification time in epoch seconds, not following links; nil when absent.
    public static func modificationTime(_ path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Int(info.st_mtim.tv_sec)
    }
}

/// Writes lines to stderr in one call (git relays a hook's stderr to the pusher as `remote:`).
public func printError(_ lines: [String], terminator: String = "\n") {
    guard !lines.isEmpty else { return }
    let bytes = Array((lines.joined(separator: "\n") + terminator).utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress! + offset, bytes.count - offset) }
        if written <= 0 { if errno == EINTR { continue } else { break } }
        offset += written
    }
}
