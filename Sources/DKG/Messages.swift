import BLS12381
import Primitives
import Threshold

// DKG wire format, version 1. Every message is one signed envelope:
//
//   u8  version (= 1)
//   u8  kind (1 deal, 2 echo, 3 justification)
//   32  session id
//   u64 epoch
//   u32 sender index (1…n)
//   u32 body length, body (kind-specific, below)
//   64  Ed25519 signature by the sender's identity key over
//       "vring/dkg/v1/envelope\0" ‖ every preceding byte of the envelope
//
// Integers are big-endian; there are no optional fields and no trailing bytes, so each value
// has exactly one encoding and a hash of the bytes is a hash of the content.

/// A 32-byte ceremony identifier; every message and proof is bound to it.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// - Throws: `DKGError.invalidConfiguration` unless exactly 32 bytes.
    public init(bytes: [UInt8]) throws(DKGError) {
        guard bytes.count == 32 else { throw .invalidConfiguration("session id must be 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }
    public var description: String { Hex.encode(bytes) }
}

/// The three broadcast rounds of the DKG.
public enum MessageKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Round 1: Feldman commitments, proofs of knowledge, encrypted shares.
    case deal = 1
    /// Round 2: hashes of the deals received, complaints.
    case echo = 2
    /// Round 3: shares revealed for complaints, evidence of equivocation.
    case justification = 3

    public var description: String {
        switch self {
        case .deal: "deal"
        case .echo: "echo/complaint"
        case .justification: "justification"
        }
    }
}

/// Why an incoming message was rejected. Rejections are local: they do not by themselves blame
/// anyone (a forged or garbled message proves nothing about its claimed sender).
public enum DKGMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than the fixed envelope.
    case truncated(Int)
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    /// Bound to another ceremony (includes replays from earlier sessions).
    case wrongSession
    case wrongEpoch(expected: UInt64, actual: UInt64)
    case unknownSender(UInt32)
    /// Lengths that do not add up, or trailing bytes.
    case nonCanonical(String)
    /// The Ed25519 signature does not verify under the claimed sender's identity key.
    case badSignature(sender: MemberIndex)
    /// The body does not parse for this ceremony (wrong counts, invalid points or scalars).
    case malformed(String)
    /// The sender already sent a different message of this kind: both are kept as evidence.
    case equivocation(sender: MemberIndex, kind: MessageKind)
    /// The round this message belongs to has closed.
    case late(sender: MemberIndex, kind: MessageKind)

    public var description: String {
        switch self {
        case .truncated(let n): "message of \(n) bytes is shorter than the envelope"
        case .unsupportedVersion(let v): "unsupported message version \(v)"
        case .unknownKind(let k): "unknown message kind \(k)"
        case .wrongSession: "message belongs to another session"
        case let .wrongEpoch(e, a): "message is for epoch \(a), this ceremony is epoch \(e)"
        case .unknownSender(let s): "sender \(s) is not in the roster"
        case .nonCanonical(let why): "non-canonical encoding: \(why)"
        case .badSignature(let s): "signature does not verify under member \(s)'s identity key"
        case .malformed(let why): "malformed body: \(why)"
        case let .equivocation(s, k): "member \(s) sent two different \(k) messages"
        case let .late(s, k): "\(k) message from member \(s) arrived after its round closed"
        }
    }
}

/// A decoded, signature-checked envelope.
public struct SignedMessage: Sendable, Equatable {
    public static let version: UInt8 = 1
    static let headerCount = 1 + 1 + 32 + 8 + 4 + 4
    static let signatureDomain = Array("vring/dkg/v1/envelope".utf8) + [0]
    /// Bodies larger than this are refused before anything else is done with them.
    static let maximumBodyCount = 64 << 20

    public let kind: MessageKind
    public let sender: MemberIndex
    public let body: [UInt8]
    /// The whole envelope as received (or sent).
    public let encoded: [UInt8]

