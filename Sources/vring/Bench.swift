import ArgumentParser
import BLS12381
import DKG
import Reshare
import Foundation
import Primitives

/// `vring bench`: ns/op for the engine's primitives and the signature API.
///
/// Method: prepare inputs (untimed), warm up while growing the batch until one batch lasts
/// ≥ 10 ms, then time batches with `ContinuousClock` until 0.3 s have passed (at least three
/// batches) and report the median of the per-batch ns/op. `--iterations N` instead times one
/// batch of exactly N, with no warm-up, for deterministic runs under callgrind.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmark field, group, pairing and signature operations.")

    @Option(name: .long, help: "Keep benchmarks whose name contains this text (repeatable, or comma-separated).")
    var filter: [String] = []
    @Option(name: .long, help: "Run each benchmark exactly this many times (no warm-up).")
    var iterations: Int?
    @Flag(name: .long, help: "Also run the slow protocol benchmarks (dkg_100_67 and similar, minutes each); naming one in --filter runs it too.")
    var all = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations: must be at least 1") }
    }

    func run() throws {
        let patterns = filter.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // A pattern equal to a benchmark's name selects exactly that one; otherwise substrings match.
        let names = Set(BenchmarkCatalogue.all.map(\.name))
        let selected = BenchmarkCatalogue.all.filter { b in
            if patterns.isEmpty { return all || !b.slow }
            return patterns.contains { names.contains($0) ? b.name == $0 : (b.name.contains($0) && (all || !b.slow)) }
        }
        guard !selected.isEmpty else { throw ValidationError("--filter: no benchmark name contains \(patterns.joined(separator: " or "))") }

        let nameWidth = max(4, selected.map(\.name.count).max() ?? 0)
        let showProgress = output.json && isatty(STDERR_FILENO) == 1
        if !output.json {
            print(pad("name", nameWidth) + "  " + pad("ns/op", 14, right: true) + "  " + pad("iterations", 10, right: true))
        }
        var results: [[String: Any]] = []
        for (i, benchmark) in selected.enumerated() {
            if showProgress { FileHandle.standardError.write(Data("\r[\(i + 1)/\(selected.count)] \(benchmark.name)\u{1B}[K".utf8)) }
            let nsPerOp: Double, count: Int
            if let selfTimed = benchmark.selfTimed {
                (nsPerOp, count) = (selfTimed(), 1)
            } else {
                (nsPerOp, count) = measure(benchmark.prepare(), fixedIterations: iterations)
            }
            results.append(["name": benchmark.name, "ns_per_op": (nsPerOp * 10).rounded() / 10, "iterations": count])
            if !output.json {
                print(pad(benchmark.name, nameWidth) + "  " + pad(String(format: "%.1f", nsPerOp), 14, right: true)
                      + "  " + pad(String(count), 10, right: true))
                fflush(nil)  // a row per benchmark is the progress display
            }
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if output.json { print(Output.json(["results": results, "field_arithmetic": FieldArithmetic.name])) }
    }

    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }

    /// (median ns/op, operations timed).
    private func measure(_ body: (Int) -> Void, fixedIterations: Int?) -> (Double, Int) {
        let clock = ContinuousClock()
        func nanoseconds(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
        }
        if let n = fixedIterations { return (nanoseconds(clock.measure { body(n) }) / Double(n), n) }

        let minimumBatch = 10e6, budget = 0.3e9
        var batch = 1
        while true {  // warm-up and calibration
            let t = nanoseconds(clock.measure { body(batch) })
            if t >= minimumBatch { break }
            batch = max(batch * 2, min(batch * 100, Int(Double(batch) * minimumBatch / max(t, 1) * 1.2)))
        }
        var samples: [Double] = []
        var count = 0
        let start = clock.now
        while samples.count < 3 || nanoseconds(clock.now - start) < budget {
            samples.append(nanoseconds(clock.measure { body(batch) }) / Double(batch))
            count += batch
        }
        samples.sort()
        let mid = samples.count / 2
        return (samples.count % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2, count)
    }
}

