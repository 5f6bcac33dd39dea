import BLS12381
import Primitives
import XCTest

final class GroupTests: XCTestCase {
    let g1 = G1Projective(G1Affine.generator)
    let g2 = G2Projective(G2Affine.generator)

    func testGeneratorsAreValid() {
        XCTAssertTrue(G1Affine.generator.isOnCurve)
        XCTAssertTrue(G2Affine.generator.isOnCurve)
        XCTAssertTrue(g1.isInSubgroup)
        XCTAssertTrue(g2.isInSubgroup)
        let rLimbs = R.littleEndianLimbs(count: 4)
        XCTAssertTrue(g1.multipliedVartime(by: rLimbs).isInfinity)
        XCTAssertTrue(g2.multipliedVartime(by: rLimbs).isInfinity)
    }

    func testGroupLaws() {
        var rng = SplitMix64(seed: 0x6A)
        for _ in 0..<10 {
            let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
            let p = g1.multiplied(by: a), q = g1.multiplied(by: b)
            XCTAssertEqual(p + q, g1.multiplied(by: a + b))
            XCTAssertEqual(p + q, q + p)
            XCTAssertEqual(p.doubled(), p + p)
            XCTAssertEqual(p + q.affine, p + q)
            XCTAssertEqual(p + G1Affine.infinity, p)
            XCTAssertTrue((p - p).isInfinity)
            XCTAssertEqual(p, g1.multipliedVartime(by: a))
            XCTAssertTrue(p.isOnCurve)
            XCTAssertTrue(p.isInSubgroup)
            let s = g2.multiplied(by: a), t = g2.multiplied(by: b)
            XCTAssertEqual(s + t, g2.multiplied(by: a + b))
            XCTAssertEqual(s, g2.multipliedVartime(by: a))
            XCTAssertEqual(s.affine, s.affineVartime)
            XCTAssertEqual(p.affine, p.affineVartime)
            XCTAssertTrue(s.isInSubgroup)
        }
        // The blinded conversion inverts 1 at infinity and still answers infinity.
        XCTAssertTrue(G1Projective.infinity.affine.isInfinity)
        XCTAssertTrue(G2Projective.infinity.affine.isInfinity)
        XCTAssertTrue(g1.multiplied(by: .zero).isInfinity)
        XCTAssertEqual(g1.multiplied(by: .one), g1)
        XCTAssertEqual(g1.multiplied(by: -Fr.one), -g1)
    }

    func testEndomorphismEigenvalues() {
        // φ acts as [-z^2] on G1, ψ as [z] on G2: both checked through scalar multiplication.
        let z = GMPInteger(hex: "d201000000010000")!
        let minusZ2 = R - (z * z) % R
        XCTAssertEqual(g1.phi(), g1.multipliedVartime(by: minusZ2.littleEndianLimbs(count: 4)))
        let zModR = R - z
        XCTAssertEqual(g2.psi(), g2.multipliedVartime(by: zModR.littleEndianLimbs(count: 4)))
    }

    /// The base-|z| digits behind GLV/GLS: checked against GMP for random and edge scalars.
    func testZAdicDigitsMatchGMP() {
        let z = GMPInteger(hex: "d201000000010000")!
        var rng = SplitMix64(seed: 0x2D)
        var scalars: [Fr] = [.zero, .one, -Fr.one, Fr(0xd201000000010000), Fr(0xd201000000010000 - 1)]
        let zSquared = Fr(0xd201000000010000) * Fr(0xd201000000010000)
        scalars += [zSquared, zSquared - .one, zSquared * Fr(0xd201000000010000), -zSquared]
        for _ in 0..<200 { scalars.append(Fr.random(using: &rng)) }
        for k in scalars {
            let c = k.canonicalLimbs
            var rest = GMPInteger(littleEndianLimbs: [c.0, c.1, c.2, c.3])
            let d = zAdicDigits(k)
            for (i, digit) in [d.0, d.1, d.2, d.3].enumerated() {
                XCTAssertEqual(GMPInteger(digit), rest % z, "digit \(i) of \(k.canonicalLimbs)")
                rest = rest / z
            }
            XCTAssertTrue(rest.isZero, "k < |z|^4")
        }
    }

