// Shared helpers: fixture loading (relative to this file, so the tests run from any clone and
// any working directory), hex, and decimal → 32-byte big-endian conversion for the EIP-2333
// vectors, whose secret keys are JSON integers above 2^64.

import BLS12381
import Foundation
import Primitives

enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(path)))
    }

    static func text(_ path: String) throws -> String { String(decoding: try bytes(path), as: UTF8.self) }

    /// JSON with every long integer literal turned into a string, so that values above 2^64
    /// survive JSONSerialization.
    static func json(_ path: String) throws -> Any {
        let text = try self.text(path)
        let regex = try NSRegularExpression(pattern: #"(:\s*)(\d{20,})"#)
        let quoted = regex.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1\"$2\"")
        return try JSONSerialization.jsonObject(with: Data(quoted.utf8))
    }
}

func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { fatalError("bad hex in a fixture: \(text.prefix(20))") }
    return bytes
}

/// A decimal integer (string or small number) as 32 big-endian bytes.
func scalarBytes(_ value: Any) -> [UInt8] {
    let text = (value as? String) ?? "\(value)"
    guard let integer = GMPInteger(decimal: text) else { fatalError("not a decimal integer: \(text.prefix(20))") }
    return integer.bigEndianBytes(count: 32)
}

extension SecretKey {
    /// The key's bytes, for comparing with vectors in tests only.
    var testBytes: [UInt8] { serialized().withUnsafeBytes { Array($0) } }
}

extension SecureBytes {
    var testBytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
