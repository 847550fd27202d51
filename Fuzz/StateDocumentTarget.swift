// libFuzzer target: a state document from an HTTP or exec store; what parses must round-trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStateDocument(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let state = try? StateDocument.decode(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    let again = try? StateDocument.decode(Array(StateDocument.encode(state).utf8))
    if again != state { fatalError("state document does not round-trip") }
    _ = Evaluator.keyReports(state: state, manifest: .absent)
    return 0
}
