import BLS12381
import Primitives

/// What a weak Fiat–Shamir (challenges that do not hash the outputs) would let a dishonest
/// mixer do — for tests only. The outputs enter the proof only through t4; if the challenge does
/// not depend on them, the prover fixes t4 first, learns c and the s'_i, picks N − 1 outputs as
/// it likes (say, ballots for its own option) and solves the last one from the t4 equation:
///
///   a'_{N−1} = (t4_a + [s4]G − [c]Σ[u_j]a_j − Σ_{i<N−1}[s'_i]a'_i) / s'_{N−1}   (same for b)
///
/// The proof then passes a verifier that also omits the outputs, and fails ours
/// (Bernhard–Pereira–Warinschi 2012 describe this class of attack on real shuffles).
package enum ShuffleForgery {
    package static func forgeOmittingOutputs(
        inputs: [Ciphertext], replacements: [Ciphertext], publicKey: G1Affine, generators: ShuffleGenerators,
        context: [UInt8], using rng: inout some RandomNumberGenerator
    ) -> (outputs: [Ciphertext], proof: ShuffleProof) {
        let n = inputs.count
        precondition(n >= 2 && replacements.count == n - 1)
        let g = G1Projective(G1Affine.generator)
        func rand() -> Fr { randomScalar(using: &rng) }
        // Identity permutation, honest commitments.
        let r = (0..<n).map { _ in rand() }
        let c = batchNormalizeVartime((0..<n).map { g.multipliedVartime(by: r[$0]) + generators.generators[$0] })
        var statement = Shuffle.statementTranscript(
            inputs: inputs, outputs: [], permutationCommitments: c, publicKey: publicKey, generators: generators,
            context: context, scope: .omittingOutputs)
        let u = statement.challenges("u", count: n)
        let rHat = (0..<n).map { _ in rand() }, omegaHat = (0..<n).map { _ in rand() }, omegaPrime = (0..<n).map { _ in rand() }
        var chain = [G1Projective](), tHat = [G1Projective]()
        var previous = G1Projective(generators.base)
        for i in 0..<n {
            tHat.append(g.multipliedVartime(by: omegaHat[i]) + previous.multipliedVartime(by: omegaPrime[i]))
            previous = g.multipliedVartime(by: rHat[i]) + previous.multipliedVartime(by: u[i])
            chain.append(previous)
        }
        let omega = (0..<3).map { _ in rand() }
        let t1 = g.multipliedVartime(by: omega[0]), t2 = g.multipliedVartime(by: omega[1])
        let t3 = g.multipliedVartime(by: omega[2]) + multiScalarMultiplyVartime(points: generators.generators, scalars: omegaPrime)
        let t4A = g.multipliedVartime(by: rand()), t4B = g.multipliedVartime(by: rand())  // anything: fixed before c
        let normal = batchNormalizeVartime([t1, t2, t3, t4A, t4B] + chain + tHat)
        let chainAffine = Array(normal[5..<(5 + n)]), tHatAffine = Array(normal[(5 + n)...])
        Shuffle.appendCommitments(&statement, chain: chainAffine, t: Array(normal[0..<5]), tHat: tHatAffine)
        let challenge = statement.challenge("c")

        var v = [Fr](repeating: .one, count: n)
        for i in stride(from: n - 2, through: 0, by: -1) { v[i] = v[i + 1] * u[i + 1] }
        var rBar = Fr.zero, rHatSum = Fr.zero, rTilde = Fr.zero
        for i in 0..<n { rBar = rBar + r[i]; rHatSum = rHatSum + rHat[i] * v[i]; rTilde = rTilde + r[i] * u[i] }
        let sPrime = (0..<n).map { omegaPrime[$0] - challenge * u[$0] }
        let s4 = rand()

        // Solve the t4 equations for the last output.
        let last = sPrime[n - 1].inverseVartime()
        func solve(_ t4: G1Projective, _ base: G1Affine, _ input: (Ciphertext) -> G1Affine, _ output: (Ciphertext) -> G1Affine) -> G1Affine {
            var points = [base] + inputs.map(input) + replacements.map(output)
            var scalars = [s4] + u.map { -(challenge * $0) } + sPrime.prefix(n - 1).map { -$0 }
            points.append(batchNormalizeVartime([t4])[0]); scalars.append(.one)
            return multiScalarMultiplyVartime(points: points, scalars: scalars).multipliedVartime(by: last).affineVartime
        }
        let outputs = replacements + [Ciphertext(a: solve(t4A, G1Affine.generator, \.a, \.a), b: solve(t4B, publicKey, \.b, \.b))]
        let proof = ShuffleProof(
            permutationCommitments: c, chainCommitments: chainAffine,
            t1: normal[0], t2: normal[1], t3: normal[2], t4A: normal[3], t4B: normal[4], tHat: tHatAffine,
            challenge: challenge, s1: omega[0] - challenge * rBar, s2: omega[1] - challenge * rHatSum,
            s3: omega[2] - challenge * rTilde, s4: s4,
            sHat: (0..<n).map { omegaHat[$0] - challenge * rHat[$0] }, sPrime: sPrime)
        return (outputs, proof)
    }
}
