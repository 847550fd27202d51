// libFuzzer target: pushed source bytes scanned for environment reads as every language, and
// scanIgnore patterns (the input's first line) matched against names and paths (the rest).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvironmentReads(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var lines = 1
    for (k, byte) in bytes.enumerated() where byte == 10 || (byte == 13 && (k + 1 == size || bytes[k + 1] != 10)) { lines += 1 }
    let paths = ["cmd/auth.go", "app/settings.py", "config/app.rb", "src/server.ts", "src/main.rs", "src/App.java",
                 "src/App.kt", "public/index.php", "config/runtime.exs"]
    var all: [EnvironmentRead] = []
    for path in paths {
        let reads = EnvironmentReadScanner.reads(in: bytes, path: path, ignore: .none)
        for read in reads {
            // Names are plain identifiers of bounded length, lines exist, no platform variable.
            let name = Array(read.name.utf8)
            if name.isEmpty || name.count > EnvironmentReadScanner.maxNameLength { fatalError("name length") }
            for (k, c) in name.enumerated() {
                let letter = (c | 0x20) >= 97 && (c | 0x20) <= 122
                if !(letter || c == 95 || (k > 0 && c >= 48 && c <= 57)) { fatalError("name byte") }
            }
            if read.path != path || read.line < 1 || read.line > lines { fatalError("site") }
            if EnvironmentReadScanner.platformVariables.contains(read.name) { fatalError("platform variable") }
        }
        if EnvironmentReadScanner.reads(in: bytes, path: path, ignore: .none) != reads { fatalError("not deterministic") }
        all += reads
    }
    let added = EnvironmentReadScanner.added(before: Array(all.prefix(all.count / 2)), after: all)
    if Set(added.map(\.name)).count != added.count || !added.allSatisfy(all.contains) { fatalError("added") }

    // Patterns: the first line split at spaces; the rest is a name and a path.
    let newline = bytes.firstIndex(of: 10) ?? size
    let patterns = bytes[..<newline].split(separator: 32).map { String(decoding: $0, as: UTF8.self) }
    let ignore = ScanIgnore(patterns: patterns)
    let rest = String(decoding: bytes[min(newline + 1, size)...].prefix(4096), as: UTF8.self)
    _ = ignore.ignores(name: rest)
    _ = ignore.ignores(path: rest)
    _ = EnvironmentReadScanner.scans(path: rest, ignore: ignore)
    for pattern in patterns { _ = ScanIgnore.problem(in: pattern) }
    return 0
}
