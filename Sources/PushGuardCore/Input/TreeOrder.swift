/// git's order of a tree's entries, checked one entry at a time in the tree object's order, so
/// that a tree git would not write (git fsck: treeNotSorted, duplicateEntries) is caught before
/// a lookup by name trusts it: libgit2 finds a name by binary search and misses entries of an
/// unsorted tree that git's checkout still writes.
///
/// Each name must sort strictly after the one before (bytes compared, a directory's name as if
/// it ended in "/"), and no name may appear twice, not even as a file and a directory, which
/// that order does not put side by side (deploy, deploy.txt, deploy/). Linear in the names'
/// total length: each name is compared with the one before and with the files it may repeat,
/// and `steps` counts the bytes compared (`TreeOrderTests`).
public struct TreeOrder {
    public enum Problem: Equatable, Sendable {
        /// The entry sorts before the one before it.
        case unsorted
        /// The entry's name appeared before.
        case duplicate
    }

    /// Bytes compared so far.
    public private(set) var steps = 0
    private var previous: (name: UnsafeRawBufferPointer, directory: Bool)?
    /// The files a directory later in the tree could repeat: in a sorted tree only names that
    /// start with a file's name come between it and a directory of that name. Each file here
    /// starts with the one below it.
    private var files: [UnsafeRawBufferPointer] = []

    public init() {}

    /// Adds the tree's next entry. `name` must stay valid until the check is done (the tree
    /// object owns its names).
    public mutating func add(_ name: UnsafeRawBufferPointer, directory: Bool) -> Problem? {
        if let previous {
            let order = compare(previous.name, previous.directory, name, directory)
            if order == 0 { return .duplicate }
            if order > 0 { return .unsorted }
        }
        while let file = files.last, file.count > name.count || !startsWith(name, file) {
            files.removeLast()
        }
        if directory {
            if let file = files.last, file.count == name.count { return .duplicate }
        } else {
            files.append(name)
        }
        previous = (name, directory)
        return nil
    }

    /// git's tree order of two entries: negative, 0 (the same name, whatever the modes) or
    /// positive. Where one name ends, a directory's continues with "/".
    private mutating func compare(_ a: UnsafeRawBufferPointer, _ aDirectory: Bool,
                                  _ b: UnsafeRawBufferPointer, _ bDirectory: Bool) -> Int {
        let common = min(a.count, b.count)
        var index = 0
        while index < common {
            steps += 1
            if a[index] != b[index] { return Int(a[index]) - Int(b[index]) }
            index += 1
        }
        if a.count == b.count { return 0 }
        let slash = UInt8(ascii: "/")
        let nextA = a.count > common ? a[common] : (aDirectory ? slash : 0)
        let nextB = b.count > common ? b[common] : (bDirectory ? slash : 0)
        // Equal only for a name with a "/" in it, which git never writes: out of order.
        return nextA < nextB ? -1 : 1
    }

    private mutating func startsWith(_ name: UnsafeRawBufferPointer, _ prefix: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<prefix.count {
            steps += 1
            if name[index] != prefix[index] { return false }
        }
        return true
    }
}
