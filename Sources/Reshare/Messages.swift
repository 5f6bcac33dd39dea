import BLS12381
import DKG
import Primitives
import Threshold

// Resharing and repair wire format, version 1. Every message is one signed envelope:
//
//   u8  version (= 1)
//   u8  protocol (1 reshare, 2 repair)
//   u8  kind (1 dealing, 2 echo, 3 justification, 4 masked share — repair only)
//   32  session id
//   u64 epoch
//   u32 sender index
//   u32 body length, body (kind-specific, below)
//   64  Ed25519 signature by the sender's identity key over
//       "vring/<protocol>/v1/envelope\0" ‖ every preceding byte of the envelope
//
// Integers are big-endian; there are no optional fields and no trailing bytes, so each value has
// exactly one encoding and a hash of the bytes is a hash of the content. The layout follows the
// DKG's (Sources/DKG/Messages.swift) with the protocol byte added, so a DKG, reshare or repair
// message can never be taken for one of another protocol.

/// The protocol a message belongs to.
public enum ProtocolKind: UInt8, Sendable, CustomStringConvertible {
    case reshare = 1
    case repair = 2

    public var description: String {
        switch self {
        case .reshare: "reshare"
        case .repair: "repair"
        }
    }

    /// The kinds of message this protocol uses.
    var kinds: ClosedRange<UInt8> { self == .reshare ? 1...3 : 1...4 }
}

/// The rounds' messages.
public enum ProtocolMessageKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Round 1: Feldman commitments and encrypted sub-shares.
    case dealing = 1
    /// Round 2: hashes of the dealings received, complaints.
    case echo = 2
    /// Round 3: sub-shares revealed for complaints, evidence of equivocation.
    case justification = 3
    /// Repair round 4: a helper's masked share, encrypted to the member being repaired.
    case maskedShare = 4

    public var description: String {
        switch self {
        case .dealing: "dealing"
        case .echo: "echo/complaint"
        case .justification: "justification"
        case .maskedShare: "masked share"
        }
    }
}

/// Why an incoming reshare or repair message was rejected. Rejections are local: a forged or
/// garbled message proves nothing about its claimed sender, so it blames nobody.
public enum ProtocolMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than the fixed envelope.
    case truncated(Int)
    case unsupportedVersion(UInt8)
    /// A message of the other protocol (or of none).
    case wrongProtocol(UInt8)
    /// A kind this protocol does not use.
    case unknownKind(UInt8)
    /// Bound to another ceremony (includes replays from earlier sessions).
    case wrongSession
    case wrongEpoch(expected: UInt64, actual: UInt64)
    /// The sender index is not in the roster.
    case unknownSender(UInt32)
    /// The sender's role does not send this kind (a new-only member dealing, say).
    case unexpectedSender(sender: MemberIndex, kind: ProtocolMessageKind)
    /// Lengths that do not add up, or trailing bytes.
    case nonCanonical(String)
    /// The Ed25519 signature does not verify under the claimed sender's identity key.
    case badSignature(sender: MemberIndex)
    /// The body does not parse for this ceremony (wrong counts, invalid points or scalars).
    case malformed(String)
    /// The sender already sent a different message of this kind: both are kept as evidence.
    case equivocation(sender: MemberIndex, kind: ProtocolMessageKind)
    /// The round this message belongs to has closed (includes replays of earlier rounds).
    case late(sender: MemberIndex, kind: ProtocolMessageKind)

    public var description: String {
        switch self {
        case .truncated(let n): "message of \(n) bytes is shorter than the envelope"
        case .unsupportedVersion(let v): "unsupported message version \(v)"
        case .wrongProtocol(let p): "message belongs to protocol \(p), not this one"
        case .unknownKind(let k): "unknown message kind \(k)"
        case .wrongSession: "message belongs to another session"
        case let .wrongEpoch(e, a): "message is for epoch \(a), this ceremony is epoch \(e)"
        case .unknownSender(let s): "sender \(s) is not in the roster"
        case let .unexpectedSender(s, k): "member \(s) does not send \(k) messages in this ceremony"
        case .nonCanonical(let why): "non-canonical encoding: \(why)"
        case .badSignature(let s): "signature does not verify under member \(s)'s identity key"
        case .malformed(let why): "malformed body: \(why)"
        case let .equivocation(s, k): "member \(s) sent two different \(k) messages"
        case let .late(s, k): "\(k) message from member \(s) arrived after its round closed"
        }
    }

    /// The shared byte reader reports in the DKG's error type; its two cases map one to one.
    init(_ error: DKGMessageError) {
        switch error {
        case .nonCanonical(let why): self = .nonCanonical(why)
        case .malformed(let why): self = .malformed(why)
        default: self = .malformed(error.description)
        }
    }
}

