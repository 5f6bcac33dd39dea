import BLS12381
import Primitives
import Threshold

// The Terelius–Wikström proof of a re-encryption shuffle, in the form of Haenni, Locher,
// Koenig, Dubuis, "Pseudo-code algorithms for verifiable re-encryption mix-nets" (FC 2017
// Voting workshop), Algorithms 1–5 (GenShuffle, GenPermutationCommitment, GenCommitmentChain,
// GenProof, CheckProof), moved from a subgroup of Z_p* to G1 and written additively:
//
//   g^x          → [x]G             products Π x_i → sums Σ x_i
//   Enc(1, r)    → ([r]G, [r]Y)     h, h_1..h_N → H_0, H_1..H_N (hash-to-curve, no trapdoor)
//
// Indices are 0-based: output i is input ψ(i) re-encrypted, e'_i = e_ψ(i) + ([ρ_i]G, [ρ_i]Y).
// Responses are s = ω − c·w and each check reads t = [s]Base + [c]Statement.
//
//   permutation commitment  c_j = [r_j]G + H_{ψ⁻¹(j)}
//   challenges              u_j = H(statement, c, j),  u'_i = u_ψ(i)
//   commitment chain        ĉ_{−1} = H_0,  ĉ_i = [r̂_i]G + [u'_i]ĉ_{i−1}
//   t1 = [ω1]G   t2 = [ω2]G   t3 = [ω3]G + Σ[ω'_i]H_i
//   t4 = (Σ[ω'_i]a'_i − [ω4]G,  Σ[ω'_i]b'_i − [ω4]Y)      t̂_i = [ω̂_i]G + [ω'_i]ĉ_{i−1}
//   c = H(statement, c, ĉ, t1, t2, t3, t4, t̂)
//   s1 = ω1 − c·Σr_j   s2 = ω2 − c·Σ r̂_i v_i (v_i = Π_{k>i} u'_k)   s3 = ω3 − c·Σ r_j u_j
//   s4 = ω4 − c·Σ ρ_i u'_i   ŝ_i = ω̂_i − c·r̂_i   s'_i = ω'_i − c·u'_i
//
// The verifier checks
//   t1 = [s1]G + [c](Σc_j − ΣH_i)                t2 = [s2]G + [c](ĉ_{N−1} − [Πu_j]H_0)
//   t3 = [s3]G + Σ[s'_i]H_i + [c]Σ[u_j]c_j        t̂_i = [ŝ_i]G + [s'_i]ĉ_{i−1} + [c]ĉ_i
//   t4 = (Σ[s'_i]a'_i − [s4]G + [c]Σ[u_j]a_j,  Σ[s'_i]b'_i − [s4]Y + [c]Σ[u_j]b_j)
// as one random linear combination: a single MSM of 8N + 8 points.

/// The independent generators H_0 (the chain's base) and H_1..H_N of the shuffle's Pedersen
/// commitments: RFC 9380 hash_to_curve of a public label, so nobody knows a discrete-log
/// relation between them, G and each other. Every verifier recomputes them.
public struct ShuffleGenerators: Sendable {
    /// H_0.
    public let base: G1Affine
    /// H_1..H_N.
    public let generators: [G1Affine]
    /// SHA-256 of all their encodings, hashed into every challenge.
    package let digest: [UInt8]

    /// The domain-separation tag of the generators' hash-to-curve.
    public static let dst = Array("VRING-VOTE-SHUFFLE-GENERATORS-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_".utf8)

    /// Derives H_0..H_count from the election context: H_i = hash_to_curve("vring-vote-shuffle-generator" ‖ context ‖ i).
    public init(count: Int, context: [UInt8]) {
        let points = (0...count).map { i -> G1Projective in
            var w = ByteWriter()
            w.variable(Array("vring-vote-shuffle-generator".utf8))
            w.variable(context)
            w.u64(UInt64(i))
            return try! G1Projective.hashToCurve(w.bytes, dst: ShuffleGenerators.dst)  // the DST is short: cannot fail
        }
        self.init(points: batchNormalizeVartime(points))
    }

