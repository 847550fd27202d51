import Foundation
import XCTest

/// A throwaway container engine serving the Docker Engine API (Tests/Fixtures/containers.sh):
/// Podman's compatible service or Docker's daemon, its own storage below `directory`, one
/// busybox image, stopped (containers, image and service removed) by `stop`.
final class ContainerEngine {
    enum Kind: String { case podman, docker }
    let kind: Kind
    let directory: String
    let socket: String
    /// What the engine's command line and docker-compose need to reach this engine and its storage.
    let environment: [String: String]

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/containers.sh").path
    }

    static let image = "localhost/pushguard-busybox:1"

    /// The programs a test of this engine needs.
    static func tools(_ kind: Kind) -> [String] {
        (kind == .podman ? ["podman"] : ["dockerd", "docker"]) + ["runc", "docker-compose", "busybox"]
    }

    /// Skips the test where the engine or docker-compose is missing, except under CI
    /// (`CI=true`), where a test that cannot run its subject fails.
    static func required(_ kind: Kind) throws {
        let missing = tools(kind).filter { (shell("command -v \($0) >/dev/null 2>&1")?.status ?? 1) != 0 }
        guard !missing.isEmpty else { return }
        let message = missing.joined(separator: ", ") + " missing (apt-get install "
            + (kind == .podman ? "podman" : "docker.io") + " runc docker-compose busybox-static)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(message)
            throw XCTSkip("failed: " + message)
        }
        throw XCTSkip(message)
    }

    init(_ kind: Kind, directory: String) throws {
        self.kind = kind
        self.directory = directory
        guard let started = shell("\(ContainerEngine.script) start \(directory) \(kind.rawValue) 2>&1"), started.status == 0 else {
            let output = shell("cat \(directory)/service.log 2>&1")?.output ?? ""
            _ = shell("\(ContainerEngine.script) stop \(directory) >/dev/null 2>&1")
            throw NSError(domain: "ContainerEngine", code: 1, userInfo: [NSLocalizedDescriptionKey: "containers.sh start failed: \(output)"])
        }
        socket = directory + "/engine.sock"
        var environment: [String: String] = [:]
        for line in (shell("\(ContainerEngine.script) env \(directory)")?.output ?? "").split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { environment[parts[0]] = parts[1] }
        }
        self.environment = environment
    }

    /// The engine's command line: `podman` or `docker`.
    var cli: String { kind == .podman ? "podman" : "docker" }

    func stop() {
        _ = shell("\(ContainerEngine.script) stop \(directory) >/dev/null 2>&1")
    }
}

/// Environments whose instances are containers: the truth read from the Engine API, through
/// real pushes. What every engine must pass is written once here and run by one class per
/// engine: `ContainerTests` (Podman's compatible service, and the tests no engine changes)
/// and `DockerContainerTests` (Docker's daemon).
class ContainerEngineTestCase: XCTestCase {
    /// The engine this class's tests run against.
    class var engineKind: ContainerEngine.Kind { .podman }

    var sandbox: Sandbox!
    var engine: ContainerEngine?

    override func setUpWithError() throws {
        sandbox = try Sandbox(store: true)
    }

    override func tearDown() {
        engine?.stop()
        engine = nil
        sandbox = nil
    }

    /// Starts the engine (or skips, see `ContainerEngine.required`).
    @discardableResult
    func startEngine() throws -> ContainerEngine {
        try ContainerEngine.required(Self.engineKind)
        let started = try ContainerEngine(Self.engineKind, directory: sandbox.path("engine"))
        engine = started
        return started
    }

    /// Runs a program with the podman service's environment, failing the test when it fails.
    @discardableResult
    func tool(_ arguments: [String], in directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        let output = try sandbox.run(arguments, in: directory, environment: engine?.environment ?? [:])
        XCTAssertEqual(output.status, 0, "\(arguments.joined(separator: " ")): \(output.all)", file: file, line: line)
        return output
    }