/// Keeps a value alive and opaque to the optimiser, so the work producing it is not deleted.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// A benchmark: `prepare` builds the inputs (untimed) and returns a body that runs n operations.
struct Benchmark: Sendable {
    let name: String
    let prepare: @Sendable () -> (Int) -> Void
    /// For protocol benchmarks that time themselves: returns ns per unit (one run).
    var selfTimed: (@Sendable () -> Double)? = nil
    /// Left out of a default run (`--all` or naming it in `--filter` runs it).
    var slow = false

    init(name: String, prepare: @escaping @Sendable () -> (Int) -> Void) {
        self.name = name
        self.prepare = prepare
    }

    /// A whole DKG ceremony in one process; reports the mean CPU time per member (each member's
    /// state machine timed with the thread CPU clock, injected into the simulation).
    static func dkg(_ n: Int, _ t: Int, slow: Bool = false) -> Benchmark {
        var b = Benchmark(name: "dkg_\(n)_\(t)", prepare: { { _ in } })
        b.slow = slow
        b.selfTimed = {
            var faults = DKGFaultPlan()
            faults.reorder = false
            let result = try! DKGSimulation.run(members: n, threshold: t, seed: [1], faults: faults, clock: threadCPUNanoseconds)
            precondition(result.agreedOutput != nil, "benchmark DKG failed")
            let total = result.nanoseconds.values.reduce(0, +)
            return Double(total) / Double(max(1, result.nanoseconds.count))
        }
        return b
    }
}

extension Benchmark {
    /// A whole resharing n-of-t → n-of-t in one process (every old member deals, every new member
    /// receives and checks); reports the thread CPU time of the run divided by the 2n participants
    /// (an average: the simulation does not time members separately).
    static func reshare(_ n: Int, _ t: Int, slow: Bool = false) -> Benchmark {
        var b = Benchmark(name: "reshare_\(n)_\(t)", prepare: { { _ in } })
        b.slow = slow
        b.selfTimed = {
            let start = threadCPUNanoseconds()
            let result = try! ReshareDemo.run(
                members: n, threshold: t, newMembers: n, newThreshold: t, leaving: [], offline: [],
                revealShares: false, message: [1, 2, 3], randomScalar: { Fr.random() })
            blackHole(result)
            return Double(threadCPUNanoseconds() - start) / Double(2 * n)
        }
        return b
    }
}

/// CPU time of the calling thread, in nanoseconds.
@Sendable func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Non-copyable secret keys cannot be captured by escaping closures; a box can.
private final class KeyBox {
    let key: SecretKey
    init(_ key: consuming SecretKey) { self.key = key }
}

/// The benchmark names are an interface (scripts compare runs by name): do not rename.
enum BenchmarkCatalogue {
    static let g1DST = Array("BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_".utf8)

    static func randomFp() -> Fp { Fp(reducingBigEndian64: SystemRandom.bytes(64)) }
    static func randomG1() -> G1Affine { G1Projective(G1Affine.generator).multipliedVartime(by: Fr.random()).affineVartime }
    static func randomG2() -> G2Affine { G2Projective(G2Affine.generator).multipliedVartime(by: Fr.random()).affineVartime }

    /// n random points: cheap 64-bit multiples of the generator, normalised together.
    static func pointsG1(_ n: Int) -> [G1Affine] {
        let g = G1Projective(G1Affine.generator)
        return batchNormalizeVartime((0..<n).map { _ in g.multipliedVartime(by: SystemRandom.uint64() | 1) })
    }
    static func pointsG2(_ n: Int) -> [G2Affine] {
        let g = G2Projective(G2Affine.generator)
        return batchNormalizeVartime((0..<n).map { _ in g.multipliedVartime(by: SystemRandom.uint64() | 1) })
    }

    /// n (public key, 32-byte message, signature) triples from fresh keys.
    static func signedTriples(_ n: Int) -> [(PublicKey, [UInt8], Signature)] {
        (0..<n).map { _ in
            let key = SecretKey.random()
            let message = SystemRandom.bytes(32)
            return (key.publicKey, message, key.sign(message))
        }
    }

