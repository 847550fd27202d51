import CLibgit2
import Glibc
import PushGuardCore
import PushGuardSystem

/// What PushGuardGit adds to `Failure`: a libgit2 call that failed, with the C function's name
/// and libgit2's message.
extension Failure {
    /// git refused a repository that belongs to another user.
    public var isOwnershipProblem: Bool { kind == .git && code == GIT_EOWNER.rawValue }

    /// The .git failure of `function`, which returned `code`: libgit2's last error message
    /// (escaped), or the fence's reason when the network fence stopped the call. A refusal of
    /// another user's repository says it all: its description has no function's name.
    init(gitFunction function: String, code: Int32) {
        var message: String
        if let last = git_error_last(), let text = last.pointee.message {
            message = escapedForTerminal(String(cString: text))
        } else {
            message = "error \(code)"
        }
        // libgit2 often puts its own words over the fence's ("malformed URL" when the URL parser
        // is one of the replaced functions): say why it failed.
        if let fenced = pushguard_network_fence_take(), !message.hasPrefix(PUSHGUARD_NO_NETWORK_MESSAGE) {
            message = "\(PUSHGUARD_NO_NETWORK_MESSAGE) (libgit2 reached \(String(cString: fenced))): \(message)"
        }
        self = .git(function: code == GIT_EOWNER.rawValue ? nil : function, code: code, message: message)
    }
}

@discardableResult
func check(_ function: String, _ code: Int32) throws(Failure) -> Int32 {
    if code < 0 { throw Failure(gitFunction: function, code: code) }
    return code
}

/// libgit2 is initialised once per process, on first use, with its network fence (see
/// Sources/CLibgit2). Its result is checked: when its TLS set-up finds no cipher,
/// `git_libgit2_init` stops before preparing the pack-window map and the first pack read would
/// crash, so a failed init is an error, never ignored.
enum Libgit2 {
    nonisolated(unsafe) private static var result: Int32?

    static func initialise() throws(Failure) {
        if result == nil { result = pushguard_libgit2_init() }
        try check("git_libgit2_init", result!)
    }
}

/// A manifest that cannot be read from a commit: why, as the manifest to report.
struct ManifestProblem: Error {
    var manifest: Manifest
    init(_ manifest: Manifest) { self.manifest = manifest }
}

