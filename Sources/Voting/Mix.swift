import BLS12381
import Primitives
import Threshold

/// One mixer's turn: the re-encrypted, permuted list, the proof, and the mixer's signature.
public struct Mix: Sendable, Equatable {
    public let mixer: MemberIndex
    public let outputs: [Ciphertext]
    public let proof: ShuffleProof
    public let signature: [UInt8]

    public init(mixer: MemberIndex, outputs: [Ciphertext], proof: ShuffleProof, signature: [UInt8]) {
        self.mixer = mixer
        self.outputs = outputs
        self.proof = proof
        self.signature = signature
    }

    /// The bytes the mixer signs: domain, context, round, mixer, outputs and proof.
    package static func signedBytes(context: [UInt8], round: Int, mixer: MemberIndex, outputs: [Ciphertext], proof: ShuffleProof) -> [UInt8] {
        var w = ByteWriter()
        w.variable(Array("vring-vote-mix-v1".utf8))
        w.variable(context)
        w.u64(UInt64(round))
        w.u32(mixer.value)
        w.u64(UInt64(outputs.count))
        for c in outputs { w.point(c.a); w.point(c.b) }
        proof.encode(into: &w)
        return w.bytes
    }
}

extension Election {
    /// The ciphertexts the first mixer takes: the ballots' ciphertexts in ballot order.
    public func mixInputs(ballots: [Ballot]) -> [Ciphertext] { ballots.map(\.ciphertext) }

    /// The shuffle generators for `count` ciphertexts under this election (hash-to-curve; about
    /// 0.1 ms each, so compute them once and pass them to every mix and check).
    public func shuffleGenerators(count: Int) -> ShuffleGenerators { ShuffleGenerators(count: count, context: context) }

    /// A mixer's turn: re-encrypts and permutes `inputs`, proves it, signs the result. The
    /// permutation and randomness exist only inside this call.
    /// - Parameters:
    ///   - inputs: the previous mix's outputs (or `mixInputs(ballots:)` for round 0).
    ///   - round: this mix's position in the sequence, from 0.
    ///   - mixer: the mixer's member index; `identity` its Ed25519 key.
    ///   - generators: `shuffleGenerators(count: inputs.count)`, computed once.
    /// - Throws: `VotingError.invalidConfiguration` for an empty list, a non-member, a key that is
    ///   not the member's, or generators of the wrong size.
    public func mix(
        _ inputs: [Ciphertext], round: Int, mixer: MemberIndex, identity: borrowing SigningKey,
        generators: ShuffleGenerators, using rng: inout some RandomNumberGenerator
    ) throws(VotingError) -> Mix {
        try mix(inputs, round: round, mixer: mixer, identity: identity, generators: generators, scope: .fullStatement, using: &rng)
    }

    package func mix(
        _ inputs: [Ciphertext], round: Int, mixer: MemberIndex, identity: borrowing SigningKey,
        generators: ShuffleGenerators, scope: ChallengeScope, using rng: inout some RandomNumberGenerator
    ) throws(VotingError) -> Mix {
        guard !inputs.isEmpty else { throw .invalidConfiguration("mix: no ciphertexts") }
        guard generators.generators.count == inputs.count else {
            throw .invalidConfiguration("mix: \(generators.generators.count) generators for \(inputs.count) ciphertexts")
        }
        guard let member = member(mixer) else { throw .invalidConfiguration("mixer \(mixer) is not an eligible member") }
        guard member.identityKey == identity.publicKey else { throw .invalidConfiguration("mixer \(mixer): the identity key is not the member's") }
        let (outputs, witness) = Shuffle.shuffle(inputs, publicKeyTable: publicKeyTable, using: &rng)
        let proof = Shuffle.prove(
            inputs: inputs, outputs: outputs, witness: witness, publicKey: ballotPublicKey, publicKeyTable: publicKeyTable,
            generators: generators, context: context, scope: scope, using: &rng)
        let signature = identity.sign(Mix.signedBytes(context: context, round: round, mixer: mixer, outputs: outputs, proof: proof))
        return Mix(mixer: mixer, outputs: outputs, proof: proof, signature: signature)
    }