    /// Signed radix-32 and radix-64 digits: within [−2^(width−1), 2^(width−1)] and summing back to k.
    func testSignedDigits() {
        var rng = SplitMix64(seed: 0x63)
        var scalars: [Fr] = [.zero, .one, Fr(15), Fr(16), Fr(31), Fr(32), Fr(33), Fr(63), Fr(64), -Fr.one, -Fr(32)]
        for _ in 0..<50 { scalars.append(Fr.random(using: &rng)) }
        for (width, count) in [(5, SignedDigits.count), (6, SignedDigits.count64)] {
            let half = 1 << (width - 1)
            let radix = Fr(UInt64(1) << UInt64(width))
            for k in scalars {
                let digits = SignedDigits.all(k, width: width)
                XCTAssertEqual(digits.count, count)
                var sum = Fr.zero, weight = Fr.one
                for d in digits {
                    XCTAssertTrue((0...half).contains(d.magnitude) && (d.negative == 0 || d.negative == 1))
                    let term = Fr(UInt64(d.magnitude)) * weight
                    sum = sum + (d.negative == 1 ? -term : term)
                    weight = weight * radix
                }
                XCTAssertEqual(sum, k, "width \(width)")
            }
        }
    }

    /// The batched fixed-base multiplication (affine chords sharing one inversion per window)
    /// equals one-at-a-time multiplication on every lane, across two tables, for scalars that keep
    /// the accumulator at infinity for many windows (all low digits zero), zero digits, carries
    /// through every window, and 2^256 mod r, the one scalar whose top window would meet the
    /// chord's exceptional case (accumulator = entry) — the reason that window is complete.
    func testBatchedFixedBaseMultiplication() {
        var rng = SplitMix64(seed: 0x62)
        func power(_ b: Fr, _ e: Int) -> Fr { (0..<e).reduce(Fr.one) { acc, _ in acc * b } }
        var scalars: [Fr] = [.zero, .one, Fr(15), Fr(16), Fr(17), Fr(31), Fr(32), Fr(16 * 32 + 16), -Fr.one, -Fr(16),
                             power(Fr(32), 40), power(Fr(32), 51), power(Fr(32), 51) - .one, power(Fr(2), 255),
                             power(Fr(2), 256), power(Fr(2), 256) + .one, -power(Fr(2), 255),
                             Fr(0x8421_0842_1084_2108) * power(Fr(2), 190) + Fr(0x8421_0842_1084_2108)]
        // Radix 64 (the tables' windows): digit edges, a carry through every window (each window
        // 32), the largest windows (each 31 or 63), and d·2^253 = 2d·64^42 for every possible
        // top digit d, the scalars whose top window could meet the exceptional case.
        scalars += [Fr(33), Fr(63), Fr(64), Fr(65), Fr(32 * 64 + 32), -Fr(32), -Fr(33),
                    power(Fr(64), 41), power(Fr(64), 42), power(Fr(64), 42) - .one,
                    (0..<42).reduce(Fr.zero) { acc, w in acc + Fr(32) * power(Fr(64), w) },
                    (0..<42).reduce(Fr.zero) { acc, w in acc + Fr(w % 2 == 0 ? 31 : 63) * power(Fr(64), w) }]
        scalars += (1...8).map { Fr(UInt64($0)) * power(Fr(2), 253) }
        for _ in 0..<6 { scalars.append(Fr.random(using: &rng)) }
        let p1 = g1.multiplied(by: Fr.random(using: &rng))
        let tables = [FixedBaseTable.generator, FixedBaseTable(p1.affine)]
        var jobs = [(table: FixedBaseTable, scalar: Fr)]()
        for (i, k) in scalars.enumerated() { jobs.append((tables[i % 2], k)); jobs.append((tables[(i + 1) % 2], k)) }
        XCTAssertGreaterThanOrEqual(jobs.count, FixedBaseTable.batchThreshold)
        let batched = FixedBaseTable.multiply(jobs)
        XCTAssertEqual(batched.count, jobs.count)
        for (job, result) in zip(jobs, batched) {
            let base = job.table.base == G1Affine.generator ? g1 : p1
            XCTAssertEqual(result, base.multipliedFullLength(by: job.scalar))
        }
        // A base outside G1 (order 3: x = 0 on y² = x³ + 4) makes the chords meet ±P: the batch
        // sees a zero denominator and falls back to complete additions, with the same answers.
        let torsion = G1Affine(x: .zero, y: Fp(2))
        let torsionTable = FixedBaseTable(torsion)
        let torsionJobs = scalars.map { (table: torsionTable, scalar: $0) }
        for (k, r) in zip(scalars, FixedBaseTable.multiply(torsionJobs)) {
            XCTAssertEqual(r, G1Projective(torsion).multipliedFullLength(by: k))
        }
        // Below the threshold: one at a time, same answers.
        let few = Array(jobs.prefix(3))
        XCTAssertEqual(FixedBaseTable.multiply(few), few.map { $0.table.multiply($0.scalar) })
        XCTAssertEqual(FixedBaseTable.multiply([]), [])
    }

