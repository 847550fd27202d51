import Glibc
import PushGuardCore

/// Work root does inside another user's files, done as that user.
///
/// A git server's repositories (and gitolite's hook directories) belong to its git user, who
/// can swap any name in them for a symbolic link at any moment: between a check and a write,
/// or in a directory on the way. Checking each path is a race root can lose; writing as the
/// files' owner is not: whatever a link leads to, the write has only the owner's rights. So
/// root forks, the child gives up root for good (the user's groups, then gid, then uid, and
/// checks that root cannot be taken back), does the work, and sends its result back through
/// a pipe.
public enum AsUser {
    /// Largest result a child may send back.
    static let resultLimit = 16 << 20

    /// Runs `body` in a child process as `uid`/`gid` and returns the bytes it returned. Not
    /// root, or `uid` already the effective user: runs `body` here. Throws when the child
    /// could not drop root or did not finish.
    public static func run(uid: uid_t, gid: gid_t, _ body: () -> [UInt8]) throws(Failure) -> [UInt8] {
        if !Identity.isRoot || uid == geteuid() { return body() }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw Failure.system("cannot make a pipe: \(lastErrorText())") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        fflush(nil)  // nothing buffered is written twice
        let pid = fork()
        if pid < 0 {
            let code = errno
            close(fds[0]); close(fds[1])
            throw Failure.system("cannot start a process as uid \(uid): \(String(cString: strerror(code)))", errno: code)
        }
        if pid == 0 {
            close(fds[0])
            guard drop(to: uid, gid: gid) else { _exit(125) }
            let result = body()
            fflush(nil)
            var offset = 0
            while offset < result.count {
                let written = result.withUnsafeBytes { write(fds[1], $0.baseAddress! + offset, result.count - offset) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { _exit(124) }
                offset += written
            }
            _exit(0)
        }
        close(fds[1])
        let read = Files.readAll(fds[0], limit: resultLimit)
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0, read.failed == nil, read.bytes.count <= resultLimit else {
            let user = Identity.userName(uid)
            let how = !exited ? "was killed by signal \(status & 0x7f)" : code == 125 ? "could not give up root for \(user)" : "ended with status \(code)"
            throw Failure.system("the work done as \(user) \(how); nothing more was done")
        }
        return read.bytes
    }

    /// Gives up root for `uid`/`gid` and that user's supplementary groups; false when any step
    /// failed or root could be taken back.
    private static func drop(to uid: uid_t, gid: gid_t) -> Bool {
        let groupsSet = Identity.loginName(uid).map { initgroups($0, gid) == 0 } ?? false
        if !groupsSet {
            var only = [gid]
            guard setgroups(1, &only) == 0 else { return false }
        }
        // As root, setgid and setuid set the real, effective and saved ids alike.
        guard setgid(gid) == 0, setuid(uid) == 0 else { return false }
        if uid != 0 && (setuid(0) == 0 || seteuid(0) == 0) { return false }
        return getuid() == uid && geteuid() == uid && getgid() == gid
    }

    /// The directory on the way to `path` (or `path` itself) that the current user cannot
    /// search or execute, for a message; nil when every step can be taken.
    public static func firstUnreachable(_ path: String) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if access(prefix, X_OK) != 0 { return prefix }
        }
        return nil
    }
}

/// Lines passed back from work done as another user: each a kind byte, then the text, with
/// newlines as the separator (texts carry no raw newline: they are escaped for the terminal
/// or replaced).
public enum ResultLines {
    public static func encode(_ lines: [(kind: UInt8, text: String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (kind, text) in lines {
            bytes.append(kind)
            bytes += text.utf8.map { $0 == 10 ? 32 : $0 }
            bytes.append(10)
        }
        return bytes
    }

    public static func decode(_ bytes: [UInt8]) -> [(kind: UInt8, text: String)] {
        bytes.split(separator: 10, omittingEmptySubsequences: true).map {
            ($0.first!, String(decoding: $0.dropFirst(), as: UTF8.self))
        }
    }
}

/// Who controls the directories on the way to a path: root alone, or someone else too.
///
/// Root may act on a path by name only when nobody else can change where that name leads. A
/// directory is root's alone when root owns it and neither group nor others may write it (or
/// only with the sticky bit, as /tmp: others cannot rename or replace what they do not own).
/// A symbolic link is followed only when root owns it and it lies in such a directory (the
/// merged /usr's /bin, say); any other link is someone else's choice of where the path leads.
public enum PathTrust {
    /// A directory or link on the way to a path that another user controls.
    public struct Control: Sendable {
        /// The directory or link, as reached (links root placed are resolved).
        public var path: String
        /// Its owner and group.
        public var owner: uid_t
        public var group: gid_t
        public var ownerName: String { Identity.userName(owner) }
    }

    /// The first component of `path` (an absolute path) that someone other than root controls,
    /// walking from `/`: a directory owned by another user or writable by others, or a link
    /// root did not place in a directory of its own. Checks every existing component up to the
    /// last (or, with `includingLast: false`, up to its parent); a missing component ends the
    /// walk (what is missing, root creates). Nil when root alone controls the way.
    public static func firstOtherControl(_ path: String, includingLast: Bool = true) -> Control? {
        var pending = Array(path.split(separator: "/").map(String.init).reversed())
        if !includingLast && !pending.isEmpty { pending.removeFirst() }
        var current = ""
        var linksFollowed = 0
        while let name = pending.popLast() {
            if name.isEmpty || name == "." { continue }
            if name == ".." {
                current = parentDirectory(of: current.isEmpty ? "/" : current)
                if current == "/" { current = "" }
                continue
            }
            let next = current + "/" + name
            var info = stat()
            guard lstat(next, &info) == 0 else { return nil }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                // The directory holding it was checked on the way: root's alone.
                guard info.st_uid == 0, linksFollowed < 40, let target = Files.readLink(next) else {
                    return Control(path: next, owner: info.st_uid, group: info.st_gid)
                }
                linksFollowed += 1
                if target.hasPrefix("/") { current = "" }
                pending += target.split(separator: "/").map(String.init).reversed()
            case S_IFDIR:
                let othersWrite = info.st_mode & 0o022 != 0 && info.st_mode & S_ISVTX == 0
                if info.st_uid != 0 || othersWrite { return Control(path: next, owner: info.st_uid, group: info.st_gid) }
                current = next
            default:
                return nil
            }
        }
        return nil
    }
}

/// The working directory's absolute path ("/" when it cannot be read).
public func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4097)
    guard getcwd(&buffer, buffer.count) != nil else { return "/" }
    return String(cString: buffer)
}
