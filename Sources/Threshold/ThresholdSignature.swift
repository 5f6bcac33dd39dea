import BLS12381
import Primitives

/// A member's partial signature: [s_i]·H(m) with the Ethereum DST.
public struct PartialSignature: Sendable, Equatable {
    public let index: MemberIndex
    public let signature: Signature
    public init(index: MemberIndex, signature: Signature) {
        self.index = index
        self.signature = signature
    }
}

/// Threshold BLS: partial signing, partial verification and combination (Boldyreva 2003).
public enum ThresholdSignature {
    /// [s_i]·H(m), constant time in the share.
    public static func partialSign(share: borrowing SecretShare, message: [UInt8]) -> PartialSignature {
        PartialSignature(index: share.index, signature: share.key.sign(message))
    }

    /// e(pk_i, H(m)) == e(G1, σ_i).
    public static func verifyPartial(publicShare: PublicKey, message: [UInt8], partial: Signature) -> Bool {
        BLS.verify(publicKey: publicShare, message: message, signature: partial)
    }

    /// Σ λ_i σ_i over exactly the given partials (no checks), as one MSM. Needs at least t.
    public static func combine(_ partials: [PartialSignature], threshold: Int) throws(ThresholdError) -> Signature {
        guard partials.count >= threshold, threshold >= 1 else {
            throw .notEnoughValidPartials(needed: threshold, valid: partials.count, invalid: [])
        }
        let used = Array(partials.sorted { $0.index < $1.index }.prefix(threshold))
        let lambdas = try Lagrange.coefficientsAtZero(used.map(\.index))
        let point = multiScalarMultiplyVartime(points: used.map(\.signature.point), scalars: lambdas)
        return Signature(unchecked: point.affineVartime)
    }

    /// The outcome of a robust combination.
    public struct RobustResult: Sendable {
        public let signature: Signature
        /// Members whose partial signature did not verify (named so they can be blamed).
        public let invalid: [MemberIndex]
    }

    /// Verifies the partials (one batched check first; per-partial checks only when the batch
    /// fails), drops invalid ones, names their senders, and combines t valid partials. Verifies
    /// the result under the group key before returning it.
    public static func combineRobust(
        _ partials: [PartialSignature], threshold: Int, groupPublicKey: PublicKey,
        publicShares: [MemberIndex: PublicKey], message: [UInt8]
    ) throws(ThresholdError) -> RobustResult {
        var seen = Set<MemberIndex>()
        var unique: [PartialSignature] = []
        for p in partials where seen.insert(p.index).inserted { unique.append(p) }
        for p in unique where publicShares[p.index] == nil { throw .unknownMember(p.index) }
        var valid: [PartialSignature]
        var invalid: [MemberIndex] = []
        let keys = unique.map { publicShares[$0.index]! }
        if !unique.isEmpty && BLS.batchVerify(publicKeys: keys, messages: Array(repeating: message, count: unique.count),
                                               signatures: unique.map(\.signature)) {
            valid = unique
        } else {
            valid = []
            for (p, k) in zip(unique, keys) {
                if verifyPartial(publicShare: k, message: message, partial: p.signature) { valid.append(p) } else { invalid.append(p.index) }
            }
        }
        guard valid.count >= threshold else {
            throw .notEnoughValidPartials(needed: threshold, valid: valid.count, invalid: invalid.sorted())
        }
        let signature = try combine(valid, threshold: threshold)
        guard BLS.verify(publicKey: groupPublicKey, message: message, signature: signature) else {
            throw .combinedSignatureInvalid
        }
        return RobustResult(signature: signature, invalid: invalid.sorted())
    }
}
