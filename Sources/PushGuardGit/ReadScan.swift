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
    /// Changed files left out because a blob was over `EnvironmentReadScanner.maxFileSize`.
    public var tooLarge: [String] = []
    /// Changed files left out because the push's budget was spent.
    public var overBudget = 0
    /// Why the scan could not be done at all, if it could not.
    public var failure: String?
}

extension Repository {
    /// The commit id a ref (or any revision) points at now, or nil.
    public func commitID(of revision: String) -> String? {
        var object: OpaquePointer?
        guard git_revparse_single(&object, handle, revision) == 0 else { return nil }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else { return nil }
        defer { git_object_free(commit) }
        return Repository.hex(git_object_id(commit))
    }

    /// True when `id` names a commit present in the repository (the quarantine included).
    public func hasCommit(_ id: String) -> Bool {
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, id, id.utf8.count) == 0 else { return false }
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
        guard let baseTree = tree(of: base) else {
            scan.failure = "the base commit \(escapedForTerminal(String(base.prefix(12)))) cannot be read"
            return scan
        }
        defer { git_tree_free(baseTree) }
        guard let newTree = tree(of: new) else {
            scan.failure = "the pushed commit \(escapedForTerminal(String(new.prefix(12)))) cannot be read"
            return scan
        }
        defer { git_tree_free(newTree) }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        // Only which files differ: never load a blob to decide whether it is binary.
        options.flags = GIT_DIFF_SKIP_BINARY_CHECK.rawValue | GIT_DIFF_IGNORE_SUBMODULES.rawValue
        var diff: OpaquePointer?
        guard git_diff_tree_to_tree(&diff, handle, baseTree, newTree, &options) == 0 else {
            scan.failure = "the changed files cannot be listed: \(GitError("git_diff_tree_to_tree", -1).message)"
            return scan
        }
        defer { git_diff_free(diff) }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else {
            scan.failure = "the object database cannot be opened"
            return scan
        }
        defer { git_odb_free(odb) }
        var before: [EnvironmentRead] = []
        var after: [EnvironmentRead] = []
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            let file = delta.status == GIT_DELTA_DELETED ? delta.old_file : delta.new_file
            guard let rawPath = file.path else { continue }
            let path = String(cString: rawPath)
            guard EnvironmentReadScanner.scans(path: path, ignore: ignore) else { continue }
            if budget.files <= 0 {
                scan.overBudget += 1
                continue
            }
            let old = delta.status == GIT_DELTA_ADDED ? nil : delta.old_file
            let new = delta.status == GIT_DELTA_DELETED ? nil : delta.new_file
            var sizes: [Int] = []
            var large = false
            for side in [old, new] {
                guard var side, Repository.isRegularFile(side.mode) else { sizes.append(0); continue }
                var size = 0
                var type = GIT_OBJECT_ANY
                guard git_odb_read_header(&size, &type, odb, &side.id) == 0 else { sizes.append(0); continue }
                if size > EnvironmentReadScanner.maxFileSize { large = true }
                sizes.append(size)
            }
            if large {
                scan.tooLarge.append(path)
                continue
            }
            let cost = sizes.reduce(0, +)
            if cost > budget.bytes {
                scan.overBudget += 1
                budget.files = 0
                continue
            }
            budget.files -= 1
            budget.bytes -= cost
            scan.scannedFiles += 1
            if let old, Repository.isRegularFile(old.mode), let bytes = blobBytes(old.id) {
                before += EnvironmentReadScanner.reads(in: bytes, path: path, ignore: ignore)
            }
            if let new, Repository.isRegularFile(new.mode), let bytes = blobBytes(new.id) {
                after += EnvironmentReadScanner.reads(in: bytes, path: path, ignore: ignore)
            }
        }
        scan.added = EnvironmentReadScanner.added(before: before, after: after)
        return scan
    }

    private static func isRegularFile(_ mode: UInt16) -> Bool {
        mode == UInt16(GIT_FILEMODE_BLOB.rawValue) || mode == UInt16(GIT_FILEMODE_BLOB_EXECUTABLE.rawValue)
    }

    /// The tree of the commit `id` names, or nil; the caller frees it.
    private func tree(of id: String) -> OpaquePointer? {
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, id, id.utf8.count) == 0 else { return nil }
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, handle, &oid) == 0 else { return nil }
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commit) == 0 else { return nil }
        return tree
    }

    private func blobBytes(_ id: git_oid) -> [UInt8]? {
        var oid = id
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, handle, &oid) == 0 else { return nil }
        defer { git_blob_free(blob) }
        let length = Int(git_blob_rawsize(blob))
        guard length > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: length))
    }
}
