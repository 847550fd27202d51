// libFuzzer target: a pushed app.json, parsed, evaluated and rendered for the pusher.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let manifest = Manifest.parse(Array(UnsafeBufferPointer(start: data, count: size)))
    let state = EnvironmentState(app: "app", environment: "production", desiredVersion: 2,
                                 config: [ConfigEntry(key: "A", version: 2, digest: "d")],
                                 instances: [Instance(id: "w1", appliedVersion: 1)])
    let evaluation = Evaluator.evaluate(state: state, manifest: manifest, mode: .reject)
    for line in Report().lines(for: evaluation, ref: "refs/heads/main") {
        // No raw control character may reach the pusher.
        if line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { fatalError("control character in output") }
    }
    return 0
}