/// One open repository; owns its libgit2 handle and frees it on deinit.
public final class Repository {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_repository_free(handle) }

    /// Opens the repository a hook runs in the way git describes it in the environment
    /// (`GIT_DIR`, and during pre-receive `GIT_OBJECT_DIRECTORY` and
    /// `GIT_ALTERNATE_OBJECT_DIRECTORIES`, which point into git's quarantine). A plain open would
    /// not see the pushed objects.
    public static func openFromEnvironment() throws(Failure) -> Repository {
        try Libgit2.initialise()
        var pointer: OpaquePointer?
        try check("git_repository_open_ext", git_repository_open_ext(
            &pointer, nil, UInt32(GIT_REPOSITORY_OPEN_FROM_ENV.rawValue), nil))
        return Repository(handle: pointer!)
    }

    /// Opens the repository at a path (a bare repository or a work tree), for an admin command.
    ///
    /// On a git server the repositories belong to the git user and the admin runs PushGuard as
    /// root. git's ownership check (`safe.directory`) protects a user from running what another
    /// user's repository config says; root administering the git user's repositories is the
    /// normal case, so root skips it (what root then trusts of a repository's config is the
    /// settings loader's business). Any other user keeps the check, and a refusal names the
    /// owner and the fix.
    public static func open(path: String) throws(Failure) -> Repository {
        try Libgit2.initialise()
        if Identity.isRoot { try check("git_libgit2_opts", pushguard_set_owner_validation(0)) }
        var pointer: OpaquePointer?
        let code = git_repository_open_ext(&pointer, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        if code == GIT_EOWNER.rawValue {
            let (message, fix) = ownershipProblem(path)
            throw Failure(.git, message, fix: fix, code: code)
        }
        try check("git_repository_open_ext", code)
        return Repository(handle: pointer!)
    }

    /// "PATH belongs to git, not to you (alice), …", and the fix.
    private static func ownershipProblem(_ path: String) -> (message: String, fix: String) {
        var info = stat()
        let owner = stat(path, &info) == 0 ? Identity.userName(info.st_uid) : "another user"
        let me = Identity.userName(geteuid())
        return ("\(escapedForTerminal(path)) belongs to \(owner), not to you (\(me)), and git refuses repositories of other users",
                "run this command as root (the admin) or as \(owner)")
    }


    /// The repository's git directory, without a trailing slash.
    public var gitDirectory: String {
        var path = String(cString: git_repository_path(handle))
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// The repository's configuration: system, XDG, global and local levels, as git reads them.
    public func config() throws(Failure) -> GitConfig {
        var pointer: OpaquePointer?
        try check("git_repository_config_snapshot", git_repository_config_snapshot(&pointer, handle))
        return GitConfig(handle: pointer!)
    }

    /// Resolves a revision (`HEAD`, a branch, an id) to a full object id.
    public func resolve(_ revision: String) throws(Failure) -> String {
        var object: OpaquePointer?
        try check("git_revparse_single", git_revparse_single(&object, handle, revision))
        defer { git_object_free(object) }
        return Repository.hex(git_object_id(object))
    }

    /// Reads the manifest at `path` in the tree of the commit `id` names. Never throws: every
    /// way it can fail (unknown id, a blob pushed to a branch, a directory, a symlink, a
    /// submodule, too large) becomes `.unreadable` with a plain reason, and a tree on its path
    /// that git would not write (out of order, a name twice) `.ambiguous`.
    public func manifest(commit id: String, path: String) -> Manifest {
        var cache: [String: Manifest] = [:]
        return manifest(commit: id, path: path, cache: &cache).manifest
    }

    /// As `manifest(commit:path:)`, parsing each distinct blob once: commits that share an
    /// app.json (40 release branches of one code base) cost one parse. `identity` names what
    /// was read (the blob id, or why nothing was), so equal identities mean equal manifests.
    public func manifest(commit id: String, path: String, cache: inout [String: Manifest]) -> ManifestRead {
        var budget = Int.max
        return manifest(commit: id, path: path, cache: &cache, budget: &budget)
    }

    /// As `manifest(commit:path:cache:)`, reading distinct blobs only while their bytes fit in
    /// `budget` (what is left of the push's `Manifest.maxBytesPerPush`); a blob past it is not
    /// read and is reported unreadable, saying why.
    public func manifest(commit id: String, path: String, cache: inout [String: Manifest], budget: inout Int) -> ManifestRead {
        let located = locateManifest(commit: id, path: path)
        let blob: git_oid
        switch located {
        case .success(let found): blob = found
        case .failure(let problem):
            return ManifestRead(identity: problem.manifest == .absent ? "absent" : "commit " + id, manifest: problem.manifest)
        }
        let blobID = Repository.hex(withUnsafePointer(to: blob) { $0 })
        if let known = cache[blobID] { return ManifestRead(identity: "blob " + blobID, manifest: known) }
        var oid = blob
        let manifest = readManifestBlob(&oid, budget: &budget)
        cache[blobID] = manifest
        return ManifestRead(identity: "blob " + blobID, manifest: manifest)
    }

    /// The id of the manifest's blob, or the manifest to report when there is none to read.
    private func locateManifest(commit id: String, path: String) -> Result<git_oid, ManifestProblem> {
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, id, id.utf8.count) == 0 else {
            return .failure(ManifestProblem(.unreadable("\(escapedForTerminal(id)) is not an object id")))
        }
        var object: OpaquePointer?
        guard git_object_lookup(&object, handle, &oid, GIT_OBJECT_ANY) == 0 else {
            return .failure(ManifestProblem(.unreadable("object \(id) not found in the repository")))
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else {
            let type = String(cString: git_object_type2string(git_object_type(object)))
            return .failure(ManifestProblem(.unreadable("the pushed object is a \(type), not a commit")))
        }
        defer { git_object_free(commit) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commit) == 0 else {
            return .failure(ManifestProblem(.unreadable("the commit's tree cannot be read")))
        }
        defer { git_tree_free(tree) }
        return manifestEntry(path: path, root: tree!)
    }

    /// Finds the manifest's entry as git reads a tree when it checks out or archives a commit:
    /// every entry, in the object's order (`git_tree_entry_byindex` keeps it). libgit2's lookup
    /// by name is a binary search that assumes git's order: in a tree written out of order it
    /// misses an app.json git deploys, and of two entries with the name it may find the one a
    /// checkout does not keep. So each tree on the path is checked in the same pass
    /// (`scanTree`), and one git would not write makes the manifest `.ambiguous`. Only the
    /// trees on the path are read. A missing component, or one that is not a directory, is
    /// `.absent`, as libgit2's lookup by path made it.
    private func manifestEntry(path: String, root: OpaquePointer) -> Result<git_oid, ManifestProblem> {
        var components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
        // "deploy/" names a directory, as in libgit2's lookup by path.
        var directoryWanted = false
        if components.count > 1 && components.last!.isEmpty {
            components.removeLast()
            directoryWanted = true
        }
        if components.contains(where: \.isEmpty) { return .failure(ManifestProblem(.absent)) }
        var tree = root
        var subtree: OpaquePointer?
        defer { git_tree_free(subtree) }
        for (depth, name) in components.enumerated() {
            let entry: TreeEntry
            switch scanTree(tree, for: name) {
            case .found(let found): entry = found
            case .notFound: return .failure(ManifestProblem(.absent))
            case .ambiguous(let why):
                let id = String(Repository.hex(git_tree_id(tree)).prefix(12))
                let which = depth == 0 ? "the commit's tree \(id)"
                    : "the tree \(id) at \(escapedForTerminal(String(decoding: Array(components[..<depth].joined(separator: [UInt8(ascii: "/")])), as: UTF8.self)))/"
                return .failure(ManifestProblem(.ambiguous(
                    "\(which) \(why), so PushGuard cannot tell which \(escapedForTerminal(path)) git would deploy")))
            }
            if depth == components.count - 1 {
                if directoryWanted {
                    return .failure(ManifestProblem(entry.directory ? .unreadable("it is a directory, not a file") : .absent))
                }
                switch entry.mode {
                case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE: return .success(entry.id)
                case GIT_FILEMODE_TREE: return .failure(ManifestProblem(.unreadable("it is a directory, not a file")))
                case GIT_FILEMODE_LINK: return .failure(ManifestProblem(.unreadable("it is a symbolic link, not a file")))
                case GIT_FILEMODE_COMMIT: return .failure(ManifestProblem(.unreadable("it is a submodule, not a file")))
                default: return .failure(ManifestProblem(.unreadable("it has an unknown file mode")))
                }
            }
            guard entry.directory else { return .failure(ManifestProblem(.absent)) }
            var id = entry.id
            var next: OpaquePointer?
            let looked = git_tree_lookup(&next, handle, &id)
            guard looked == 0 else {
                return .failure(ManifestProblem(.unreadable("it cannot be looked up: \(Failure(gitFunction: "git_tree_lookup", code: looked).message)")))
            }
            git_tree_free(subtree)
            subtree = next
            tree = next!
        }
        return .failure(ManifestProblem(.absent))
    }

    /// What the manifest's walk keeps of a tree entry (the tree that owns the entry may be freed).
    private struct TreeEntry {
        var id: git_oid
        /// libgit2's normalised mode.
        var mode: git_filemode_t
        /// A directory as git sorts and checks out entries: its raw mode's type is 040000.
        var directory: Bool
    }

    private enum TreeScan {
        case found(TreeEntry)
        case notFound
        /// The tree is not one git writes; why, as "is not sorted as git writes trees (…)".
        case ambiguous(String)
    }

    /// One pass over a tree's entries in the object's order: the entry named `name`, or why the
    /// tree is not one git writes (`TreeOrder`).
    private func scanTree(_ tree: OpaquePointer, for name: [UInt8]) -> TreeScan {
        var found: TreeEntry?
        var order = TreeOrder()
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index), let entryName = git_tree_entry_name(entry) else {
                return .ambiguous("cannot be read entry by entry")
            }
            let bytes = UnsafeRawBufferPointer(start: entryName, count: strlen(entryName))
            let directory = git_tree_entry_filemode_raw(entry).rawValue & 0o170000 == 0o040000
            switch order.add(bytes, directory: directory) {
            case .duplicate?:
                return .ambiguous("has two entries named \(Repository.shownName(bytes)) (git fsck: duplicateEntries)")
            case .unsorted?:
                return .ambiguous("is not sorted as git writes trees (git fsck: treeNotSorted)")
            case nil:
                break
            }
            if bytes.count == name.count, name.withUnsafeBytes({ memcmp(entryName, $0.baseAddress!, bytes.count) }) == 0 {
                found = TreeEntry(id: git_tree_entry_id(entry).pointee, mode: git_tree_entry_filemode(entry), directory: directory)
            }
        }
        return found.map { .found($0) } ?? .notFound
    }

    /// An entry's name for a message: escaped, and cut after 60 bytes.
    private static func shownName(_ name: UnsafeRawBufferPointer) -> String {
        escapedForTerminal(String(decoding: name.prefix(60), as: UTF8.self)) + (name.count > 60 ? "…" : "")
    }

    /// Reads and parses the manifest blob, its size checked first so a huge blob is never loaded.
    private func readManifestBlob(_ blobID: inout git_oid, budget: inout Int) -> Manifest {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return .unreadable("cannot open the object database") }
        defer { git_odb_free(odb) }
        var size = 0
        var type = GIT_OBJECT_ANY
        guard git_odb_read_header(&size, &type, odb, &blobID) == 0 else {
            return .unreadable("its blob is not in the repository")
        }
        if size > Manifest.maxSize {
            return .unreadable("it is \(size) bytes, over the 1 MiB limit")
        }
        if size > budget { return .unreadable(Manifest.overPushBudget) }
        budget -= size
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, handle, &blobID) == 0 else {
            return .unreadable("its blob is not in the repository")
        }
        defer { git_blob_free(blob) }
        let length = Int(git_blob_rawsize(blob))
        guard length > 0, let raw = git_blob_rawcontent(blob) else { return Manifest.parse([]) }
        let bytes = Array(UnsafeRawBufferPointer(start: raw, count: length))
        return Manifest.parse(bytes)
    }

    /// The ref a symbolic ref points at (`refs/heads/master` → `refs/heads/main`), or nil when
    /// `name` is not a symbolic ref.
    public func symbolicTarget(of name: String) -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, name) == 0 else { return nil }
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(reference) else { return nil }
        return String(cString: target)
    }

    static func hex(_ oid: UnsafePointer<git_oid>?) -> String {
        guard let oid else { return "" }
        return String(cString: git_oid_tostr_s(oid))
    }
}

