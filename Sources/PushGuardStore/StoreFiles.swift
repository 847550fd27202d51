import Glibc
import PushGuardCore
import PushGuardSystem

/// The files of an SQLite store and of the digest key, and what root may do with them.
///
/// The store directory belongs to the server's git user (install makes it so) while admins run
/// the CLI as root, so anything in it may have been put there by the git user. Root therefore
/// creates files there only exclusively and never through a link (given to the directory's
/// owner through the new file's own descriptor), and before it opens one it checks with
/// `lstat` that it is a plain file of root's or the directory owner's, with no other hard
/// link: a planted link or someone else's file is refused, never followed.
public enum StoreFiles {
    /// The store directory: the owner (the git user) and its group; no one else.
    public static let directoryMode: mode_t = 0o750
    /// `state.db`; SQLite gives `-wal` and `-shm` the same mode and owner when it creates them.
    public static let databaseMode: mode_t = 0o640
    /// The digest key: root only, when root made it or has used it (only `config set` reads
    /// it; hooks never do).
    public static let keyMode: mode_t = 0o600

    /// The file an SQLite store path names: the path, or the path part of a `file:` URI
    /// (percent-decoded, as SQLite reads it: `%` and two hex digits, anything else kept, and a
    /// `%00` ends the path); nil for an in-memory database, which has none.
    static func filePath(of path: String) -> String? {
        if path.isEmpty || path == ":memory:" { return nil }
        guard path.hasPrefix("file:") else { return path }
        var rest = Substring(path.dropFirst("file:".count))
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...].split(separator: "&")
            if query.contains("mode=memory") { return nil }
            rest = rest[..<question]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let authority = rest.prefix { $0 != "/" }
            guard authority.isEmpty || authority == "localhost" else { return String(rest) }
            rest = rest.dropFirst(authority.count)
        }
        if rest.isEmpty || rest == ":memory:" { return nil }
        return String(percentDecoded(String(rest)).prefix { $0 != "\0" })
    }

    /// The owner root gives files it creates in `directory`: the directory's owner and group,
    /// when running as root and the directory is not root's. Nil otherwise (files keep the
    /// creating user's).
    static func owner(forFilesIn directory: String) -> (uid: uid_t, gid: gid_t)? {
        guard Identity.isRoot, let info = try? Files.info(directory), info.kind == .directory,
              info.owner != 0 || info.group != 0 else { return nil }
        return (info.owner, info.group)
    }

    /// Creates an empty SQLite file for a new store (an empty file is an empty database), with
    /// the store's mode, owned as `owner(forFilesIn:)` says. Something already there (another
    /// command created it meanwhile) is fine: it is checked when opened.
    static func createDatabase(_ file: String) throws(Failure) {
        do {
            try Files.createNew(file, mode: databaseMode, owner: owner(forFilesIn: parentDirectory(of: file)), durable: false)
        } catch where error.code == EEXIST {
            return
        }
    }

    /// When running as root, refuses `path` unless it is absent, or a regular file with one
    /// link owned by root or by the owner of its directory. `what` names it in the message.
    /// Not root: no check (the hooks' git user reads its own files).
    static func checkRootMayUse(_ path: String, what: String) throws(Failure) {
        guard Identity.isRoot else { return }
        let shown = escapedForTerminal(path)
        let info: FileInfo?
        do {
            info = try Files.info(path)
        } catch {
            throw Failure.store("cannot check \(what) \(shown): \(error.reason)")
        }
        guard let info else { return }
        let directory = parentDirectory(of: path)
        let refusal = "refusing to use \(what) \(shown) as root: "
        let advice = "; root follows no link and uses no other user's file in a directory another user can write. Check who put it there, remove it, and run the command again"
        switch info.kind {
        case .symbolicLink:
            throw Failure.store(refusal + "it is a symbolic link (to \(escapedForTerminal(Files.readLink(path) ?? "?")))" + advice)
        case .other:
            throw Failure.store(refusal + "it is not a regular file" + advice)
        case .directory:
            return  // opening it fails, saying so; nothing is followed
        case .regular:
            break
        }
        let directoryOwner = (try? Files.info(directory))?.owner
        if info.owner != 0 && info.owner != directoryOwner {
            throw Failure.store(refusal + "it belongs to \(userName(info.owner)), neither root nor \(userName(directoryOwner)) who owns \(escapedForTerminal(directory))" + advice)
        }
        if info.links > 1 {
            throw Failure.store(refusal + "it has \(info.links) hard links, so it is also a file under another name" + advice)
        }
    }

    /// Checks an SQLite store's file and those SQLite opens beside it (`-wal`, `-shm`, and a
    /// rollback `-journal` it would replay). SQLite opens them with O_NOFOLLOW itself; this
    /// turns a planted file into a clear refusal before SQLite reads or writes anything.
    static func checkRootMayOpenDatabase(_ file: String) throws(Failure) {
        try checkRootAloneControlsTheWay(to: file, what: "the store")
        try checkRootMayUse(file, what: "the SQLite file")
        try checkRootMayUse(file + "-wal", what: "SQLite's write-ahead log")
        try checkRootMayUse(file + "-shm", what: "SQLite's shared-memory index")
        try checkRootMayUse(file + "-journal", what: "SQLite's rollback journal")
    }

    /// As root, refuses `file` when a directory above its own directory is another user's
    /// (the store's directory itself is the git user's by design): that user could swap what
    /// follows for a link at any moment, and root would create or write a file wherever it
    /// leads. Not root: no check.
    public static func checkRootAloneControlsTheWay(to file: String, what: String) throws(Failure) {
        guard Identity.isRoot else { return }
        let absolute = file.hasPrefix("/") ? file : currentDirectory() + "/" + file
        let directory = parentDirectory(of: absolute)
        guard let control = PathTrust.firstOtherControl(directory, includingLast: false) else { return }
        throw Failure.store("refusing to use \(what) \(escapedForTerminal(file)) as root: \(escapedForTerminal(control.path)) on the way belongs to \(control.ownerName)\(control.owner == 0 ? " and others may write it" : ""), who can swap what follows for a link to any directory of root's. Keep it below directories only root can change (the default /var/lib/pushguard), or run this command as \(control.ownerName)")
    }

    /// Tightens the modes of an existing store's files (left looser by an earlier version):
    /// the database and its `-wal`/`-shm` to at most 0640, the key to at most 0600. Each is
    /// checked first and changed through a descriptor that does not follow a link.
    public static func tightenModes(database file: String, key: String?) throws(Failure) {
        var files = [(file, databaseMode, "the SQLite file"), (file + "-wal", databaseMode, "SQLite's write-ahead log"),
                     (file + "-shm", databaseMode, "SQLite's shared-memory index")]
        if let key {
            try checkRootMayUse(key, what: "the digest key")
            try DigestKey.takeBack(key)
        }
        for (path, mode, what) in files {
            guard (try? Files.info(path))?.kind == .regular else { continue }
            try checkRootMayUse(path, what: what)
            do {
                try Files.changeOwnerAndMode(path, owner: nil, mode: { $0 & mode })
            } catch {
                throw Failure.store("cannot restrict \(what) to mode \(String(mode, radix: 8)): \(error)")
            }
        }
    }

    private static func userName(_ uid: uid_t?) -> String {
        uid.map(Identity.userName) ?? "nobody known"
    }
}
