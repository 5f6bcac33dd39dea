import BLS12381
import DKG
import Primitives

// Every ceremony message travels in a signed, versioned envelope:
//
//     u8 version (1) ‖ u8 kind ‖ 32-byte session ‖ u64 epoch ‖ u32 sender ‖ u32 length ‖ body ‖ 64-byte Ed25519 signature
//
// The signature covers a labelled transcript of every header field and the body. A receiver
// checks, in this order: length limits and canonical layout, version, session (a message from
// another ceremony, e.g. replayed from an earlier one, is refused here), epoch, that the sender
// is a member and the link it came over is that member's (or a relay forwarding it intact),
// and the signature. Protocol bodies inside (DKG messages) carry their own checks too.

/// What a ceremony message is.
public enum EnvelopeKind: UInt8, Sendable, CustomStringConvertible, CaseIterable {
    /// A DKG protocol message (deal, echo, justification), itself signed.
    case dkg = 1
    /// Partial signatures over the deposit messages or a signing request.
    case partialSignatures = 2
    /// A member's signature over the lock hash.
    case lockSignature = 3
    /// The sender has written its files and is leaving.
    case done = 4
    /// Verification ceremony: a fresh challenge for one member.
    case challenge = 5
    /// Verification ceremony: the answer to a challenge.
    case challengeResponse = 6
    /// Verification ceremony: ping / pong for round-trip times.
    case ping = 7
    case pong = 8
    /// Verification ceremony: a member's signed measurements.
    case verificationReport = 9
    /// Resharing: an old member's dealing (commitments and encrypted sub-shares).
    case reshareDealing = 10
    /// Resharing: a new member's complaints about dealings.
    case reshareComplaints = 11
    /// Resharing: a new member confirms the new epoch (old shares may then be erased).
    case reshareConfirm = 12
    /// Share repair: a helper's encrypted pieces for the other helpers / the sum for the target.
    case repairPieces = 13
    case repairSum = 14
    /// Signing node: a validator client's request, relayed to every node.
    case dutyRequest = 20
    /// Signing node: a consensus message about a duty.
    case consensus = 21
    /// Signing node: a partial signature over a decided duty.
    case dutyPartial = 22
    /// Voting: a member's ballot (or an empty body: present, abstaining).
    case ballot = 23
    /// Voting: a mixer's shuffle with its proof.
    case mix = 24
    /// Voting: a member's partial decryptions with their proof.
    case decryptionShare = 25

    public var description: String {
        switch self {
        case .dkg: "DKG message"
        case .partialSignatures: "partial signatures"
        case .lockSignature: "lock signature"
        case .done: "done"
        case .challenge: "challenge"
        case .challengeResponse: "challenge response"
        case .ping: "ping"
        case .pong: "pong"
        case .verificationReport: "verification report"
        case .reshareDealing: "reshare dealing"
        case .reshareComplaints: "reshare complaints"
        case .reshareConfirm: "reshare confirmation"
        case .repairPieces: "repair pieces"
        case .repairSum: "repair sum"
        case .dutyRequest: "duty request"
        case .consensus: "consensus message"
        case .dutyPartial: "duty partial signature"
        case .ballot: "ballot"
        case .mix: "mix"
        case .decryptionShare: "decryption share"
        }
    }
}

/// Why an incoming message was refused.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    /// From another ceremony (a replay from an earlier one, or a misconfigured peer).
    case wrongSession
    case wrongEpoch(expected: UInt64, got: UInt64)
    case unknownSender(UInt32)
    case badSignature(sender: UInt32)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed message: \(why)"
        case .unsupportedVersion(let v): "message version \(v) is not supported"
        case .unknownKind(let k): "unknown message kind \(k)"
        case .wrongSession: "message belongs to another ceremony (replayed or misrouted)"
        case let .wrongEpoch(expected, got): "message for epoch \(got), this ceremony is epoch \(expected)"
        case .unknownSender(let s): "sender \(s) is not a member of this ceremony"
        case .badSignature(let s): "the signature of member \(s) does not verify"
        }
    }
}

/// A verified (or freshly signed) ceremony message.
public struct Envelope: Sendable, Equatable {
    public static let version: UInt8 = 1
    /// Largest body accepted (a 1000-member deal stays well below).
    public static let maximumBodyBytes = 8 << 20

    public let kind: EnvelopeKind
    public let session: [UInt8]
    public let epoch: UInt64
    public let sender: UInt32
    public let body: [UInt8]
    public let encoded: [UInt8]

    static func signedPayload(kind: EnvelopeKind, session: [UInt8], epoch: UInt64, sender: UInt32, body: [UInt8]) -> [UInt8] {
        var t = Transcript(domain: "vring/ceremony-message/v1")
        t.append("version", [version]); t.append("kind", [kind.rawValue]); t.append("session", session)
        t.append("epoch", u64: epoch); t.append("sender", u64: UInt64(sender)); t.append("body", body)
        return t.digest()
    }

    /// Signs a new message.
    public init(kind: EnvelopeKind, session: [UInt8], epoch: UInt64, sender: UInt32, body: [UInt8], key: borrowing SigningKey) {
        precondition(session.count == 32)
        self.kind = kind; self.session = session; self.epoch = epoch; self.sender = sender; self.body = body
        var w = ByteWriter()
        w.u8(Self.version); w.u8(kind.rawValue); w.fixed(session); w.u64(epoch); w.u32(sender); w.variable(body)
        w.fixed(key.sign(Self.signedPayload(kind: kind, session: session, epoch: epoch, sender: sender, body: body)))
        encoded = w.bytes
    }

    /// Decodes and verifies a message for this ceremony.
    public init(decoding bytes: [UInt8], session: [UInt8], epoch: UInt64, keys: [UInt32: SigningPublicKey]) throws(EnvelopeError) {
        var r = ByteReader(bytes)
        do {
            let version = try r.u8("version")
            guard version == Self.version else { throw EnvelopeError.unsupportedVersion(version) }
            let rawKind = try r.u8("kind")
            guard let kind = EnvelopeKind(rawValue: rawKind) else { throw EnvelopeError.unknownKind(rawKind) }
            let s = try r.fixed(32, "session")
            let e = try r.u64("epoch")
            let sender = try r.u32("sender")
            let body = try r.variable("body", max: Self.maximumBodyBytes)
            let signature = try r.fixed(64, "signature")
            try r.finish("message")
            guard s == session else { throw EnvelopeError.wrongSession }
            guard e == epoch else { throw EnvelopeError.wrongEpoch(expected: epoch, got: e) }
            guard let key = keys[sender] else { throw EnvelopeError.unknownSender(sender) }
            guard key.isValidSignature(signature, for: Self.signedPayload(kind: kind, session: s, epoch: e, sender: sender, body: body)) else {
                throw EnvelopeError.badSignature(sender: sender)
            }
            (self.kind, self.session, self.epoch, self.sender, self.body, self.encoded) = (kind, s, e, sender, body, bytes)
        } catch let e as EnvelopeError { throw e } catch { throw .malformed("\(error)") }
    }
}