    static let all: [Benchmark] = [
        Benchmark(name: "fp_mul") {
            let a = randomFp(), b = randomFp()
            return { n in var x = a; for _ in 0..<n { x = x * b }; blackHole(x) }
        },
        Benchmark(name: "fp_square") {
            let a = randomFp()
            return { n in var x = a; for _ in 0..<n { x = x.squared() }; blackHole(x) }
        },
        Benchmark(name: "fp_inverse") {
            let a = randomFp()
            return { n in var x = a; for _ in 0..<n { x = x.inverse() }; blackHole(x) }
        },
        Benchmark(name: "fp2_mul") {
            let a = Fp2(randomFp(), randomFp()), b = Fp2(randomFp(), randomFp())
            return { n in var x = a; for _ in 0..<n { x = x * b }; blackHole(x) }
        },
        Benchmark(name: "fp2_square") {
            let a = Fp2(randomFp(), randomFp())
            return { n in var x = a; for _ in 0..<n { x = x.squared() }; blackHole(x) }
        },
        Benchmark(name: "fp12_mul") {
            let f = millerLoop([(randomG1(), randomG2())]), g = millerLoop([(randomG1(), randomG2())])
            return { n in var x = f; for _ in 0..<n { x = x * g }; blackHole(x) }
        },
        Benchmark(name: "fp12_square") {
            let f = millerLoop([(randomG1(), randomG2())])
            return { n in var x = f; for _ in 0..<n { x = x.squared() }; blackHole(x) }
        },
        Benchmark(name: "cyclotomic_square") {
            let c = KarabinaCompressed(pairing(randomG1(), randomG2()).value)
            return { n in var x = c; for _ in 0..<n { x = x.squared() }; blackHole(x) }
        },
        Benchmark(name: "fr_mul") {
            let a = Fr.random(), b = Fr.random()
            return { n in var x = a; for _ in 0..<n { x = x * b }; blackHole(x) }
        },
        Benchmark(name: "g1_mul") {
            let p = G1Projective(randomG1()), k = Fr.random()
            return { n in var q = p; for _ in 0..<n { q = q.multiplied(by: k) }; blackHole(q) }
        },
        Benchmark(name: "g2_mul") {
            let p = G2Projective(randomG2()), k = Fr.random()
            return { n in var q = p; for _ in 0..<n { q = q.multiplied(by: k) }; blackHole(q) }
        },
        Benchmark(name: "g1_mul_vartime") {
            let p = G1Projective(randomG1()), k = Fr.random()
            return { n in var q = p; for _ in 0..<n { q = q.multipliedVartime(by: k) }; blackHole(q) }
        },
        Benchmark(name: "g2_mul_vartime") {
            let p = G2Projective(randomG2()), k = Fr.random()
            return { n in var q = p; for _ in 0..<n { q = q.multipliedVartime(by: k) }; blackHole(q) }
        },
        Benchmark(name: "g1_decompress") {
            let bytes = randomG1().compressed()
            return { n in for _ in 0..<n { blackHole(try! G1Affine(decoding: bytes)) } }
        },
        Benchmark(name: "g2_decompress") {
            let bytes = randomG2().compressed()
            return { n in for _ in 0..<n { blackHole(try! G2Affine(decoding: bytes)) } }
        },
        Benchmark(name: "hash_to_g1") {
            let message = SystemRandom.bytes(32)
            return { n in for _ in 0..<n { blackHole(try! G1Projective.hashToCurve(message, dst: g1DST)) } }
        },
        Benchmark(name: "hash_to_g2") {
            let message = SystemRandom.bytes(32)
            return { n in for _ in 0..<n { blackHole(try! G2Projective.hashToCurve(message, dst: Ciphersuite.signatureDST)) } }
        },
        Benchmark(name: "miller_loop") {
            let pairs = [(randomG1(), randomG2())]
            return { n in for _ in 0..<n { blackHole(millerLoop(pairs)) } }
        },
        Benchmark(name: "final_exponentiation") {
            let f = millerLoop([(randomG1(), randomG2())])
            return { n in for _ in 0..<n { blackHole(finalExponentiation(f)) } }
        },
        Benchmark(name: "pairing") {
            let p = randomG1(), q = randomG2()
            return { n in for _ in 0..<n { blackHole(pairing(p, q)) } }
        },
        Benchmark(name: "keygen") {
            let ikm = SystemRandom.bytes(32)
            return { n in for _ in 0..<n { blackHole(try! SecretKey.generate(ikm: ikm).publicKey) } }
        },
        Benchmark(name: "sign") {
            let box = KeyBox(SecretKey.random()), message = SystemRandom.bytes(32)
            return { n in for _ in 0..<n { blackHole(box.key.sign(message)) } }
        },
        Benchmark(name: "verify") {
            let (pk, message, signature) = signedTriples(1)[0]
            return { n in for _ in 0..<n { blackHole(BLS.verify(publicKey: pk, message: message, signature: signature)) } }
        },
        Benchmark(name: "aggregate_100") {
            let signatures = signedTriples(100).map(\.2)
            return { n in for _ in 0..<n { blackHole(try! Signature.aggregate(signatures)) } }
        },
        Benchmark(name: "fast_aggregate_verify_100") {
            let message = SystemRandom.bytes(32)
            var publicKeys: [PublicKey] = [], signatures: [Signature] = []
            for _ in 0..<100 {
                let key = SecretKey.random()
                publicKeys.append(key.publicKey)
                signatures.append(key.sign(message))
            }
            let aggregate = try! Signature.aggregate(signatures)
            return { n in
                for _ in 0..<n { blackHole(BLS.fastAggregateVerify(publicKeys: publicKeys, message: message, signature: aggregate)) }
            }
        },
        Benchmark(name: "aggregate_verify_100") {
            let triples = signedTriples(100)
            let publicKeys = triples.map(\.0), messages = triples.map(\.1)
            let aggregate = try! Signature.aggregate(triples.map(\.2))
            return { n in
                for _ in 0..<n { blackHole(BLS.aggregateVerify(publicKeys: publicKeys, messages: messages, signature: aggregate)) }
            }
        },
        Benchmark(name: "batch_verify_64") {
            let triples = signedTriples(64)
            let publicKeys = triples.map(\.0), messages = triples.map(\.1), signatures = triples.map(\.2)
            return { n in
                for _ in 0..<n {
                    blackHole(BLS.batchVerify(publicKeys: publicKeys, messages: messages, signatures: signatures))
                }
            }
        },
        Benchmark(name: "msm_g1_64") { msmG1(64) },
        Benchmark(name: "msm_g1_1024") { msmG1(1024) },
        Benchmark(name: "msm_g1_4096") { msmG1(4096) },
        Benchmark(name: "msm_g1_808") { msmG1(808) },  // the size of shuffle_verify_100's MSM
        Benchmark(name: "msm_g1_glv_808") {
            let points = pointsG1(808), scalars = (0..<808).map { _ in Fr.random() }
            return { n in for _ in 0..<n { blackHole(multiScalarMultiplyVartime(subgroupPoints: points, scalars: scalars)) } }
        },
        Benchmark(name: "msm_g1_glv_1024") {
            let points = pointsG1(1024), scalars = (0..<1024).map { _ in Fr.random() }
            return { n in for _ in 0..<n { blackHole(multiScalarMultiplyVartime(subgroupPoints: points, scalars: scalars)) } }
        },
        Benchmark(name: "msm_g2_64") {
            let points = pointsG2(64), scalars = (0..<64).map { _ in Fr.random() }
            return { n in for _ in 0..<n { blackHole(multiScalarMultiplyVartime(points: points, scalars: scalars)) } }
        },
        .dkg(4, 3),
        .dkg(10, 7),
        .dkg(31, 21, slow: true),
        .dkg(100, 67, slow: true),
        .reshare(100, 67, slow: true),
        .shuffleGenerators(100),
        .shuffleProve(100),
        .shuffleVerify(100),
        .shuffleOutputsSubgroup(100),
        .shuffleProve(1000, slow: true),
        .shuffleVerify(1000, slow: true),
        .decryptShare(100),
    ]

    private static func msmG1(_ size: Int) -> (Int) -> Void {
        let points = pointsG1(size), scalars = (0..<size).map { _ in Fr.random() }
        return { n in for _ in 0..<n { blackHole(multiScalarMultiplyVartime(points: points, scalars: scalars)) } }
    }
}