    /// SHA-256 of the body under a label: the identity of the content for echoes and evidence.
    public var bodyHash: [UInt8] {
        var t = Transcript(domain: "vring/dkg/v1/body-hash")
        t.append("kind", [kind.rawValue])
        t.append("sender", u64: UInt64(sender.value))
        t.append("body", body)
        return t.digest()
    }

    /// Builds and signs an envelope.
    package static func sign(kind: MessageKind, body: [UInt8], configuration: DKGConfiguration,
                             sender: MemberIndex, key: borrowing SigningKey) -> SignedMessage {
        var w = ByteWriter()
        w.u8(version)
        w.u8(kind.rawValue)
        w.fixed(configuration.sessionID.bytes)
        w.u64(configuration.epoch)
        w.u32(sender.value)
        w.variable(body)
        let signature = key.sign(signatureDomain + w.bytes)
        w.fixed(signature)
        return SignedMessage(kind: kind, sender: sender, body: body, encoded: w.bytes)
    }

    private init(kind: MessageKind, sender: MemberIndex, body: [UInt8], encoded: [UInt8]) {
        self.kind = kind
        self.sender = sender
        self.body = body
        self.encoded = encoded
    }

    /// Decodes an envelope for `configuration`, checking in order: length, version, kind,
    /// session, epoch, sender, exact length, signature. The body is not parsed here.
    /// - Throws: the first `DKGMessageError` that applies.
    public init(decoding bytes: [UInt8], for configuration: DKGConfiguration) throws(DKGMessageError) {
        guard bytes.count >= Self.headerCount + 64 else { throw .truncated(bytes.count) }
        var r = ByteReader(bytes)
        let version = try r.u8("version")
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let kindByte = try r.u8("kind")
        guard let kind = MessageKind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        guard try r.fixed(32, "session") == configuration.sessionID.bytes else { throw .wrongSession }
        let epoch = try r.u64("epoch")
        guard epoch == configuration.epoch else { throw .wrongEpoch(expected: configuration.epoch, actual: epoch) }
        let senderValue = try r.u32("sender")
        guard senderValue >= 1, Int(senderValue) <= configuration.roster.count else { throw .unknownSender(senderValue) }
        let sender = try! MemberIndex(Int(senderValue))
        let bodyCount = Int(try r.u32("body length"))
        guard bodyCount <= Self.maximumBodyCount else { throw .nonCanonical("body length \(bodyCount) exceeds the maximum") }
        guard r.remaining == bodyCount + 64 else {
            throw .nonCanonical("body length \(bodyCount) + 64-byte signature ≠ \(r.remaining) remaining bytes")
        }
        let body = try r.fixed(bodyCount, "body")
        let signature = try r.fixed(64, "signature")
        try r.finish("envelope")
        let signed = Self.signatureDomain + bytes[0..<(bytes.count - 64)]
        guard configuration.roster[Int(senderValue) - 1].signingKey.isValidSignature(signature, for: signed) else {
            throw .badSignature(sender: sender)
        }
        self.init(kind: kind, sender: sender, body: body, encoded: bytes)
    }
}

// MARK: - Bodies

/// A Schnorr proof of knowledge of a_0 for C_0 = [a_0]G (Komlo–Goldberg 2020, FROST KeyGen
/// round 1): R = [r]G, c = H(session, epoch, dealer, key context, all commitments, R),
/// z = r + c·a_0. Verified as [z]G − [c]C_0 = R.
public struct SchnorrProof: Sendable, Equatable {
    public let commitment: G1Affine
    public let response: Fr
}

/// One key's part of a deal.
public struct KeyDeal: Sendable, Equatable {
    public let commitment: FeldmanCommitment
    public let proof: SchnorrProof
}

/// The shares for one recipient, `crypto_box_easy` from dealer to recipient: K × 32-byte scalars.
public struct EncryptedShares: Sendable, Equatable {
    public let recipient: MemberIndex
    public let nonce: [UInt8]
    public let box: [UInt8]
}

