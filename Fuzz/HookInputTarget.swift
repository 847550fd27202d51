// libFuzzer target: what git gives pre-receive/post-receive (and pre-push) on stdin.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHookInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let updates = try? HookInput.parse(bytes) {
        for update in updates {
            _ = update.isCreation || update.isDeletion
            _ = escapedForTerminal(update.ref)
            _ = RefPattern.matches("refs/heads/release/*", update.ref)
        }
    }
    _ = try? PrePushInput.parse(bytes)
    return 0
}
