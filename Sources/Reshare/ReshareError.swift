import BLS12381
import Threshold

/// Why an old dealer (resharing) or a helper (share repair) was excluded. Blame is a returned
/// value: the ceremony layer decides what to do with it (report, slash, re-run without them).
public enum BlameReason: Equatable, Sendable, CustomStringConvertible {
    /// The dealer is not a member of the old committee (no public share is known for it).
    case notAnOldMember
    /// More than one dealing from the same dealer (equivocation or a replay): all are dropped.
    case duplicateDealing
    /// The dealing is for another epoch than the one being reshared into.
    case wrongEpoch(expected: UInt64, got: UInt64)
    /// The dealing's polynomial has the wrong degree: t_new commitments are expected.
    case wrongCommitmentCount(expected: Int, got: Int)
    /// D_i[0] ≠ the dealer's public share from the old committee: it reshared something that is
    /// not its share.
    case commitmentDoesNotMatchPublicShare
    /// No sub-share for this recipient in the dealing.
    case missingSubShare
    /// [s_i(j)]G1 ≠ D_i evaluated at j (Feldman check failed).
    case invalidSubShare
    /// Repair: the helper's [δ_i]G1 ≠ λ_i(r)·pk_i.
    case deltaCommitmentMismatch
    /// Repair: the helper's piece commitments do not sum to its [δ_i]G1, or one is missing.
    case pieceCommitmentsInconsistent
    /// Repair: the piece this helper sent does not match its published piece commitment.
    case invalidPiece
    /// Repair: the helper's partial sum σ_j does not match [σ_j]G1, or [σ_j]G1 is not the sum of
    /// the piece commitments it received.
    case invalidPartialSum
    /// Repair: the helper sent nothing it was required to send.
    case missingContribution
    /// No valid dealing from this dealer reached anyone before the round-1 deadline.
    case noDealingByDeadline
    /// Two different signed dealings from this dealer were produced as evidence (it sent
    /// different commitments to different members).
    case dealingEquivocation
    /// Members echoed different dealings from this dealer and nobody could produce a signed one.
    case inconsistentDealings
    /// Accused, and sent no justification.
    case unansweredComplaint(accuser: MemberIndex)
    /// The sub-share revealed for `accuser` is missing or does not match the commitments.
    case invalidJustification(accuser: MemberIndex)
    /// Echoed a hash for `dealer`'s dealing that no signed dealing has (framing a dealer).
    case falseEcho(dealer: MemberIndex)
    /// Two different signed messages of this kind were produced as evidence.
    case messageEquivocation(ProtocolMessageKind)
    /// Sent nothing in this round (recorded; disqualifies only when an answer was owed).
    case silent(ProtocolMessageKind)
    /// Repair: the helper's mask polynomial does not vanish at the repaired member's index.
    case maskDoesNotVanishAtTarget
    /// Repair: the helper's masked share does not match its public share plus the masks.
    case invalidMaskedShare

    public var description: String {
        switch self {
        case .notAnOldMember: "not a member of the old committee"
        case .duplicateDealing: "sent more than one dealing"
        case let .wrongEpoch(e, g): "dealing is for epoch \(g), expected \(e)"
        case let .wrongCommitmentCount(e, g): "dealing has \(g) commitments, expected \(e)"
        case .commitmentDoesNotMatchPublicShare: "commitment D[0] does not match its public share in the old committee"
        case .missingSubShare: "no sub-share for this member"
        case .invalidSubShare: "sub-share does not match its Feldman commitments"
        case .deltaCommitmentMismatch: "[δ]G1 does not match λ(r)·public share"
        case .pieceCommitmentsInconsistent: "piece commitments do not sum to [δ]G1"
        case .invalidPiece: "a piece does not match its commitment"
        case .invalidPartialSum: "partial sum σ does not match its commitments"
        case .missingContribution: "missing contribution"
        case .noDealingByDeadline: "no dealing by deadline"
        case .dealingEquivocation: "equivocation: two different signed dealings (commitments differ between members)"
        case .inconsistentDealings: "members received different dealings and no signed dealing was produced"
        case .unansweredComplaint(let a): "did not answer the complaint of member \(a)"
        case .invalidJustification(let a): "revealed sub-share for member \(a) does not match the commitments"
        case .falseEcho(let d): "echoed a dealing from member \(d) that nobody can produce"
        case .messageEquivocation(let k): "equivocation: two different signed \(k) messages"
        case .silent(let k): "silent: no \(k) message by deadline"
        case .maskDoesNotVanishAtTarget: "mask polynomial does not vanish at the repaired member's index"
        case .invalidMaskedShare: "masked share does not match its public share and the masks"
        }
    }
}

/// One blamed member and why.
public struct Blame: Equatable, Sendable, CustomStringConvertible {
    public let index: MemberIndex
    public let reason: BlameReason
    public init(index: MemberIndex, reason: BlameReason) {
        self.index = index
        self.reason = reason
    }
    public var description: String { "member \(index): \(reason)" }
}

/// Why a resharing or a repair was refused.
public enum ReshareError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The new committee's indices are not `members` distinct indices.
    case invalidNewCommittee(String)
    /// A parameter is inconsistent (threshold, helper set, …).
    case invalidParameters(String)
    /// Fewer than t_old dealers passed every check; names who failed and why.
    case notEnoughValidDealers(needed: Int, valid: Int, blame: [Blame])
    /// Σ λ_i D_i[0] ≠ the old group key: the old public shares given do not belong to that key.
    case groupKeyMismatch
    /// The resulting share does not match the resulting public share (a bug, reported).
    case internalInconsistency(String)
    /// Repair: fewer helpers than the threshold.
    case notEnoughHelpers(needed: Int, got: Int)
    /// Repair: the recovered share does not match the member's public share; names the
    /// helpers whose contributions are inconsistent (may be empty if no single one is at fault).
    case repairFailed(blame: [Blame])
    /// Repair: a helper found pieces that do not match their commitments.
    case invalidPieces(blame: [Blame])

    public var description: String {
        func names(_ b: [Blame]) -> String { b.isEmpty ? "" : "; " + b.map(\.description).joined(separator: "; ") }
        switch self {
        case .invalidNewCommittee(let why): return "new committee: \(why)"
        case .invalidParameters(let why): return why
        case let .notEnoughValidDealers(n, v, b): return "need \(n) valid old dealers, have \(v)\(names(b))"
        case .groupKeyMismatch: return "the reshared group key differs from the old group key"
        case .internalInconsistency(let why): return "internal: \(why)"
        case let .notEnoughHelpers(n, g): return "need \(n) helpers, got \(g)"
        case .repairFailed(let b): return "the repaired share does not match the member's public share\(names(b))"
        case .invalidPieces(let b): return "received invalid repair pieces\(names(b))"
        }
    }
}