/// Where a ceremony's messages are bound: protocol, session, epoch and the senders' keys.
struct EnvelopeContext: Sendable {
    let protocolKind: ProtocolKind
    let sessionID: SessionID
    let epoch: UInt64
    let signingKeys: [MemberIndex: SigningPublicKey]

    var signatureDomain: [UInt8] { Array("vring/\(protocolKind)/v1/envelope".utf8) + [0] }
}

/// A decoded, signature-checked reshare or repair envelope.
public struct ProtocolEnvelope: Sendable, Equatable {
    public static let version: UInt8 = 1
    static let headerCount = 1 + 1 + 1 + 32 + 8 + 4 + 4
    /// Bodies larger than this are refused before anything else is done with them.
    static let maximumBodyCount = 64 << 20

    public let protocolKind: ProtocolKind
    public let kind: ProtocolMessageKind
    public let sender: MemberIndex
    public let body: [UInt8]
    /// The whole envelope as received (or sent).
    public let encoded: [UInt8]

    /// SHA-256 of the body under a label: the identity of the content for echoes and evidence.
    public var bodyHash: [UInt8] {
        var t = Transcript(domain: "vring/\(protocolKind)/v1/body-hash")
        t.append("kind", [kind.rawValue])
        t.append("sender", u64: UInt64(sender.value))
        t.append("body", body)
        return t.digest()
    }

    /// Builds and signs an envelope.
    static func sign(kind: ProtocolMessageKind, body: [UInt8], context: EnvelopeContext, sender: MemberIndex,
                     key: borrowing SigningKey) -> ProtocolEnvelope {
        var w = ByteWriter()
        w.u8(version)
        w.u8(context.protocolKind.rawValue)
        w.u8(kind.rawValue)
        w.fixed(context.sessionID.bytes)
        w.u64(context.epoch)
        w.u32(sender.value)
        w.variable(body)
        w.fixed(key.sign(context.signatureDomain + w.bytes))
        return ProtocolEnvelope(protocolKind: context.protocolKind, kind: kind, sender: sender, body: body, encoded: w.bytes)
    }

    private init(protocolKind: ProtocolKind, kind: ProtocolMessageKind, sender: MemberIndex, body: [UInt8], encoded: [UInt8]) {
        self.protocolKind = protocolKind
        self.kind = kind
        self.sender = sender
        self.body = body
        self.encoded = encoded
    }