    /// The engine's command line (`podman ARGS`, `docker ARGS`), failing the test when it fails.
    @discardableResult
    func engineTool(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Output {
        try tool([engine?.cli ?? "podman"] + arguments, file: file, line: line)
    }

    /// Removes a container at once (Podman waits 10 s for it to stop unless told not to).
    func removeContainer(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try engineTool(["rm", "-f"] + (Self.engineKind == .podman ? ["-t", "0"] : []) + [name], file: file, line: line)
    }

    /// The engine's command for one that starts a container: run through the shell with every
    /// descriptor redirected, since the container's monitor (conmon, containerd's shim) keeps
    /// what it inherits open and a Foundation Process would wait for it.
    func engineStarting(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) {
        let status = engineStatus(arguments)
        XCTAssertEqual(status, 0, "\(engine?.cli ?? "") \(arguments.joined(separator: " ")): "
                       + ((try? String(contentsOfFile: sandbox.path("engine-run.err"), encoding: .utf8)) ?? ""), file: file, line: line)
    }

    /// The engine's command through the shell (see `engineStarting`); its exit status.
    func engineStatus(_ arguments: [String]) -> Int32? {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let variables = (engine?.environment ?? [:]).map { $0.key + "=" + quoted($0.value) }.joined(separator: " ")
        return shell("env \(variables) \(engine?.cli ?? "podman") " + arguments.map(quoted).joined(separator: " ")
                     + " </dev/null >/dev/null 2>\(quoted(sandbox.path("engine-run.err")))")?.status
    }

    /// A Compose project `name` with one service `web` reading `web.env`, in its own directory.
    func composeProject(_ name: String, env: String) throws -> String {
        let directory = sandbox.path(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try env.write(toFile: directory + "/web.env", atomically: true, encoding: .utf8)
        try """
        version: "3"
        services:
          web:
            image: \(ContainerEngine.image)
            command: ["/bin/sleep", "100000"]
            env_file: web.env
            environment:
              FROM_COMPOSE_FILE: "fixed"
            network_mode: none
            ulimits:
              nofile: {soft: 1024, hard: 1024}
              nproc: {soft: 4096, hard: 4096}
        """.write(toFile: directory + "/docker-compose.yml", atomically: true, encoding: .utf8)
        return directory
    }

    func compose(_ project: String, _ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        try tool(["docker-compose", "-p", project] + arguments, in: sandbox.path(project), file: file, line: line)
    }

    /// A repository whose production environment is the Compose service `project/web`.
    func guardedRepository(_ project: String, extra: [(String, String)] = []) throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository("shop", config: [
            ("pushguard.app", "shop"),
            ("pushguard.production.containers", "compose:\(project)/web"),
            ("pushguard.production.containerSocket", engine!.socket),
            ("pushguard.production.desiredEnvFile", sandbox.path(project) + "/web.env"),
        ] + extra)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["OLD_KEY"])])
        return (repo, work)
    }

    func composeReplicasRefusedUntilEveryContainerHasTheKeyAndDriftIsSeenWithoutPushGuard() throws {
        try startEngine()
        let project = try composeProject("shop", env: "OLD_KEY=one\nTOKEN=first\n")
        try compose("shop", "up", "-d", "--scale", "web=2")
        let (repo, work) = try guardedRepository("shop")

        var push = try sandbox.push("main", from: work)
        XCTAssertEqual(push.status, 0, "both containers have OLD_KEY: \(push.all)")

        // NEW_KEY is added to the env file and TOKEN gets a new value; the containers are untouched.
        let newEnv = "OLD_KEY=one\nTOKEN=second\nNEW_KEY=two\n"
        try newEnv.write(toFile: project + "/web.env", atomically: true, encoding: .utf8)
        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["OLD_KEY", "NEW_KEY"])], message: "needs NEW_KEY")
        push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("rejected: config not synchronized"), push.all)
        XCTAssertTrue(push.all.contains("containers (compose:shop/web): shop_web_1 ("), push.all)
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +staged +applied on 0 of 2 containers +required by app.json"#, options: .regularExpression) != nil, push.all)
        XCTAssertTrue(push.all.contains("apply first:  cd \(project) && docker compose -p shop up -d web"), push.all)
        XCTAssertFalse(push.all.contains("OLD_KEY  "), "OLD_KEY is live on both: \(push.all)")
        XCTAssertTrue(push.all.range(of: #"TOKEN +staged +applied on 0 of 2 containers"#, options: .regularExpression) != nil,
                      "a changed value is not applied where the old one runs: \(push.all)")
        XCTAssertFalse(push.all.contains("two") || push.all.contains("second"), "no value is shown: \(push.all)")

        // One replica recreated from the new env file.
        try removeContainer("shop_web_2")
        try compose("shop", "up", "-d", "--scale", "web=2", "--no-recreate")
        push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +partial +applied on 1 of 2 containers: shop_web_2"#, options: .regularExpression) != nil, push.all)

        // Compose recreates both: accepted.
        try compose("shop", "up", "-d", "--scale", "web=2")
        push = try sandbox.push("main", from: work)
        XCTAssertEqual(push.status, 0, push.all)

        // Drift: a replica recreated from the old env file. No PushGuard command runs in between.
        try "OLD_KEY=one\nTOKEN=first\n".write(toFile: project + "/web.env", atomically: true, encoding: .utf8)
        try removeContainer("shop_web_1")
        try compose("shop", "up", "-d", "--scale", "web=2", "--no-recreate")
        try newEnv.write(toFile: project + "/web.env", atomically: true, encoding: .utf8)
        try sandbox.commit(in: work, files: ["README": "drift"], message: "after drift")
        push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, "drift is refused again: \(push.all)")
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +partial +applied on 1 of 2 containers: shop_web_2"#, options: .regularExpression) != nil, push.all)
        XCTAssertTrue(push.all.range(of: #"TOKEN +partial +applied on 1 of 2 containers: shop_web_2"#, options: .regularExpression) != nil, push.all)

        // The audit and the notes name the containers by name and short id.
        let ids = try engineTool(["ps", "--format", "{{.Names}} {{.ID}}"]).stdout
        let web2 = ids.split(separator: "\n").first { $0.hasPrefix("shop_web_2 ") }.map { String($0.split(separator: " ")[1].prefix(12)) } ?? "?"
        let audit = try sandbox.pushguard("audit", "--app", "shop", "--json")
        let records = try pushRecords(audit)
        XCTAssertEqual(records.first?["decision"] as? String, "rejected", audit.all)
        XCTAssertTrue((records.first?["reason"] as? String ?? "").contains("shop_web_2 (\(web2))"), audit.all)
        let note = try sandbox.run(["git", "--git-dir", repo, "notes", "--ref=pushguard", "show", "main"])
        XCTAssertTrue(note.stdout.contains("containers (compose:shop/web): shop_web_1 ("), note.all)
        // Nothing of a value anywhere in the store's directory (the cache keeps digests).
        let stored = sandbox.allBytes(below: sandbox.path("store"))
        for value in ["two", "second", "first"] { XCTAssertNil(stored.range(of: Data(value.utf8)), value) }
    }

    /// Without desiredEnvFile the desired config is PushGuard's store: `config set` digests are
    /// compared with what the containers have, and an unset key still on them is named.
    func desiredConfigFromTheStoreIsComparedWithTheContainers() throws {
        try startEngine()
        _ = try composeProject("shop", env: "OLD_KEY=one\nGONE=bye\n")
        try compose("shop", "up", "-d", "--scale", "web=2")
        let repo = try sandbox.bareRepository("shop", config: [
            ("pushguard.app", "shop"),
            ("pushguard.production.containers", "compose:shop/web"),
            ("pushguard.production.containerSocket", engine!.socket),
        ])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["OLD_KEY"])])
        var set = try sandbox.pushguard("config", "import", "--app", "shop", "--env", "production", input: "OLD_KEY=one\nGONE=other\n")
        XCTAssertEqual(set.status, 0, set.all)
        var push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, "GONE was set to another value than the containers have: \(push.all)")
        XCTAssertTrue(push.all.range(of: #"GONE +staged +applied on 0 of 2 containers"#, options: .regularExpression) != nil, push.all)
        XCTAssertFalse(push.all.contains("OLD_KEY  "), "OLD_KEY has the stored value everywhere: \(push.all)")
        XCTAssertTrue(push.all.contains("apply first:  cd \(sandbox.path("shop")) && docker compose -p shop up -d web"), push.all)

        set = try sandbox.pushguard("config", "unset", "--app", "shop", "--env", "production", "GONE")
        XCTAssertEqual(set.status, 0, set.all)
        push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.range(of: #"GONE +staged +unset, still on 2 of 2 containers: shop_web_1, shop_web_2"#, options: .regularExpression) != nil, push.all)

        // The env file without GONE, the containers recreated from it: accepted.
        try "OLD_KEY=one\n".write(toFile: sandbox.path("shop") + "/web.env", atomically: true, encoding: .utf8)
        try compose("shop", "up", "-d", "--scale", "web=2")
        push = try sandbox.push("main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
    }

    func statusAndDoctorNameTheContainersAndASelectorMatchingNothingIsAProblem() throws {
        try startEngine()
        _ = try composeProject("shop", env: "OLD_KEY=one\nNEW_KEY=two\n")
        try compose("shop", "up", "-d", "--scale", "web=2")
        let (repo, _) = try guardedRepository("shop")
        try engineTool(["stop", "-t", "0", "shop_web_2"])

        let status = try sandbox.pushguard("status", "--repo", repo)
        XCTAssertEqual(status.status, 0, status.all)
        XCTAssertTrue(status.stdout.contains("shop/production: desired config from \(sandbox.path("shop"))/web.env, 1 running container(s) of 2, in sync"), status.all)
        XCTAssertTrue(status.stdout.contains("containers (compose:shop/web): shop_web_1 ("), status.all)
        XCTAssertTrue(status.stdout.contains("not counted: shop_web_2 ("), status.all)
        XCTAssertTrue(status.stdout.range(of: #"NEW_KEY +live +applied on 1 of 1 container"#, options: .regularExpression) != nil, status.all)
        XCTAssertFalse(status.stdout.contains("two"), "no value: \(status.all)")

        var doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertTrue(doctor.stdout.contains("ok       production: compose:shop/web matches 1 running container(s) on \(engine!.socket): shop_web_1 ("), doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  production: container shop_web_2 ("), doctor.all)
        XCTAssertTrue(doctor.stdout.contains("ok       production: desired config: 2 key(s) in "), doctor.all)

        try sandbox.git("config", "pushguard.production.containers", "compose:shpo/web", in: repo)
        doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertNotEqual(doctor.status, 0, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  production: compose:shpo/web matches no running container on \(engine!.socket)"), doctor.all)
        try sandbox.git("config", "pushguard.production.containers", "compse:shop/web", in: repo)
        doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertTrue(doctor.all.contains("did you mean `compose:shop/web`?"), doctor.all)
    }

    func syncRunsTheCommandAndAcceptsOnlyAfterReadingTheContainersAgain() throws {
        let service = try startEngine()
        let project = try composeProject("shop", env: "OLD_KEY=one\n")
        try compose("shop", "up", "-d", "--scale", "web=2")
        let (repo, work) = try guardedRepository("shop")
        XCTAssertEqual(try sandbox.push("main", from: work).status, 0)
        try "OLD_KEY=one\nNEW_KEY=two\n".write(toFile: project + "/web.env", atomically: true, encoding: .utf8)
        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["NEW_KEY"])], message: "needs NEW_KEY")

        // A command that succeeds without recreating anything: its exit status proves nothing.
        try sandbox.git("config", "pushguard.production.syncCommand", "echo pretending", in: repo)
        var push = try sandbox.push("main", from: work)
        XCTAssertTrue(push.all.contains("or sync in this push:  git push -o pushguard.sync"), push.all)
        push = try sandbox.push("main", from: work, options: ["pushguard.sync"])
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("sync: pretending"), push.all)
        XCTAssertTrue(push.all.contains("ran pushguard.production.syncCommand; reading the containers again"), push.all)
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +staged +applied on 0 of 2 containers"#, options: .regularExpression) != nil, push.all)

        // The real command: Compose recreates the containers, the re-read finds NEW_KEY on both.
        let command = "cd \(project) && DOCKER_HOST=unix://\(service.socket) docker-compose -p shop up -d --scale web=2"
        try sandbox.git("config", "pushguard.production.syncCommand", command, in: repo)
        push = try sandbox.push("main", from: work, options: ["pushguard.sync"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("accepted after sync: every container has the config, read again after the sync command"), push.all)
        let audit = try pushRecords(try sandbox.pushguard("audit", "--app", "shop", "--json"))
        XCTAssertEqual(audit.first?["decision"] as? String, "deployed")
        XCTAssertEqual(audit.dropFirst().first?["decision"] as? String, "synced")
        XCTAssertTrue((audit.dropFirst().first?["reason"] as? String ?? "").contains("containers (compose:shop/web): shop_web_1 ("), "\(audit)")

        // autoSync: the same without the option, on every push that needs it.
        try "OLD_KEY=one\nNEW_KEY=two\nTHIRD=3\n".write(toFile: project + "/web.env", atomically: true, encoding: .utf8)
        try sandbox.commit(in: work, files: ["app.json": manifest(requiring: ["NEW_KEY", "THIRD"])], message: "needs THIRD")
        try sandbox.git("config", "pushguard.production.autoSync", "true", in: repo)
        push = try sandbox.push("main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("accepted after sync: every container has the config"), push.all)
    }

    func dokkuLabelsAndEnvFileLayout() throws {
        try startEngine()
        // Dokku's layout: /var/lib/dokku/config/APP/ENV with `export KEY='VALUE'` lines (here
        // below the sandbox: Dokku itself is not installed).
        let envFile = sandbox.path("dokku/config/shop/ENV")
        try FileManager.default.createDirectory(atPath: sandbox.path("dokku/config/shop"), withIntermediateDirectories: true)
        try "export DATABASE_URL='postgres://db/shop'\nexport NEW_KEY='two words'\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        // Dokku's global config (`config:set --global`), merged under every app's.
        let globalFile = sandbox.path("dokku/config/--global/ENV")
        try FileManager.default.createDirectory(atPath: sandbox.path("dokku/config/--global"), withIntermediateDirectories: true)
        try "export SENTRY_DSN='https://sentry/1'\nexport DATABASE_URL='overridden by the app'\n".write(toFile: globalFile, atomically: true, encoding: .utf8)
        func dokkuContainer(_ name: String, process: String, type: String = "deploy", env: [String]) throws {
            engineStarting(["run", "-d", "--name", name, "--network", "none",
                      "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                      "--label", "com.dokku.app-name=shop", "--label", "com.dokku.process-type=\(process)",
                      "--label", "com.dokku.container-type=\(type)", "--label", "com.dokku.dyno=\(process).1"]
                     + env.flatMap { ["-e", $0] } + [ContainerEngine.image, "/bin/sleep", "100000"])
        }
        // Dokku after `config:set --no-restart NEW_KEY=…`: the web container still has the old config.
        try dokkuContainer("shop.web.1", process: "web", env: ["DATABASE_URL=postgres://db/shop", "SENTRY_DSN=https://sentry/1"])
        try dokkuContainer("shop.worker.1", process: "worker", env: ["DATABASE_URL=postgres://db/shop", "NEW_KEY=two words",
                                                                     "SENTRY_DSN=https://sentry/1"])
        // A one-off `dokku run` container is not an instance.
        try dokkuContainer("shop.run.1", process: "web", type: "run", env: [])

        let repo = try sandbox.bareRepository("shop", config: [
            ("pushguard.app", "shop"),
            ("pushguard.production.containers", "dokku:shop/web"),
            ("pushguard.production.containerSocket", engine!.socket),
            ("pushguard.production.desiredEnvFile", globalFile),
        ])
        try sandbox.git("config", "--add", "pushguard.production.desiredEnvFile", envFile, in: repo)
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["NEW_KEY", "DATABASE_URL", "SENTRY_DSN"])])
        var push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("containers (dokku:shop/web): shop.web.1 ("), push.all)
        XCTAssertFalse(push.all.contains("shop.run.1"), "one-off containers are not instances: \(push.all)")
        XCTAssertFalse(push.all.contains("shop.worker.1"), "only the web process type: \(push.all)")
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +staged +applied on 0 of 1 container "#, options: .regularExpression) != nil, push.all)
        XCTAssertTrue(push.all.contains("apply first:  dokku ps:rebuild shop"), push.all)
        XCTAssertFalse(push.all.contains("SENTRY_DSN"), "set in the global config, which the containers have: \(push.all)")
        XCTAssertFalse(push.all.contains("DATABASE_URL"), "the app's value wins over the global one: \(push.all)")

        // What the push read is cached beside the store (names and digests); a FIFO put in the
        // cache's place is not waited on, only read past.
        let caches = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("store")).filter { $0.hasPrefix("containers-") }
        XCTAssertEqual(caches.count, 1, "\(caches)")
        let cache = sandbox.path("store/" + (caches.first ?? "none"))
        XCTAssertTrue((try? String(contentsOfFile: cache, encoding: .utf8))?.contains("E c DATABASE_URL hmac-sha256:") ?? false)
        XCTAssertEqual(shell("rm -f \(cache) && mkfifo \(cache)")?.status, 0)
        let started = Date()
        push = try sandbox.push("main", from: work)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, push.all)
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +staged +applied on 0 of 1 container "#, options: .regularExpression) != nil, push.all)

        // Every process type: the worker has it, the web container not.
        try sandbox.git("config", "pushguard.production.containers", "dokku:shop", in: repo)
        push = try sandbox.push("main", from: work)
        XCTAssertTrue(push.all.range(of: #"NEW_KEY +partial +applied on 1 of 2 containers: shop.worker.1"#, options: .regularExpression) != nil, push.all)

        // The web container recreated as Dokku would, with the new config; a stopped old one is named, not counted.
        try engineTool(["stop", "-t", "0", "shop.web.1"])
        try dokkuContainer("shop.web.2", process: "web", env: ["DATABASE_URL=postgres://db/shop", "NEW_KEY=two words",
                                                               "SENTRY_DSN=https://sentry/1"])
        push = try sandbox.push("main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        try sandbox.git("config", "pushguard.production.verbose", "true", in: repo)
        try sandbox.commit(in: work, files: ["README": "x"], message: "again")
        push = try sandbox.push("main", from: work)
        XCTAssertTrue(push.all.contains("not counted: shop.web.1 ("), push.all)
        XCTAssertTrue(push.all.contains(") exited"), push.all)

        // Every container seen before and none with a health check: one list call, nothing inspected.
        try sandbox.commit(in: work, files: ["README": "traced"], message: "traced")
        let traced = try sandbox.run(["git", "push", "origin", "main"], in: work, environment: ["PUSHGUARD_TRACE": "1"])
        XCTAssertTrue(traced.stderr.contains("pushguard trace: 0 of 2 containers inspected"), traced.stderr)
        XCTAssertFalse(traced.stderr.contains("unhealthy containers listed"), "no health call: \(traced.stderr)")
        // Where the engine said it is Podman, the list was Podman's own, a third of its time.
        XCTAssertTrue(traced.stderr.contains(Self.engineKind == .podman ? "pushguard trace: containers listed by Podman's own API"
                                                                        : "pushguard trace: containers listed +"), traced.stderr)

        // A container whose health check fails is named, never counted: here it is the only
        // web container with the new config, so NEW_KEY is on none of the live ones.
        engineStarting(["run", "-d", "--name", "shop.web.3", "--network", "none",
                        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                        "--health-cmd", "/bin/sh -c 'exit 1'", "--health-retries", "1",
                        // Podman runs the check when asked (below); Docker every second.
                        "--health-interval", Self.engineKind == .podman ? "0" : "1s",
                        "--label", "com.dokku.app-name=shop", "--label", "com.dokku.process-type=web",
                        "--label", "com.dokku.container-type=deploy", "-e", "DATABASE_URL=postgres://db/shop",
                        ContainerEngine.image, "/bin/sleep", "100000"])
        if Self.engineKind == .podman {
            XCTAssertEqual(engineStatus(["healthcheck", "run", "shop.web.3"]), 1, "the health check fails")
        } else {
            var health = ""
            for _ in 0..<100 where health != "unhealthy" {
                Thread.sleep(forTimeInterval: 0.2)
                health = try engineTool(["inspect", "-f", "{{.State.Health.Status}}", "shop.web.3"]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            XCTAssertEqual(health, "unhealthy", "the health check fails")
        }
        try sandbox.commit(in: work, files: ["README": "y"], message: "unhealthy")
        push = try sandbox.run(["git", "push", "origin", "main"], in: work, environment: ["PUSHGUARD_TRACE": "1"])
        XCTAssertTrue(push.stderr.contains("pushguard trace: 1 of 3 containers inspected"), push.stderr)
        XCTAssertFalse(push.stderr.contains("unhealthy containers listed"),
                       "Podman's own list and Docker's status text give the health: \(push.stderr)")
        XCTAssertTrue(push.all.contains("shop.web.3 ("), push.all)
        XCTAssertTrue(push.all.contains(") unhealthy"), "named as unhealthy, not counted: \(push.all)")
        XCTAssertEqual(push.status, 0, "the unhealthy container without NEW_KEY does not count: \(push.all)")

        // Without the cache (or before Podman said it is Podman) the list is Docker's. Podman's
        // answer to it leaves the health out of the status text: its health filter is asked too.
        for cache in try FileManager.default.contentsOfDirectory(atPath: sandbox.path("store")) where cache.hasPrefix("containers-") {
            try FileManager.default.removeItem(atPath: sandbox.path("store/" + cache))
        }
        try sandbox.commit(in: work, files: ["README": "z"], message: "unhealthy, Docker's list")
        push = try sandbox.run(["git", "push", "origin", "main"], in: work, environment: ["PUSHGUARD_TRACE": "1"])
        XCTAssertTrue(push.stderr.contains("pushguard trace: containers listed +"), push.stderr)
        XCTAssertEqual(push.stderr.contains("unhealthy containers listed"), Self.engineKind == .podman,
                       "a health check the status text leaves out: \(push.stderr)")
        XCTAssertTrue(push.all.contains(") unhealthy"), "named as unhealthy, not counted: \(push.all)")
        XCTAssertEqual(push.status, 0, push.all)
    }
}

/// The container tests against Podman's compatible service, and those no engine changes
/// (settings mistakes, a socket that is missing, closed or hung).
final class ContainerTests: ContainerEngineTestCase {
    func testComposeReplicasRefusedUntilEveryContainerHasTheKeyAndDriftIsSeenWithoutPushGuard() throws { try composeReplicasRefusedUntilEveryContainerHasTheKeyAndDriftIsSeenWithoutPushGuard() }
    func testDesiredConfigFromTheStoreIsComparedWithTheContainers() throws { try desiredConfigFromTheStoreIsComparedWithTheContainers() }
    func testStatusAndDoctorNameTheContainersAndASelectorMatchingNothingIsAProblem() throws { try statusAndDoctorNameTheContainersAndASelectorMatchingNothingIsAProblem() }
    func testSyncRunsTheCommandAndAcceptsOnlyAfterReadingTheContainersAgain() throws { try syncRunsTheCommandAndAcceptsOnlyAfterReadingTheContainersAgain() }
    func testDokkuLabelsAndEnvFileLayout() throws { try dokkuLabelsAndEnvFileLayout() }

    func testContainerSettingsMistakesAreNamedWithWhatWasProbablyMeant() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.app", "shop")])
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["KEY"])])
        let cases: [(String, String, String)] = [
            ("pushguard.production.containers", "compse:shop/web", "did you mean `compose:shop/web`?"),
            ("pushguard.production.containerSocket", "unix:///run/docker.sock",
             "pushguard.production.containers is not"),
            ("pushguard.production.containres", "compose:shop/web", "did you mean pushguard.production.containers?"),
        ]
        for (name, value, expected) in cases {
            try sandbox.git("config", name, value, in: repo)
            let push = try sandbox.push("main", from: work)
            XCTAssertNotEqual(push.status, 0, push.all)
            XCTAssertTrue(push.all.contains(expected), "\(name) = \(value): \(push.all)")
            try sandbox.git("config", "--unset", name, in: repo)
        }
        try sandbox.git("config", "pushguard.production.containers", "compose:shop/web", in: repo)
        try sandbox.git("config", "pushguard.production.containerSocket", "unix:///run/docker.sock", in: repo)
        var push = try sandbox.push("main", from: work)
        XCTAssertTrue(push.all.contains("did you mean `/run/docker.sock`?"), push.all)
        // Env files, or the store: not both.
        try sandbox.git("config", "pushguard.production.containerSocket", "/run/docker.sock", in: repo)
        try sandbox.git("config", "--add", "pushguard.production.desiredEnvFile", "/srv/shop/web.env", in: repo)
        try sandbox.git("config", "--add", "pushguard.production.desiredEnvFile", "store", in: repo)
        push = try sandbox.push("main", from: work)
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("pushguard.production.desiredEnvFile is given 2 times, once as `store`"), push.all)
    }

    /// A unix socket that accepts connections and never answers (a hung Engine API), or with
    /// `mode` set, one nobody but root may open. The listener exits by itself after 60 s.
    func silentSocket(_ path: String, mode: String? = nil) throws {
        let script = "import socket,sys,time\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen(16)\nkept=[]\nend=time.time()+60\ns.settimeout(1)\nwhile time.time()<end:\n  try: kept.append(s.accept())\n  except OSError: pass\n"
        try script.write(toFile: sandbox.path("silent.py"), atomically: true, encoding: .utf8)
        _ = shell("python3 \(sandbox.path("silent.py")) \(path) </dev/null >/dev/null 2>&1 & echo $! > \(sandbox.path("silent.pid"))")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: path) { Thread.sleep(forTimeInterval: 0.05) }
        if let mode { _ = shell("chmod \(mode) \(path)") }
        // The block holds only the path: XCTest keeps teardown blocks as long as the test case,
        // and a sandbox held there would never be removed.
        let pidFile = sandbox.path("silent.pid")
        addTeardownBlock { _ = shell("kill $(cat '\(pidFile)') 2>/dev/null") }
    }

    /// A push to an environment whose socket fails: decided by onStoreError within the timeout (+1 s).
    func pushWithFailingSocket(_ socket: String, policy: String, command: [String] = [])
        throws -> (output: Output, seconds: Double) {
        let repo = try sandbox.bareRepository("shop", config: [
            ("pushguard.app", "shop"), ("pushguard.timeout", "2s"), ("pushguard.onStoreError", policy),
            ("pushguard.production.containers", "compose:shop/web"),
            ("pushguard.production.containerSocket", socket),
            ("pushguard.production.desiredEnvFile", sandbox.path("web.env")),
        ])
        try "KEY=1\n".write(toFile: sandbox.path("web.env"), atomically: true, encoding: .utf8)
        let work = try sandbox.workTree("work-\(policy)-\(UUID().uuidString.prefix(4))", remote: repo, files: ["app.json": manifest(requiring: ["KEY"])])
        let started = Date()
        let output = try sandbox.run(command + ["git", "push", "origin", "main"], in: work)
        return (output, Date().timeIntervalSince(started))
    }

    func testAMissingSocketIsAStoreFailureDecidedByOnStoreError() throws {
        var (push, _) = try pushWithFailingSocket(sandbox.path("no-such.sock"), policy: "reject")
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("rejected: the config store failed"), push.all)
        XCTAssertTrue(push.all.contains("the container socket \(sandbox.path("no-such.sock")) does not exist (pushguard.production.containerSocket)"), push.all)
        XCTAssertTrue(push.all.contains("(pushguard.onStoreError = reject)"), push.all)
        try FileManager.default.removeItem(atPath: sandbox.path("shop.git"))
        (push, _) = try pushWithFailingSocket(sandbox.path("no-such.sock"), policy: "warn")
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("accepted with warning: the config store failed, config sync not checked"), push.all)
    }

    /// doctor, run by root, checks the socket for the hook's user: the repository's owner.
    func testDoctorSaysWhetherTheRepositorysOwnerMayOpenTheSocket() throws {
        let name = try makeThrowawayUser(in: sandbox).name
        let socket = sandbox.path("engine.sock")
        try silentSocket(socket, mode: "660")
        let repo = try sandbox.bareRepository("shop", config: [
            ("pushguard.app", "shop"), ("pushguard.timeout", "500ms"),
            ("pushguard.production.containers", "compose:shop/web"),
            ("pushguard.production.containerSocket", socket),
        ])
        XCTAssertEqual(try sandbox.run(["chown", "-R", "-h", "\(name):", repo]).status, 0)
        var doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  production: the hook's user \(name) (who owns the repository) cannot read and write the container socket \(socket) (mode 660)"), doctor.all)
        // A group the user is in besides its own, as after the `usermod -aG docker USER` the problem suggests.
        let group = try makeThrowawayUser(in: sandbox).name
        XCTAssertEqual(try sandbox.run(["usermod", "-aG", group, name]).status, 0)
        XCTAssertEqual(try sandbox.run(["chgrp", group, socket]).status, 0)
        doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertTrue(doctor.stdout.contains("ok       production: the hook's user \(name) may use the container socket \(socket)"), doctor.all)
        XCTAssertEqual(try sandbox.run(["chgrp", name, socket]).status, 0)
        doctor = try sandbox.pushguard("doctor", "--repo", repo)
        XCTAssertTrue(doctor.stdout.contains("ok       production: the hook's user \(name) may use the container socket \(socket)"), doctor.all)
        XCTAssertTrue(doctor.stdout.contains("PROBLEM  production: the container socket \(socket): no answer within 500 ms"), doctor.all)
    }

    func testASocketTheHooksUserCannotOpenIsNamedWithWhatToDo() throws {
        let socket = sandbox.path("closed.sock")
        try silentSocket(socket, mode: "000")
        // Root ignores modes: the push runs without the capabilities that let it.
        let (push, seconds) = try pushWithFailingSocket(socket, policy: "reject",
                                                        command: ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"])
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("the container socket \(socket) is not readable and writable by root (mode 0"), push.all)
        XCTAssertTrue(push.all.contains("give the hook's user access"), push.all)
        XCTAssertLessThan(seconds, 3.0)
    }

    func testAHangingSocketIsCutAtTheTimeoutAndDecidedByOnStoreError() throws {
        let socket = sandbox.path("hung.sock")
        try silentSocket(socket)
        var (push, seconds) = try pushWithFailingSocket(socket, policy: "reject")
        XCTAssertNotEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("the container socket \(socket): no answer within 2000 ms (pushguard.timeout)"), push.all)
        XCTAssertGreaterThan(seconds, 1.9, "it waited for the answer")
        XCTAssertLessThan(seconds, 3.0, "decided within the timeout (+1 s): \(push.all)")
        try FileManager.default.removeItem(atPath: sandbox.path("shop.git"))
        (push, seconds) = try pushWithFailingSocket(socket, policy: "warn")
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.all.contains("accepted with warning"), push.all)
        XCTAssertLessThan(seconds, 3.0, "decided within the timeout (+1 s): \(push.all)")
    }
}

/// The container tests against Docker's own daemon (Debian's docker.io).
final class DockerContainerTests: ContainerEngineTestCase {
    override class var engineKind: ContainerEngine.Kind { .docker }

    func testComposeReplicasRefusedUntilEveryContainerHasTheKeyAndDriftIsSeenWithoutPushGuard() throws { try composeReplicasRefusedUntilEveryContainerHasTheKeyAndDriftIsSeenWithoutPushGuard() }
    func testDesiredConfigFromTheStoreIsComparedWithTheContainers() throws { try desiredConfigFromTheStoreIsComparedWithTheContainers() }
    func testStatusAndDoctorNameTheContainersAndASelectorMatchingNothingIsAProblem() throws { try statusAndDoctorNameTheContainersAndASelectorMatchingNothingIsAProblem() }
    func testSyncRunsTheCommandAndAcceptsOnlyAfterReadingTheContainersAgain() throws { try syncRunsTheCommandAndAcceptsOnlyAfterReadingTheContainersAgain() }
    func testDokkuLabelsAndEnvFileLayout() throws { try dokkuLabelsAndEnvFileLayout() }
}
