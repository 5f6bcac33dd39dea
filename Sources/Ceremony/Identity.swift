import BLS12381
import DKG
import Foundation
import Primitives

// A member's long-term identity: an Ed25519 key that authenticates its connections and signs
// its messages, approvals and lock signatures, and an X25519 key that DKG shares are encrypted
// to. `vring identity new` writes them to a directory; `vring identity show` prints the public
// half as a one-line, self-signed record to send to the other members:
//
//     vring:<base64url(version ‖ name ‖ address ‖ relay ‖ Ed25519 pk ‖ X25519 pk ‖ signature)>
//
// Fields are length-prefixed (u32, big-endian); the signature is Ed25519 over a labelled
// transcript of every other field, so a record cannot be edited (a new address needs a new
// record signed by the same key).

/// The public identity of a member, as carried by a `vring:` record.
public struct IdentityRecord: Sendable, Equatable, Codable {
    /// A short name, unique in a pool (letters, digits, `.`, `_`, `-`; at most 64).
    public let name: String
    /// `host:port` where the member accepts connections; empty when it cannot (behind NAT).
    public let address: String
    /// The name of the member it relays through when `address` is empty; empty otherwise.
    public let relay: String
    public let signingKey: SigningPublicKey
    public let boxKey: BoxPublicKey
    /// Ed25519 over the record's transcript.
    public let signature: [UInt8]

    static let prefix = "vring:"
    static let version: UInt8 = 1

    /// Builds and signs a record.
    public init(name: String, address: String, relay: String, signingKey: borrowing SigningKey, boxKey: BoxPublicKey) throws(CeremonyError) {
        try Self.validate(name: name, address: address, relay: relay)
        self.name = name
        self.address = address
        self.relay = relay
        self.signingKey = signingKey.publicKey
        self.boxKey = boxKey
        self.signature = signingKey.sign(Self.transcript(name: name, address: address, relay: relay,
                                                         signingKey: signingKey.publicKey, boxKey: boxKey))
    }

    /// Parses a `vring:` record and checks its self-signature.
    public init(parsing text: String) throws(CeremonyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else { throw .invalidRecord("a record starts with \"vring:\"") }
        guard let bytes = Base64URL.decode(String(trimmed.dropFirst(Self.prefix.count))) else {
            throw .invalidRecord("the text after \"vring:\" is not base64url")
        }
        var r = ByteReader(bytes)
        do {
            let version = try r.u8("version")
            guard version == Self.version else { throw CeremonyError.invalidRecord("version \(version) (this vring reads version \(Self.version))") }
            func text(_ field: String) throws -> String {
                let b = try r.variable(field, max: 256)
                guard let s = String(validating: b, as: UTF8.self) else { throw CeremonyError.invalidRecord("\(field) is not UTF-8") }
                return s
            }
            let name = try text("name"), address = try text("address"), relay = try text("relay")
            let signingKey = try SigningPublicKey(bytes: try r.fixed(32, "signing key"))
            let boxKey = try BoxPublicKey(bytes: try r.fixed(32, "box key"))
            let signature = try r.fixed(64, "signature")
            try r.finish("record")
            try Self.validate(name: name, address: address, relay: relay)
            guard signingKey.isValidSignature(signature, for: Self.transcript(name: name, address: address, relay: relay,
                                                                            signingKey: signingKey, boxKey: boxKey)) else {
                throw CeremonyError.invalidRecord("the self-signature of \"\(name)\" does not verify (the record was altered)")
            }
            (self.name, self.address, self.relay, self.signingKey, self.boxKey, self.signature) =
                (name, address, relay, signingKey, boxKey, signature)
        } catch let e as CeremonyError { throw e } catch { throw .invalidRecord("\(error)") }
    }

    /// The one-line `vring:` form.
    public var encoded: String {
        var w = ByteWriter()
        w.u8(Self.version)
        w.variable(Array(name.utf8)); w.variable(Array(address.utf8)); w.variable(Array(relay.utf8))
        w.fixed(signingKey.bytes); w.fixed(boxKey.bytes); w.fixed(signature)
        return Self.prefix + Base64URL.encode(w.bytes)
    }

