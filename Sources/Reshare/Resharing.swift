import BLS12381
import Primitives
import Threshold

/// One old member's resharing message: a fresh degree-(t_new − 1) sharing of its own share s_i.
///
/// `commitments` (D_i) are public and broadcast to the whole new committee; `subShares[j]` is
/// for new member j only. In this pure module the sub-shares are plain `SealedScalar`s;
/// encrypting each to its recipient and signing the message with the dealer's identity key is
/// the ceremony layer's job (see docs/PROTOCOLS.md, "Resharing").
public struct ReshareDealing: Sendable {
    /// The old member i that dealt this (its old index).
    public let dealer: MemberIndex
    /// The epoch being reshared *into* (old epoch + 1).
    public let epoch: UInt64
    /// D_i = [a_0]G1, …, [a_{t_new−1}]G1 with a_0 = s_i.
    public let commitments: FeldmanCommitment
    /// s_i(j) for each new member j.
    public let subShares: [MemberIndex: SealedScalar]

    public init(dealer: MemberIndex, epoch: UInt64, commitments: FeldmanCommitment, subShares: [MemberIndex: SealedScalar]) {
        self.dealer = dealer
        self.epoch = epoch
        self.commitments = commitments
        self.subShares = subShares
    }
}

/// What a new member obtains from a resharing.
public struct ReshareOutcome: ~Copyable, Sendable {
    /// The member's new share s'_j for `epoch`.
    public let share: SecretShare
    /// pk'_j for every member of the new committee.
    public let publicShares: [MemberIndex: PublicKey]
    /// The combined commitment Σ λ_i D_i; its constant term is the group key.
    public let commitment: FeldmanCommitment
    /// The group key: unchanged by construction, and checked.
    public let groupKey: PublicKey
    /// Old epoch + 1.
    public let epoch: UInt64
    /// The t_old dealers whose sub-shares were combined (lowest valid indices).
    public let dealersUsed: [MemberIndex]
    /// Dealers excluded, and why.
    public let blame: [Blame]
}

/// Proactive resharing to a new committee (Desmedt & Jajodia, "Redistributing secret shares
/// to new access structures and its applications", GMU tech. report ISSE-TR-97-01, 1997;
/// verifiable with Feldman commitments as in Wong, Wang & Wing, "Verifiable secret
/// redistribution for archive systems", IEEE SISW 2002).
///
/// The old sharing f has degree t_old − 1 and f(0) = s. Each old member i ∈ S (|S| ≥ t_old)
/// deals g_i of degree t_new − 1 with g_i(0) = s_i = f(i). New member j computes
/// s'_j = Σ_{i∈T} λ_i g_i(j) over a canonical T ⊆ S, |T| = t_old, λ_i Lagrange at 0 over T. Then
/// g = Σ λ_i g_i has degree t_new − 1 and g(0) = Σ λ_i f(i) = f(0) = s: same key, new shares,
/// new threshold, and old and new shares lie on unrelated polynomials.
public enum Resharing {
    /// Old member i's dealing.
    /// - Parameters:
    ///   - oldShare: s_i with its old index (the dealer's identity in the dealing).
    ///   - newEpoch: the epoch being reshared into (old epoch + 1).
    ///   - newParameters: (t_new, n_new).
    ///   - newIndices: the new committee, exactly `newParameters.members` distinct indices.
    ///   - randomScalar: the source of the polynomial's random coefficients.
    /// - Throws: `ReshareError.invalidNewCommittee`.
    public static func deal(
        oldShare: borrowing SecretShare, newEpoch: UInt64, newParameters: ThresholdParameters,
        newIndices: [MemberIndex], randomScalar: () -> Fr
    ) throws(ReshareError) -> ReshareDealing {
        try validate(newIndices: newIndices, parameters: newParameters)
        var coefficients = [Fr]()
        coefficients.reserveCapacity(newParameters.threshold)
        coefficients.append(oldShare.key.withScalar { $0 })
        for _ in 1..<newParameters.threshold { coefficients.append(randomScalar()) }
        defer { for k in coefficients.indices { coefficients[k] = .zero } }
        // The coefficients are secret: constant-time scalar multiplication.
        let g = G1Projective(G1Affine.generator)
        let commitments = FeldmanCommitment(coefficients: coefficients.map { g.multiplied(by: $0).affine })
        var subShares: [MemberIndex: SealedScalar] = [:]
        for j in newIndices {
            let x = j.scalar
            var y = Fr.zero
            for c in coefficients.reversed() { y = y * x + c }
            subShares[j] = SealedScalar(y)
        }
        return ReshareDealing(dealer: oldShare.index, epoch: newEpoch, commitments: commitments, subShares: subShares)
    }

