import BLS12381
import Primitives
import Threshold

/// A Chaum–Pedersen proof that log_G Y_i = log_A D for the combined statement
/// A = Σ ρ_j a_j, D = Σ ρ_j d_j with ρ_j = H(statement, j): one proof covers all of a member's
/// partial decryptions (a false d_j survives the combination with probability 1/r).
/// Challenge–response form: the verifier recomputes [z]G − [e]Y_i and [z]A − [e]D.
public struct DecryptionProof: Sendable, Equatable {
    public let challenge: Fr
    public let response: Fr
    public init(challenge: Fr, response: Fr) { self.challenge = challenge; self.response = response }
}

/// A member's partial decryptions d_j = [x_i]a_j of every final ciphertext, with the proof
/// and the member's signature.
public struct DecryptionShare: Sendable, Equatable {
    public let member: MemberIndex
    public let partials: [G1Affine]
    public let proof: DecryptionProof
    public let signature: [UInt8]

    public init(member: MemberIndex, partials: [G1Affine], proof: DecryptionProof, signature: [UInt8]) {
        self.member = member
        self.partials = partials
        self.proof = proof
        self.signature = signature
    }

    package static func signedBytes(context: [UInt8], member: MemberIndex, partials: [G1Affine], proof: DecryptionProof) -> [UInt8] {
        var w = ByteWriter()
        w.variable(Array("vring-vote-decryption-v1".utf8))
        w.variable(context)
        w.u32(member.value)
        w.u64(UInt64(partials.count))
        for p in partials { w.point(p) }
        w.scalar(proof.challenge)
        w.scalar(proof.response)
        return w.bytes
    }
}

/// The count per option.
public struct Tally: Sendable, Equatable, CustomStringConvertible {
    public let options: [String]
    public let counts: [Int]

    public init(options: [String], counts: [Int]) { self.options = options; self.counts = counts }

    /// Option name → count.
    public var byOption: [String: Int] { Dictionary(uniqueKeysWithValues: zip(options, counts)) }
    public var description: String { zip(options, counts).map { "\($0): \($1)" }.joined(separator: ", ") }
}

extension Election {
    /// A member's partial decryptions of `ciphertexts` (the last mix's outputs, which must be
    /// in G1 as verified mixes' outputs are) with the proof, signed. Constant time in the share.
    /// - Throws: `VotingError.invalidConfiguration` for a non-member, a share whose public share
    ///   is not the member's ballot public share, or a key that is not the member's identity.
    public func decryptionShare(
        for ciphertexts: [Ciphertext], share: borrowing SecretShare, identity: borrowing SigningKey,
        using rng: inout some RandomNumberGenerator
    ) throws(VotingError) -> DecryptionShare {
        let index = share.index
        guard let member = member(index) else { throw .invalidConfiguration("member \(index) is not an eligible member") }
        guard member.identityKey == identity.publicKey else { throw .invalidConfiguration("member \(index): the identity key is not the member's") }
        guard share.publicShare.point == member.ballotPublicShare else {
            throw .invalidConfiguration("member \(index): the secret share does not match the ballot public share")
        }
        guard !ciphertexts.isEmpty else { throw .invalidConfiguration("decryption: no ciphertexts") }
        var x = share.key.withScalar { $0 }
        var w = randomScalar(using: &rng)
        defer { x = .zero; w = .zero }
        // The engine's constant-time GLV multiplication (the ciphertexts are in G1: they are a
        // verified mix's outputs, subgroup-checked by `verifyMix`/`verifyMixes`).
        let partials = batchNormalizeVartime(ciphertexts.map { G1Projective($0.a).multiplied(by: x) })
        var statement = Election.decryptionStatement(context: context, member: index, publicShare: member.ballotPublicShare,
                                                     ciphertexts: ciphertexts, partials: partials)
        let rho = statement.challenges("rho", count: ciphertexts.count)
        let combinedA = multiScalarMultiplyVartime(points: ciphertexts.map(\.a), scalars: rho)  // public
        let commitments = batchNormalizeVartime([FixedBaseTable.generator.multiply(w), combinedA.multiplied(by: w)])
        statement.append("commitments", points: commitments)
        let e = statement.challenge("e")
        let proof = DecryptionProof(challenge: e, response: w + e * x)
        let signature = identity.sign(DecryptionShare.signedBytes(context: context, member: index, partials: partials, proof: proof))
        return DecryptionShare(member: index, partials: partials, proof: proof, signature: signature)
    }