    /// Constant-time Straus sums in step (affine chords from a random starting point, one shared
    /// inversion per point) equal the sums of variable-time products: sums of different lengths
    /// in one call, a point at infinity, zero scalars and zero digits, carries through every
    /// window, r − 1, a point outside G1; and a chosen starting point that meets the chord's
    /// exceptional case falls back to complete additions with the same answers.
    func testStrausSumsInStep() {
        var rng = SplitMix64(seed: 0x63)
        func power(_ b: Fr, _ e: Int) -> Fr { (0..<e).reduce(Fr.one) { acc, _ in acc * b } }
        let edges: [Fr] = [.zero, .one, Fr(16), Fr(17), Fr(31), -Fr.one, -Fr(16), power(Fr(32), 51), power(Fr(32), 51) - .one,
                           power(Fr(2), 255), Fr(0x8421_0842_1084_2108) * power(Fr(2), 190)]
        var points = (0..<22).map { _ in g1.multipliedVartime(by: Fr.random(using: &rng)).affine }
        points[0] = G1Affine.generator
        points[5] = .infinity
        points[9] = G1Affine(x: .zero, y: Fp(2))  // order 3, off the subgroup
        func scalars(_ n: Int) -> [Fr] { (0..<n).map { $0 < edges.count ? edges[($0 * 7) % edges.count] : Fr.random(using: &rng) } }
        let jobs: [(tables: WindowTables, scalars: [Fr])] = [
            (WindowTables(points), scalars(22)),
            (WindowTables(Array(points[3..<20])), scalars(17)),
            (WindowTables(Array(points[0..<3])), [.one, Fr.random(using: &rng), .zero]),
        ]
        let expected = jobs.map { job in
            zip(job.tables.points, job.scalars).reduce(G1Projective.infinity) { $0 + G1Projective($1.0).multipliedFullLength(by: $1.1) }
        }
        XCTAssertGreaterThanOrEqual(jobs[0].scalars.count, WindowTables.inStepThreshold)
        XCTAssertEqual(WindowTables.multiply(jobs), expected)
        XCTAssertEqual(jobs.map { $0.tables.multiply($0.scalars) }, expected)
        // ρ = 1 starts every lane at G, and the first point is G with scalar 1: window 0's lane
        // meets its entry (zero denominator), so the sums restart one at a time.
        var forced = jobs
        forced[0].scalars[0] = .one
        let forcedExpected = forced.map { job in
            zip(job.tables.points, job.scalars).reduce(G1Projective.infinity) { $0 + G1Projective($1.0).multipliedFullLength(by: $1.1) }
        }
        XCTAssertEqual(WindowTables.multiply(forced, offset: .one), forcedExpected)
        // Below the threshold: one sum at a time.
        XCTAssertEqual(WindowTables.multiply([jobs[2]]), [expected[2]])
        XCTAssertEqual(WindowTables.multiply([]), [])
    }

