import Foundation
import PackagePlugin

/// Runs Sources/CLibgit2/network-symbols.sh whenever libgit2.a, network_stubs.c or the script
/// changes: the build fails when the stubs no longer match what libgit2.a refers to (a libgit2
/// update), and otherwise the target gets the checked list as a Swift file.
@main
struct Libgit2NetworkSymbols: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let sources = context.package.directoryURL.appending(path: "Sources/CLibgit2")
        let script = sources.appending(path: "network-symbols.sh")
        let stubs = sources.appending(path: "network_stubs.c")
        let archive = try libgit2Archive()
        let output = context.pluginWorkDirectoryURL.appending(path: "Libgit2NetworkSymbols.swift")
        return [.buildCommand(displayName: "Checking libgit2.a's network symbols against network_stubs.c",
                              executable: URL(filePath: "/bin/sh"),
                              arguments: [script.path, archive.path, stubs.path, output.path],
                              inputFiles: [script, stubs, archive], outputFiles: [output])]
    }

    /// libgit2-dev's static archive, in the directory pkg-config names for libgit2.
    private func libgit2Archive() throws -> URL {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--variable=libdir", "libgit2"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let directory = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !directory.isEmpty else {
            throw PluginError("pkg-config does not know libgit2: install libgit2-dev (./install.sh --deps-only)")
        }
        return URL(filePath: directory).appending(path: "libgit2.a")
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
