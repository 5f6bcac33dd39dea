import BLS12381
import Primitives
import Threshold

/// A whole resharing in one process with the pure functions (no messages), for `vring reshare
/// simulate` and demos; `ReshareSimulation` runs the message protocol: a group key is
/// split (the only place it ever exists — simulation only), old members reshare, every new
/// member receives, and t_new new shares sign. Pure: randomness is a parameter.
public struct ReshareDemo: Sendable {
    public struct Member: Sendable {
        public let index: MemberIndex
        public let publicShare: PublicKey
        /// Only with `revealShares`.
        public let secretShareHex: String?
    }

    public let oldGroupKey: PublicKey
    public let newGroupKey: PublicKey
    public let oldEpoch: UInt64
    public let epoch: UInt64
    /// The new committee, by index.
    public let members: [Member]
    /// Old members that dealt, and the t_old of them that were combined.
    public let dealers: [MemberIndex]
    public let dealersUsed: [MemberIndex]
    public let blame: [Blame]
    /// The t_new new members that signed `message`, the combined signature and its check.
    public let signers: [MemberIndex]
    public let signature: Signature
    public let signatureValid: Bool

    /// - Parameters:
    ///   - leaving: old members not in the new committee (they still deal when online).
    ///   - offline: old members that do not deal.
    /// - Throws: `ReshareError` for inconsistent parameters or a failed resharing.
    public static func run(
        members n: Int, threshold t: Int, newMembers n2: Int, newThreshold t2: Int,
        leaving: Set<MemberIndex>, offline: Set<MemberIndex>, revealShares: Bool, message: [UInt8],
        randomScalar: () -> Fr
    ) throws(ReshareError) -> ReshareDemo {
        let oldParams: ThresholdParameters, newParams: ThresholdParameters
        do { oldParams = try ThresholdParameters(threshold: t, members: n) } catch { throw .invalidParameters("old committee: \(error)") }
        do { newParams = try ThresholdParameters(threshold: t2, members: n2) } catch { throw .invalidParameters("new committee: \(error)") }
        for i in leaving.union(offline) where Int(i.value) > n {
            throw .invalidParameters("member \(i) is not in the old committee 1…\(n)")
        }
        let continuing = (1...n).map { try! MemberIndex($0) }.filter { !leaving.contains($0) }
        guard continuing.count <= n2 else {
            throw .invalidNewCommittee("\(continuing.count) old members continue but the new committee has \(n2) members")
        }
        var newIndices = continuing
        var next = n
        while newIndices.count < n2 { next += 1; newIndices.append(try! MemberIndex(next)) }

        var scalar = randomScalar()
        while scalar.isZero { scalar = randomScalar() }
        let secret = try! SecretKey(scalar: scalar)
        scalar = .zero
        let oldEpoch: UInt64 = 0
        var oldPublicShares: [MemberIndex: PublicKey] = [:]
        var dealings: [ReshareDealing] = []
        var failure: ReshareError?
        _ = Shamir.split(secret: secret, parameters: oldParams, randomScalar: randomScalar) { share in
            oldPublicShares[share.index] = share.publicShare
            guard !offline.contains(share.index), failure == nil else { return }
            do throws(ReshareError) {
                dealings.append(try Resharing.deal(oldShare: share, newEpoch: oldEpoch + 1, newParameters: newParams,
                                                   newIndices: newIndices, randomScalar: randomScalar))
            } catch { failure = error }
        }
        if let failure { throw failure }

        var rows: [Member] = []
        var partials: [PartialSignature] = []
        var used: [MemberIndex] = [], blame: [Blame] = [], epoch: UInt64 = 0
        var newGroupKey = secret.publicKey
        for j in newIndices {
            let out = try Resharing.receive(newIndex: j, dealings: dealings, oldPublicShares: oldPublicShares,
                                            oldThreshold: t, oldGroupKey: secret.publicKey, oldEpoch: oldEpoch,
                                            newParameters: newParams, newIndices: newIndices)
            rows.append(Member(index: j, publicShare: out.publicShares[j]!,
                               secretShareHex: revealShares ? out.share.key.revealHex() : nil))
            if partials.count < t2 { partials.append(ThresholdSignature.partialSign(share: out.share, message: message)) }
            // The key as the new committee derives it (Σ λ_i D_i[0]), not the input.
            newGroupKey = try! PublicKey(point: out.commitment.groupKey)
            used = out.dealersUsed; blame = out.blame; epoch = out.epoch
        }
        let signature: Signature
        do { signature = try ThresholdSignature.combine(partials, threshold: t2) } catch {
            throw .internalInconsistency(error.description)
        }
        return ReshareDemo(
            oldGroupKey: secret.publicKey, newGroupKey: newGroupKey, oldEpoch: oldEpoch, epoch: epoch, members: rows,
            dealers: dealings.map(\.dealer), dealersUsed: used, blame: blame, signers: partials.map(\.index),
            signature: signature, signatureValid: BLS.verify(publicKey: secret.publicKey, message: message, signature: signature))
    }
}