    /// Batches large enough to be cut into parts for several workers (`Parallel`: on a machine
    /// with two cores or more, or VRING_THREADS ≥ 2) give the same answers as one at a time:
    /// fixed-base products across two tables, Straus sums of unequal lengths, tables of multiples.
    func testBatchesCutForWorkers() {
        var rng = SplitMix64(seed: 0x64)
        let p1 = g1.multiplied(by: Fr.random(using: &rng))
        let tables = [FixedBaseTable.generator, FixedBaseTable(p1.affine)]
        let n = 8 * FixedBaseTable.batchThreshold + 3
        let jobs = (0..<n).map { i in (table: tables[i % 2], scalar: i == 7 ? Fr.zero : Fr.random(using: &rng)) }
        if Parallel.threads > 1 { XCTAssertGreaterThan(Parallel.parts(n, minimum: 4 * FixedBaseTable.batchThreshold).count, 1) }
        XCTAssertEqual(FixedBaseTable.multiply(jobs), jobs.map { $0.table.multiply($0.scalar) })

        let points = (0..<70).map { _ in g1.multipliedVartime(by: Fr.random(using: &rng)).affine }
        if Parallel.threads > 1 { XCTAssertGreaterThan(Parallel.parts(points.count, minimum: 2 * WindowTables.inStepThreshold).count, 1) }
        let sums: [(tables: WindowTables, scalars: [Fr])] = [
            (WindowTables(points), points.map { _ in Fr.random(using: &rng) }),
            (WindowTables(Array(points[0..<40])), (0..<40).map { _ in Fr.random(using: &rng) }),
            (WindowTables(Array(points[0..<5])), (0..<5).map { _ in Fr.random(using: &rng) }),
        ]
        XCTAssertEqual(WindowTables.multiply(sums), sums.map { $0.tables.multiply($0.scalars) })
        XCTAssertEqual(sums[0].tables.points, points)

        let multiples = affineMultiplesVartime(points, count: 32)
        for i in [0, 17, 35, 36, 69] {
            for j in [1, 2, 16, 31, 32] {
                XCTAssertEqual(G1Projective(multiples[32 * i + j - 1]), G1Projective(points[i]).multipliedVartime(by: Fr(UInt64(j))))
            }
        }
    }

    /// GLV (G1) and GLS (G2) constant-time multiplication equal the full-length ladder and the
    /// variable-time wNAF, for random scalars and the edges of each digit.
    func testEndomorphismSplitMultiplication() {
        var rng = SplitMix64(seed: 0x61)
        let zAbs = Fr(0xd201000000010000)
        var scalars: [Fr] = [.zero, .one, Fr(2), -Fr.one, -Fr(2), zAbs, zAbs - .one, zAbs + .one,
                             zAbs * zAbs, zAbs * zAbs - .one, zAbs * zAbs * zAbs, zAbs * zAbs * zAbs - .one,
                             -(zAbs * zAbs * zAbs)]
        for _ in 0..<12 { scalars.append(Fr.random(using: &rng)) }
        // Base-|z| digits whose signed radix-32 windows carry all the way up (every window 16,
        // 15 or 31), and the largest top windows: k = d0 + d1·|z| + d2·|z|² + d3·|z|³ < r.
        let patterns: [UInt64] = [0x8421_0842_1084_2108, 0x7BDE_F7BD_EF7B_DEF7, 0xCFFF_FFFF_FFFF_FFFF,
                                  0xd201_0000_0000_ffff, 0xC000_0000_0000_0000]
        for (i, d0) in patterns.enumerated() {
            let d1 = patterns[(i + 1) % patterns.count], d2 = patterns[(i + 2) % patterns.count]
            let d3 = patterns[(i + 3) % patterns.count] & 0x8FFF_FFFF_FFFF_FFFF
            scalars.append(Fr(d0) + Fr(d1) * zAbs + Fr(d2) * zAbs * zAbs + Fr(d3) * zAbs * zAbs * zAbs)
        }
        let p1 = g1.multiplied(by: Fr.random(using: &rng)), p2 = g2.multiplied(by: Fr.random(using: &rng))
        for k in scalars {
            // The generator's precomputed table (what `multiplied(by:)` uses for it).
            XCTAssertEqual(FixedBaseTable.generator.multiply(k), g1.multipliedFullLength(by: k))
            XCTAssertEqual(FixedBaseTable(p1.affine).multiply(k), p1.multipliedFullLength(by: k))
            for p in [g1, p1] {
                let expected = p.multipliedFullLength(by: k)
                XCTAssertEqual(p.multipliedGLV(by: k), expected)
                XCTAssertEqual(p.multiplied(by: k), p.multipliedVartime(by: k))
            }
            for p in [g2, p2] {
                let expected = p.multipliedFullLength(by: k)
                XCTAssertEqual(p.multipliedGLS(by: k), expected)
                XCTAssertEqual(p.multiplied(by: k), p.multipliedVartime(by: k))
            }
        }
        XCTAssertTrue(G1Projective.infinity.multiplied(by: Fr.random(using: &rng)).isInfinity)
        XCTAssertTrue(G2Projective.infinity.multiplied(by: Fr.random(using: &rng)).isInfinity)
    }

