import ArgumentParser
import BLS12381
import Foundation
import Primitives
import Threshold
import Voting

/// `vring ct-check`: the constant-time paths run on secrets marked "undefined" for valgrind's
/// memcheck, which then reports any conditional branch or memory address computed from them
/// (the "ctgrind" technique). Run it as
/// `valgrind --tool=memcheck --error-exitcode=3 vring ct-check`; outside valgrind it only runs
/// the operations and says that nothing was checked. Results are marked public before they are
/// compared or printed (an output may depend on the secret; how it was computed may not).
struct CTCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ct-check",
        abstract: "Run the constant-time code on secrets marked for valgrind's memcheck (developer check).",
        shouldDisplay: false)

    @Flag(name: .long, help: "Also branch on a secret on purpose: the check's own test (memcheck must report it).")
    var control = false

    func run() throws {
        let checked = ConstantTimeCheck.isAvailable
        var rng = SystemRandomNumberGenerator()
        func secretScalar() -> Fr {
            var k = Fr.random(using: &rng)
            ConstantTimeCheck.markSecret(&k)
            return k
        }
        func opened<T>(_ value: T) -> T { ConstantTimeCheck.declassified(value) }
        let g1 = G1Projective(G1Affine.generator), g2 = G2Projective(G2Affine.generator)
        // Enough points (and below, products) for the batches to be cut into parts for two
        // workers (`Parallel`) when the machine has two cores or more.
        let publicPoints = (0..<(4 * WindowTables.inStepThreshold)).map { _ in g1.multipliedVartime(by: Fr.random(using: &rng)).affine }
        var failures: [String] = []
        func expect(_ ok: Bool, _ what: String) { if !ok { failures.append(what) } }

        // Scalars: field arithmetic, canonical form, signed radix-32 and radix-64 recoding, Fermat inversion.
        do {
            let a = secretScalar(), b = secretScalar()
            let c = opened(a * b + a - b), i = opened(a.inverse()), ai = opened(a)
            expect(c == ai * opened(b) + ai - opened(b), "Fr arithmetic")
            expect(i * ai == .one, "Fr inverse")
            var digits = SignedDigits.all(a), digits64 = SignedDigits.all(a, width: 6)
            ConstantTimeCheck.markPublic(&digits)
            ConstantTimeCheck.markPublic(&digits64)
            _ = opened(a.canonicalLimbs)
        }
        // Base field: products, squares, Fermat and blinded inversion, selects.
        do {
            var x = Fp(reducingBigEndian64: SystemRandom.bytes(64)), y = Fp.one
            ConstantTimeCheck.markSecret(&x)
            let p = opened(x.squared() * x + Fp.select(x, y, x.isZeroBit))
            y = opened(x.inverse())
            expect(opened(x.inverseBlinded()) == y, "Fp blinded inversion")
            var z = Fp2(x, x.squared())
            ConstantTimeCheck.markSecret(&z)
            expect(opened(z.inverseBlinded()) * opened(z) == .one, "Fp2 blinded inversion")
            _ = p
        }
        // G1: the generator's fixed-base table (keys, commitments, nonces), GLV, the full-length
        // ladder, affine conversion by blinded inversion, and the batch of fixed-base products.
        do {
            let k = secretScalar()
            let fixed = FixedBaseTable.generator.multiply(k)
            let glv = g1.multiplied(by: k)
            let ladder = g1.multipliedFullLength(by: k)
            let affine = opened(fixed.affine)
            let kOpen = opened(k)
            expect(opened(fixed) == g1.multipliedVartime(by: kOpen), "G1 fixed-base")
            expect(opened(glv) == opened(ladder) && G1Projective(affine) == opened(glv), "G1 GLV / ladder / affine")
            let jobs = (0..<(8 * FixedBaseTable.batchThreshold)).map { i in (table: FixedBaseTable.generator, scalar: i == 0 ? k : secretScalar()) }
            let batch = FixedBaseTable.multiply(jobs)
            expect(opened(batch[0]) == opened(fixed), "G1 fixed-base batch")
        }
        // G2: GLS multiplication, as in signing (the hash of a public message times the key).
        do {
            let k = secretScalar()
            let h = try G2Projective.hashToCurve(Array("ct-check".utf8), dst: Array("VRING-CT-CHECK".utf8))
            let signature = opened(h.multiplied(by: k))
            expect(signature == opened(h.multipliedFullLength(by: k)), "G2 GLS")
            expect(opened(g2.multiplied(by: k)) == g2.multipliedVartime(by: opened(k)), "G2 generator")
        }
        // A secret key in secure memory: decoding, the public key, signing; then Shamir shares of
        // it (Horner evaluation, Feldman commitments of secret coefficients).
        do {
            let bytes = SecretKey.random().serialized()
            bytes.withUnsafeBytes { ConstantTimeCheck.markSecret($0) }
            let key = try SecretKey(secureBigEndian: bytes)
            let message = Array("ct-check message".utf8)
            let signature = opened(key.sign(message))
            let publicKey = opened(key.publicKey)
            expect(BLS.verify(publicKey: publicKey, message: message, signature: signature), "sign / publicKey")
            let parameters = try ThresholdParameters(threshold: 3, members: 5)
            var shares = 0
            let commitment = Shamir.split(secret: key, parameters: parameters, randomScalar: { secretScalar() }) { _ in shares += 1 }
            expect(shares == 5 && commitment.coefficients.count == 3, "Shamir split")
        }
        // Straus sums with secret scalars: one at a time and in step.
        do {
            let tables = WindowTables(publicPoints)
            let scalars = publicPoints.map { _ in secretScalar() }
            let one = opened(tables.multiply(scalars))
            let inStep = WindowTables.multiply([(tables, scalars), (tables, scalars)]).map(opened)
            var expected = G1Projective.infinity
            for (p, k) in zip(publicPoints, scalars) { expected = expected + G1Projective(p).multipliedVartime(by: opened(k)) }
            expect(one == expected && inStep == [expected, expected], "Straus sums")
        }
        // The shuffle's oblivious reads and permutation inverse at secret indices.
        do {
            var perm = Array((0..<16).shuffled())
            for i in perm.indices { ConstantTimeCheck.markSecret(&perm[i]) }
            let inverse = Oblivious.inverse(perm).map(opened)
            let xs = (0..<16).map { Fr(UInt64($0)) }
            let read = opened(Oblivious.read(xs, at: perm[3]))
            expect(read == Fr(UInt64(opened(perm[3]))) && inverse[opened(perm[3])] == 3, "oblivious reads")
            _ = opened(Oblivious.read(publicPoints, at: perm[5]))
        }

        if control {
            // A deliberate secret-dependent branch and table index, which memcheck must report.
            let k = secretScalar()
            let low = Int(k.canonicalLimbs.0 & 15)
            if low > 7 { print("ct-check: control branch taken") }
            print("ct-check: control read \(opened(publicPoints[low].x == publicPoints[0].x))")
        }
        guard failures.isEmpty else {
            Output.error("ct-check: wrong results: " + failures.joined(separator: ", "))
            throw ExitCode(ExitStatus.verificationFailed)
        }
        print(checked
              ? "ct-check: every operation ran on secrets marked for memcheck (any dependence is reported above); field arithmetic: \(FieldArithmetic.description)"
              : "ct-check: results are right, but nothing was checked: run under `valgrind --tool=memcheck`")
    }
}
