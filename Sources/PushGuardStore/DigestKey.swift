import Glibc
import PushGuardCore
import PushGuardSystem

/// The secret that keys value digests: created once (0600), shared by the admin across a fleet.
public enum DigestKey {
    /// Reads the key file, creating it with 32 random bytes when absent, unless `mayCreate` is
    /// false (the store already holds digests made with a key that is now missing).
    public static func loadOrCreate(path: String, mayCreate: Bool = true) throws(Failure) -> [UInt8] {
        // Anything at the path, even a dangling link, is "there": it is read (and, as root,
        // checked first), never created through.
        if try isPresent(path) { return try load(path: path) }
        if !mayCreate {
            throw Failure.store("the digest key \(escapedForTerminal(path)) is missing, but the store holds digests made with it", fix: "restore the file from your backup (a new key would make every value look changed)")
        }
        // Written in full to a private temporary file, then linked into place: a concurrent
        // command either links first or reads a complete key, never a half-written one. The
        // temporary file is created exclusively without following a link, and given to the
        // directory's owner through its own descriptor before it gets its name: root never
        // changes the owner of a path the directory's owner could have swapped meanwhile.
        try StoreFiles.checkRootAloneControlsTheWay(to: path, what: "the digest key")
        let temporary = path + ".new-\(getpid())"
        Files.remove(temporary)  // one left by a process that died with this pid
        var key = [UInt8](repeating: 0, count: 32)
        guard readRandom(&key) == 32 else {
            throw Failure.store("cannot create the digest key \(escapedForTerminal(path)): no random bytes (\(lastErrorText()))")
        }
        do {
            // Made by root, the key stays root's: the git user reads the store's digests, and
            // with the key too it could test guesses of a value offline.
            try Files.createNew(temporary, key, mode: StoreFiles.keyMode)
        } catch {
            if error.code == EEXIST || (try? isPresent(path)) == true { return try load(path: path) }
            throw Failure.store("cannot create the digest key \(escapedForTerminal(path)): \(error.reason)")
        }
        defer { Files.remove(temporary) }
        do {
            try Files.link(temporary, to: path)
        } catch {
            if error.code == EEXIST { return try load(path: path) }
            throw Failure.store("cannot create the digest key \(escapedForTerminal(path)): \(error.reason)")
        }
        return key
    }

    /// Reads an existing key file. As root, a link or another user's file is refused first,
    /// and the file is opened without following a link.
    public static func load(path: String) throws(Failure) -> [UInt8] {
        try StoreFiles.checkRootAloneControlsTheWay(to: path, what: "the digest key")
        try StoreFiles.checkRootMayUse(path, what: "the digest key")
        try takeBack(path)
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path, limit: 1 << 16, followLinks: !Identity.isRoot)
        } catch {
            throw Failure.store("cannot read the digest key \(escapedForTerminal(path)): \(error.code != 0 ? error.reason : error.description)")
        }
        guard bytes.count >= 16 else {
            throw Failure.store("the digest key \(escapedForTerminal(path)) is shorter than 16 bytes", fix: "restore it from your backup")
        }
        return Array(bytes.prefix(4096))
    }

    /// As root, makes a key an earlier version gave to the store directory's owner root's
    /// alone (0600), through a descriptor that follows no link. Hooks never read the key.
    static func takeBack(_ path: String) throws(Failure) {
        guard Identity.isRoot, let info = try? Files.info(path), info.kind == .regular,
              info.owner != 0 || info.group != 0 || info.mode & 0o077 != 0 else { return }
        do {
            try Files.changeOwnerAndMode(path, owner: (0, 0), mode: { _ in StoreFiles.keyMode })
        } catch {
            throw Failure.store("cannot make the digest key \(escapedForTerminal(path)) root's alone (mode 0600): \(error)")
        }
    }

    private static func isPresent(_ path: String) throws(Failure) -> Bool {
        do {
            return try Files.info(path) != nil
        } catch {
            throw Failure.store("cannot read the digest key \(escapedForTerminal(path)): \(error.reason)")
        }
    }

    /// The stored digest of a value: HMAC-SHA256 over the key name and the value, so equal
    /// values under different names do not share a digest.
    public static func digest(key: [UInt8], name: String, value: [UInt8]) -> String {
        "hmac-sha256:" + hexString(HMACSHA256.authenticationCode(key: key, message: Array(name.utf8) + [0] + value))
    }
}

/// Fills `bytes` from the kernel's random source; returns how many bytes were filled.
private func readRandom(_ bytes: inout [UInt8]) -> Int {
    let source = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    guard source >= 0 else { return 0 }
    defer { close(source) }
    let count = bytes.count
    return bytes.withUnsafeMutableBytes { read(source, $0.baseAddress, count) }
}