    /// Arbitrary generators (tests: a prover that substitutes its own).
    package init(points: [G1Affine]) {
        base = points[0]
        generators = Array(points.dropFirst())
        var t = ProofTranscript(domain: "vring-vote-shuffle-generators-v1")
        t.append("generators", points: points)
        digest = t.digest()
    }
}

/// The proof that `outputs` are a re-encryption and permutation of `inputs`.
public struct ShuffleProof: Sendable, Equatable {
    /// c_j, the commitment to the permutation matrix.
    public let permutationCommitments: [G1Affine]
    /// ĉ_i, the commitment chain.
    public let chainCommitments: [G1Affine]
    public let t1: G1Affine
    public let t2: G1Affine
    public let t3: G1Affine
    public let t4A: G1Affine
    public let t4B: G1Affine
    public let tHat: [G1Affine]
    /// The Fiat–Shamir challenge c (redundant: the verifier recomputes it and compares).
    public let challenge: Fr
    public let s1: Fr
    public let s2: Fr
    public let s3: Fr
    public let s4: Fr
    public let sHat: [Fr]
    public let sPrime: [Fr]

    public init(permutationCommitments: [G1Affine], chainCommitments: [G1Affine], t1: G1Affine, t2: G1Affine, t3: G1Affine,
                t4A: G1Affine, t4B: G1Affine, tHat: [G1Affine], challenge: Fr, s1: Fr, s2: Fr, s3: Fr, s4: Fr, sHat: [Fr], sPrime: [Fr]) {
        self.permutationCommitments = permutationCommitments
        self.chainCommitments = chainCommitments
        self.t1 = t1; self.t2 = t2; self.t3 = t3; self.t4A = t4A; self.t4B = t4B
        self.tHat = tHat
        self.challenge = challenge
        self.s1 = s1; self.s2 = s2; self.s3 = s3; self.s4 = s4
        self.sHat = sHat
        self.sPrime = sPrime
    }

    package func encode(into w: inout ByteWriter) {
        w.u64(UInt64(permutationCommitments.count))
        for p in permutationCommitments { w.point(p) }
        for p in chainCommitments { w.point(p) }
        for p in [t1, t2, t3, t4A, t4B] { w.point(p) }
        for p in tHat { w.point(p) }
        for s in [challenge, s1, s2, s3, s4] { w.scalar(s) }
        for s in sHat { w.scalar(s) }
        for s in sPrime { w.scalar(s) }
    }
}

/// The mixer's secrets: the permutation ψ and the re-encryption randomness ρ. Package access:
/// `Election.mix` creates and wipes them; tests use them to forge.
package final class ShuffleWitness {
    package var permutation: [Int]
    package var randomness: [Fr]
    package init(permutation: [Int], randomness: [Fr]) { self.permutation = permutation; self.randomness = randomness }
    deinit {
        for i in permutation.indices { permutation[i] = 0 }
        for i in randomness.indices { randomness[i] = .zero }
    }
}

/// Which parts of the statement the challenges hash. Only `.fullStatement` is sound;
/// `.omittingOutputs` exists to show (in tests) the forgery a weak Fiat–Shamir allows.
package enum ChallengeScope: Sendable { case fullStatement, omittingOutputs }

/// GenShuffle, GenProof and CheckProof.
public enum Shuffle {
    /// GenShuffle: a random permutation and re-encryption of `inputs` under the election key.
    /// Constant time in the permutation and the randomness.
    package static func shuffle(
        _ inputs: [Ciphertext], publicKeyTable: FixedBaseTable, using rng: inout some RandomNumberGenerator
    ) -> (outputs: [Ciphertext], witness: ShuffleWitness) {
        let n = inputs.count
        let g = FixedBaseTable.generator
        let permutation = Oblivious.randomPermutation(count: n, using: &rng)
        let randomness = (0..<n).map { _ in randomScalar(using: &rng) }
        // ([ρ_i]G, [ρ_i]Y) for all i in one batch.
        let masks = FixedBaseTable.multiply((0..<n).flatMap { i in [(g, randomness[i]), (publicKeyTable, randomness[i])] })
        var points = [G1Projective]()
        points.reserveCapacity(2 * n)
        for i in 0..<n {
            let e = Oblivious.read(inputs, at: permutation[i])
            points.append(masks[2 * i] + e.a)
            points.append(masks[2 * i + 1] + e.b)
        }
        let affine = batchNormalizeVartime(points)  // the outputs are public
        let outputs = (0..<n).map { Ciphertext(a: affine[2 * $0], b: affine[2 * $0 + 1]) }
        return (outputs, ShuffleWitness(permutation: permutation, randomness: randomness))
    }