    static func transcript(name: String, address: String, relay: String, signingKey: SigningPublicKey, boxKey: BoxPublicKey) -> [UInt8] {
        var t = Transcript(domain: "vring/identity-record/v1")
        t.append("name", Array(name.utf8)); t.append("address", Array(address.utf8)); t.append("relay", Array(relay.utf8))
        t.append("signing key", signingKey.bytes); t.append("box key", boxKey.bytes)
        return t.digest()
    }

    static func validate(name: String, address: String, relay: String) throws(CeremonyError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }) else {
            throw .invalidRecord("name \"\(name)\": use 1–64 letters, digits, '.', '_' or '-'")
        }
        if address.isEmpty {
            guard !relay.isEmpty else { throw .invalidRecord("\(name) has no address and no relay: give --address HOST:PORT or --relay NAME") }
        } else {
            _ = try HostPort(parsing: address)
        }
        if !relay.isEmpty, !relay.allSatisfy({ allowed.contains($0) }) { throw .invalidRecord("relay \"\(relay)\" is not a member name") }
    }

    enum CodingKeys: String, CodingKey { case name, address, relay, signingKey = "signing_public_key", boxKey = "box_public_key", record }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(address, forKey: .address); try c.encode(relay, forKey: .relay)
        try c.encode(Hex.encode(signingKey.bytes), forKey: .signingKey)
        try c.encode(Hex.encode(boxKey.bytes), forKey: .boxKey)
        try c.encode(encoded, forKey: .record)
    }

    /// Decodes from the `record` field (the other fields are for people and are checked against it).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let record = try c.decode(String.self, forKey: .record)
        do { self = try IdentityRecord(parsing: record) } catch {
            throw DecodingError.dataCorruptedError(forKey: .record, in: c, debugDescription: error.description)
        }
        if let name = try c.decodeIfPresent(String.self, forKey: .name), name != self.name {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "\"\(name)\" differs from the signed record (\"\(self.name)\")")
        }
        if let address = try c.decodeIfPresent(String.self, forKey: .address), address != self.address {
            throw DecodingError.dataCorruptedError(forKey: .address, in: c, debugDescription: "\"\(address)\" differs from the signed record")
        }
    }
}

/// `host:port` with a numeric port.
public struct HostPort: Sendable, Equatable {
    public let host: String
    public let port: Int
    public init(parsing text: String) throws(CeremonyError) {
        guard let colon = text.lastIndex(of: ":") else { throw .invalidRecord("address \"\(text)\" is not HOST:PORT") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw .invalidRecord("address \"\(text)\" is not HOST:PORT with a port in 1…65535")
        }
        self.host = host
        self.port = port
    }
}

/// A member's identity directory: `identity.json` (public), `signing.key` and `box.key`
/// (32-byte seeds, mode 0600, in a 0700 directory).
public struct IdentityDirectory: ~Copyable {
    public let path: String
    public let record: IdentityRecord
    public let signingKey: SigningKey
    public let boxKey: BoxKey
    /// The X25519 seed, kept to derive the key that seals this member's ceremony state.
    let boxSeed: SecureBytes
    /// The Ed25519 seed, kept to hand out copies of the signing key (transport, envelopes).
    let signingSeed: SecureBytes

    static let recordFile = "identity.json"
    static let signingFile = "signing.key"
    static let boxFile = "box.key"