extension Repository {
    /// The notes ref PushGuard writes deploy records under.
    public static let notesRef = "refs/notes/pushguard"

    /// The note on a commit under `notesRef`, or nil when it has none. Any other failure
    /// throws: a notes ref that cannot be read must not be taken for empty and overwritten.
    public func note(on commit: String, notesRef: String = Repository.notesRef) throws(Failure) -> String? {
        var oid = git_oid()
        try check("git_oid_fromstrn", git_oid_fromstrn(&oid, commit, commit.utf8.count))
        var note: OpaquePointer?
        let code = git_note_read(&note, handle, notesRef, &oid)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_note_read", code)
        defer { git_note_free(note) }
        return git_note_message(note).map { String(cString: $0) }
    }

    /// Adds each text to its commit's note (after any earlier deploy records, never replacing
    /// them; see `DeployNoteText`) in one notes commit: one tree written and one ref update per
    /// push, however many deploys (one commit per note made 6,000 deploys take two minutes).
    /// Must not run in pre-receive: notes are refs, and refs cannot be written from git's
    /// quarantine. A notes tree with fan-out directories (written by `git notes` once it holds
    /// many notes) is updated note by note.
    ///
    /// Concurrent pushes each write their own notes commit: the ref is moved by compare-and-swap
    /// from the tip this commit was built on (created only if it is still absent). When
    /// another push moved it first, or holds its lock, the commit is rebuilt on the new tip
    /// after a short randomised back-off, for at most `timeoutMilliseconds` in all.
    public func appendNotes(_ notes: [(commit: String, text: String)], author: String,
                            notesRef: String = Repository.notesRef,
                            timeoutMilliseconds: Int = Repository.notesTimeoutMilliseconds) throws(Failure) {
        guard !notes.isEmpty else { return }
        // Texts for one commit are joined, in order.
        var order: [String] = []
        var texts: [String: String] = [:]
        for note in notes {
            if texts[note.commit] == nil { order.append(note.commit) }
            texts[note.commit] = DeployNoteText.appending(note.text, to: texts[note.commit])
        }
        var signature: UnsafeMutablePointer<git_signature>?
        try check("git_signature_now", git_signature_now(&signature, author.isEmpty ? "pushguard" : author, "pushguard@localhost"))
        defer { git_signature_free(signature) }
        let deadline = Repository.monotonicMilliseconds() + timeoutMilliseconds
        var backoff = 1
        var attempts = 0
        var lastFailure: Failure
        repeat {
            attempts += 1
            var tip = git_oid()
            let found = git_reference_name_to_id(&tip, handle, notesRef)
            if found == GIT_ENOTFOUND.rawValue { tip = git_oid() }
            if found != 0 && found != GIT_ENOTFOUND.rawValue {
                lastFailure = Failure(gitFunction: "git_reference_name_to_id(\(notesRef))", code: found)
                guard Repository.isContention(found) else { throw notesFailure(lastFailure, notesRef: notesRef) }
            } else {
                let commitID = try notesCommit(on: found == 0 ? tip : nil, order: order, texts: texts, signature: signature)
                var reference: OpaquePointer?
                var newID = commitID
                // Compare-and-swap even when the ref is absent: `tip` stays all zeros then, which
                // libgit2 compares under the ref's lock. (Creating without force checks "absent"
                // before taking the lock: two pushes both creating the ref lost one's notes.)
                let updated = git_reference_create_matching(&reference, handle, notesRef, &newID, 1, &tip, "PushGuard: deploy notes")
                git_reference_free(reference)
                if updated == 0 { return }
                lastFailure = Failure(gitFunction: "git_reference_create_matching(\(notesRef))", code: updated)
                // Moved since we read it, created meanwhile, or locked by another push: try again.
                guard Repository.isContention(updated) else { throw notesFailure(lastFailure, notesRef: notesRef) }
            }
            let left = deadline - Repository.monotonicMilliseconds()
            if left <= 0 || attempts >= Repository.maxNotesAttempts { break }
            usleep(UInt32(min(Int.random(in: backoff / 2...backoff) * 1000 + Int.random(in: 0...500), left * 1000)))
            backoff = min(backoff * 2, 64)
        } while true
        let staleLock = lastFailure.code == GIT_ELOCKED.rawValue
            ? " (a \(notesRef).lock older than any push was left by a process that died: an admin removes it)" : ""
        throw Failure.git(function: lastFailure.function, code: lastFailure.code,
                          message: "\(notesRef) stayed busy under concurrent pushes; gave up after \(attempts) tries: \(lastFailure.message)\(staleLock)")
    }