    /// Checks one mix against its inputs: eligible mixer, signature, shuffle proof, and (unless
    /// `checkOutputsInSubgroup` is false) that every output is in G1.
    ///
    /// The shuffle proof is checked with its combined equation multiplied by the cofactor, so it
    /// proves the shuffle of the outputs' G1 parts: outputs that are merely on the curve are
    /// enough for the proof. A small-order part in an output would ride along into the next
    /// mix and spoil decryption, so some check must catch it; `verifyMixes` makes it once, on
    /// the final list, instead of on every mix's outputs (see there).
    /// - Throws: `VotingError.verificationFailed` with `path` (signature, outputs count),
    ///   `path + ".proof"` (challenge, equations) or `path + ".outputs[i].a|b"` (`.notInSubgroup`).
    public func verifyMix(
        _ mix: Mix, round: Int, inputs: [Ciphertext], generators: ShuffleGenerators, path: String = "mix",
        checkOutputsInSubgroup: Bool = true
    ) throws(VotingError) {
        guard let member = member(mix.mixer) else { throw .verificationFailed(path: path, .notAMember(mix.mixer)) }
        let bytes = Mix.signedBytes(context: context, round: round, mixer: mix.mixer, outputs: mix.outputs, proof: mix.proof)
        guard member.identityKey.isValidSignature(mix.signature, for: bytes) else { throw .verificationFailed(path: path, .signatureInvalid) }
        guard mix.outputs.count == inputs.count else {
            throw .verificationFailed(path: path + ".outputs", .wrongCount(expected: inputs.count, actual: mix.outputs.count))
        }
        do {
            try Shuffle.verify(inputs: inputs, outputs: mix.outputs, proof: mix.proof, publicKey: ballotPublicKey,
                               generators: generators, context: context)
        } catch {
            throw .verificationFailed(path: path + ".proof", error)
        }
        if checkOutputsInSubgroup, let bad = Election.firstOutsideSubgroup(mix.outputs) { throw .verificationFailed(path: path + ".outputs" + bad, .notInSubgroup) }
    }

    /// The path suffix (`[i].a` or `[i].b`) of the first ciphertext component outside G1, or nil.
    static func firstOutsideSubgroup(_ ciphertexts: [Ciphertext]) -> String? {
        for (i, c) in ciphertexts.enumerated() {
            if !G1Projective(c.a).isInSubgroup { return "[\(i)].a" }
            if !G1Projective(c.b).isInSubgroup { return "[\(i)].b" }
        }
        return nil
    }

    /// Checks a whole mix sequence: at least t mixes by distinct eligible members, each one
    /// taking the previous one's outputs. Returns the final list, every point of it in G1.
    ///
    /// Only the final list is subgroup-checked (2N points, not 2N per mix). This is sound: each
    /// proof, checked with its equation times the cofactor h_eff, proves the shuffle of the
    /// images under [h_eff], a homomorphism from E(Fp) onto G1 whose kernel is exactly the
    /// small-order part and which is injective on G1. Chained from ballots in G1 to a final
    /// list in G1, the images being a re-encrypted permutation forces the lists themselves to
    /// be one. When the final list fails, the blame goes to the first mix whose outputs left
    /// G1: a mixer given inputs in G1 whose outputs are not added the small-order part itself
    /// (honest re-encryption keeps points in G1), so later honest mixers are not blamed.
    /// - Throws: `VotingError.verificationFailed("mixes…", …)` for the first failure.
    public func verifyMixes(_ mixes: [Mix], ballots: [Ballot], generators: ShuffleGenerators? = nil) throws(VotingError) -> [Ciphertext] {
        guard mixes.count >= threshold else { throw .verificationFailed(path: "mixes", .tooFew(needed: threshold, actual: mixes.count)) }
        var seen = Set<MemberIndex>()
        var inputs = mixInputs(ballots: ballots)
        let generators = generators ?? shuffleGenerators(count: inputs.count)
        for (k, mix) in mixes.enumerated() {
            guard seen.insert(mix.mixer).inserted else { throw .verificationFailed(path: "mixes[\(k)]", .duplicateMember(mix.mixer)) }
            try verifyMix(mix, round: k, inputs: inputs, generators: generators, path: "mixes[\(k)]", checkOutputsInSubgroup: false)
            inputs = mix.outputs
        }
        if Election.firstOutsideSubgroup(inputs) != nil {
            for (k, mix) in mixes.enumerated() {
                if let bad = Election.firstOutsideSubgroup(mix.outputs) { throw .verificationFailed(path: "mixes[\(k)].outputs" + bad, .notInSubgroup) }
            }
        }
        return inputs
    }
}
