import XCTest
@testable import PushGuardCore

/// `pushguard.<env>.containers` and what the containers' truth does to a key's status and the
/// pusher's lines.
final class ContainerSelectorTests: XCTestCase {
    func parse(_ text: String) -> Result<ContainerSelector, Failure> {
        ContainerSelector.parse(text, setting: "pushguard.production.containers")
    }

    func problem(_ text: String) -> String {
        if case .failure(let problem) = parse(text) { return problem.description }
        XCTFail("\(text) parsed")
        return ""
    }

    func testTheThreeForms() {
        XCTAssertEqual(try parse("compose:shop/web,worker").get(), .compose(project: "shop", services: ["web", "worker"]))
        XCTAssertEqual(try parse("dokku:shop").get(), .dokku(app: "shop", processes: []))
        XCTAssertEqual(try parse("dokku:shop/web").get(), .dokku(app: "shop", processes: ["web"]))
        XCTAssertEqual(try parse("label:com.example.env=prod").get(), .label(key: "com.example.env", value: "prod"))
        XCTAssertEqual(try parse("compose:shop/web,worker").get().text, "compose:shop/web,worker")
    }

    func testMalformedValuesNameWhatWasProbablyMeant() {
        XCTAssertTrue(problem("compse:shop/web").contains("did you mean `compose:shop/web`?"), problem("compse:shop/web"))
        XCTAssertTrue(problem("shop/web").contains("did you mean `compose:shop/web`?"))
        XCTAssertTrue(problem("app=shop").contains("did you mean `label:app=shop`?"))
        XCTAssertTrue(problem("compose:shop").contains("compose:shop/SERVICE"))
        XCTAssertTrue(problem("compose:shop/").contains("service list is empty"))
        XCTAssertTrue(problem("dokku:").contains("app name is empty"))
        XCTAssertTrue(problem("label:=x").contains("KEY=VALUE"))
        XCTAssertTrue(problem("compose:sh op/web").contains("pushguard.production.containers is \"compose:sh op/web\""))
    }

    func testMatchingLeavesOutOneOffContainersAndOtherServices() {
        let compose = ContainerSelector.compose(project: "shop", services: ["web"])
        XCTAssertEqual(compose.labelFilters, ["com.docker.compose.project=shop", "com.docker.compose.service=web"])
        XCTAssertTrue(compose.matches(labels: ["com.docker.compose.project": "shop", "com.docker.compose.service": "web"]))
        XCTAssertFalse(compose.matches(labels: ["com.docker.compose.project": "shop", "com.docker.compose.service": "web",
                                                "com.docker.compose.oneoff": "True"]))
        XCTAssertFalse(compose.matches(labels: ["com.docker.compose.project": "shop", "com.docker.compose.service": "worker"]))
        let dokku = ContainerSelector.dokku(app: "shop", processes: [])
        XCTAssertTrue(dokku.matches(labels: ["com.dokku.app-name": "shop", "com.dokku.container-type": "deploy"]))
        XCTAssertFalse(dokku.matches(labels: ["com.dokku.app-name": "shop", "com.dokku.container-type": "run"]))
        XCTAssertEqual(dokku.platformEnvFiles, [EnvFile(path: "/var/lib/dokku/config/--global/ENV", optional: true),
                                                EnvFile(path: "/var/lib/dokku/config/shop/ENV")], "merged as config:export --merged does")
        XCTAssertEqual(compose.platformEnvFiles, [])
        XCTAssertEqual(dokku.applyCommand(workingDirectory: nil), "dokku ps:rebuild shop")
        XCTAssertEqual(compose.applyCommand(workingDirectory: "/srv/shop"), "cd /srv/shop && docker compose -p shop up -d web")
        XCTAssertEqual(ContainerSettings(selector: compose, desiredEnvFiles: ["store"]).desiredFiles, [])
        XCTAssertEqual(ContainerSettings(selector: dokku, desiredEnvFiles: ["store"]).desiredFiles, [], "the store, even for Dokku")
        XCTAssertEqual(ContainerSettings(selector: compose).desiredFiles, [], "no file of Compose's own: the store")
        XCTAssertEqual(ContainerSettings(selector: dokku).desiredFiles.map(\.path), ["/var/lib/dokku/config/--global/ENV", "/var/lib/dokku/config/shop/ENV"])
        XCTAssertEqual(ContainerSettings(selector: compose, desiredEnvFiles: ["/srv/common.env", "/srv/web.env"]).desiredFiles,
                       [EnvFile(path: "/srv/common.env"), EnvFile(path: "/srv/web.env")], "as Compose's env_file list, none optional")
    }

