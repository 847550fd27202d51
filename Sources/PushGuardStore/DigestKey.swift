import Glibc
import PushGuardCore
import PushGuardSystem

/// Files the CLI creates as root in a store directory stay usable by the hooks' git user.
enum Ownership {
    /// Gives `path` the owner and group of its directory when running as root.
    static func matchDirectory(of path: String) {
        guard geteuid() == 0 else { return }
        var info = stat()
        guard stat(parentDirectory(of: path), &info) == 0, info.st_uid != 0 || info.st_gid != 0 else { return }
        _ = chown(path, info.st_uid, info.st_gid)
    }
}

/// The secret that keys value digests: created once (0600), shared by the admin across a fleet.
public enum DigestKey {
    /// Reads the key file, creating it with 32 random bytes when absent, unless `mayCreate` is
    /// false (the store already holds digests made with a key that is now missing).
    public static func loadOrCreate(path: String, mayCreate: Bool = true) throws(StoreError) -> [UInt8] {
        if !mayCreate && access(path, F_OK) != 0 && errno == ENOENT {
            throw StoreError("the digest key \(escapedForTerminal(path)) is missing, but the store holds digests made with it; restore the file from your backup (a new key would make every value look changed)")
        }
        if access(path, F_OK) == 0 { return try load(path: path) }
        // Written in full to a private temporary file, then linked into place: a concurrent
        // command either links first or reads a complete key, never a half-written one.
        let temporary = path + ".new-\(getpid())"
        unlink(temporary)  // one left by a process that died with this pid
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST || access(path, F_OK) == 0 { return try load(path: path) }
            throw StoreError("cannot create the digest key \(escapedForTerminal(path)): \(lastErrorText())")
        }
        var key = [UInt8](repeating: 0, count: 32)
        let filled = readRandom(&key)
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, 32) }
        let synced = fsync(descriptor)
        close(descriptor)
        defer { unlink(temporary) }
        guard filled == 32, written == 32, synced == 0 else {
            throw StoreError("cannot write the digest key \(escapedForTerminal(path)): \(lastErrorText())")
        }
        if link(temporary, path) != 0 {
            if errno == EEXIST { return try load(path: path) }
            throw StoreError("cannot create the digest key \(escapedForTerminal(path)): \(lastErrorText())")
        }
        Ownership.matchDirectory(of: path)
        return key
    }

    /// Reads an existing key file.
    public static func load(path: String) throws(StoreError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StoreError("cannot read the digest key \(escapedForTerminal(path)): \(lastErrorText())")
        }
        defer { close(descriptor) }
        let read = Files.readAll(descriptor, limit: 4096)
        if let failed = read.failed {
            throw StoreError("cannot read the digest key \(escapedForTerminal(path)): \(String(cString: strerror(failed)))")
        }
        guard read.bytes.count >= 16 else {
            throw StoreError("the digest key \(escapedForTerminal(path)) is shorter than 16 bytes; restore it from your backup")
        }
        return Array(read.bytes.prefix(4096))
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