    /// Decodes an envelope, checking in order: length, version, protocol, kind, session, epoch,
    /// sender, exact length, signature. The body is not parsed here.
    init(decoding bytes: [UInt8], context: EnvelopeContext) throws(ProtocolMessageError) {
        guard bytes.count >= Self.headerCount + 64 else { throw .truncated(bytes.count) }
        var r = BodyReader(bytes)
        let version = try r.u8("version")
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let protocolByte = try r.u8("protocol")
        guard protocolByte == context.protocolKind.rawValue else { throw .wrongProtocol(protocolByte) }
        let kindByte = try r.u8("kind")
        guard context.protocolKind.kinds.contains(kindByte), let kind = ProtocolMessageKind(rawValue: kindByte) else {
            throw .unknownKind(kindByte)
        }
        guard try r.fixed(32, "session") == context.sessionID.bytes else { throw .wrongSession }
        let epoch = try r.u64("epoch")
        guard epoch == context.epoch else { throw .wrongEpoch(expected: context.epoch, actual: epoch) }
        let senderValue = try r.u32("sender")
        guard senderValue >= 1, let sender = try? MemberIndex(Int(senderValue)), let senderKey = context.signingKeys[sender] else {
            throw .unknownSender(senderValue)
        }
        let bodyCount = Int(try r.u32("body length"))
        guard bodyCount <= Self.maximumBodyCount else { throw .nonCanonical("body length \(bodyCount) exceeds the maximum") }
        guard r.remaining == bodyCount + 64 else {
            throw .nonCanonical("body length \(bodyCount) + 64-byte signature ≠ \(r.remaining) remaining bytes")
        }
        let body = try r.fixed(bodyCount, "body")
        let signature = try r.fixed(64, "signature")
        try r.finish("envelope")
        guard senderKey.isValidSignature(signature, for: context.signatureDomain + bytes[0..<(bytes.count - 64)]) else {
            throw .badSignature(sender: sender)
        }
        self.init(protocolKind: context.protocolKind, kind: kind, sender: sender, body: body, encoded: bytes)
    }
}

/// The DKG's canonical reader (Sources/DKG/Encoding.swift) with its errors carried over to
/// `ProtocolMessageError`.
struct BodyReader {
    private var inner: ByteReader
    init(_ bytes: [UInt8]) { inner = ByteReader(bytes) }

    var remaining: Int { inner.remaining }

    mutating func fixed(_ n: Int, _ field: String) throws(ProtocolMessageError) -> [UInt8] {
        do throws(DKGMessageError) { return try inner.fixed(n, field) } catch { throw ProtocolMessageError(error) }
    }
    mutating func u8(_ field: String) throws(ProtocolMessageError) -> UInt8 { try fixed(1, field)[0] }
    mutating func u16(_ field: String) throws(ProtocolMessageError) -> UInt16 {
        do throws(DKGMessageError) { return try inner.u16(field) } catch { throw ProtocolMessageError(error) }
    }
    mutating func u32(_ field: String) throws(ProtocolMessageError) -> UInt32 {
        do throws(DKGMessageError) { return try inner.u32(field) } catch { throw ProtocolMessageError(error) }
    }
    mutating func u64(_ field: String) throws(ProtocolMessageError) -> UInt64 {
        do throws(DKGMessageError) { return try inner.u64(field) } catch { throw ProtocolMessageError(error) }
    }
    mutating func variable(_ field: String, max: Int) throws(ProtocolMessageError) -> [UInt8] {
        do throws(DKGMessageError) { return try inner.variable(field, max: max) } catch { throw ProtocolMessageError(error) }
    }
    mutating func g1(_ field: String) throws(ProtocolMessageError) -> G1Affine {
        do throws(DKGMessageError) { return try inner.g1(field) } catch { throw ProtocolMessageError(error) }
    }
    mutating func scalar(_ field: String) throws(ProtocolMessageError) -> Fr {
        do throws(DKGMessageError) { return try inner.scalar(field) } catch { throw ProtocolMessageError(error) }
    }
    func finish(_ what: String) throws(ProtocolMessageError) {
        do throws(DKGMessageError) { try inner.finish(what) } catch { throw ProtocolMessageError(error) }
    }
    /// A member index from `allowed`.
    mutating func member(_ field: String, in allowed: Set<MemberIndex>) throws(ProtocolMessageError) -> MemberIndex {
        let v = try u32(field)
        guard let m = try? MemberIndex(Int(v)), allowed.contains(m) else { throw .malformed("\(field): \(v) is not a member it may name") }
        return m
    }
}

// MARK: - Bodies

