import BLS12381
import Primitives
import Threshold

/// A Schnorr proof of knowledge of r with a = [r]G, in challenge–response form: the verifier
/// recomputes T = [z]G − [c]a and checks c = H(statement, T).
public struct SchnorrProof: Sendable, Equatable {
    public let challenge: Fr
    public let response: Fr
    public init(challenge: Fr, response: Fr) { self.challenge = challenge; self.response = response }
}

/// A disjunctive Chaum–Pedersen proof (Cramer–Damgård–Schoenmakers 1994) that (a, b − [k]G) is
/// an encryption of zero for some option k, i.e. log_G a = log_Y (b − [k]G): one
/// (challenge, response) pair per option, the challenges summing to the Fiat–Shamir challenge.
public struct DisjunctiveProof: Sendable, Equatable {
    public let challenges: [Fr]
    public let responses: [Fr]
    public init(challenges: [Fr], responses: [Fr]) { self.challenges = challenges; self.responses = responses }
}

/// One member's secret ballot: the encrypted option, the proofs, and the member's Ed25519
/// signature over all of it and the election context.
public struct Ballot: Sendable, Equatable {
    public let voter: MemberIndex
    public let ciphertext: Ciphertext
    public let knowledgeProof: SchnorrProof
    public let rangeProof: DisjunctiveProof
    public let signature: [UInt8]

    public init(voter: MemberIndex, ciphertext: Ciphertext, knowledgeProof: SchnorrProof, rangeProof: DisjunctiveProof, signature: [UInt8]) {
        self.voter = voter
        self.ciphertext = ciphertext
        self.knowledgeProof = knowledgeProof
        self.rangeProof = rangeProof
        self.signature = signature
    }

    /// The bytes the voter signs: domain, election context, voter, ciphertext and both proofs.
    package static func signedBytes(
        context: [UInt8], voter: MemberIndex, ciphertext: Ciphertext, knowledgeProof: SchnorrProof, rangeProof: DisjunctiveProof
    ) -> [UInt8] {
        var w = ByteWriter()
        w.variable(Array("vring-vote-ballot-v1".utf8))
        w.variable(context)
        w.u32(voter.value)
        w.point(ciphertext.a)
        w.point(ciphertext.b)
        w.scalar(knowledgeProof.challenge)
        w.scalar(knowledgeProof.response)
        w.u64(UInt64(rangeProof.challenges.count))
        for c in rangeProof.challenges { w.scalar(c) }
        for z in rangeProof.responses { w.scalar(z) }
        return w.bytes
    }
}

extension Election {
    /// Encrypts `option` for `voter`, proves knowledge of the randomness (bound to the voter and
    /// the election) and that the plaintext is an option, and signs the ballot.
    /// Constant time in the option and the randomness.
    /// - Parameters:
    ///   - option: the option index, 0..<options.count.
    ///   - voter: the voter's member index.
    ///   - identity: the voter's Ed25519 identity key (its public key must be the member's).
    ///   - rng: the source of the encryption randomness and proof nonces.
    /// - Throws: `VotingError.invalidConfiguration` for an option out of range, a non-member, or an
    ///   identity key that is not the member's.
    public func castBallot(
        option: Int, voter: MemberIndex, identity: borrowing SigningKey, using rng: inout some RandomNumberGenerator
    ) throws(VotingError) -> Ballot {
        let k = question.options.count
        guard option >= 0, option < k else { throw .invalidConfiguration("option \(option): must be in 0..<\(k)") }
        guard let member = member(voter) else { throw .invalidConfiguration("voter \(voter) is not an eligible member") }
        guard member.identityKey == identity.publicKey else {
            throw .invalidConfiguration("voter \(voter): the identity key is not the member's")
        }
        return makeBallot(plaintext: option, voter: voter, identity: identity, using: &rng)
    }

    /// Builds a ballot for any plaintext without the range check (tests: for a plaintext that
    /// is not an option, no branch of the disjunctive proof is real and the proof is invalid).
    package func makeBallot(
        plaintext option: Int, voter: MemberIndex, identity: borrowing SigningKey, using rng: inout some RandomNumberGenerator
    ) -> Ballot {
        let k = question.options.count
        let g = FixedBaseTable.generator
        var r = randomScalar(using: &rng)
        var m = Fr(UInt64(option))
        defer { r = .zero; m = .zero }
        let pair = batchNormalizeVartime([g.multiply(r), g.multiply(m) + publicKeyTable.multiply(r)])
        let ciphertext = Ciphertext(a: pair[0], b: pair[1])

        // Schnorr proof of knowledge of r.
        var w = randomScalar(using: &rng)
        defer { w = .zero }
        let commitment = g.multiply(w).affine
        let c = Election.knowledgeChallenge(context: context, voter: voter, ciphertext: ciphertext, commitment: commitment)
        let knowledgeProof = SchnorrProof(challenge: c, response: w + c * r)

        // Disjunctive proof: every branch is computed the same way; the real one has challenge 0
        // and response w (so its commitments are ([w]G, [w]Y)), the others are simulated.
        let shifted = optionShifts(ciphertext.b)
        let a = G1Projective(ciphertext.a), bases = shifted.map { G1Projective($0) }  // in G1: [r]G and [r]Y + [m − o]G
        var challenges = [Fr](), responses = [Fr](), commitments = [G1Projective]()
        for o in 0..<k {
            let isReal = equalBit(o, option)
            let simulatedChallenge = randomScalar(using: &rng), response = randomScalar(using: &rng)
            let cEff = Fr.select(simulatedChallenge, .zero, isReal)
            challenges.append(cEff)
            responses.append(response)
            commitments.append(g.multiply(response) - a.multiplied(by: cEff))
            commitments.append(publicKeyTable.multiply(response) - bases[o].multiplied(by: cEff))
        }
        let total = Election.rangeChallenge(
            context: context, voter: voter, publicKey: ballotPublicKey, ciphertext: ciphertext,
            commitments: batchNormalizeVartime(commitments))
        var realChallenge = total
        for cEff in challenges { realChallenge = realChallenge - cEff }
        for o in 0..<k {
            let isReal = equalBit(o, option)
            challenges[o] = Fr.select(challenges[o], realChallenge, isReal)
            responses[o] = Fr.select(responses[o], responses[o] + realChallenge * r, isReal)
        }
        let rangeProof = DisjunctiveProof(challenges: challenges, responses: responses)
        let signature = identity.sign(Ballot.signedBytes(
            context: context, voter: voter, ciphertext: ciphertext, knowledgeProof: knowledgeProof, rangeProof: rangeProof))
        return Ballot(voter: voter, ciphertext: ciphertext, knowledgeProof: knowledgeProof, rangeProof: rangeProof, signature: signature)
    }