/// Round 1 body:
///   u16 K; per key: u16 t, t × 48-byte compressed G1, 48-byte R, 32-byte z;
///   u32 n; per recipient 1…n in order: u32 index, 24-byte nonce, u32 length (= 16 + 32K), box.
public struct DealBody: Sendable, Equatable {
    public let keys: [KeyDeal]
    public let shares: [EncryptedShares]

    package func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u16(UInt16(keys.count))
        for k in keys {
            w.u16(UInt16(k.commitment.coefficients.count))
            for c in k.commitment.coefficients { w.fixed(c.compressed()) }
            w.fixed(k.proof.commitment.compressed())
            w.fixed(k.proof.response.bigEndianBytes)
        }
        w.u32(UInt32(shares.count))
        for s in shares {
            w.u32(s.recipient.value)
            w.fixed(s.nonce)
            w.variable(s.box)
        }
        return w.bytes
    }

    package init(keys: [KeyDeal], shares: [EncryptedShares]) {
        self.keys = keys
        self.shares = shares
    }

    package init(decoding bytes: [UInt8], for configuration: DKGConfiguration) throws(DKGMessageError) {
        var r = ByteReader(bytes)
        let keyCount = Int(try r.u16("key count"))
        guard keyCount == configuration.keyCount else { throw .malformed("deal has \(keyCount) keys, the ceremony \(configuration.keyCount)") }
        let t = configuration.parameters.threshold
        var keys: [KeyDeal] = []
        for k in 0..<keyCount {
            let count = Int(try r.u16("coefficient count"))
            guard count == t else { throw .malformed("key \(k): \(count) commitments, threshold is \(t)") }
            var coefficients: [G1Affine] = []
            // The constant term is checked here (it is the dealer's public key for the proof of
            // knowledge); the higher coefficients only on the curve: `DKGParticipant.finish`
            // checks the sums over the qualified dealers (t points, not n·t) and looks at single
            // dealers only when a sum is outside G1.
            for l in 0..<count { coefficients.append(l == 0 ? try r.g1("key \(k) commitment \(l)") : try r.g1OnCurve("key \(k) commitment \(l)")) }
            let R = try r.g1("key \(k) proof commitment")
            let z = try r.scalar("key \(k) proof response")
            keys.append(KeyDeal(commitment: FeldmanCommitment(coefficients: coefficients), proof: SchnorrProof(commitment: R, response: z)))
        }
        let n = configuration.roster.count
        let recipients = Int(try r.u32("recipient count"))
        guard recipients == n else { throw .malformed("deal has \(recipients) encrypted shares for \(n) members") }
        let boxCount = BoxKey.overheadByteCount + 32 * keyCount
        var shares: [EncryptedShares] = []
        for i in 1...n {
            let index = try r.u32("recipient")
            guard index == UInt32(i) else { throw .malformed("encrypted share \(i) is addressed to \(index)") }
            let nonce = try r.fixed(BoxKey.nonceByteCount, "nonce")
            let box = try r.variable("box", max: boxCount)
            guard box.count == boxCount else { throw .malformed("box for member \(i) has \(box.count) bytes, expected \(boxCount)") }
            shares.append(EncryptedShares(recipient: try! MemberIndex(i), nonce: nonce, box: box))
        }
        try r.finish("deal body")
        self.keys = keys
        self.shares = shares
    }
}

/// Round 2 body:
///   u32 n; per dealer 1…n: u8 0 (no deal received) or u8 1 and the 32-byte deal hash;
///   u32 c; c strictly increasing u32 dealer indices complained about (share missing or wrong).
public struct EchoBody: Sendable, Equatable {
    /// Index d-1: the hash of the deal received from dealer d, or nil.
    public let dealHashes: [[UInt8]?]
    public let complaints: [MemberIndex]

