import CLibgit2
import PushGuardCore

/// How much one push may scan for environment-variable reads: each changed file the scanner
/// would read costs one, each blob read its size. Shared by every ref of the push, so 2,000
/// refs at 2,000 different commits cannot make a hook read the whole history.
public struct ScanBudget: Sendable {
    /// At most this many changed files are scanned per push (both versions of a file count once).
    public static let maxFiles = 10_000
    /// At most this many bytes of blobs are read per push.
    public static let maxBytes = 256 << 20

    public var files: Int
    public var bytes: Int

    public init(files: Int = ScanBudget.maxFiles, bytes: Int = ScanBudget.maxBytes) {
        self.files = files
        self.bytes = bytes
    }
}

/// What a scan of one base..new pair found, and what it left out.
public struct ReadScan: Sendable {
    /// Reads in the new versions of the changed files whose names none of the old versions read.
    public var added: [EnvironmentRead] = []
    /// Changed files the scanner reads that were scanned.
    public var scannedFiles = 0
    /// Changed files whose new version was over `EnvironmentReadScanner.maxFileSize`: not scanned.
    public var tooLarge: [String] = []
    /// Changed files whose new version was not scanned because the push's budget was spent.
    public var overBudget = 0
    /// Changed files whose old version was not read (over `maxFileSize`, or the push's budget
    /// was spent): their new reads were not compared with it, so a read the old version already
    /// had may be reported as new.
    public var oldTooLarge: [String] = []
    public var oldOverBudget = 0
    /// Why the scan could not be done at all, if it could not.
    public var failure: String?

    /// The pusher's warnings about what this scan of `range` (`BASE..NEW`) did not read, each
    /// saying exactly what: new versions not scanned (a new read in them is not seen), or old
    /// versions not compared with (a read they already had may be reported as new).
    public func notes(range: String) -> [String] {
        var notes: [String] = []
        if let failure {
            notes.append("new environment-variable reads in \(range) not checked: \(failure)")
        }
        let limits = "a push scans at most \(ScanBudget.maxFiles) files and \(ScanBudget.maxBytes >> 20) MiB"
        if !tooLarge.isEmpty {
            notes.append("\(tooLarge.count) changed file(s) in \(range) over \(EnvironmentReadScanner.maxFileSize) bytes not scanned for new environment-variable reads (first: \(escapedForTerminal(tooLarge[0])))")
        }
        if overBudget > 0 {
            notes.append("\(overBudget) changed file(s) in \(range) not scanned for new environment-variable reads: \(limits); push in smaller steps to have them checked")
        }
        if !oldTooLarge.isEmpty {
            notes.append("\(oldTooLarge.count) changed file(s) in \(range) not compared with their old versions, over \(EnvironmentReadScanner.maxFileSize) bytes (first: \(escapedForTerminal(oldTooLarge[0]))): a read the old versions already had may be reported as new")
        }
        if oldOverBudget > 0 {
            notes.append("\(oldOverBudget) changed file(s) in \(range) not compared with their old versions (\(limits)): a read the old versions already had may be reported as new; push in smaller steps to have them compared")
        }
        return notes
    }
}

