import BLS12381
import Primitives
import Threshold

/// Why a DKG call was refused (configuration, phase order, internal consistency).
/// A ceremony that ends without enough qualified dealers is not an error: see `DKGFailure`.
public enum DKGError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The call does not fit the participant's phase.
    case wrongPhase(String)
    /// A check that honest code always passes failed (a bug, reported rather than hidden).
    case internalInconsistency(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "invalid DKG configuration: \(why)"
        case .wrongPhase(let why): "wrong phase: \(why)"
        case .internalInconsistency(let why): "internal inconsistency: \(why)"
        }
    }
}

/// A roster entry: the member's index and its long-term identity keys.
public struct MemberIdentity: Sendable, Hashable {
    public let index: MemberIndex
    /// Verifies the member's message signatures.
    public let signingKey: SigningPublicKey
    /// Receives the member's encrypted shares.
    public let encryptionKey: BoxPublicKey

    public init(index: MemberIndex, signingKey: SigningPublicKey, encryptionKey: BoxPublicKey) {
        self.index = index
        self.signingKey = signingKey
        self.encryptionKey = encryptionKey
    }
}

/// Everything the members agree on before the ceremony: session, epoch, (t, n), the roster and
/// the K independent keys to generate (each named by a domain-separating context, e.g.
/// "validator/0", "validator/1", "ballot").
public struct DKGConfiguration: Sendable {
    public let sessionID: SessionID
    public let epoch: UInt64
    public let parameters: ThresholdParameters
    /// Members 1…n in order: `roster[i - 1].index == i`.
    public let roster: [MemberIdentity]
    /// One context per key generated; distinct, non-empty, at most 255 bytes each.
    public let keyContexts: [[UInt8]]

    /// The number of keys generated in this ceremony (K).
    public var keyCount: Int { keyContexts.count }

    /// - Throws: `DKGError.invalidConfiguration` when the roster is not members 1…n in order,
    ///   identity keys repeat, or the contexts are empty, repeated or too long.
    public init(sessionID: SessionID, epoch: UInt64, parameters: ThresholdParameters,
                roster: [MemberIdentity], keyContexts: [[UInt8]] = [Array("validator".utf8)]) throws(DKGError) {
        guard parameters.members >= 2 else { throw .invalidConfiguration("a ceremony needs at least 2 members") }
        guard roster.count == parameters.members else {
            throw .invalidConfiguration("roster has \(roster.count) members, parameters say \(parameters.members)")
        }
        for (i, m) in roster.enumerated() where Int(m.index.value) != i + 1 {
            throw .invalidConfiguration("roster entry \(i + 1) has index \(m.index)")
        }
        guard Set(roster.map(\.signingKey)).count == roster.count, Set(roster.map(\.encryptionKey)).count == roster.count else {
            throw .invalidConfiguration("two members share an identity key")
        }
        guard !keyContexts.isEmpty, keyContexts.count <= Int(UInt16.max) else {
            throw .invalidConfiguration("need between 1 and 65535 key contexts, got \(keyContexts.count)")
        }
        guard Set(keyContexts).count == keyContexts.count,
              keyContexts.allSatisfy({ !$0.isEmpty && $0.count <= 255 }) else {
            throw .invalidConfiguration("key contexts must be distinct and 1…255 bytes long")
        }
        self.sessionID = sessionID
        self.epoch = epoch
        self.parameters = parameters
        self.roster = roster
        self.keyContexts = keyContexts
    }

    /// SHA-256 over the canonical encoding of the whole configuration (first item of the
    /// ceremony transcript).
    public var digest: [UInt8] {
        var t = Transcript(domain: "vring/dkg/v1/configuration")
        t.append("session", sessionID.bytes)
        t.append("epoch", u64: epoch)
        t.append("threshold", u64: UInt64(parameters.threshold))
        t.append("members", u64: UInt64(parameters.members))
        for m in roster {
            t.append("member", u64: UInt64(m.index.value))
            t.append("signing key", m.signingKey.bytes)
            t.append("encryption key", m.encryptionKey.bytes)
        }
        for c in keyContexts { t.append("key context", c) }
        return t.digest()
    }
}

/// What a member did wrong, or where it fell silent.
public enum BlameReason: Sendable, Equatable, CustomStringConvertible {
    /// No valid deal from this dealer reached anyone before the round-1 deadline.
    case noDealByDeadline
    /// Two different deals signed by this dealer were produced as evidence.
    case dealEquivocation
    /// Members echoed different deals from this dealer and nobody could produce a signed one.
    case inconsistentDeals
    /// The Schnorr proof of knowledge of the constant term for key `key` does not verify.
    case invalidProofOfKnowledge(key: Int)
    /// Accused, and sent no justification.
    case unansweredComplaint(accuser: MemberIndex)
    /// The share revealed for `accuser` is missing or does not match the commitments.
    case invalidJustification(accuser: MemberIndex)
    /// Echoed a hash for `dealer`'s deal that no signed deal has (a member trying to frame a dealer).
    case falseEcho(dealer: MemberIndex)
    /// Two different signed messages of this kind were produced as evidence.
    case messageEquivocation(MessageKind)
    /// Sent nothing in this round (recorded; disqualifies only when an answer was owed).
    case silent(MessageKind)
    /// A commitment of key `key` is a curve point outside the order-r subgroup G1.
    case commitmentOutsideSubgroup(key: Int)

