// Shared helpers: fixture paths (relative to this file), hex, and throwaway database files.

import BLS12381
import Foundation
import SlashingProtection

enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ path: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent(path)) }

    static func json(_ path: String) throws -> Any { try JSONSerialization.jsonObject(with: data(path)) }
}

func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { fatalError("bad hex in a test: \(text.prefix(20))") }
    return bytes
}

/// A directory removed when the value is released; database files go inside it.
final class TemporaryDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vring-slashing-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// 48 bytes that stand for a validator key (the database does not decode points).
func testKey(_ n: UInt8) -> [UInt8] { [0xa0 | (n & 0x0f)] + [UInt8](repeating: n, count: 47) }

/// A 32-byte signing root ending in `n`.
func testRoot(_ n: UInt8) -> [UInt8] { [UInt8](repeating: 0, count: 31) + [n] }

let zeroRoot = [UInt8](repeating: 0, count: 32)
