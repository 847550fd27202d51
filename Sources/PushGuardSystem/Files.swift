import Glibc
import PushGuardCore

/// What PushGuardSystem adds to `Failure` for a file or process operation that failed.
extension Failure {
    /// "cannot <action> <path>: <strerror(errno)>", with the path escaped: a .system failure.
    public static func failed(_ action: String, _ path: String, errno code: Int32 = errno) -> Failure {
        .system("cannot \(action) \(escapedForTerminal(path)): \(String(cString: strerror(code)))", errno: code)
    }

    /// strerror of `code` (a .system failure's errno): the reason alone, for callers that
    /// phrase the rest themselves.
    public var reason: String { String(cString: strerror(code)) }

    /// True when the failure was that something is already at the path (EEXIST).
    public var alreadyExists: Bool { kind == .system && code == EEXIST }
}

/// What `lstat` says about a path (its last component not followed), or `stat` when the
/// caller asks to follow links.
public struct FileInfo: Sendable {
    public enum Kind: Sendable { case regular, directory, symbolicLink, other }
    public var kind: Kind
    public var owner: uid_t
    public var group: gid_t
    /// The permission bits (including set-id and sticky bits).
    public var mode: mode_t
    /// Hard links to the file.
    public var links: Int

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        owner = info.st_uid
        group = info.st_gid
        mode = info.st_mode & 0o7777
        links = Int(info.st_nlink)
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
        // Not zero-filled: a hook's input is a few hundred bytes, and filling 64 KiB (and
        // faulting in its pages) cost more than reading it.
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 65536)
        defer { chunk.deallocate() }
        while bytes.count <= limit {
            let count = Glibc.read(descriptor, chunk.baseAddress, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                return (bytes, errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<count]))
        }
        return (bytes, nil)
    }

    /// A whole file (or standard input, `path` nil) up to `limit` bytes. Throws when it cannot
    /// be read or is larger. `followLinks: false` refuses a symbolic link in the last component.
    public static func read(_ path: String?, limit: Int, followLinks: Bool = true) throws(Failure) -> [UInt8] {
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
            throw Failure.system("\(escapedForTerminal(path ?? "standard input")) is larger than \(limit) bytes")
        }
        return result.bytes
    }

    /// A whole text file, or nil when it does not exist. Other failures throw (with
    /// `followLinks: false`, a link there too).
    public static func readTextIfPresent(_ path: String, limit: Int, followLinks: Bool = true) throws(Failure) -> String? {
        do {
            return String(decoding: try read(path, limit: limit, followLinks: followLinks), as: UTF8.self)
        } catch {
            if !exists(path) { return nil }
            throw error
        }
    }

    /// Writes a file atomically: a fresh temporary file beside it (created exclusively, so a
    /// planted link is never followed), fsync, then rename over `path`. With `owner`, the new
    /// file gets that owner before it appears (root writing into the git user's repository).
    /// Readers see the old file or the new one, never a part.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t,
                                       owner: (uid: uid_t, gid: gid_t)? = nil) throws(Failure) {
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .failed("write", path) }
        let temporary = String(cString: template)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var ok = fchmod(descriptor, mode) == 0
        if ok, let owner { ok = fchown(descriptor, owner.uid, owner.gid) == 0 }
        if ok { ok = writeAll(descriptor, bytes) }
        if ok { ok = fsync(descriptor) == 0 }
        let code = errno
        close(descriptor)
        guard ok, Glibc.rename(temporary, path) == 0 else {
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

    /// What is at `path`, not following a link there (with `followLinks`, what a link there
    /// leads to); nil when nothing is (or a directory on the way is missing). Other failures
    /// (a directory on the way that cannot be searched) throw.
    public static func info(_ path: String, followLinks: Bool = false) throws(Failure) -> FileInfo? {
        var info = stat()
        if (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 { return FileInfo(info) }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw .failed("inspect", path)
    }

    /// Creates a file that was not there, holding `bytes`: O_CREAT|O_EXCL|O_NOFOLLOW, so never
    /// through a link and never over anything already at `path` (that throws with code
    /// EEXIST). The mode is set on the descriptor, whatever the umask; with `owner` the file is
    /// given to them through the same descriptor before a byte is written. This is how root
    /// creates files in a directory another user can write: it changes no one else's file.
    public static func createNew(_ path: String, _ bytes: [UInt8] = [], mode: mode_t,
                                 owner: (uid: uid_t, gid: gid_t)? = nil, durable: Bool = true) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .failed("create", path) }
        var ok = true
        if let owner { ok = fchown(descriptor, owner.uid, owner.gid) == 0 }
        if ok { ok = fchmod(descriptor, mode) == 0 }
        if ok { ok = writeAll(descriptor, bytes) }
        if ok && durable { ok = fsync(descriptor) == 0 }
        let code = errno
        close(descriptor)
        if !ok {
            unlink(path)
            throw .failed("create", path, errno: code)
        }
    }

    /// Makes `new` a second name of the file `existing` (link(2)): it never replaces what is
    /// at `new` (that throws with code EEXIST) and never follows a link there.
    public static func link(_ existing: String, to new: String) throws(Failure) {
        if Glibc.link(existing, new) != 0 { throw .failed("create", new) }
    }

    /// Removes the name `path` (a link itself, never its target); false when that failed.
    @discardableResult
    public static func remove(_ path: String) -> Bool { unlink(path) == 0 }

    /// Removes the directory `path` when it is empty (rmdir(2)); false when that failed
    /// (errno says why: not empty, absent, …).
    @discardableResult
    public static func removeDirectory(_ path: String) -> Bool { rmdir(path) == 0 }

    /// Appends `bytes` to the file at `path` in one write (O_APPEND: records appended by two
    /// processes at once do not interleave). Never creates the file and never follows a link
    /// there (that throws with code ELOOP). Throws when not every byte was written.
    public static func append(_ bytes: [UInt8], to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .failed("append to", path) }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, bytes.count) }
        guard written == bytes.count else { throw .failed("append to", path) }
    }

    /// True when the current user may run `path` (access(2), X_OK: the real user and groups,
    /// following links); when false, errno says why.
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// True when the current user may write `path` (access(2), W_OK, as `isExecutable`).
    public static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }

    /// Renames `path` to `newPath` (rename(2): replaces what is at `newPath` in one step);
    /// false when that failed (errno says why).
    public static func rename(_ path: String, to newPath: String) -> Bool { Glibc.rename(path, newPath) == 0 }

    /// Creates a symbolic link at `path` leading to `target` (never over anything already
    /// there); false when that failed (errno says why).
    public static func makeSymbolicLink(at path: String, to target: String) -> Bool { symlink(target, path) == 0 }

    /// Gives the symbolic link (or other file) at `path` itself, never a link's target, the
    /// owner `uid`/`gid` (lchown(2)); false when that failed.
    @discardableResult
    public static func changeLinkOwner(_ path: String, uid: uid_t, gid: gid_t) -> Bool { lchown(path, uid, gid) == 0 }

    /// Changes the owner and mode of the file or directory at `path` through a descriptor
    /// opened without following a link, so the change lands on what is there and never on a
    /// link's target (a link throws with code ELOOP; changing by path after creating would
    /// race with whoever can swap the name). `mode` maps the current permission bits to the
    /// new ones. A regular file with other hard links is refused (EMLINK): changing it would
    /// change a file that lives under another name too. `directory` refuses anything else
    /// (ENOTDIR); otherwise anything but a regular file or directory is refused.
    public static func changeOwnerAndMode(_ path: String, directory: Bool = false, owner: (uid: uid_t, gid: gid_t)?,
                                          mode: ((mode_t) -> mode_t)? = nil) throws(Failure) {
        let action = "change the owner or mode of"
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard descriptor >= 0 else { throw .failed(action, path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .failed(action, path) }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFDIR || kind == S_IFREG else {
            throw Failure.system("cannot \(action) \(escapedForTerminal(path)): it is neither a file nor a directory", errno: EINVAL)
        }
        let newOwner = owner.flatMap { info.st_uid != $0.uid || info.st_gid != $0.gid ? $0 : nil }
        let current = info.st_mode & 0o7777
        let newMode = mode.flatMap { mode in mode(current) != current ? mode(current) : nil }
        if newOwner == nil && newMode == nil { return }
        if kind == S_IFREG && info.st_nlink > 1 {
            throw Failure.system("cannot \(action) \(escapedForTerminal(path)): it has \(info.st_nlink) hard links, so the change would reach a file under another name too", errno: EMLINK)
        }
        if let newOwner, fchown(descriptor, newOwner.uid, newOwner.gid) != 0 { throw .failed(action, path) }
        if let newMode, fchmod(descriptor, newMode) != 0 { throw .failed(action, path) }
    }

    /// Removes the entries of `directory` that `matching` accepts, through a descriptor of the
    /// directory opened without following a link: when `directory` is (or was swapped for) a
    /// link, nothing is removed (code ELOOP), so no file elsewhere is ever reached.
    /// Subdirectories and entries that cannot be removed are left (a later rmdir says so).
    public static func removeEntries(of directory: String, where matching: (String) -> Bool) throws(Failure) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .failed("open", directory) }
        guard let handle = fdopendir(descriptor) else {
            let code = errno
            close(descriptor)
            throw .failed("read", directory, errno: code)
        }
        defer { closedir(handle) }  // closes `descriptor` too
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." && matching(name) { names.append(name) }
        }
        for name in names { _ = unlinkat(descriptor, name, 0) }
    }

    /// Writes all of `bytes` to a descriptor; false when a write failed (errno says why).
    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
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
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(Failure) {
        if isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectory(parent, mode: 0o755) }
        try createDirectory(path, mode: mode)
    }

    /// Creates the directory `path` with `mode` (less the umask), not its parents; a name
    /// already taken (by anything) is no error, so callers check what is there themselves.
    public static func createDirectory(_ path: String, mode: mode_t) throws(Failure) {
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