    /// Checks a ballot: eligible voter, signature, proof of knowledge bound to this voter and
    /// election, and the proof that it encrypts an option. Does not check uniqueness (that needs
    /// the list: `verifyBallots`). Variable time (public data).
    /// - Throws: `VotingError.verificationFailed(path, …)` naming the first failing check.
    public func verifyBallot(_ ballot: Ballot, path: String = "ballot") throws(VotingError) {
        guard let member = member(ballot.voter) else { throw .verificationFailed(path: path, .notAMember(ballot.voter)) }
        let bytes = Ballot.signedBytes(
            context: context, voter: ballot.voter, ciphertext: ballot.ciphertext,
            knowledgeProof: ballot.knowledgeProof, rangeProof: ballot.rangeProof)
        guard member.identityKey.isValidSignature(ballot.signature, for: bytes) else {
            throw .verificationFailed(path: path, .signatureInvalid)
        }
        let (a, b) = (ballot.ciphertext.a, ballot.ciphertext.b)
        let g = G1Affine.generator
        let pok = ballot.knowledgeProof
        let t = multiScalarMultiplyVartime(points: [g, a], scalars: [pok.response, -pok.challenge]).affineVartime
        guard Election.knowledgeChallenge(context: context, voter: ballot.voter, ciphertext: ballot.ciphertext, commitment: t)
                == pok.challenge else {
            throw .verificationFailed(path: path, .proofOfKnowledgeInvalid)
        }
        let k = question.options.count
        let proof = ballot.rangeProof
        guard proof.challenges.count == k, proof.responses.count == k else {
            throw .verificationFailed(path: path, .rangeProofInvalid)
        }
        var commitments = [G1Projective]()
        var sum = Fr.zero
        for o in 0..<k {
            let c = proof.challenges[o], z = proof.responses[o]
            sum = sum + c
            commitments.append(multiScalarMultiplyVartime(points: [g, a], scalars: [z, -c]))
            // [z]Y − [c](b − [o]G) = [z]Y − [c]b + [c·o]G
            commitments.append(multiScalarMultiplyVartime(points: [ballotPublicKey, b, g], scalars: [z, -c, c * Fr(UInt64(o))]))
        }
        let expected = Election.rangeChallenge(
            context: context, voter: ballot.voter, publicKey: ballotPublicKey, ciphertext: ballot.ciphertext,
            commitments: batchNormalizeVartime(commitments))
        guard expected == sum else { throw .verificationFailed(path: path, .rangeProofInvalid) }
    }

    /// Checks every ballot and that no member voted twice and no ciphertext repeats.
    /// - Throws: `VotingError.verificationFailed("ballots[i]", …)` for the first bad ballot.
    public func verifyBallots(_ ballots: [Ballot]) throws(VotingError) {
        var voters = Set<MemberIndex>()
        var seen = [Ciphertext: Int]()
        for (i, ballot) in ballots.enumerated() {
            let path = "ballots[\(i)]"
            guard voters.insert(ballot.voter).inserted else { throw .verificationFailed(path: path, .duplicateMember(ballot.voter)) }
            if let earlier = seen[ballot.ciphertext] { throw .verificationFailed(path: path, .duplicateCiphertext(earlier: earlier)) }
            seen[ballot.ciphertext] = i
            try verifyBallot(ballot, path: path)
        }
    }

    /// b − [k]G for every option k (public).
    private func optionShifts(_ b: G1Affine) -> [G1Affine] {
        var out = [G1Projective]()
        var p = G1Projective(b)
        let minusG = -G1Affine.generator
        for _ in question.options.indices { out.append(p); p = p + minusG }
        return batchNormalizeVartime(out)
    }

    static func knowledgeChallenge(context: [UInt8], voter: MemberIndex, ciphertext: Ciphertext, commitment: G1Affine) -> Fr {
        var t = ProofTranscript(domain: "vring-vote-ballot-knowledge-v1")
        t.append("context", context)
        t.append("voter", u64: UInt64(voter.value))
        t.append("a", point: ciphertext.a)
        t.append("b", point: ciphertext.b)
        t.append("commitment", point: commitment)
        return t.challenge("c")
    }

    static func rangeChallenge(context: [UInt8], voter: MemberIndex, publicKey: G1Affine, ciphertext: Ciphertext, commitments: [G1Affine]) -> Fr {
        var t = ProofTranscript(domain: "vring-vote-ballot-range-v1")
        t.append("context", context)
        t.append("voter", u64: UInt64(voter.value))
        t.append("public-key", point: publicKey)
        t.append("a", point: ciphertext.a)
        t.append("b", point: ciphertext.b)
        t.append("commitments", points: commitments)
        return t.challenge("c")
    }
}
