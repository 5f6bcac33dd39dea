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

    /// Checks one mix against its inputs: eligible mixer, signature, shuffle proof.
    /// - Throws: `VotingError.verificationFailed` with `path` (signature, outputs count) or
    ///   `path + ".proof"` (challenge, equations).
    public func verifyMix(
        _ mix: Mix, round: Int, inputs: [Ciphertext], generators: ShuffleGenerators, path: String = "mix"
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
    }

    /// Checks a whole mix sequence: at least t mixes by distinct eligible members, each one
    /// taking the previous one's outputs. Returns the final list.
    /// - Throws: `VotingError.verificationFailed("mixes…", …)` for the first failure.
    public func verifyMixes(_ mixes: [Mix], ballots: [Ballot], generators: ShuffleGenerators? = nil) throws(VotingError) -> [Ciphertext] {
        guard mixes.count >= threshold else { throw .verificationFailed(path: "mixes", .tooFew(needed: threshold, actual: mixes.count)) }
        var seen = Set<MemberIndex>()
        var inputs = mixInputs(ballots: ballots)
        let generators = generators ?? shuffleGenerators(count: inputs.count)
        for (k, mix) in mixes.enumerated() {
            guard seen.insert(mix.mixer).inserted else { throw .verificationFailed(path: "mixes[\(k)]", .duplicateMember(mix.mixer)) }
            try verifyMix(mix, round: k, inputs: inputs, generators: generators, path: "mixes[\(k)]")
            inputs = mix.outputs
        }
        return inputs
    }
}
