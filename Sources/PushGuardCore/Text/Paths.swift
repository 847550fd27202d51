/// The directory part of a path (`/a/b` → `/a`, `b` → `.`, `/b` → `/`).
public func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
