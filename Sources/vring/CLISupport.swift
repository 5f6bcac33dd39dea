import ArgumentParser
import BLS12381
import Foundation
import Primitives

// Shared plumbing for the commands: the exit-status contract, hex parsing with errors that
// name the argument, JSON and plain-text output.

/// The exit statuses scripts rely on.
enum ExitStatus {
    /// Success, or a verification that holds.
    static let success: Int32 = 0
    /// A verification that does not hold.
    static let verificationFailed: Int32 = 1
    /// Malformed or invalid input, including ArgumentParser's usage errors (64 by default).
    static let badInput: Int32 = 2
}

/// One input of a BLS or threshold operation, named as a command-line flag and as a JSON field
/// (`batch` takes only the BLS ones).
enum BLSArgument: Sendable {
    case secretKey, publicKey, publicKeys, message, messages, signature, signatures, proof
    case ikm, group, dst, dstHex, encode, op
    case threshold, members, share, partial, partials, publicShare, publicShares, groupPublicKey

    /// The flag as typed on the command line (list fields share the singular, repeatable flag).
    var flag: String {
        switch self {
        case .secretKey: "--secret-key"
        case .publicKey, .publicKeys: "--public-key"
        case .message, .messages: "--message"
        case .signature, .signatures: "--signature"
        case .proof: "--proof"
        case .ikm: "--ikm"
        case .group: "--group"
        case .dst: "--dst"
        case .dstHex: "--dst-hex"
        case .encode: "--encode"
        case .op: "op"
        case .threshold: "--threshold"
        case .members: "--members"
        case .share: "--share"
        case .partial, .partials: "--partial"
        case .publicShare, .publicShares: "--public-share"
        case .groupPublicKey: "--group-public-key"
        }
    }

    /// The field name in a `batch` request line.
    var field: String {
        switch self {
        case .secretKey: "secret_key"
        case .publicKey: "public_key"
        case .publicKeys: "public_keys"
        case .message: "message"
        case .messages: "messages"
        case .signature: "signature"
        case .signatures: "signatures"
        case .proof: "proof"
        case .ikm: "ikm"
        case .group: "group"
        case .dst: "dst"
        case .dstHex: "dst_hex"
        case .encode: "encode"
        case .op: "op"
        case .threshold: "threshold"
        case .members: "members"
        case .share: "share"
        case .partial: "partial"
        case .partials: "partials"
        case .publicShare: "public_share"
        case .publicShares: "public_shares"
        case .groupPublicKey: "group_public_key"
        }
    }
}

/// Bad input to a BLS operation: which argument, and why. Exit status 2.
struct BLSInputError: Error, Sendable {
    /// The offending argument, or nil for a problem with the combination of arguments.
    var argument: BLSArgument?
    var reason: String
    /// For list arguments with more than one value: the 1-based position and the count.
    var position: (index: Int, count: Int)?

    init(_ argument: BLSArgument?, _ reason: String, position: (index: Int, count: Int)? = nil) {
        self.argument = argument
        self.reason = reason
        self.position = position
    }

    /// The one-line message for the command line: `--public-key: G1 point: …`.
    var commandLineMessage: String { render(argument?.flag) }

    /// The message for a `batch` result: `public_key: G1 point: …`.
    var batchMessage: String { render(argument?.field) }

    private func render(_ name: String?) -> String {
        var text = name.map { "\($0): \(reason)" } ?? reason
        if let position, position.count > 1 { text += " (value \(position.index) of \(position.count))" }
        return text
    }
}

/// Input parsing shared by the commands and `batch`. Every failure names its argument.
enum Input {
    /// Hex with or without `0x`, any case.
    static func bytes(_ text: String, _ argument: BLSArgument, position: (Int, Int)? = nil) throws(BLSInputError) -> [UInt8] {
        guard let bytes = Hex.decode(text) else { throw BLSInputError(argument, hexProblem(text), position: position) }
        return bytes
    }

    static func publicKey(_ text: String, _ argument: BLSArgument, position: (Int, Int)? = nil) throws(BLSInputError) -> PublicKey {
        let bytes = try Input.bytes(text, argument, position: position)
        do { return try PublicKey(bytes: bytes) } catch { throw BLSInputError(argument, reason(error), position: position) }
    }

    static func signature(_ text: String, _ argument: BLSArgument, position: (Int, Int)? = nil) throws(BLSInputError) -> Signature {
        let bytes = try Input.bytes(text, argument, position: position)
        do { return try Signature(bytes: bytes) } catch { throw BLSInputError(argument, reason(error), position: position) }
    }

    /// Parses the hex straight into a key and wipes the temporary bytes; the text itself is
    /// never echoed, not even in an error.
    static func secretKey(_ text: String, _ argument: BLSArgument = .secretKey) throws(BLSInputError) -> SecretKey {
        var digits = Substring(text).utf8
        if digits.starts(with: "0x".utf8) || digits.starts(with: "0X".utf8) { digits = digits.dropFirst(2) }
        guard digits.count % 2 == 0 else { throw BLSInputError(argument, "not valid hex: odd number of digits") }
        var bytes = [UInt8](repeating: 0, count: digits.count / 2)
        defer { bytes.withUnsafeMutableBytes { secureZero($0) } }
        var high: UInt8? = nil
        var index = 0
        for c in digits {
            guard let v = hexValue(c) else { throw BLSInputError(argument, "not valid hex: contains a non-hex character") }
            if let h = high { bytes[index] = h << 4 | v; index += 1; high = nil } else { high = v }
        }
        do { return try SecretKey(bigEndian: bytes) } catch { throw BLSInputError(argument, reason(error)) }
    }

    /// The engine's message without the prefix that our argument name replaces.
    static func reason(_ error: BLSError) -> String {
        switch error {
        case .invalidSecretKey(let why): why
        case .invalidPublicKey(let e), .invalidSignature(let e): e.description
        case .ikmTooShort(let n): "input keying material must be at least 32 bytes, got \(n)"
        default: error.description
        }
    }

    private static func hexProblem(_ text: String) -> String {
        var digits = Substring(text).utf8
        if digits.starts(with: "0x".utf8) || digits.starts(with: "0X".utf8) { digits = digits.dropFirst(2) }
        if digits.contains(where: { hexValue($0) == nil }) { return "not valid hex: contains a non-hex character" }
        return "not valid hex: odd number of digits"
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Everything except the JSON layer treats output as lines of text.
enum Output {
    /// One JSON object on one line, keys sorted so the output is stable.
    static func json(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"ok":false,"error":"internal: could not encode the result as JSON"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A line on standard error.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    /// A line on standard error that does not change the exit status.
    static func warning(_ message: String) {
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }

    /// `0123456789abcdef…` for readable demos.
    static func short(_ bytes: [UInt8]) -> String { String(Hex.encode(bytes).prefix(16)) + "…" }
}

/// `--json`, shared by every command that prints a result.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object instead of plain text.")
    var json = false
}

/// Ends the process (the C `exit`, which flushes standard output); inside a `ParsableCommand`
/// the bare name `exit` means ArgumentParser's method instead.
func terminate(_ status: Int32) -> Never { exit(status) }