    /// GenProof. Constant time in the witness.
    package static func prove(
        inputs: [Ciphertext], outputs: [Ciphertext], witness: ShuffleWitness, publicKey: G1Affine, publicKeyTable: FixedBaseTable,
        generators: ShuffleGenerators, context: [UInt8], scope: ChallengeScope = .fullStatement,
        using rng: inout some RandomNumberGenerator
    ) -> ShuffleProof {
        let n = inputs.count
        precondition(n >= 1 && outputs.count == n && generators.generators.count == n, "shuffle sizes")
        let g = FixedBaseTable.generator
        let psi = witness.permutation, rho = witness.randomness
        func randoms(_ k: Int) -> [Fr] { (0..<k).map { _ in randomScalar(using: &rng) } }

        // GenPermutationCommitment: c_j = [r_j]G + H_{ψ⁻¹(j)}.
        let inverse = Oblivious.inverse(psi)
        var r = randoms(n)
        let rG = FixedBaseTable.multiply(r.map { (g, $0) })
        let c = batchNormalizeVartime((0..<n).map { j in rG[j] + Oblivious.read(generators.generators, at: inverse[j]) })

        var statement = statementTranscript(
            inputs: inputs, outputs: outputs, permutationCommitments: c, publicKey: publicKey,
            generators: generators, context: context, scope: scope)
        let u = statement.challenges("u", count: n)
        var uPrime = (0..<n).map { i in Oblivious.read(u, at: psi[i]) }

        // GenCommitmentChain with ĉ_{−1} = H_0, and the t̂_i. Unrolled, every link is
        // ĉ_i = [R_i]G + [U_i]H_0 with R_i = r̂_i + u'_i·R_{i−1}, U_i = u'_i·U_{i−1} (R_{−1} = 0,
        // U_{−1} = 1), and t̂_i = [ω̂_i + ω'_i·R_{i−1}]G + [ω'_i·U_{i−1}]H_0: four fixed-base
        // multiplications per link (no doublings) instead of two variable-base ones on ĉ_{i−1},
        // all of them, with t1…t4's, in one batch.
        var rHat = randoms(n), omegaHat = randoms(n), omegaPrime = randoms(n)
        var omega = randoms(4)
        var chainR = Fr.zero, chainU = Fr.one
        let h0 = FixedBaseTable(generators.base)
        var jobs = [(table: FixedBaseTable, scalar: Fr)]()
        jobs.reserveCapacity(4 * n + 5)
        defer {
            for i in 0..<n { r[i] = .zero; uPrime[i] = .zero; rHat[i] = .zero; omegaHat[i] = .zero; omegaPrime[i] = .zero }
            for i in 0..<4 { omega[i] = .zero }
            for i in jobs.indices { jobs[i].scalar = .zero }
            chainR = .zero; chainU = .zero
        }
        for i in 0..<n {
            jobs.append((g, omegaHat[i] + omegaPrime[i] * chainR))
            jobs.append((h0, omegaPrime[i] * chainU))
            chainR = rHat[i] + uPrime[i] * chainR
            chainU = uPrime[i] * chainU
            jobs.append((g, chainR))
            jobs.append((h0, chainU))
        }
        jobs += [(g, omega[0]), (g, omega[1]), (g, omega[2]), (g, omega[3]), (publicKeyTable, omega[3])]
        let products = FixedBaseTable.multiply(jobs)
        var chain = [G1Projective](), tHat = [G1Projective]()
        chain.reserveCapacity(n); tHat.reserveCapacity(n)
        for i in 0..<n {
            let k = 4 * i
            tHat.append(products[k] + products[k + 1])
            chain.append(products[k + 2] + products[k + 3])
        }
        let t1 = products[4 * n]
        let t2 = products[4 * n + 1]
        // The three sums under the masks ω', in step (one shared inversion per point).
        let sums = WindowTables.multiply([
            (WindowTables(generators.generators), omegaPrime),
            (WindowTables(outputs.map(\.a)), omegaPrime),
            (WindowTables(outputs.map(\.b)), omegaPrime),
        ])
        let t3 = products[4 * n + 2] + sums[0]
        let t4A = sums[1] - products[4 * n + 3]
        let t4B = sums[2] - products[4 * n + 4]
        let normal = batchNormalizeVartime([t1, t2, t3, t4A, t4B] + chain + tHat)  // all published
        let chainAffine = Array(normal[5..<(5 + n)]), tHatAffine = Array(normal[(5 + n)...])

        appendCommitments(&statement, chain: chainAffine, t: Array(normal[0..<5]), tHat: tHatAffine)
        let challenge = statement.challenge("c")

        // v_i = Π_{k>i} u'_k, so that ĉ_{N−1} = [Σ r̂_i v_i]G + [Π u_j]H_0.
        var v = [Fr](repeating: .one, count: n)
        for i in stride(from: n - 2, through: 0, by: -1) { v[i] = v[i + 1] * uPrime[i + 1] }
        var rBar = Fr.zero, rHatSum = Fr.zero, rTilde = Fr.zero, rPrime = Fr.zero
        for i in 0..<n {
            rBar = rBar + r[i]
            rHatSum = rHatSum + rHat[i] * v[i]
            rTilde = rTilde + r[i] * u[i]
            rPrime = rPrime + rho[i] * uPrime[i]
        }
        defer { rBar = .zero; rHatSum = .zero; rTilde = .zero; rPrime = .zero; for i in 0..<n { v[i] = .zero } }
        return ShuffleProof(
            permutationCommitments: c, chainCommitments: chainAffine,
            t1: normal[0], t2: normal[1], t3: normal[2], t4A: normal[3], t4B: normal[4], tHat: tHatAffine,
            challenge: challenge,
            s1: omega[0] - challenge * rBar, s2: omega[1] - challenge * rHatSum,
            s3: omega[2] - challenge * rTilde, s4: omega[3] - challenge * rPrime,
            sHat: (0..<n).map { omegaHat[$0] - challenge * rHat[$0] },
            sPrime: (0..<n).map { omegaPrime[$0] - challenge * uPrime[$0] })
    }

