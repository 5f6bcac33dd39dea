// A small JSON writer that reproduces Python's `json.dumps` defaults (", " and ": "
// separators, ASCII-only output with \uXXXX escapes), which is how staking-deposit-cli and
// ethstaker-deposit-cli write keystores and deposit_data files. Keys are written in the
// order given, so the files match the reference tools field for field.
//
// Decoding uses Foundation's JSONDecoder; `describe(_:)` turns its errors into one line
// naming the field (`crypto.kdf.params.salt: missing`), never quoting values.

import Foundation

/// A JSON value with ordered object keys, for writing only.
enum JSONText {
    case string(String)
    case integer(UInt64)
    case object([(String, JSONText)])
    case array([JSONText])

    /// The text as Python's `json.dumps(value)` would write it.
    var rendered: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .integer(let n): return String(n)
        case .object(let fields):
            return "{" + fields.map { Self.quote($0.0) + ": " + $0.1.rendered }.joined(separator: ", ") + "}"
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ", ") + "]"
        }
    }

    /// A JSON string literal with Python's escapes (`ensure_ascii=True`).
    static func quote(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }

    /// One line describing a decoding failure: the field path and what was wrong.
    static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map { key in
                key.intValue.map { "[\($0)]" } ?? key.stringValue
            }
            let joined = keys.reduce("") { result, key in
                key.hasPrefix("[") || result.isEmpty ? result + key : result + "." + key
            }
            return joined.isEmpty ? "top level" : joined
        }
        guard let error = error as? DecodingError else { return "not valid JSON" }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath, key)): missing"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): invalid value"
        @unknown default: return "not valid JSON"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is UInt64.Type, is Int.Type, is UInt32.Type: "a non-negative integer"
        case is [Any].Type: "an array"
        default: "a value of another type"
        }
    }
}