    /// How long one push may wait for the notes ref in all, and how many tries it gets.
    public static let notesTimeoutMilliseconds = 10_000
    static let maxNotesAttempts = 1_000

    /// True for the failures another writer of the notes ref causes, which pass once it is done.
    static func isContention(_ code: Int32) -> Bool {
        code == GIT_EMODIFIED.rawValue || code == GIT_ELOCKED.rawValue
    }

    /// A notes commit holding `texts` added to the notes at `tip` (nil: no notes yet); no ref moved.
    private func notesCommit(on tip: git_oid?, order: [String], texts: [String: String],
                             signature: UnsafeMutablePointer<git_signature>?) throws(Failure) -> git_oid {
        var parent: OpaquePointer?
        var tree: OpaquePointer?
        defer { git_commit_free(parent); git_tree_free(tree) }
        if var tip {
            try check("git_commit_lookup", git_commit_lookup(&parent, handle, &tip))
            try check("git_commit_tree", git_commit_tree(&tree, parent))
        }
        var treeID = hasFanout(tree)
            ? try fanoutNotesTree(after: parent!, order: order, texts: texts, signature: signature)
            : try flatNotesTree(tree, order: order, texts: texts)
        var newTree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&newTree, handle, &treeID))
        defer { git_tree_free(newTree) }
        var commitID = git_oid()
        var parents: [OpaquePointer?] = parent.map { [$0] } ?? []
        let message = Repository.notesMessage(commits: order.count)
        let created = parents.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(&commitID, handle, nil, signature, signature, nil, message, newTree, buffer.count, buffer.baseAddress)
        }
        try check("git_commit_create", created)
        return commitID
    }

    /// A failure to write the notes ref, naming the refs that block it when a ref beneath it
    /// (pushed by an earlier version, or made by hand) has made it a directory.
    private func notesFailure(_ error: Failure, notesRef: String) -> Failure {
        var iterator: OpaquePointer?
        guard git_reference_iterator_glob_new(&iterator, handle, notesRef + "/*") == 0 else { return error }
        defer { git_reference_iterator_free(iterator) }
        var names: [String] = []
        var name: UnsafePointer<CChar>?
        while names.count < 5, git_reference_next_name(&name, iterator) == 0, let name {
            names.append(escapedForTerminal(String(cString: name)))
        }
        guard !names.isEmpty else { return error }
        return Failure.git(function: error.function, code: error.code, message: error.message + "; "
                           + names.joined(separator: ", ") + " stands in its way: an admin removes it on the server with git update-ref -d NAME")
    }

    static func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    /// The message of PushGuard's notes commits (libgit2's own default names libgit2, not who
    /// wrote the notes).
    static func notesMessage(commits: Int) -> String {
        "PushGuard: deploy notes on \(commits) commit\(commits == 1 ? "" : "s")\n\nWritten by PushGuard's post-receive hook after the push moved the refs.\n"
    }

    /// The notes tree with each text added after the commit's earlier note, for a tree without
    /// fan-out directories: one tree written, whatever the number of notes.
    private func flatNotesTree(_ tree: OpaquePointer?, order: [String], texts: [String: String]) throws(Failure) -> git_oid {
        var builder: OpaquePointer?
        try check("git_treebuilder_new", git_treebuilder_new(&builder, handle, tree))
        defer { git_treebuilder_free(builder) }
        for commit in order {
            var text = texts[commit]!
            if let entry = git_treebuilder_get(builder, commit) {
                var blob: OpaquePointer?
                try check("git_blob_lookup", git_blob_lookup(&blob, handle, git_tree_entry_id(entry)))
                defer { git_blob_free(blob) }
                let existing = String(decoding: UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob))), as: UTF8.self)
                text = DeployNoteText.appending(text, to: existing)
            }
            var blobID = git_oid()
            let bytes = Array(text.utf8)
            try check("git_blob_create_from_buffer", git_blob_create_from_buffer(&blobID, handle, bytes, bytes.count))
            try check("git_treebuilder_insert", git_treebuilder_insert(nil, builder, commit, &blobID, GIT_FILEMODE_BLOB))
        }
        var treeID = git_oid()
        try check("git_treebuilder_write", git_treebuilder_write(&treeID, builder))
        return treeID
    }

    /// The notes tree with each text added, for a tree with git's fan-out directories (written
    /// by `git notes` once it holds many notes): libgit2 places each note where git looks for
    /// it. Its intermediate commits are never referenced; the caller commits the final tree
    /// once, under PushGuard's message.
    private func fanoutNotesTree(after tip: OpaquePointer, order: [String], texts: [String: String],
                                 signature: UnsafeMutablePointer<git_signature>?) throws(Failure) -> git_oid {
        var current: OpaquePointer?
        defer { git_commit_free(current) }
        for commit in order {
            var oid = git_oid()
            try check("git_oid_fromstrn", git_oid_fromstrn(&oid, commit, commit.utf8.count))
            let base = current ?? tip
            var text = texts[commit]!
            var existing: OpaquePointer?
            let read = git_note_commit_read(&existing, handle, base, &oid)
            if read == 0 {
                let earlier = git_note_message(existing).map { String(cString: $0) } ?? ""
                git_note_free(existing)
                text = DeployNoteText.appending(text, to: earlier)
            } else if read != GIT_ENOTFOUND.rawValue {
                try check("git_note_commit_read", read)
            }
            var commitID = git_oid()
            var blobID = git_oid()
            try check("git_note_commit_create", git_note_commit_create(&commitID, &blobID, handle, base, signature, signature,
                                                                       &oid, text, 1))
            var next: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&next, handle, &commitID))
            git_commit_free(current)
            current = next
        }
        return git_commit_tree_id(current).pointee
    }

    /// True when a notes tree holds directories (git's fan-out for many notes).
    private func hasFanout(_ tree: OpaquePointer?) -> Bool {
        guard let tree else { return false }
        for index in 0..<git_tree_entrycount(tree) where git_tree_entry_type(git_tree_entry_byindex(tree, index)) == GIT_OBJECT_TREE {
            return true
        }
        return false
    }
}