    /// New member j's side: checks every dealing, excludes and blames bad dealers, combines a
    /// canonical set of t_old valid ones, and checks the group key is unchanged.
    ///
    /// **Agreement on the dealer set.** D_i[0] and the commitment degree are public, so every
    /// honest new member reaches the same verdict on them; a bad *sub-share* is seen only by its
    /// recipient. In a real network each new member broadcasts its complaints (with the
    /// decrypted sub-share as evidence, as in the DKG's complaint round); the qualified set is
    /// the dealers with no upheld complaint, agreed through the broadcast, and every member then
    /// passes it as `qualifiedDealers`. The t_old lowest indices of that set are used: a
    /// deterministic rule on an agreed set, so all honest new members combine the same dealers
    /// and their shares lie on one polynomial. Without `qualifiedDealers` the local valid set
    /// is used (correct when all dealers behave the same towards everyone, as in tests).
    ///
    /// - Parameters:
    ///   - newIndex: this member's index j in the new committee.
    ///   - dealings: what arrived (any order; duplicates are blamed).
    ///   - oldPublicShares: pk_i for the old committee (from its Feldman commitment).
    ///   - oldThreshold: t_old.
    ///   - oldGroupKey: the group key; the result must equal it.
    ///   - oldEpoch: the epoch of the old shares; dealings must carry oldEpoch + 1.
    ///   - newParameters: (t_new, n_new).
    ///   - newIndices: the new committee.
    ///   - qualifiedDealers: the agreed qualified set, when the ceremony has run a complaint round.
    /// - Throws: `ReshareError.notEnoughValidDealers` (with blame), `.groupKeyMismatch`,
    ///   `.invalidNewCommittee`, `.invalidParameters`.
    public static func receive(
        newIndex: MemberIndex, dealings: [ReshareDealing], oldPublicShares: [MemberIndex: PublicKey],
        oldThreshold: Int, oldGroupKey: PublicKey, oldEpoch: UInt64,
        newParameters: ThresholdParameters, newIndices: [MemberIndex],
        qualifiedDealers: Set<MemberIndex>? = nil
    ) throws(ReshareError) -> ReshareOutcome {
        try validate(newIndices: newIndices, parameters: newParameters)
        guard newIndices.contains(newIndex) else {
            throw .invalidNewCommittee("member \(newIndex) is not in the new committee")
        }
        guard oldThreshold >= 1, oldThreshold <= oldPublicShares.count else {
            throw .invalidParameters("old threshold \(oldThreshold) with \(oldPublicShares.count) old public shares")
        }
        let newEpoch = oldEpoch &+ 1
        var blame: [Blame] = []
        var counts: [MemberIndex: Int] = [:]
        for d in dealings { counts[d.dealer, default: 0] += 1 }
        var valid: [(dealer: MemberIndex, commitments: FeldmanCommitment, subShare: SealedScalar)] = []
        for (dealer, count) in counts.sorted(by: { $0.key < $1.key }) {
            let d = dealings.first { $0.dealer == dealer }!
            func reject(_ r: BlameReason) { blame.append(Blame(index: dealer, reason: r)) }
            if let q = qualifiedDealers, !q.contains(dealer) { continue }
            guard count == 1 else { reject(.duplicateDealing); continue }
            guard let pk = oldPublicShares[dealer] else { reject(.notAnOldMember); continue }
            guard d.epoch == newEpoch else { reject(.wrongEpoch(expected: newEpoch, got: d.epoch)); continue }
            guard d.commitments.threshold == newParameters.threshold else {
                reject(.wrongCommitmentCount(expected: newParameters.threshold, got: d.commitments.threshold)); continue
            }
            guard d.commitments.groupKey == pk.point else { reject(.commitmentDoesNotMatchPublicShare); continue }
            guard let sub = d.subShares[newIndex] else { reject(.missingSubShare); continue }
            guard sub.commitment == d.commitments.evaluate(at: newIndex) else { reject(.invalidSubShare); continue }
            valid.append((dealer, d.commitments, sub))
        }
        guard valid.count >= oldThreshold else {
            throw .notEnoughValidDealers(needed: oldThreshold, valid: valid.count, blame: blame)
        }
        let chosen = Array(valid.prefix(oldThreshold))  // already sorted by dealer index
        let lambdas: [Fr]
        do { lambdas = try Lagrange.coefficientsAtZero(chosen.map(\.dealer)) } catch {
            throw .internalInconsistency(error.description)
        }
        // s'_j = Σ λ_i s_i(j): constant time in the sub-shares.
        var s = Fr.zero
        for (k, c) in chosen.enumerated() { s = s + c.subShare.withScalar { lambdas[k] * $0 } }
        defer { s = .zero }
        // Combined commitment C_k = Σ_i λ_i D_i[k] (public data: variable time).
        var combined: [G1Affine] = []
        for k in 0..<newParameters.threshold {
            combined.append(multiScalarMultiplyVartime(points: chosen.map { $0.commitments.coefficients[k] }, scalars: lambdas).affineVartime)
        }
        let commitment = FeldmanCommitment(coefficients: combined)
        guard commitment.groupKey == oldGroupKey.point else { throw .groupKeyMismatch }
        var publicShares: [MemberIndex: PublicKey] = [:]
        for j in newIndices {
            do { publicShares[j] = try PublicKey(point: commitment.evaluate(at: j).affineVartime) } catch {
                throw .internalInconsistency("new public share of member \(j) is not a valid key")
            }
        }
        let key: SecretKey
        do { key = try SecretKey(scalar: s) } catch { throw .internalInconsistency("new share is zero") }
        let share = SecretShare(index: newIndex, key: key)
        guard share.publicShare == publicShares[newIndex] else {
            throw .internalInconsistency("new share does not match the new public share")
        }
        return ReshareOutcome(share: share, publicShares: publicShares, commitment: commitment, groupKey: oldGroupKey,
                              epoch: newEpoch, dealersUsed: chosen.map(\.dealer), blame: blame)
    }

    static func validate(newIndices: [MemberIndex], parameters: ThresholdParameters) throws(ReshareError) {
        guard newIndices.count == parameters.members else {
            throw .invalidNewCommittee("\(newIndices.count) indices for \(parameters.members) members")
        }
        var seen = Set<MemberIndex>()
        for j in newIndices where !seen.insert(j).inserted { throw .invalidNewCommittee("member \(j) appears twice") }
    }
}