    /// Points on the curve but outside the subgroup: rejected by the subgroup checks.
    func testSubgroupChecksRejectCofactorPoints() {
        var rng = SplitMix64(seed: 0x5B)
        var found1 = 0, found2 = 0
        while found1 < 5 {
            let x = Fp.random(using: &rng)
            guard let y = (x.squared() * x + Fp(4)).squareRootVartime() else { continue }
            let p = G1Projective(x: x, y: y, z: .one)
            XCTAssertTrue(p.isOnCurve)
            XCTAssertFalse(p.isInSubgroup, "random curve point is in G1 with negligible probability")
            XCTAssertTrue(p.clearCofactor().isInSubgroup)
            found1 += 1
        }
        while found2 < 5 {
            let x = Fp2.random(using: &rng)
            guard let y = (x.squared() * x + Fp2(Fp(4), Fp(4))).squareRootVartime() else { continue }
            let p = G2Projective(x: x, y: y, z: .one)
            XCTAssertTrue(p.isOnCurve)
            XCTAssertFalse(p.isInSubgroup)
            XCTAssertTrue(p.clearCofactor().isInSubgroup)
            found2 += 1
        }
        // A point of small order on E1: (0, 2) has order 3 (x = 0 ⇒ doubling gives its negative).
        let small = G1Projective(x: .zero, y: Fp(2), z: .one)
        XCTAssertTrue(small.isOnCurve)
        XCTAssertFalse(small.isInSubgroup)
        XCTAssertTrue(small.multipliedVartime(by: UInt64(3)).isInfinity)
        XCTAssertThrowsError(try G1Affine(decoding: small.affine.compressed())) { e in
            XCTAssertEqual(e as? PointDecodingError, .notInSubgroup(group: "G1"))
        }
    }

    func testEncodingRoundTrips() throws {
        var rng = SplitMix64(seed: 0xE0)
        for _ in 0..<10 {
            let k = Fr.random(using: &rng)
            let p = g1.multiplied(by: k).affine
            XCTAssertEqual(try G1Affine(decoding: p.compressed()), p)
            XCTAssertEqual(try G1Affine(decoding: p.uncompressed()), p)
            let q = g2.multiplied(by: k).affine
            XCTAssertEqual(try G2Affine(decoding: q.compressed()), q)
            XCTAssertEqual(try G2Affine(decoding: q.uncompressed()), q)
            XCTAssertEqual(try G1Affine(decoding: (-p).compressed()), -p)
        }
        XCTAssertEqual(try G1Affine(decoding: G1Affine.infinity.compressed()), .infinity)
        XCTAssertEqual(try G2Affine(decoding: G2Affine.infinity.uncompressed()), .infinity)
        XCTAssertEqual(Hex.encode(G1Affine.generator.compressed()),
                       "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb")
        XCTAssertEqual(Hex.encode(G2Affine.generator.compressed()),
                       "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8")
    }