/// Round 1 body:
///   u16 K; per key: u16 c, c × 48-byte compressed G1 (Feldman commitments, c = degree + 1);
///   u32 m; per recipient in roster order: u32 index, 24-byte nonce, u32 length (= 16 + 32K),
///   `crypto_box_easy` from dealer to recipient of the K sub-shares (32-byte scalars).
struct DealingBody: Equatable, Sendable {
    struct SealedSubShares: Equatable, Sendable {
        let recipient: MemberIndex
        let nonce: [UInt8]
        let box: [UInt8]
    }
    let commitments: [FeldmanCommitment]
    let boxes: [SealedSubShares]

    init(commitments: [FeldmanCommitment], boxes: [SealedSubShares]) {
        self.commitments = commitments
        self.boxes = boxes
    }

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u16(UInt16(commitments.count))
        for c in commitments {
            w.u16(UInt16(c.coefficients.count))
            for p in c.coefficients { w.fixed(p.compressed()) }
        }
        w.u32(UInt32(boxes.count))
        for b in boxes {
            w.u32(b.recipient.value)
            w.fixed(b.nonce)
            w.variable(b.box)
        }
        return w.bytes
    }

    init(decoding bytes: [UInt8], keyCount: Int, coefficients: Int, recipients: [MemberIndex]) throws(ProtocolMessageError) {
        var r = BodyReader(bytes)
        let k = Int(try r.u16("key count"))
        guard k == keyCount else { throw .malformed("dealing has \(k) keys, the ceremony \(keyCount)") }
        var commitments: [FeldmanCommitment] = []
        for key in 0..<keyCount {
            let count = Int(try r.u16("commitment count"))
            guard count == coefficients else { throw .malformed("key \(key): \(count) commitments, expected \(coefficients)") }
            var points: [G1Affine] = []
            for l in 0..<count { points.append(try r.g1("key \(key) commitment \(l)")) }
            commitments.append(FeldmanCommitment(coefficients: points))
        }
        let m = Int(try r.u32("recipient count"))
        guard m == recipients.count else { throw .malformed("dealing has \(m) boxes for \(recipients.count) recipients") }
        let boxCount = BoxKey.overheadByteCount + 32 * keyCount
        var boxes: [SealedSubShares] = []
        for j in recipients {
            let index = try r.u32("recipient")
            guard index == j.value else { throw .malformed("box for recipient \(j) is addressed to \(index)") }
            let nonce = try r.fixed(BoxKey.nonceByteCount, "nonce")
            let box = try r.variable("box", max: boxCount)
            guard box.count == boxCount else { throw .malformed("box for member \(j) has \(box.count) bytes, expected \(boxCount)") }
            boxes.append(SealedSubShares(recipient: j, nonce: nonce, box: box))
        }
        try r.finish("dealing body")
        self.commitments = commitments
        self.boxes = boxes
    }
}

/// Round 2 body:
///   u32 d; per dealer in roster order: u8 0 (no dealing received) or u8 1 and the 32-byte hash;
///   u32 c; c strictly increasing u32 dealer indices complained about (sub-share missing or wrong).
struct EchoBody: Equatable, Sendable {
    /// Position p: the hash of the dealing received from the p-th dealer, or nil.
    let dealHashes: [[UInt8]?]
    let complaints: [MemberIndex]

    init(dealHashes: [[UInt8]?], complaints: [MemberIndex]) {
        self.dealHashes = dealHashes
        self.complaints = complaints
    }

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(dealHashes.count))
        for h in dealHashes {
            if let h { w.u8(1); w.fixed(h) } else { w.u8(0) }
        }
        w.u32(UInt32(complaints.count))
        for c in complaints { w.u32(c.value) }
        return w.bytes
    }

    init(decoding bytes: [UInt8], dealers: [MemberIndex]) throws(ProtocolMessageError) {
        var r = BodyReader(bytes)
        guard Int(try r.u32("dealer count")) == dealers.count else { throw .malformed("echo does not cover exactly \(dealers.count) dealers") }
        var hashes: [[UInt8]?] = []
        for d in dealers {
            switch try r.u8("status") {
            case 0: hashes.append(nil)
            case 1: hashes.append(try r.fixed(32, "dealing hash"))
            case let s: throw .malformed("dealer \(d): status \(s) is neither 0 nor 1")
            }
        }
        let count = Int(try r.u32("complaint count"))
        guard count <= dealers.count else { throw .malformed("\(count) complaints for \(dealers.count) dealers") }
        let allowed = Set(dealers)
        var complaints: [MemberIndex] = []
        for _ in 0..<count {
            let d = try r.member("complaint", in: allowed)
            guard complaints.last.map({ $0 < d }) ?? true else { throw .malformed("complaints must be strictly increasing") }
            complaints.append(d)
        }
        try r.finish("echo body")
        dealHashes = hashes
        self.complaints = complaints
    }
}

