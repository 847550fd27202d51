// swift-tools-version:6.0
import PackageDescription

// One multi-call binary (`pushguard`); all logic lives in library targets the tests import.
// PushGuardCore is pure (no C, no I/O) so the evaluation is unit-testable on its own.
let package = Package(
    name: "PushGuard",
    products: [
        .executable(name: "pushguard", targets: ["pushguard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibgit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // libpq and libcurl pull in dozens of libraries (Kerberos, LDAP, TLS) that cost every
        // hook several milliseconds to load, so they are loaded with dlopen only when a
        // postgres:// or http(s):// store is used. These C targets hold the loaders.
        .target(name: "CPostgres"),
        .target(name: "CCurl"),
        .target(name: "PushGuardCore"),
        // The only module that calls Glibc for files, processes, time and identity.
        .target(name: "PushGuardSystem", dependencies: ["PushGuardCore"]),
        .target(name: "PushGuardGit", dependencies: ["CLibgit2", "PushGuardCore"]),
        .target(name: "PushGuardStore", dependencies: ["CSQLite3", "CPostgres", "CCurl", "PushGuardCore", "PushGuardSystem"]),
        // The push path: one file per hook, no argument parser (it runs on every push).
        .target(name: "PushGuardHooks", dependencies: ["PushGuardCore", "PushGuardSystem", "PushGuardGit", "PushGuardStore"]),
        // The admin CLI: runs when an admin types a command.
        .target(name: "PushGuardCommands", dependencies: [
            "PushGuardCore", "PushGuardSystem", "PushGuardGit", "PushGuardStore", "PushGuardHooks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Keeps libgit2 from loading the CA bundle and OpenSSL at init (see skip_unused_init.c);
        // the symbols must be in the executable's dynamic symbol table to take precedence.
        .target(name: "CHookStartup"),
        .executableTarget(name: "pushguard", dependencies: ["PushGuardCommands", "CHookStartup"],
                          linkerSettings: [.unsafeFlags([
                              "-Xlinker", "--export-dynamic-symbol=mbedtls_x509_crt_parse_file",
                              "-Xlinker", "--export-dynamic-symbol=mbedtls_x509_crt_parse_path",
                              "-Xlinker", "--export-dynamic-symbol=libssh2_init",
                          ])]),
        .testTarget(name: "PushGuardCoreTests", dependencies: ["PushGuardCore"]),
        // The push decision over fakes: every rule of the push path without git or a store.
        .testTarget(name: "PushDecisionTests", dependencies: ["PushGuardCore"]),
        // The hooks' own plumbing (the hand-over between hooks) on a real file system.
        .testTarget(name: "PushGuardHooksTests", dependencies: ["PushGuardHooks", "PushGuardCore", "PushGuardSystem"]),
        .testTarget(name: "EndToEndTests", dependencies: ["PushGuardCore"]),
        .testTarget(name: "PushGuardStoreTests", dependencies: ["PushGuardStore", "PushGuardCore", "PushGuardSystem"]),
    ]
)
