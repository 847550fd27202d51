import CLibgit2
import PushGuardCore

extension Repository {
    /// Clones `url` into `path` through the libgit2 PushGuard links. PushGuard itself never
    /// clones or fetches: this is what `pushguard __libgit2-clone URL PATH` (a test entry point,
    /// not a command) runs to show the network fence. A URL that needs the network (https, ssh,
    /// git, http) fails with "PushGuard is built without libgit2's network transports"; a local
    /// path still clones.
    public static func cloneThroughLibgit2(url: String, into path: String) throws(Failure) {
        try Libgit2.initialise()
        var pointer: OpaquePointer?
        try check("git_clone", git_clone(&pointer, url, path, nil))
        git_repository_free(pointer)
    }
}