/// Round 3 body:
///   u32 a; a entries, strictly increasing accuser index: u32 accuser, K × 32-byte scalars (this
///   dealer's sub-shares for that accuser, now public);
///   u32 e; e evidence entries, each u32 length and a signed envelope of this ceremony (dealings
///   held when members disagreed; pairs of conflicting messages).
struct JustificationBody: Equatable, Sendable {
    struct Reveal: Equatable, Sendable {
        let accuser: MemberIndex
        let subShares: [Fr]
    }
    let reveals: [Reveal]
    let evidence: [[UInt8]]

    init(reveals: [Reveal], evidence: [[UInt8]]) {
        self.reveals = reveals
        self.evidence = evidence
    }

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(reveals.count))
        for r in reveals {
            w.u32(r.accuser.value)
            for s in r.subShares { w.fixed(s.bigEndianBytes) }
        }
        w.u32(UInt32(evidence.count))
        for e in evidence { w.variable(e) }
        return w.bytes
    }

    init(decoding bytes: [UInt8], keyCount: Int, recipients: [MemberIndex], rosterCount: Int) throws(ProtocolMessageError) {
        var r = BodyReader(bytes)
        let count = Int(try r.u32("reveal count"))
        guard count <= recipients.count else { throw .malformed("\(count) reveals for \(recipients.count) recipients") }
        let allowed = Set(recipients)
        var reveals: [Reveal] = []
        for _ in 0..<count {
            let a = try r.member("accuser", in: allowed)
            guard reveals.last.map({ $0.accuser < a }) ?? true else { throw .malformed("reveals must be for strictly increasing indices") }
            var shares: [Fr] = []
            for k in 0..<keyCount { shares.append(try r.scalar("revealed sub-share \(k)")) }
            reveals.append(Reveal(accuser: a, subShares: shares))
        }
        let evidenceCount = Int(try r.u32("evidence count"))
        guard evidenceCount <= 4 * rosterCount else { throw .malformed("\(evidenceCount) evidence entries") }
        var evidence: [[UInt8]] = []
        for _ in 0..<evidenceCount { evidence.append(try r.variable("evidence", max: ProtocolEnvelope.maximumBodyCount)) }
        try r.finish("justification body")
        self.reveals = reveals
        self.evidence = evidence
    }
}

/// Repair round 4 body: 24-byte nonce, u32 length (= 16 + 32K), `crypto_box_easy` from the
/// helper to the member being repaired of its K masked shares.
struct MaskedShareBody: Equatable, Sendable {
    let nonce: [UInt8]
    let box: [UInt8]

    init(nonce: [UInt8], box: [UInt8]) {
        self.nonce = nonce
        self.box = box
    }

    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.fixed(nonce)
        w.variable(box)
        return w.bytes
    }

    init(decoding bytes: [UInt8], keyCount: Int) throws(ProtocolMessageError) {
        var r = BodyReader(bytes)
        nonce = try r.fixed(BoxKey.nonceByteCount, "nonce")
        let boxCount = BoxKey.overheadByteCount + 32 * keyCount
        box = try r.variable("box", max: boxCount)
        guard box.count == boxCount else { throw .malformed("masked-share box has \(box.count) bytes, expected \(boxCount)") }
        try r.finish("masked-share body")
    }
}
