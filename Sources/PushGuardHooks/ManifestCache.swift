import PushGuardCore
import PushGuardGit
import PushGuardStore
import PushGuardSystem

/// Manifests parsed so far in this push, by blob id.
final class ManifestCache {
    var parsed: [String: Manifest] = [:]
    /// What the push may still read of distinct manifest blobs.
    var bytesLeft = Manifest.maxBytesPerPush
}
