// swift-tools-version:6.0
import PackageDescription

// Two executables: `pushguard`, what hooks link to (the hooks, no argument parser or Foundation,
// because it starts on every push), which runs `pushguard-cli`, the admin CLI, for every command.
// All logic lives in library targets the tests import.
// PushGuardCore is pure (no C, no I/O) so the evaluation is unit-testable on its own.
// A hook's start is mostly loading libraries: libstdc++ and libgcc's unwinder are linked
// statically (see the linker scripts in Sources/pushguard/link), with lld, which reads those
// scripts where gold does not. The executable's relocations are packed (DT_RELR, glibc 2.36):
// 18,600 relative relocations take 3 KiB instead of 440 KiB, which every start read and walked.
let executableLinking: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-L", Context.packageDirectory + "/Sources/pushguard/link",
                  "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]),
]

// The modules a hook runs reach the metadata of generic types (arrays, dictionaries, results of
// their own types) through accessor functions instead of demangling the type's name at first use:
// demangling was 8 % of a hook's CPU samples.
let hookPathSwift: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
]

let package = Package(
    name: "PushGuard",
    products: [
        .executable(name: "pushguard", targets: ["pushguard"]),
        .executable(name: "pushguard-cli", targets: ["pushguard-cli"]),
    ],
    dependencies: [
        // An application pins what it ships (Package.resolved stays ignored: this machine's package
        // copies have other commit ids than the public ones).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // libgit2 from Debian's libgit2-dev, linked from its static archive: libgit2.so loads
        // about 18 libraries (mbedTLS, libssh2 and OpenSSL, Kerberos) at every hook start for
        // network transports a hook never uses. network_stubs.c replaces those libraries'
        // symbols and network_fence.c refuses every connection; the plugin checks the stubs
        // against libgit2.a at build time. libgit2.a itself needs only libc, zlib and PCRE2.
        .target(name: "CLibgit2", exclude: ["network-symbols.sh"],
                linkerSettings: [.linkedLibrary(":libgit2.a"), .linkedLibrary("pcre2-8"), .linkedLibrary("z")]),
        .plugin(name: "Libgit2NetworkSymbols", capability: .buildTool()),
        // SQLite from libsqlite3-dev's static archive (module.modulemap): loading libsqlite3.so
        // cost every hook about 0.3 ms.
        .systemLibrary(name: "CSQLite3", providers: [.apt(["libsqlite3-dev"])]),
        // libpq and libcurl pull in dozens of libraries (Kerberos, LDAP, TLS) that cost every
        // hook several milliseconds to load, so they are loaded with dlopen only when a
        // postgres:// or http(s):// store is used. These C targets hold the loaders.
        .target(name: "CPostgres"),
        .target(name: "CCurl"),
        // The program's arguments for the static Swift runtime, without its start-up scan of
        // /proc/self/maps (see arguments.c).
        .target(name: "CArguments"),
        .target(name: "PushGuardCore", swiftSettings: hookPathSwift),
        // The only module that calls Glibc for files, processes, time and identity.
        .target(name: "PushGuardSystem", dependencies: ["PushGuardCore"], swiftSettings: hookPathSwift),
        .target(name: "PushGuardGit", dependencies: ["CLibgit2", "PushGuardCore", "PushGuardSystem"], swiftSettings: hookPathSwift,
                plugins: ["Libgit2NetworkSymbols"]),
        .target(name: "PushGuardStore", dependencies: ["CSQLite3", "CPostgres", "CCurl", "PushGuardCore", "PushGuardSystem"],
                swiftSettings: hookPathSwift),
        // The push path: one file per hook, no argument parser (it runs on every push).
        .target(name: "PushGuardHooks", dependencies: ["PushGuardCore", "PushGuardSystem", "PushGuardGit", "PushGuardStore"],
                swiftSettings: hookPathSwift),
        // The admin CLI: runs when an admin types a command.
        .target(name: "PushGuardCommands", dependencies: [
            "PushGuardCore", "PushGuardSystem", "PushGuardGit", "PushGuardStore", "PushGuardHooks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "pushguard", dependencies: ["CArguments", "PushGuardHooks", "PushGuardGit", "PushGuardSystem"],
                          exclude: ["link"], swiftSettings: hookPathSwift, linkerSettings: executableLinking),
        .executableTarget(name: "pushguard-cli", dependencies: ["CArguments", "PushGuardCommands"], linkerSettings: executableLinking),
        // bench/scan-replay: the scanner and the decision replayed on real histories (not installed).
        .executableTarget(name: "scan-replay", dependencies: ["PushGuardCore", "PushGuardGit"], path: "bench/ScanReplay"),
        .testTarget(name: "PushGuardCoreTests", dependencies: ["PushGuardCore"]),
        // The push decision over fakes: every rule of the push path without git or a store.
        .testTarget(name: "PushDecisionTests", dependencies: ["PushGuardCore"]),
        // The hooks' own plumbing (the hand-over between hooks) on a real file system.
        .testTarget(name: "PushGuardHooksTests", dependencies: ["PushGuardHooks", "PushGuardCore", "PushGuardSystem", "PushGuardGit"]),
        .testTarget(name: "EndToEndTests", dependencies: ["PushGuardCore"]),
        .testTarget(name: "PushGuardStoreTests", dependencies: ["PushGuardStore", "PushGuardCore", "PushGuardSystem"]),
    ]
)
