// libFuzzer target: a pushed app.json, parsed, evaluated and rendered for the pusher.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let manifest = Manifest.parse(Array(UnsafeBufferPointer(start: data, count: size)))
    let state = EnvironmentState(app: "app", environment: "production", desiredVersion: 2,
                                 config: [ConfigEntry(key: "A", version: 2, digest: "d")],
                                 instances: [Instance(id: "w1", appliedVersion: 1)])
    let evaluation = Evaluator.evaluate(state: state, manifest: manifest, mode: .reject)
    let review = Evaluator.evaluate(state: state, manifest: manifest, mode: .warn, manifestEnvironment: "review")
    var lines = Report().lines(for: evaluation, ref: "refs/heads/main", commit: "0123456789ab")
    lines += Report().lines(for: review, ref: "refs/heads/review", commit: "0123456789ab")
    if let warning = Report().offSchemaLine(manifest.offSchema, commit: "0123456789ab") { lines.append(warning) }
    for line in lines {
        // No raw control character may reach the pusher.
        if line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { fatalError("control character in output") }
    }
    return 0
}