    func testDecodingRejectsBadInput() {
        let good = G1Affine.generator.compressed()
        func fails(_ b: [UInt8], _ e: PointDecodingError) {
            XCTAssertThrowsError(try G1Affine(decoding: b)) { XCTAssertEqual($0 as? PointDecodingError, e) }
        }
        fails(Array(good.prefix(47)), .wrongLength(group: "G1", expected: [48, 96], actual: 47))
        fails([], .wrongLength(group: "G1", expected: [48, 96], actual: 0))
        var noC = good; noC[0] &= 0x7f
        fails(noC, .compressionFlagMismatch(group: "G1", length: 48))
        var infSign = [UInt8](repeating: 0, count: 48); infSign[0] = 0xe0
        fails(infSign, .nonCanonicalInfinity(group: "G1"))
        var infNonzero = [UInt8](repeating: 0, count: 48); infNonzero[0] = 0xc0; infNonzero[47] = 1
        fails(infNonzero, .nonCanonicalInfinity(group: "G1"))
        var xp = P.bigEndianBytes(count: 48); xp[0] |= 0x80
        fails(xp, .coordinateNotInField(group: "G1"))
        // mutated and random bytes never crash; any error is typed.
        var rng = SplitMix64(seed: 0xBAD)
        for i in 0..<300 {
            var b = i % 2 == 0 ? good : G2Affine.generator.compressed()
            b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            _ = try? G1Affine(decoding: b)
            _ = try? G2Affine(decoding: b)
            let r = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? G1Affine(decoding: r)
            _ = try? G2Affine(decoding: r)
        }
    }

    /// Scalars that stress the signed digits and the GLV split: 0, 1, r − 1, r − 2, powers of two up
    /// to 2^254 and their negatives (long runs of ones, carries into and out of the top window),
    /// z², z² ± 1, and random values.
    func msmEdgeScalars(_ n: Int, using rng: inout SplitMix64) -> [Fr] {
        var power = Fr.one
        var specials: [Fr] = [.zero, .one, -Fr.one, -Fr(2)]
        for k in 0...254 {
            if k % 17 == 0 || k >= 250 { specials += [power, -power, power - .one] }
            power = power + power
        }
        let zz = Fr(0xd201_0000_0001_0000) * Fr(0xd201_0000_0001_0000)
        specials += [zz, zz + .one, zz - .one, -zz, zz * zz]
        return (0..<n).map { i in i % 3 == 0 ? specials[(i / 3) % specials.count] : Fr.random(using: &rng) }
    }

    /// On-curve points of E(Fp) with (almost surely) a non-zero cofactor component: random x
    /// decoded without the subgroup check.
    func onCurveG1Points(_ n: Int, using rng: inout SplitMix64) -> [G1Affine] {
        var out: [G1Affine] = []
        while out.count < n {
            var b = (0..<48).map { _ in UInt8.random(in: 0...255, using: &rng) }
            b[0] = 0x80 | (b[0] & 0x2f)  // compressed, random sign, x < 2^380 < p
            if let p = try? G1Affine(decoding: b, subgroupCheck: .skip) { out.append(p) }
        }
        return out
    }