    /// CheckProof: true when `outputs` are a re-encryption and permutation of `inputs` under
    /// `publicKey`. Recomputes the challenges from the whole statement (generators, key, inputs,
    /// outputs, commitments, context), then checks all 2N + 5 equations as one random linear
    /// combination (one variable-time MSM of 8N + 8 points; public data only). The proof's
    /// commitments need only be on the curve (the combination is multiplied by the cofactor);
    /// inputs, outputs, the key and the generators must be in G1.
    /// - Throws: `VerificationProblem.wrongCount`, `.challengeMismatch` or `.equationsDoNotHold`.
    public static func verify(
        inputs: [Ciphertext], outputs: [Ciphertext], proof: ShuffleProof, publicKey: G1Affine,
        generators: ShuffleGenerators, context: [UInt8]
    ) throws(VerificationProblem) {
        try verify(inputs: inputs, outputs: outputs, proof: proof, publicKey: publicKey, generators: generators,
                   context: context, scope: .fullStatement)
    }

    package static func verify(
        inputs: [Ciphertext], outputs: [Ciphertext], proof: ShuffleProof, publicKey: G1Affine,
        generators: ShuffleGenerators, context: [UInt8], scope: ChallengeScope, weight: () -> Fr = batchWeight
    ) throws(VerificationProblem) {
        let n = inputs.count
        guard n >= 1 else { throw .wrongCount(expected: 1, actual: 0) }
        guard outputs.count == n else { throw .wrongCount(expected: n, actual: outputs.count) }
        for count in [proof.permutationCommitments.count, proof.chainCommitments.count, proof.tHat.count,
                      proof.sHat.count, proof.sPrime.count, generators.generators.count] where count != n {
            throw .wrongCount(expected: n, actual: count)
        }
        var statement = statementTranscript(
            inputs: inputs, outputs: outputs, permutationCommitments: proof.permutationCommitments, publicKey: publicKey,
            generators: generators, context: context, scope: scope)
        let u = statement.challenges("u", count: n)
        appendCommitments(&statement, chain: proof.chainCommitments,
                          t: [proof.t1, proof.t2, proof.t3, proof.t4A, proof.t4B], tHat: proof.tHat)
        let c = statement.challenge("c")
        guard c == proof.challenge else { throw .challengeMismatch }

        let s1 = proof.s1, s2 = proof.s2, s3 = proof.s3, s4 = proof.s4, sHat = proof.sHat, sPrime = proof.sPrime
        let d1 = Fr.one, d2 = weight(), d3 = weight(), d4 = weight(), d5 = weight()
        let dHat = (0..<n).map { _ in weight() }
        var productU = Fr.one
        for x in u { productU = productU * x }

        var points = [G1Affine](), scalars = [Fr]()
        points.reserveCapacity(8 * n + 8); scalars.reserveCapacity(8 * n + 8)
        var sG = d1 * s1 + d2 * s2 + d3 * s3 - d4 * s4
        for i in 0..<n { sG = sG + dHat[i] * sHat[i] }
        points += [G1Affine.generator, publicKey, generators.base]
        scalars += [sG, -(d5 * s4), dHat[0] * sPrime[0] - d2 * c * productU]
        let d1c = d1 * c, d3c = d3 * c, d4c = d4 * c, d5c = d5 * c
        for i in 0..<n {
            points.append(generators.generators[i]); scalars.append(d3 * sPrime[i] - d1c)
            points.append(proof.permutationCommitments[i]); scalars.append(d1c + d3c * u[i])
            let next = i + 1 < n ? dHat[i + 1] * sPrime[i + 1] : d2 * c
            points.append(proof.chainCommitments[i]); scalars.append(dHat[i] * c + next)
            points.append(inputs[i].a); scalars.append(d4c * u[i])
            points.append(inputs[i].b); scalars.append(d5c * u[i])
            points.append(outputs[i].a); scalars.append(d4 * sPrime[i])
            points.append(outputs[i].b); scalars.append(d5 * sPrime[i])
            points.append(-proof.tHat[i]); scalars.append(dHat[i])
        }
        // The commitments enter negated with the 128-bit weights as scalars (rather than with
        // the weights negated, 255-bit): the MSM skips their upper windows.
        points += [-proof.t1, -proof.t2, -proof.t3, -proof.t4A, -proof.t4B]
        scalars += [d1, d2, d3, d4, d5]
        // Times h_eff = 1 − z, which maps E(Fp) onto G1: the proof's own commitments are decoded
        // on the curve only, and a small-order part in them vanishes here instead of costing a
        // subgroup check per point (2N + 5 of them). For points in G1 this changes nothing
        // (1 − z is invertible mod r). The statement's points are subgroup-checked by the caller.
        guard multiScalarMultiplyVartime(points: points, scalars: scalars).clearCofactor().isInfinity else { throw .equationsDoNotHold }
    }

    static func statementTranscript(
        inputs: [Ciphertext], outputs: [Ciphertext], permutationCommitments: [G1Affine], publicKey: G1Affine,
        generators: ShuffleGenerators, context: [UInt8], scope: ChallengeScope
    ) -> ProofTranscript {
        var t = ProofTranscript(domain: "vring-vote-shuffle-v1")
        t.append("context", context)
        t.append("public-key", point: publicKey)
        t.append("generators", generators.digest)
        t.append("inputs", ciphertexts: inputs)
        if scope == .fullStatement { t.append("outputs", ciphertexts: outputs) }
        t.append("permutation-commitments", points: permutationCommitments)
        return t
    }

    static func appendCommitments(_ transcript: inout ProofTranscript, chain: [G1Affine], t ts: [G1Affine], tHat: [G1Affine]) {
        transcript.append("chain-commitments", points: chain)
        transcript.append("t", points: ts)
        transcript.append("t-hat", points: tHat)
    }
}
