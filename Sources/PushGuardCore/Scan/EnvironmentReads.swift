// STAND-IN for the scanner built on branch scan-core: only Go `os.Getenv("X")` and JavaScript
// `process.env.X` (without `||` / `??` default). Replaced by the real scanner at merge.

/// One read of an environment variable in source code.
public struct EnvironmentRead: Equatable, Hashable, Sendable {
    public var name: String
    public var path: String
    /// 1-based.
    public var line: Int
    public init(name: String, path: String, line: Int) {
        self.name = name
        self.path = path
        self.line = line
    }
}

/// `pushguard.scanIgnore`: globs matched against variable names and file paths.
public struct ScanIgnore: Equatable, Sendable {
    var patterns: [String]
    public init(patterns: [String]) { self.patterns = patterns }
    public static let none = ScanIgnore(patterns: [])
    public func ignores(name: String) -> Bool { patterns.contains { RefPattern.matches($0, name) } }
    public func ignores(path: String) -> Bool {
        patterns.contains { RefPattern.matches($0, path) || RefPattern.matches($0 + "/**", path) }
    }
}

public enum EnvironmentReadScanner {
    public static let maxFileSize = 1 << 20
    public static let platformVariables: Set<String> = ["PORT", "HOME", "PATH", "USER", "PWD", "TMPDIR", "LANG",
                                                        "TZ", "HOSTNAME", "DYNO"]

    public static func scans(path: String, ignore: ScanIgnore) -> Bool {
        if ignore.ignores(path: path) { return false }
        let parts = path.split(separator: "/")
        if parts.contains(where: { $0 == "vendor" || $0 == "node_modules" || $0 == "test" || $0 == "tests" }) { return false }
        if path.hasSuffix("_test.go") || path.hasSuffix(".test.js") || path.hasSuffix(".spec.js") { return false }
        return path.hasSuffix(".go") || path.hasSuffix(".js") || path.hasSuffix(".ts")
    }

    public static func reads(in contents: [UInt8], path: String, ignore: ScanIgnore) -> [EnvironmentRead] {
        guard scans(path: path, ignore: ignore) else { return [] }
        func isNameByte(_ b: UInt8) -> Bool {
            b == UInt8(ascii: "_") || (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A)
        }
        func matches(_ marker: [UInt8], at i: Int) -> Bool {
            guard i + marker.count <= contents.count else { return false }
            for k in 0..<marker.count where contents[i + k] != marker[k] { return false }
            return true
        }
        let goMarker = Array("os.Getenv(\"".utf8), jsMarker = Array("process.env.".utf8)
        let markers: [([UInt8], [UInt8])] = [(goMarker, Array("\")".utf8)), (jsMarker, [])]
        let or = Array("||".utf8), nullish = Array("??".utf8)
        var out: [EnvironmentRead] = []
        var line = 1
        var i = 0
        while i < contents.count {
            if contents[i] == UInt8(ascii: "\n") { line += 1; i += 1; continue }
            guard contents[i] == UInt8(ascii: "o") || contents[i] == UInt8(ascii: "p") else { i += 1; continue }
            for (marker, closing) in markers where matches(marker, at: i) {
                var j = i + marker.count
                while j < contents.count && isNameByte(contents[j]) { j += 1 }
                let name = String(decoding: contents[(i + marker.count)..<j], as: UTF8.self)
                guard !name.isEmpty, matches(closing, at: j) else { continue }
                if closing.isEmpty {
                    var k = j
                    while k < contents.count && contents[k] == UInt8(ascii: " ") { k += 1 }
                    if matches(or, at: k) || matches(nullish, at: k) { continue }
                }
                if platformVariables.contains(name) || ignore.ignores(name: name) { continue }
                out.append(EnvironmentRead(name: name, path: path, line: line))
            }
            i += 1
        }
        return out
    }

    public static func added(before: [EnvironmentRead], after: [EnvironmentRead]) -> [EnvironmentRead] {
        let known = Set(before.map(\.name))
        var seen = Set<String>()
        return after.filter { !known.contains($0.name) && seen.insert($0.name).inserted }
    }
}