extension Repository {
    /// The commit id a ref (or any revision) points at now, or nil. A full ref name is looked
    /// up as it is, without revparse's guesses (`main` as a tag, a branch, a remote…).
    public func commitID(of revision: String) -> String? {
        var object: OpaquePointer?
        if revision.hasPrefix("refs/") {
            var oid = git_oid()
            guard git_reference_name_to_id(&oid, handle, revision) == 0,
                  git_object_lookup(&object, handle, &oid, GIT_OBJECT_ANY) == 0 else { return nil }
        } else {
            guard git_revparse_single(&object, handle, revision) == 0 else { return nil }
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else { return nil }
        defer { git_object_free(commit) }
        return Repository.hex(git_object_id(commit))
    }

    /// True when `id` names a commit present in the repository (the quarantine included). An
    /// absent object is not looked for again after re-reading the object directories (libgit2's
    /// refresh, for objects another process packs meanwhile): the caller has a fallback.
    public func hasCommit(_ id: String) -> Bool {
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, id, id.utf8.count) == 0 else { return false }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return false }
        let present = git_odb_exists_ext(odb, &oid, UInt32(GIT_ODB_LOOKUP_NO_REFRESH.rawValue)) == 1
        git_odb_free(odb)
        guard present else { return false }
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, handle, &oid) == 0 else { return false }
        git_commit_free(commit)
        return true
    }

    /// The best common ancestor of two commits, or nil when they share none.
    public func mergeBase(_ a: String, _ b: String) -> String? {
        var one = git_oid(), two = git_oid(), base = git_oid()
        guard git_oid_fromstrn(&one, a, a.utf8.count) == 0, git_oid_fromstrn(&two, b, b.utf8.count) == 0,
              git_merge_base(&base, handle, &one, &two) == 0 else { return nil }
        return Repository.hex(&base)
    }

    /// The environment-variable reads that `new` adds to the code compared with `base`: the
    /// files that differ between the two trees (no content diff, no rename detection), only
    /// those the scanner reads (`EnvironmentReadScanner.scans`), each blob's size checked by its
    /// header before it is read. Reads only: safe inside git's quarantine.
    public func addedReads(base: String, new: String, ignore: ScanIgnore, budget: inout ScanBudget) -> ReadScan {
        var scan = ReadScan()
        guard let baseTree = treeID(of: base) else {
            scan.failure = "the base commit \(escapedForTerminal(String(base.prefix(12)))) cannot be read"
            return scan
        }
        guard let newTree = treeID(of: new) else {
            scan.failure = "the pushed commit \(escapedForTerminal(String(new.prefix(12)))) cannot be read"
            return scan
        }
        // git checked each object's id when it received it: trees and blobs are not hashed again.
        pushguard_set_strict_hash_verification(0)
        defer { pushguard_set_strict_hash_verification(1) }
        let changed: [ChangedFile]
        do {
            // Listed up to what the budget can still scan: a push replacing a huge tree is
            // counted, not held in memory path by path.
            // Past the budget, files are only counted: the scanIgnore globs are not matched
            // against them (counted as the scanner's languages, ignored or not).
            (changed, scan.overBudget) = try changedFiles(from: baseTree, to: newTree, limit: max(0, budget.files),
                                                          wanted: { EnvironmentReadScanner.scans(path: $0, ignore: ignore) },
                                                          counted: { EnvironmentReadScanner.scans(path: $0, ignore: .none) })
        } catch {
            scan.failure = "the changed files cannot be listed: \(error.message)"
            return scan
        }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else {
            scan.failure = "the object database cannot be opened"
            return scan
        }
        defer { git_odb_free(odb) }
        /// Reads the blob `id` of `path` within the file limit and what is left of the push's
        /// bytes, and runs `body` on its bytes. A blob over the file limit is listed as too
        /// large, one over the bytes left is counted as over budget; a blob that is read has its
        /// bytes taken from the budget.
        ///
        /// libgit2 reads it with every allocation limited to the file limit (plus the NUL it
        /// appends), so a larger blob fails before it is inflated whole. Asking its size from
        /// the pack first cost a fifth of a 1,000-file scan (libgit2 follows the whole delta
        /// chain for it), so the size is asked only when the limited read failed: it tells a
        /// blob too large from one whose delta base was larger, which is read again without the
        /// limit, as any blob within the file limit was before.
        func read<Result>(_ id: git_oid, path: String, old: Bool = false, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> BlobRead<Result> {
            func tooLarge() -> BlobRead<Result> {
                if old { scan.oldTooLarge.append(path) } else { scan.tooLarge.append(path) }
                return .tooLarge
            }
            var oid = id
            var blob: OpaquePointer?
            pushguard_set_allocation_limit(EnvironmentReadScanner.maxFileSize + 1)
            var status = git_blob_lookup(&blob, handle, &oid)
            pushguard_set_allocation_limit(0)
            if status != 0 {
                var bytes = 0, type = GIT_OBJECT_ANY
                guard git_odb_read_header(&bytes, &type, odb, &oid) == 0 else { return .unreadable }
                if bytes > EnvironmentReadScanner.maxFileSize { return tooLarge() }
                if bytes > budget.bytes { return .overBudget }
                status = git_blob_lookup(&blob, handle, &oid)
                guard status == 0 else { return .unreadable }
            }
            defer { git_blob_free(blob) }
            let length = Int(git_blob_rawsize(blob))
            if length > EnvironmentReadScanner.maxFileSize { return tooLarge() }
            if length > budget.bytes { return .overBudget }
            budget.bytes -= length
            guard length > 0, let raw = git_blob_rawcontent(blob) else { return .read(body(UnsafeBufferPointer(start: nil, count: 0))) }
            return .read(body(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: length)))
        }
        // First the new versions: only a name they read can be new. Most pushes add no read,
        // and then the old versions are never read.
        var after: [EnvironmentRead] = []
        var scanned: [ChangedFile] = []
        for file in changed {
            if budget.files <= 0 {
                scan.overBudget += 1
                continue
            }
            guard let new = file.new else { scanned.append(file); continue }
            switch read(new, path: file.path, { EnvironmentReadScanner.reads(in: $0, path: file.path, ignore: ignore) }) {
            case .read(let reads):
                after += reads
            case .unreadable:
                // As before the limit: counted as scanned, with nothing read.
                break
            case .tooLarge:
                continue
            case .overBudget:
                scan.overBudget += 1
                budget.files = 0   // the push's bytes are spent: no later file is scanned either
                continue
            }
            budget.files -= 1
            scan.scannedFiles += 1
            scanned.append(file)
        }
        // Then the old versions of the same files (a read moved from one changed file to
        // another is not new), only while some name could still be new: a name read in one old
        // version is settled, and an old version in which no unsettled name occurs as text is
        // not lexed (a push that edits files which already read variables, adding none, reads
        // old versions only until every name is found).
        var before: [EnvironmentRead] = []
        var unsettled = Set(after.lazy.map(\.name))
        if !unsettled.isEmpty {
            for file in scanned {
                if unsettled.isEmpty { break }
                guard let old = file.old else { continue }
                let outcome = read(old, path: file.path, old: true) { contents -> [EnvironmentRead] in
                    guard EnvironmentReadScanner.mayRead(anyOf: unsettled, in: contents) else { return [] }
                    return EnvironmentReadScanner.reads(in: contents, path: file.path, ignore: ignore)
                }
                switch outcome {
                case .read(let found):
                    if file.new == nil { budget.files -= 1 }
                    for read in found { unsettled.remove(read.name) }
                    before += found
                case .unreadable:
                    if file.new == nil { budget.files -= 1 }
                case .overBudget:
                    scan.oldOverBudget += 1
                case .tooLarge:
                    break
                }
            }
        }
        scan.added = EnvironmentReadScanner.added(before: before, after: after)
        return scan
    }

    /// The reads of `names` anywhere in the scanned files of `commit` (the base a push is
    /// compared with): what the application already reads, so that a read the push adds of a
    /// name it reads elsewhere is not new (`EnvironmentReadScanner.newToApplication`). Asked
    /// only for names that would otherwise be findings. A file in which none of the names
    /// occurs as text is not lexed; each blob read is taken from `budget` like a changed file,
    /// and whatever the budget leaves out is counted in `unsearched` (its names stay new).
    public func knownReads(in commit: String, names: Set<String>, ignore: ScanIgnore,
                           budget: inout ScanBudget) -> (reads: [EnvironmentRead], unsearched: Int) {
        guard !names.isEmpty, let tree = treeID(of: commit) else { return ([], 0) }
        pushguard_set_strict_hash_verification(0)
        defer { pushguard_set_strict_hash_verification(1) }
        guard let (files, more) = try? changedFiles(from: nil, to: tree, limit: max(0, budget.files), wanted: {
            EnvironmentReadScanner.scans(path: $0, ignore: ignore)
        }, counted: { _ in true }) else { return ([], 0) }
        var reads: [EnvironmentRead] = []
        var unsearched = more
        var unsettled = names
        for file in files {
            guard let id = file.new else { continue }
            if unsettled.isEmpty { break }
            if budget.files <= 0 || budget.bytes <= 0 {
                unsearched += 1
                continue
            }
            var oid = id
            var blob: OpaquePointer?
            pushguard_set_allocation_limit(EnvironmentReadScanner.maxFileSize + 1)
            let status = git_blob_lookup(&blob, handle, &oid)
            pushguard_set_allocation_limit(0)
            guard status == 0 else { continue }   // too large (or unreadable): not searched
            defer { git_blob_free(blob) }
            let length = Int(git_blob_rawsize(blob))
            guard length <= EnvironmentReadScanner.maxFileSize else { continue }
            guard length <= budget.bytes else {
                unsearched += 1
                budget.bytes = 0
                continue
            }
            budget.bytes -= length
            budget.files -= 1
            guard length > 0, let raw = git_blob_rawcontent(blob) else { continue }
            let bytes = UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: length)
            guard EnvironmentReadScanner.mayRead(anyOf: unsettled, in: bytes) else { continue }
            for read in EnvironmentReadScanner.reads(in: bytes, path: file.path, ignore: ignore) where names.contains(read.name) {
                reads.append(read)
                // Settled once read insistingly: nothing the push adds can be new then.
                if read.insists { unsettled.remove(read.name) }
            }
        }
        return (reads, unsearched)
    }

    /// What reading one changed blob gave.
    enum BlobRead<Result> {
        case read(Result)
        case tooLarge
        case overBudget
        /// libgit2 could not read it (a missing or corrupt object).
        case unreadable
    }

    /// One regular file that differs between two trees: its blob before (nil: it was not a
    /// regular file there) and after.
    struct ChangedFile {
        var path: String
        var old: git_oid?
        var new: git_oid?
    }

    /// The regular files that differ between two trees, sorted by path, among those `wanted`
    /// accepts: at most `limit` of them, and how many more there were. Subtrees with the same id on both sides are skipped without being read, so the
    /// cost follows what changed, not the size of the tree: libgit2's tree-to-tree diff walks
    /// every file of both trees (about 100 ms for 100,000 files here), for a one-file change
    /// too. Iterative, so a deep directory chain cannot exhaust the stack.
    func changedFiles(from oldRoot: git_oid?, to newRoot: git_oid, limit: Int,
                      wanted: (String) -> Bool, counted: (String) -> Bool) throws(Failure) -> (files: [ChangedFile], more: Int) {
        var changed: [ChangedFile] = []
        var more = 0
        /// Within the limit a file is listed when `wanted`; past it, counted when `counted` (a
        /// cheaper test: what is past the limit is not matched against the push's globs).
        func wants(_ path: String) -> Bool { changed.count < limit ? wanted(path) : counted(path) }
        func found(_ file: ChangedFile) {
            if changed.count < limit { changed.append(file) } else { more += 1 }
        }
        var pending: [(prefix: String, old: git_oid?, new: git_oid?)] = [("", oldRoot, newRoot)]
        while let (prefix, oldID, newID) = pending.popLast() {
            let oldTree = try oldID.map { id throws(Failure) in try lookupTree(id) }
            defer { git_tree_free(oldTree) }
            let newTree = try newID.map { id throws(Failure) in try lookupTree(id) }
            defer { git_tree_free(newTree) }
            if let newTree {
                for index in 0..<git_tree_entrycount(newTree) {
                    guard let entry = git_tree_entry_byindex(newTree, index), let rawName = git_tree_entry_name(entry) else { continue }
                    let other = oldTree.flatMap { git_tree_entry_byname($0, rawName) }
                    let mode = git_tree_entry_filemode(entry)
                    let otherMode = other.map { git_tree_entry_filemode($0) }
                    if let other, otherMode == mode, git_oid_equal(git_tree_entry_id(other), git_tree_entry_id(entry)) == 1 { continue }
                    let path = prefix + String(cString: rawName)
                    let isTree = mode == GIT_FILEMODE_TREE, wasTree = otherMode == GIT_FILEMODE_TREE
                    if isTree || wasTree {
                        pending.append((path + "/", wasTree ? git_tree_entry_id(other!).pointee : nil,
                                        isTree ? git_tree_entry_id(entry).pointee : nil))
                    }
                    let newFile = Repository.isRegularFile(mode) ? git_tree_entry_id(entry).pointee : nil
                    let oldFile = otherMode.map(Repository.isRegularFile) == true ? git_tree_entry_id(other!).pointee : nil
                    if (newFile != nil || oldFile != nil) && wants(path) {
                        found(ChangedFile(path: path, old: oldFile, new: newFile))
                    }
                }
            }
            if let oldTree {
                for index in 0..<git_tree_entrycount(oldTree) {
                    guard let entry = git_tree_entry_byindex(oldTree, index), let rawName = git_tree_entry_name(entry) else { continue }
                    if let newTree, git_tree_entry_byname(newTree, rawName) != nil { continue }
                    let path = prefix + String(cString: rawName)
                    let mode = git_tree_entry_filemode(entry)
                    if mode == GIT_FILEMODE_TREE {
                        pending.append((path + "/", git_tree_entry_id(entry).pointee, nil))
                    } else if Repository.isRegularFile(mode) && wants(path) {
                        found(ChangedFile(path: path, old: git_tree_entry_id(entry).pointee, new: nil))
                    }
                }
            }
        }
        changed.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return (changed, more)
    }

    private func lookupTree(_ id: git_oid) throws(Failure) -> OpaquePointer {
        var oid = id
        var tree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&tree, handle, &oid))
        return tree!
    }

    private static func isRegularFile(_ mode: git_filemode_t) -> Bool {
        mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE
    }

    /// The tree id of the commit `id` names, or nil.
    private func treeID(of id: String) -> git_oid? {
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, id, id.utf8.count) == 0 else { return nil }
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, handle, &oid) == 0 else { return nil }
        defer { git_commit_free(commit) }
        return git_commit_tree_id(commit)?.pointee
    }
}