    func testStoppedAndUnhealthyContainersAreNotLive() {
        func container(_ state: String, _ status: String) -> ContainerSummary {
            ContainerSummary(id: String(repeating: "a", count: 64), name: "web-1", state: state, status: status, imageID: "", labels: [:])
        }
        XCTAssertNil(container("running", "Up 3 minutes (healthy)").notLiveBecause)
        XCTAssertEqual(container("running", "Up 3 minutes (unhealthy)").notLiveBecause, "unhealthy")
        XCTAssertEqual(container("exited", "Exited (0)").notLiveBecause, "exited")
        XCTAssertEqual(container("restarting", "").notLiveBecause, "restarting")
        XCTAssertEqual(container("running", "").shown, "web-1 (aaaaaaaaaaaa)")
    }

    /// Each key is applied where the container's value has its digest, whatever the versions say.
    func testAppliedOnDecidesPerKeyAndTheLinesNameTheContainersAndThePlatformsCommand() {
        let platform = PlatformState(selector: "compose:shop/web", live: ["web-1 (aaa)", "web-2 (bbb)"], notLive: ["web-3 (ccc) exited"],
                                     applyCommand: "docker compose -p shop up -d web", desiredFiles: ["/srv/shop/web.env"], canSync: false)
        let state = EnvironmentState(app: "shop", environment: "production", config: [
            ConfigEntry(key: "A", version: 0, digest: "x", appliedOn: ["web-1", "web-2"]),
            ConfigEntry(key: "B", version: 0, digest: "y", appliedOn: ["web-2"]),
            ConfigEntry(key: "C", version: 0, digest: "z", appliedOn: []),
        ], instances: [Instance(id: "web-1", appliedVersion: 0), Instance(id: "web-2", appliedVersion: 0),
                       Instance(id: "web-3", appliedVersion: 0, state: .draining)], platform: platform)
        let manifest = Manifest.parse(Array(#"{"env": {"A": {}, "B": {}, "C": {}, "D": {}}}"#.utf8))
        let evaluation = Evaluator.evaluate(state: state, manifest: manifest, mode: .reject)
        let statuses = Dictionary(uniqueKeysWithValues: evaluation.keys.map { ($0.key, $0.status) })
        XCTAssertEqual(statuses, ["A": .live, "B": .partial, "C": .staged, "D": .missing])
        let lines = Report().lines(for: evaluation, ref: "refs/heads/main").joined(separator: "\n")
        XCTAssertTrue(lines.contains("containers (compose:shop/web): web-1 (aaa), web-2 (bbb); not counted: web-3 (ccc) exited"), lines)
        XCTAssertTrue(lines.contains("applied on 1 of 2 containers: web-2"), lines)
        XCTAssertTrue(lines.contains("applied on 0 of 2 containers"), lines)
        XCTAssertTrue(lines.contains("set D:  add D to /srv/shop/web.env, then docker compose -p shop up -d web"), lines)
        XCTAssertFalse(lines.contains("pushguard config transmit"), lines)
        // A live key nobody names is left out of what a decision reads; one not everywhere stays.
        XCTAssertEqual(state.forDecision(named: []).config.map(\.key), ["B", "C"])
    }
}