    func testMSMEqualsNaiveSum() {
        var rng = SplitMix64(seed: 0x3535)
        // Below 8: the naive path; from 8: signed-digit Pippenger with affine buckets, whose
        // window width changes at 16, 40, 63, 130, 700, 4096 (msmWindowWidth). The repeated and
        // opposite points force the doubling and cancellation paths in filling and summing.
        for n in [0, 1, 5, 7, 8, 9, 16, 17, 40, 63, 64, 65, 130, 700, 1100] {
            let scalars = msmEdgeScalars(n, using: &rng)
            var points = (0..<n).map { _ in g1.multiplied(by: .random(using: &rng)).affine }
            if n >= 8 {
                for k in stride(from: 0, to: n - 1, by: 9) { points[k + 1] = points[k] }  // equal points
                for k in stride(from: 3, to: n - 1, by: 11) { points[k + 1] = (-G1Projective(points[k])).affine }  // opposite points
                points[n / 2] = .infinity
            }
            var naive = G1Projective.infinity
            for i in 0..<n { naive = naive + G1Projective(points[i]).multiplied(by: scalars[i]) }
            XCTAssertEqual(multiScalarMultiplyVartime(points: points, scalars: scalars), naive, "n = \(n)")
            XCTAssertEqual(multiScalarMultiplyVartime(subgroupPoints: points, scalars: scalars), naive, "GLV, n = \(n)")
        }
        // Everything cancels: P and −P with the same scalar, and the same point with k and −k.
        let p = g1.multiplied(by: .random(using: &rng)).affine
        let k = Fr.random(using: &rng)
        let cancelling = [G1Affine](repeating: p, count: 20) + [G1Affine](repeating: (-G1Projective(p)).affine, count: 20)
        XCTAssertTrue(multiScalarMultiplyVartime(points: cancelling, scalars: [Fr](repeating: k, count: 40)).isInfinity)
        XCTAssertTrue(multiScalarMultiplyVartime(subgroupPoints: cancelling, scalars: [Fr](repeating: k, count: 40)).isInfinity)
        XCTAssertTrue(multiScalarMultiplyVartime(points: [G1Affine](repeating: p, count: 40),
                                                 scalars: (0..<40).map { $0 < 20 ? k : -k }).isInfinity)
        // All points at infinity, all scalars zero.
        XCTAssertTrue(multiScalarMultiplyVartime(points: [G1Affine](repeating: .infinity, count: 70), scalars: (0..<70).map { _ in Fr.random(using: &rng) }).isInfinity)
        XCTAssertTrue(multiScalarMultiplyVartime(points: [G1Affine](repeating: p, count: 70), scalars: [Fr](repeating: .zero, count: 70)).isInfinity)

        for n in [5, 8, 9, 40, 150] {
            let scalars = msmEdgeScalars(n, using: &rng)
            var points = (0..<n).map { _ in g2.multiplied(by: .random(using: &rng)).affine }
            points[n - 1] = points[0]
            if n > 8 { points[7] = (-G2Projective(points[6])).affine; points[3] = .infinity }
            var naive = G2Projective.infinity
            for i in 0..<n { naive = naive + G2Projective(points[i]).multiplied(by: scalars[i]) }
            XCTAssertEqual(multiScalarMultiplyVartime(points: points, scalars: scalars), naive, "G2, n = \(n)")
        }
    }

    /// Points only on E(Fp): the plain MSM is exact; the GLV MSM is not (it relies on φ = [−z²],
    /// true on G1 only) but agrees after multiplying by h_eff, which is what the shuffle verifier
    /// relies on.
    func testMSMOnCurvePoints() {
        var rng = SplitMix64(seed: 0x7011)
        for n in [9, 70, 808] {
            let points = onCurveG1Points(n, using: &rng)
            let scalars = msmEdgeScalars(n, using: &rng)
            var naive = G1Projective.infinity
            // multipliedFullLength: `multiplied(by:)` is GLV, exact on G1 only.
            for i in 0..<n { naive = naive + G1Projective(points[i]).multipliedFullLength(by: scalars[i]) }
            XCTAssertFalse(naive.isInSubgroup)
            XCTAssertEqual(multiScalarMultiplyVartime(points: points, scalars: scalars), naive, "n = \(n)")
            let glv = multiScalarMultiplyVartime(subgroupPoints: points, scalars: scalars)
            XCTAssertNotEqual(glv, naive, "n = \(n): the GLV sum differs off the subgroup")
            XCTAssertEqual(glv.clearCofactor(), naive.clearCofactor(), "n = \(n)")
        }
    }
}
