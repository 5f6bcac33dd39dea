import BLS12381
import Primitives
import Threshold

/// A helper's first-round message in share repair. `deltaCommitment` and `pieceCommitments`
/// are public (broadcast); `pieces[j]` goes to helper j only (encrypted by the ceremony layer).
public struct RepairDealing: Sendable {
    public let helper: MemberIndex
    /// The member being repaired.
    public let target: MemberIndex
    /// [δ_i]G1 with δ_i = λ_i(r)·s_i.
    public let deltaCommitment: G1Affine
    /// [piece_{i→j}]G1 for each helper j.
    public let pieceCommitments: [MemberIndex: G1Affine]
    /// piece_{i→j}: random additive pieces of δ_i, one per helper.
    public let pieces: [MemberIndex: SealedScalar]

    public init(helper: MemberIndex, target: MemberIndex, deltaCommitment: G1Affine,
                pieceCommitments: [MemberIndex: G1Affine], pieces: [MemberIndex: SealedScalar]) {
        self.helper = helper
        self.target = target
        self.deltaCommitment = deltaCommitment
        self.pieceCommitments = pieceCommitments
        self.pieces = pieces
    }
}

/// A helper's second-round message to the member being repaired: σ_j (secret, for r only)
/// and [σ_j]G1.
public struct RepairSum: Sendable {
    public let helper: MemberIndex
    public let sum: SealedScalar
    public let sumCommitment: G1Affine
    public init(helper: MemberIndex, sum: SealedScalar, sumCommitment: G1Affine) {
        self.helper = helper
        self.sum = sum
        self.sumCommitment = sumCommitment
    }
}

/// Share repair (enrollment): member r, who lost its share, gets s_r = f(r) back from t helpers
/// without any helper learning s_r or another helper's share, and without changing the group
/// key or any other share.
///
/// The simple enrollment protocol of Laing & Stinson, "A survey and refinement of repairable
/// threshold schemes", J. Math. Cryptology 12(1), 2018, §3 (after Nojoumian et al. 2010):
/// 1. Helper i ∈ H computes δ_i = λ_i(r)·s_i (Lagrange basis at r over H), so Σ δ_i = f(r);
///    it splits δ_i into |H| random additive pieces and sends piece_{i→j} to each helper j.
/// 2. Helper j sums what it received, σ_j = Σ_i piece_{i→j}, and sends σ_j to r.
/// 3. r computes s_r = Σ_j σ_j.
/// Each σ_j is masked by the other helpers' random pieces, so r learns only s_r and a coalition
/// of fewer than all helpers learns nothing about δ of an honest helper beyond what public
/// shares reveal. Verifiability (our addition, as suggested in the paper's discussion of
/// dishonest participants): helpers publish [δ_i]G1 (checkable against λ_i(r)·pk_i),
/// [piece]G1 per piece and [σ_j]G1, which localises any lie to one helper.
public enum ShareRepair {
    /// λ_i(r) = Π_{j≠i} (r − x_j)/(x_i − x_j) over the helper set. Public data.
    public static func coefficients(at target: MemberIndex, helpers: [MemberIndex]) throws(ReshareError) -> [Fr] {
        try validate(target: target, helpers: helpers, threshold: helpers.count)
        let r = target.scalar
        let xs = helpers.map(\.scalar)
        var num = [Fr](repeating: .one, count: xs.count)
        var den = [Fr](repeating: .one, count: xs.count)
        for i in xs.indices {
            for j in xs.indices where j != i {
                num[i] = num[i] * (r - xs[j])
                den[i] = den[i] * (xs[i] - xs[j])
            }
        }
        return zip(num, Fr.batchInverseVartime(den)).map { $0 * $1 }
    }

    /// Round 1, at helper i.
    /// - Throws: `ReshareError.invalidParameters` / `.notEnoughHelpers` for a bad helper set.
    public static func deal(
        share: borrowing SecretShare, target: MemberIndex, helpers: [MemberIndex], threshold: Int,
        randomScalar: () -> Fr
    ) throws(ReshareError) -> RepairDealing {
        try validate(target: target, helpers: helpers, threshold: threshold)
        guard let position = helpers.firstIndex(of: share.index) else {
            throw .invalidParameters("member \(share.index) is not one of the helpers")
        }
        let lambda = try coefficients(at: target, helpers: helpers)[position]
        var delta = share.key.withScalar { lambda * $0 }
        defer { delta = .zero }
        let g = G1Projective(G1Affine.generator)
        var pieces: [MemberIndex: SealedScalar] = [:]
        var commitments: [MemberIndex: G1Affine] = [:]
        var rest = delta
        defer { rest = .zero }
        for (k, j) in helpers.enumerated() {
            var piece = k == helpers.count - 1 ? rest : randomScalar()
            rest = rest - piece
            pieces[j] = SealedScalar(piece)
            commitments[j] = g.multiplied(by: piece).affine
            piece = .zero
        }
        return RepairDealing(helper: share.index, target: target, deltaCommitment: g.multiplied(by: delta).affine,
                             pieceCommitments: commitments, pieces: pieces)
    }