    public var description: String {
        switch self {
        case .noDealByDeadline: "no commitments by deadline"
        case .dealEquivocation: "equivocation: two different signed deals (commitment hashes differ between members)"
        case .inconsistentDeals: "members received different deals and no signed deal was produced"
        case .invalidProofOfKnowledge(let k): "invalid proof of knowledge of the constant term (key \(k))"
        case .unansweredComplaint(let a): "did not answer the complaint of member \(a)"
        case .invalidJustification(let a): "revealed share for member \(a) does not match the commitments"
        case .falseEcho(let d): "echoed a deal from member \(d) that nobody can produce"
        case .messageEquivocation(let k): "equivocation: two different signed \(k) messages"
        case .silent(let k): "silent: no \(k) message by deadline"
        case .commitmentOutsideSubgroup(let k): "a commitment of key \(k) is outside the subgroup G1"
        }
    }

    var code: UInt8 {
        switch self {
        case .noDealByDeadline: 1
        case .dealEquivocation: 2
        case .inconsistentDeals: 3
        case .invalidProofOfKnowledge: 4
        case .unansweredComplaint: 5
        case .invalidJustification: 6
        case .falseEcho: 7
        case .messageEquivocation: 8
        case .silent: 9
        case .commitmentOutsideSubgroup: 10
        }
    }
}

/// One blame entry: who, why, and whether it cost the member its place in QUAL.
public struct Blame: Sendable, Equatable, CustomStringConvertible {
    public let member: MemberIndex
    public let reason: BlameReason
    /// True when the member's deal is excluded from the key.
    public let disqualified: Bool

    public init(member: MemberIndex, reason: BlameReason, disqualified: Bool) {
        self.member = member
        self.reason = reason
        self.disqualified = disqualified
    }

    public var description: String { "member \(member): \(reason)\(disqualified ? " (disqualified)" : "")" }
}

/// One generated key as every member sees it.
public struct DKGKeyOutput: Sendable, Equatable {
    public let context: [UInt8]
    /// Σ_{j ∈ QUAL} C_{j,0}.
    public let groupPublicKey: PublicKey
    /// Σ_{j ∈ QUAL} C_j: the Feldman commitment to the joint sharing polynomial.
    public let commitment: FeldmanCommitment
    /// Index i - 1: member i's public share [s_i]G1 = Σ_j C_j(i).
    public let publicShares: [PublicKey]
}

/// The public result of a successful ceremony: identical for all honest members.
public struct DKGPublicOutput: Sendable, Equatable {
    public let keys: [DKGKeyOutput]
    /// Dealers whose polynomials make up the key, ascending.
    public let qualified: [MemberIndex]
    public let blame: [Blame]
    /// SHA-256 over the canonical encoding of everything that determined the output.
    public let transcriptHash: [UInt8]
}

/// A ceremony that ended without t qualified dealers, with the blame that led there.
public struct DKGFailure: Sendable, Equatable, CustomStringConvertible {
    public let qualified: [MemberIndex]
    public let needed: Int
    public let blame: [Blame]
    public let transcriptHash: [UInt8]

    public var description: String {
        "only \(qualified.count) qualified dealer(s), need \(needed): " + blame.map(\.description).joined(separator: "; ")
    }
}

/// A member's secret shares of the K keys, in secure memory; handed out once.
public struct DKGSecretShares: ~Copyable, Sendable {
    public let index: MemberIndex
    public let keyCount: Int
    private let storage: SecureBytes

    init(index: MemberIndex, storage: consuming SecureBytes, keyCount: Int) {
        self.index = index
        self.storage = storage
        self.keyCount = keyCount
    }

    /// The share of key `key` (0-based, in the order of `keyContexts`).
    /// - Throws: `DKGError.internalInconsistency` for a zero share (probability ~n/r).
    public func share(key: Int) throws(DKGError) -> SecretShare {
        precondition(key >= 0 && key < keyCount, "key index out of range")
        let s = storage.scalar(at: key)
        do { return SecretShare(index: index, key: try SecretKey(scalar: s)) } catch {
            throw .internalInconsistency("secret share is zero")
        }
    }
}

extension SecureBytes {
    /// The canonical big-endian scalar in 32-byte slot `slot`.
    func scalar(at slot: Int) -> Fr {
        withUnsafeBytes { Fr(bigEndian: UnsafeRawBufferPointer(rebasing: $0[(32 * slot)..<(32 * slot + 32)]))! }
    }
    /// Writes `value` into 32-byte slot `slot`, wiping the temporary encoding.
    mutating func setScalar(_ value: Fr, at slot: Int) {
        var bytes = value.bigEndianBytes
        withUnsafeMutableBytes { dst in
            for i in 0..<32 { dst[32 * slot + i] = bytes[i] }
        }
        bytes.withUnsafeMutableBytes { secureZero($0) }
    }
}