    /// Checks one decryption share against the ciphertexts: eligible member, signature, count,
    /// proof. Variable time (public data).
    public func verifyDecryptionShare(_ share: DecryptionShare, ciphertexts: [Ciphertext], path: String = "decryption") throws(VotingError) {
        guard let member = member(share.member) else { throw .verificationFailed(path: path, .notAMember(share.member)) }
        let bytes = DecryptionShare.signedBytes(context: context, member: share.member, partials: share.partials, proof: share.proof)
        guard member.identityKey.isValidSignature(share.signature, for: bytes) else { throw .verificationFailed(path: path, .signatureInvalid) }
        guard share.partials.count == ciphertexts.count else {
            throw .verificationFailed(path: path + ".partials", .wrongCount(expected: ciphertexts.count, actual: share.partials.count))
        }
        var statement = Election.decryptionStatement(context: context, member: share.member, publicShare: member.ballotPublicShare,
                                                     ciphertexts: ciphertexts, partials: share.partials)
        let rho = statement.challenges("rho", count: ciphertexts.count)
        let combinedA = multiScalarMultiplyVartime(points: ciphertexts.map(\.a), scalars: rho)
        let combinedD = multiScalarMultiplyVartime(points: share.partials, scalars: rho)
        let e = share.proof.challenge, z = share.proof.response
        let ad = batchNormalizeVartime([combinedA, combinedD])
        let commitments = batchNormalizeVartime([
            multiScalarMultiplyVartime(points: [G1Affine.generator, member.ballotPublicShare], scalars: [z, -e]),
            multiScalarMultiplyVartime(points: [ad[0], ad[1]], scalars: [z, -e]),
        ])
        statement.append("commitments", points: commitments)
        guard statement.challenge("e") == e else { throw .verificationFailed(path: path + ".proof", .challengeMismatch) }
    }

    /// Checks every share (at least t, distinct members) and decrypts with the t lowest indices:
    /// m_j = b_j − Σ λ_i d_ij, decoded by lookup among [k]G for the options. Returns the option
    /// index of every ciphertext, in order.
    /// - Throws: `VotingError.verificationFailed("decryptions…", …)` for the first bad share, too
    ///   few shares, or a plaintext that is not an option.
    public func decrypt(_ ciphertexts: [Ciphertext], shares: [DecryptionShare]) throws(VotingError) -> [Int] {
        guard shares.count >= threshold else { throw .verificationFailed(path: "decryptions", .tooFew(needed: threshold, actual: shares.count)) }
        var seen = Set<MemberIndex>()
        for (k, share) in shares.enumerated() {
            guard seen.insert(share.member).inserted else { throw .verificationFailed(path: "decryptions[\(k)]", .duplicateMember(share.member)) }
            try verifyDecryptionShare(share, ciphertexts: ciphertexts, path: "decryptions[\(k)]")
        }
        return try combine(ciphertexts, verifiedShares: shares)
    }

    /// Lagrange combination of already verified shares (any t; the t lowest indices are used).
    public func combine(_ ciphertexts: [Ciphertext], verifiedShares shares: [DecryptionShare]) throws(VotingError) -> [Int] {
        let used = Array(shares.sorted { $0.member < $1.member }.prefix(threshold))
        guard used.count == threshold else { throw .verificationFailed(path: "decryptions", .tooFew(needed: threshold, actual: used.count)) }
        let lambda: [Fr]
        do { lambda = try Lagrange.coefficientsAtZero(used.map(\.member)) } catch {
            throw .verificationFailed(path: "decryptions", .other(error.description))
        }
        let table = optionTable
        let plaintexts = batchNormalizeVartime(ciphertexts.indices.map { j in
            multiScalarMultiplyVartime(points: [ciphertexts[j].b] + used.map { $0.partials[j] }, scalars: [.one] + lambda.map { -$0 })
        })
        var out = [Int]()
        for (j, m) in plaintexts.enumerated() {
            guard let option = table[m.compressed()] else { throw .verificationFailed(path: "decryptions", .notAnOption(ciphertext: j)) }
            out.append(option)
        }
        return out
    }

    /// Counts the decrypted options.
    public func tally(_ plaintexts: [Int]) -> Tally {
        var counts = [Int](repeating: 0, count: question.options.count)
        for p in plaintexts { counts[p] += 1 }
        return Tally(options: question.options, counts: counts)
    }

    static func decryptionStatement(
        context: [UInt8], member: MemberIndex, publicShare: G1Affine, ciphertexts: [Ciphertext], partials: [G1Affine]
    ) -> ProofTranscript {
        var t = ProofTranscript(domain: "vring-vote-decryption-v1")
        t.append("context", context)
        t.append("member", u64: UInt64(member.value))
        t.append("public-share", point: publicShare)
        t.append("ciphertexts", ciphertexts: ciphertexts)
        t.append("partials", points: partials)
        return t
    }
}
