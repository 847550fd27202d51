import Foundation
import PushGuardCore
import XCTest

/// docs/settings.md (also the pushguard-config(5) man page) has a row for every setting the
/// binary knows, and for none it does not: a setting added to `Vocabulary` without its row, or a
/// row left behind for a setting taken out, fails here.
final class SettingsReferenceTests: XCTestCase {
    private func documented(_ prefix: String) throws -> Set<String> {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/settings.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        var names: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `" + prefix) {
            let cell = line.dropFirst(3 + prefix.count).prefix { $0 != "`" }
            if !cell.contains(".") { names.insert(String(cell)) }
        }
        return names
    }

    func testEverySettingHasARowAndEveryRowASetting() throws {
        XCTAssertEqual(try documented("pushguard."), Set(Vocabulary.settings))
        XCTAssertEqual(try documented("pushguard.ENV."), Set(Vocabulary.environmentSettings))
    }
}