    /// Round 2, at helper j: checks each piece it received against its commitment and sums them.
    /// - Throws: `ReshareError.invalidPieces` naming the helpers whose pieces are wrong or missing.
    public static func combine(helper: MemberIndex, dealings: [RepairDealing]) throws(ReshareError) -> RepairSum {
        var blame: [Blame] = []
        var sigma = Fr.zero
        defer { sigma = .zero }
        for d in dealings.sorted(by: { $0.helper < $1.helper }) {
            guard let piece = d.pieces[helper], let c = d.pieceCommitments[helper] else {
                blame.append(Blame(index: d.helper, reason: .missingContribution)); continue
            }
            guard piece.commitment == G1Projective(c) else { blame.append(Blame(index: d.helper, reason: .invalidPiece)); continue }
            sigma = sigma + piece.withScalar { $0 }
        }
        guard blame.isEmpty else { throw .invalidPieces(blame: blame) }
        let commitment = G1Projective(G1Affine.generator).multiplied(by: sigma).affine
        return RepairSum(helper: helper, sum: SealedScalar(sigma), sumCommitment: commitment)
    }

    /// Round 3, at the member being repaired: s_r = Σ σ_j, checked against pk_r. When the check
    /// fails (or before it, if anything is missing), the public commitments name the liar.
    /// - Parameters:
    ///   - target: r.
    ///   - helpers: H, the same list the helpers used.
    ///   - threshold: t.
    ///   - publicShares: the committee's public shares (pk_r and pk_i for i ∈ H at least).
    ///   - dealings: the helpers' round-1 messages; only their public parts are read here.
    ///   - sums: the helpers' round-2 messages.
    /// - Throws: `.notEnoughHelpers`, `.invalidParameters`, `.repairFailed(blame:)`.
    public static func recover(
        target: MemberIndex, helpers: [MemberIndex], threshold: Int, publicShares: [MemberIndex: PublicKey],
        dealings: [RepairDealing], sums: [RepairSum]
    ) throws(ReshareError) -> SecretShare {
        try validate(target: target, helpers: helpers, threshold: threshold)
        guard let pkR = publicShares[target] else { throw .invalidParameters("no public share for member \(target)") }
        for i in helpers where publicShares[i] == nil { throw .invalidParameters("no public share for helper \(i)") }
        let lambdas = try coefficients(at: target, helpers: helpers)
        var blame: [Blame] = []
        var s = Fr.zero
        defer { s = .zero }
        for j in helpers {
            guard let sum = sums.first(where: { $0.helper == j }) else {
                blame.append(Blame(index: j, reason: .missingContribution)); continue
            }
            s = s + sum.sum.withScalar { $0 }
        }
        if blame.isEmpty, let key = try? SecretKey(scalar: s) {
            let share = SecretShare(index: target, key: key)
            if share.publicShare == pkR { return share }
        }
        // Localise the fault with the public commitments (all variable time: public data).
        for (k, i) in helpers.enumerated() {
            guard let d = dealings.first(where: { $0.helper == i && $0.target == target }) else {
                blame.append(Blame(index: i, reason: .missingContribution)); continue
            }
            let expected = G1Projective(publicShares[i]!.point).multipliedVartime(by: lambdas[k])
            guard G1Projective(d.deltaCommitment) == expected else {
                blame.append(Blame(index: i, reason: .deltaCommitmentMismatch)); continue
            }
            var total = G1Projective.infinity
            var complete = true
            for j in helpers {
                guard let c = d.pieceCommitments[j] else { complete = false; break }
                total = total + c
            }
            if !complete || total != G1Projective(d.deltaCommitment) {
                blame.append(Blame(index: i, reason: .pieceCommitmentsInconsistent))
            }
        }
        for j in helpers {
            guard let sum = sums.first(where: { $0.helper == j }) else { continue }  // already blamed
            var received = G1Projective.infinity
            for d in dealings where helpers.contains(d.helper) { if let c = d.pieceCommitments[j] { received = received + c } }
            if sum.sum.commitment != G1Projective(sum.sumCommitment) || G1Projective(sum.sumCommitment) != received {
                blame.append(Blame(index: j, reason: .invalidPartialSum))
            }
        }
        var seen = Set<MemberIndex>()
        throw .repairFailed(blame: blame.filter { seen.insert($0.index).inserted }.sorted { $0.index < $1.index })
    }

    static func validate(target: MemberIndex, helpers: [MemberIndex], threshold: Int) throws(ReshareError) {
        guard threshold >= 1 else { throw .invalidParameters("threshold must be at least 1, got \(threshold)") }
        guard helpers.count >= threshold else { throw .notEnoughHelpers(needed: threshold, got: helpers.count) }
        guard !helpers.contains(target) else { throw .invalidParameters("member \(target) cannot help repair itself") }
        var seen = Set<MemberIndex>()
        for h in helpers where !seen.insert(h).inserted { throw .invalidParameters("helper \(h) appears twice") }
    }
}
