// ordo-one/benchmark suite: the same operations as `vring bench` (same names), measured with
// wall clock, CPU instructions (Linux perf counters, when the kernel allows them) and the
// number of mallocs. Inputs are prepared outside the measured region (before
// `startMeasurement()`); the timed loop runs `benchmark.scaledIterations`.

import Benchmark
import BLS12381
import Threshold

// MARK: - Inputs

private func randomBytes(_ n: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &g) }
}
private func randomFp() -> Fp { Fp(reducingBigEndian64: randomBytes(64)) }
private func randomG1() -> G1Affine { G1Projective(G1Affine.generator).multipliedVartime(by: Fr.random()).affineVartime }
private func randomG2() -> G2Affine { G2Projective(G2Affine.generator).multipliedVartime(by: Fr.random()).affineVartime }

/// Non-copyable secret keys cannot be captured by escaping closures; a box can.
private final class KeyBox: @unchecked Sendable {
    let key: SecretKey
    init(_ key: consuming SecretKey) { self.key = key }
}

// MARK: - Benchmarks

let benchmarks: @Sendable () -> Void = {
    // (Local: Benchmark.Configuration is not Sendable, so it cannot be a global let.)
    /// Field arithmetic: many operations per measured iteration; we expect zero allocations.
    let fieldConfig = Benchmark.Configuration(
        metrics: [.wallClock, .instructions, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000_000
    )
    /// Group, pairing and signature operations: one operation per iteration.
    let opConfig = Benchmark.Configuration(
        metrics: [.wallClock, .instructions, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(1),
        maxIterations: 10_000
    )

    // Field operations. fp_mul and fr_mul run 1000 per iteration (the metrics marked * are per
    // operation); an inversion (~a few µs) is one per iteration.
    Benchmark("fp_mul", configuration: fieldConfig) { benchmark in
        let a = randomFp(), b = randomFp()
        benchmark.startMeasurement()
        var x = a
        for _ in benchmark.scaledIterations { x = x * b }
        blackHole(x)
    }
    Benchmark("fp_inverse", configuration: opConfig) { benchmark in
        var x = randomFp()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { x = x.inverse() }
        blackHole(x)
    }
    Benchmark("fr_mul", configuration: fieldConfig) { benchmark in
        let a = Fr.random(), b = Fr.random()
        benchmark.startMeasurement()
        var x = a
        for _ in benchmark.scaledIterations { x = x * b }
        blackHole(x)
    }

    // Group operations.
    Benchmark("g1_mul", configuration: opConfig) { benchmark in
        let p = G1Projective(randomG1()), k = Fr.random()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(p.multiplied(by: k)) }
    }
    Benchmark("g2_mul", configuration: opConfig) { benchmark in
        let p = G2Projective(randomG2()), k = Fr.random()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(p.multiplied(by: k)) }
    }
    Benchmark("g2_decompress", configuration: opConfig) { benchmark in
        let bytes = randomG2().compressed()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try! G2Affine(decoding: bytes)) }
    }
    Benchmark("hash_to_g2", configuration: opConfig) { benchmark in
        let message = randomBytes(32)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try! G2Projective.hashToCurve(message, dst: Ciphersuite.signatureDST))
        }
    }
    Benchmark("pairing", configuration: opConfig) { benchmark in
        let p = randomG1(), q = randomG2()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(pairing(p, q)) }
    }
    Benchmark("msm_g1_1024", configuration: opConfig) { benchmark in
        let g = G1Projective(G1Affine.generator)
        let points = batchNormalizeVartime((0..<1024).map { _ in g.multipliedVartime(by: UInt64.random(in: 1 ... .max) | 1) })
        let scalars = (0..<1024).map { _ in Fr.random() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(multiScalarMultiplyVartime(points: points, scalars: scalars)) }
    }

    // Signature API (Ethereum ciphersuite).
    Benchmark("sign", configuration: opConfig) { benchmark in
        let box = KeyBox(SecretKey.random()), message = randomBytes(32)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(box.key.sign(message)) }
    }
    Benchmark("verify", configuration: opConfig) { benchmark in
        let key = SecretKey.random(), message = randomBytes(32)
        let publicKey = key.publicKey, signature = key.sign(message)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(BLS.verify(publicKey: publicKey, message: message, signature: signature))
        }
    }
    Benchmark("fast_aggregate_verify_100", configuration: opConfig) { benchmark in
        let message = randomBytes(32)
        var publicKeys: [PublicKey] = [], signatures: [Signature] = []
        for _ in 0..<100 {
            let key = SecretKey.random()
            publicKeys.append(key.publicKey)
            signatures.append(key.sign(message))
        }
        let aggregate = try! Signature.aggregate(signatures)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(BLS.fastAggregateVerify(publicKeys: publicKeys, message: message, signature: aggregate))
        }
    }

    // Threshold: combine 3 partial signatures of a 3-of-5 sharing (Lagrange at zero + MSM).
    Benchmark("threshold_combine_3_of_5", configuration: opConfig) { benchmark in
        let message = randomBytes(32)
        let parameters = try! ThresholdParameters(threshold: 3, members: 5)
        var partials: [PartialSignature] = []
        _ = Shamir.split(secret: SecretKey.random(), parameters: parameters) { share in
            partials.append(ThresholdSignature.partialSign(share: share, message: message))
        }
        let chosen = [partials[4], partials[0], partials[2]]  // any three, unsorted
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try! ThresholdSignature.combine(chosen, threshold: 3)) }
    }
}
