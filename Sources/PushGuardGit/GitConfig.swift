import CLibgit2
import Glibc
import PushGuardCore

/// A read-only snapshot of git configuration (all levels merged as git merges them).
public final class GitConfig {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_config_free(handle) }

    /// The system, XDG and global configuration, for commands run outside a repository.
    public static func openDefault() throws(Failure) -> GitConfig {
        try Libgit2.initialise()
        var live: OpaquePointer?
        try check("git_config_open_default", git_config_open_default(&live))
        defer { git_config_free(live) }
        var snapshot: OpaquePointer?
        try check("git_config_snapshot", git_config_snapshot(&snapshot, live))
        return GitConfig(handle: snapshot!)
    }

    /// The highest-priority value of `name`, or nil when unset.
    public func string(_ name: String) throws(Failure) -> String? {
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_string(\(name))", code)
        return value.map { String(cString: $0) }
    }

    /// True when the value of `name` that wins comes from the repository's own config (the
    /// local or worktree level), which whoever owns the repository can write.
    public func isSetByRepository(_ name: String) throws(Failure) -> Bool {
        var entry: UnsafeMutablePointer<git_config_entry>?
        let code = git_config_get_entry(&entry, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return false }
        try check("git_config_get_entry(\(name))", code)
        defer { git_config_entry_free(entry) }
        return entry!.pointee.level.rawValue >= GIT_CONFIG_LEVEL_LOCAL.rawValue
    }

    /// Where the winning value of `name` is set, in words (see `describe`); nil when unset.
    public func origin(of name: String) throws(Failure) -> String? {
        var entry: UnsafeMutablePointer<git_config_entry>?
        let code = git_config_get_entry(&entry, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_entry(\(name))", code)
        defer { git_config_entry_free(entry) }
        return GitConfig.describe(entry!.pointee.level)
    }

    /// A boolean as git reads it (true/yes/on/1, false/no/off/0), or nil when unset.
    public func bool(_ name: String) throws(Failure) -> Bool? {
        var value: Int32 = 0
        let code = git_config_get_bool(&value, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_bool(\(name))", code)
        return value != 0
    }

    /// One variable's value as a config file sets it; `value` is nil for a name written without
    /// `=` (git reads it as true).
    public struct Entry {
        public let name: String
        public let value: String?
        public let level: String
    }

    /// Every variable whose name starts with `prefix`, in config order (system, global, the
    /// repository's), with the level of the file it is in. Names are as libgit2 gives them:
    /// section and key lower-case, a subsection as written. Compared here rather than with
    /// libgit2's regular expressions: compiling one was a hook's only use of PCRE2. One pass
    /// serves every multi-valued setting: each iterator libgit2 makes copies every entry.
    public func entries(withPrefix prefix: String) throws(Failure) -> [Entry] {
        var iterator: OpaquePointer?
        try check("git_config_iterator_new", git_config_iterator_new(&iterator, handle))
        defer { git_config_iterator_free(iterator) }
        let length = prefix.utf8.count
        var found: [Entry] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while true {
            let next = git_config_next(&entry, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            try check("git_config_next", next)
            guard let entry, let name = entry.pointee.name, strncmp(name, prefix, length) == 0 else { continue }
            found.append(Entry(name: String(cString: name), value: entry.pointee.value.map { String(cString: $0) },
                               level: GitConfig.describe(entry.pointee.level)))
        }
        return found
    }

    /// Where a config level's file is, in words an admin can act on.
    static func describe(_ level: git_config_level_t) -> String {
        switch level {
        case GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM: return "the system config (git config --system)"
        case GIT_CONFIG_LEVEL_XDG: return "the XDG config (~/.config/git/config)"
        case GIT_CONFIG_LEVEL_GLOBAL: return "the global config (~/.gitconfig)"
        case GIT_CONFIG_LEVEL_LOCAL: return "the repository's config"
        default: return "a config given on the command line"
        }
    }

    /// Names of every variable matching a regular expression, in the order libgit2 reports them.
    public func names(matching pattern: String) throws(Failure) -> [String] {
        var iterator: OpaquePointer?
        try check("git_config_iterator_glob_new", git_config_iterator_glob_new(&iterator, handle, pattern))
        return try drain(iterator) { $0.name }
    }

    /// Reads one field of every entry an iterator yields, then frees the iterator.
    private func drain(_ iterator: OpaquePointer?,
                       _ field: (git_config_entry) -> UnsafePointer<CChar>?) throws(Failure) -> [String] {
        defer { git_config_iterator_free(iterator) }
        var values: [String] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while true {
            let next = git_config_next(&entry, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            try check("git_config_next", next)
            if let text = entry.flatMap({ field($0.pointee) }) { values.append(String(cString: text)) }
        }
        return values
    }
}

/// The repository-level config file, for install and uninstall to change.
public final class LocalConfig {
    let handle: OpaquePointer

    public init(repository: Repository) throws(Failure) {
        var all: OpaquePointer?
        try check("git_repository_config", git_repository_config(&all, repository.handle))
        defer { git_config_free(all) }
        var local: OpaquePointer?
        try check("git_config_open_level", git_config_open_level(&local, all, GIT_CONFIG_LEVEL_LOCAL))
        handle = local!
    }

    deinit { git_config_free(handle) }

    /// The raw value at the repository level only, or nil.
    public func string(_ name: String) throws(Failure) -> String? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let code = git_config_get_string_buf(&buffer, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_string_buf(\(name))", code)
        return buffer.ptr.map { String(cString: $0) }
    }

    public func set(_ name: String, _ value: String) throws(Failure) {
        try check("git_config_set_string(\(name))", git_config_set_string(handle, name, value))
    }

    /// Removes the variable; absent is fine.
    public func unset(_ name: String) throws(Failure) {
        let code = git_config_delete_entry(handle, name)
        if code == GIT_ENOTFOUND.rawValue { return }
        try check("git_config_delete_entry(\(name))", code)
    }
}