    package init(dealHashes: [[UInt8]?], complaints: [MemberIndex]) {
        self.dealHashes = dealHashes
        self.complaints = complaints
    }

    package func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(dealHashes.count))
        for h in dealHashes {
            if let h { w.u8(1); w.fixed(h) } else { w.u8(0) }
        }
        w.u32(UInt32(complaints.count))
        for c in complaints { w.u32(c.value) }
        return w.bytes
    }

    package init(decoding bytes: [UInt8], for configuration: DKGConfiguration) throws(DKGMessageError) {
        var r = ByteReader(bytes)
        let n = configuration.roster.count
        guard Int(try r.u32("dealer count")) == n else { throw .malformed("echo does not cover exactly \(n) dealers") }
        var hashes: [[UInt8]?] = []
        for d in 1...n {
            switch try r.u8("status") {
            case 0: hashes.append(nil)
            case 1: hashes.append(try r.fixed(32, "deal hash"))
            case let s: throw .malformed("dealer \(d): status \(s) is neither 0 nor 1")
            }
        }
        let count = Int(try r.u32("complaint count"))
        guard count <= n else { throw .malformed("\(count) complaints for \(n) dealers") }
        var complaints: [MemberIndex] = []
        for _ in 0..<count {
            let d = try r.u32("complaint")
            guard d >= 1, Int(d) <= n, complaints.last.map({ $0.value < d }) ?? true else {
                throw .malformed("complaints must be strictly increasing indices in 1…\(n)")
            }
            complaints.append(try! MemberIndex(Int(d)))
        }
        try r.finish("echo body")
        dealHashes = hashes
        self.complaints = complaints
    }
}

/// Round 3 body:
///   u32 a; a entries, strictly increasing accuser index: u32 accuser, K × 32-byte scalars
///   (the dealer's shares for that accuser, now public);
///   u32 e; e evidence entries, each u32 length and a signed envelope from this ceremony (deals
///   held when members disagreed; pairs of conflicting messages).
public struct JustificationBody: Sendable, Equatable {
    public struct Reveal: Sendable, Equatable {
        public let accuser: MemberIndex
        public let shares: [Fr]
    }
    public let reveals: [Reveal]
    public let evidence: [[UInt8]]

    package init(reveals: [Reveal], evidence: [[UInt8]]) {
        self.reveals = reveals
        self.evidence = evidence
    }

    package func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(reveals.count))
        for r in reveals {
            w.u32(r.accuser.value)
            for s in r.shares { w.fixed(s.bigEndianBytes) }
        }
        w.u32(UInt32(evidence.count))
        for e in evidence { w.variable(e) }
        return w.bytes
    }

    package init(decoding bytes: [UInt8], for configuration: DKGConfiguration) throws(DKGMessageError) {
        var r = ByteReader(bytes)
        let n = configuration.roster.count
        let count = Int(try r.u32("reveal count"))
        guard count <= n else { throw .malformed("\(count) reveals for \(n) members") }
        var reveals: [Reveal] = []
        for _ in 0..<count {
            let a = try r.u32("accuser")
            guard a >= 1, Int(a) <= n, reveals.last.map({ $0.accuser.value < a }) ?? true else {
                throw .malformed("reveals must be for strictly increasing indices in 1…\(n)")
            }
            var shares: [Fr] = []
            for k in 0..<configuration.keyCount { shares.append(try r.scalar("revealed share \(k)")) }
            reveals.append(Reveal(accuser: try! MemberIndex(Int(a)), shares: shares))
        }
        let evidenceCount = Int(try r.u32("evidence count"))
        guard evidenceCount <= 4 * n else { throw .malformed("\(evidenceCount) evidence entries") }
        var evidence: [[UInt8]] = []
        for _ in 0..<evidenceCount { evidence.append(try r.variable("evidence", max: SignedMessage.maximumBodyCount)) }
        try r.finish("justification body")
        self.reveals = reveals
        self.evidence = evidence
    }
}
