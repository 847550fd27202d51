/// PushGuard's version: the one place it is defined. `pushguard --version` prints it alone
/// on a line, so packaging and scripts read it from the built binary.
public enum PushGuardVersion {
    public static let current = "0.9.0"
}