    /// Creates a new identity in `path` (which must not already hold one).
    public static func create(at path: String, name: String, address: String, relay: String) throws(CeremonyError) -> IdentityDirectory {
        if FileIO.exists("\(path)/\(signingFile)") || FileIO.exists("\(path)/\(recordFile)") {
            throw .file(path: path, problem: "already holds an identity; choose another --out directory (an identity is never overwritten)")
        }
        try IdentityRecord.validate(name: name, address: address, relay: relay)
        try FileIO.makeDirectory(path, mode: 0o700)
        let signingSeed = SecureBytes(random: 32)
        let boxSeed = SecureBytes(random: 32)
        let signingKey = try! SigningKey(seed: signingSeed)
        let boxKey = try! BoxKey(seed: boxSeed)
        let record = try IdentityRecord(name: name, address: address, relay: relay, signingKey: signingKey, boxKey: boxKey.publicKey)
        try writeSeed(signingSeed, to: "\(path)/\(signingFile)")
        try writeSeed(boxSeed, to: "\(path)/\(boxFile)")
        try FileIO.writeJSON(record, to: "\(path)/\(recordFile)", mode: 0o644)
        return IdentityDirectory(path: path, record: record, signingKey: signingKey, boxKey: boxKey, boxSeed: boxSeed, signingSeed: signingSeed)
    }

    /// Loads an identity and checks that the keys match the record.
    public static func load(_ path: String) throws(CeremonyError) -> IdentityDirectory {
        let record = try FileIO.readJSON(IdentityRecord.self, from: "\(path)/\(recordFile)")
        let signingSeed = try readSeed("\(path)/\(signingFile)")
        let boxSeed = try readSeed("\(path)/\(boxFile)")
        let signingKey = try! SigningKey(seed: signingSeed)
        let boxKey = try! BoxKey(seed: boxSeed)
        guard signingKey.publicKey == record.signingKey, boxKey.publicKey == record.boxKey else {
            throw .file(path: path, problem: "the key files do not match identity.json (mixed-up identity directories?)")
        }
        return IdentityDirectory(path: path, record: record, signingKey: signingKey, boxKey: boxKey, boxSeed: boxSeed, signingSeed: signingSeed)
    }

    /// Writes a seed (mode 0600), wiping the temporary copy.
    private static func writeSeed(_ seed: borrowing SecureBytes, to path: String) throws(CeremonyError) {
        var bytes = seed.withUnsafeBytes { Array($0) }
        defer { bytes.withUnsafeMutableBytes { secureZero($0) } }
        try FileIO.writeAtomically(bytes, to: path, mode: 0o600)
    }

    /// Reads a 32-byte seed straight into secure memory (the temporary copy is wiped).
    private static func readSeed(_ path: String) throws(CeremonyError) -> SecureBytes {
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & 0o077 != 0 {
            throw .file(path: path, problem: "is readable by other users; run: chmod 600 \(path)")
        }
        var bytes = try FileIO.read(path)
        defer { bytes.withUnsafeMutableBytes { secureZero($0) } }
        guard bytes.count == 32 else { throw .file(path: path, problem: "holds \(bytes.count) bytes, expected a 32-byte key seed") }
        return SecureBytes(copying: bytes)
    }

    /// A fresh copy of the X25519 key (the DKG participant consumes one).
    public func boxKeyCopy() -> BoxKey { try! BoxKey(seed: boxSeed) }

    /// A fresh copy of the Ed25519 key (the transport consumes one).
    public func signingKeyCopy() throws(CeremonyError) -> SigningKey {
        try! SigningKey(seed: signingSeed)
    }

    /// A 32-byte key for sealing this member's persisted state of one ceremony
    /// (HKDF-SHA-256 of the X25519 seed, bound to the ceremony's session).
    func stateKey(session: [UInt8]) -> SecureBytes {
        let prk = HKDFSHA256.extract(salt: Array("vring/ceremony-state/v1".utf8), ikm: boxSeed)
        return try! HKDFSHA256.expand(prk: prk, info: session, count: 32)
    }
}

/// URL-safe base64 without padding (RFC 4648 §5).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    static func decode(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !s.contains("=") || text.isEmpty else { return nil }
        while s.count % 4 != 0 { s.append("=") }
        return Data(base64Encoded: s).map { [UInt8]($0) }
    }
}
