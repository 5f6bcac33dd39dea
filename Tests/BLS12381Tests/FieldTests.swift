import BLS12381
import Primitives
import XCTest

/// Field laws and the fast arithmetic checked against GMP. Seeds are fixed so failures replay.
final class FieldTests: XCTestCase {
    func testFpAgainstGMP() {
        var rng = SplitMix64(seed: 0xF1E1D)
        var cases: [Fp] = [.zero, .one, -Fp.one, Fp(2), -Fp(2), Fp(gmp: P - GMPInteger(1)), Fp(gmp: (P - GMPInteger(1)) / GMPInteger(2))]
        for _ in 0..<500 { cases.append(.random(using: &rng)) }
        for a in cases {
            let b = Fp.random(using: &rng)
            XCTAssertEqual((a * b).gmp, (a.gmp * b.gmp) % P, "mul \(a) \(b)")
            XCTAssertEqual((a + b).gmp, (a.gmp + b.gmp) % P)
            XCTAssertEqual((a - b).gmp, (a.gmp + P - b.gmp) % P)
            XCTAssertEqual((-a).gmp, (P - a.gmp) % P)
            XCTAssertEqual(a.squared().gmp, (a.gmp * a.gmp) % P)
            XCTAssertEqual(Fp(gmp: a.gmp), a, "round trip")
            if !a.isZero {
                XCTAssertEqual(a.inverse().gmp, a.gmp.inverseMod(P)!)
                XCTAssertEqual(a.inverseVartime(), a.inverse())
                XCTAssertEqual(a * a.inverse(), .one)
                XCTAssertEqual(a.inverseBlinded(), a.inverse())
            }
            if a.isZero { XCTAssertEqual(a.inverseBlinded(), .zero) }
            let isQR = a.isZero || a.gmp.isQuadraticResidue(mod: P)
            XCTAssertEqual(a.isSquareBit == 1, isQR)
            if let s = a.squareRootVartime() {
                XCTAssertTrue(isQR)
                XCTAssertEqual(s.squared(), a)
            } else {
                XCTAssertFalse(isQR)
            }
        }
        XCTAssertEqual(Fp.zero.inverse(), .zero)
    }

    /// Fp reads p and -p^-1 mod 2^64 from memory (vring_fp_modulus in CBarrier/barrier.c, see
    /// vring_barrier.h): the limbs must spell p, taken here from the BLS parameter z.
    func testModulusInMemory() {
        let z = GMPInteger(hex: "d201000000010000")!  // |z|, z negative
        let p = ((z + GMPInteger(1)) * (z + GMPInteger(1)) * (z * z * z * z - z * z + GMPInteger(1))) / GMPInteger(3) - z
        XCTAssertEqual(p, P)
        let limbs = [Fp.p0, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5]
        var fromLimbs = GMPInteger(0)
        for l in limbs.reversed() { fromLimbs = fromLimbs * GMPInteger(hex: "10000000000000000")! + GMPInteger(hex: String(l, radix: 16))! }
        XCTAssertEqual(fromLimbs, P)
        XCTAssertEqual(Fp.p0 &* Fp.inv, UInt64.max, "inv must be -p^-1 mod 2^64")
    }

    func testFpDecodingRejectsModulus() {
        XCTAssertNil(Fp(bigEndian: P.bigEndianBytes(count: 48)))
        XCTAssertNotNil(Fp(bigEndian: (P - GMPInteger(1)).bigEndianBytes(count: 48)))
        XCTAssertNil(Fp(bigEndian: [UInt8](repeating: 0xff, count: 48)))
        XCTAssertNil(Fp(bigEndian: [UInt8](repeating: 0, count: 47)))
        XCTAssertNil(Fp(bigEndian: P.bigEndianBytes(count: 48).lazy.map { $0 }))
        XCTAssertEqual(Fp(bigEndian: (P - GMPInteger(1)).bigEndianBytes(count: 48).lazy.map { $0 }), -Fp.one)
    }

    func testReduce64MatchesGMP() {
        var rng = SplitMix64(seed: 64)
        for i in 0..<200 {
            var b = [UInt8](repeating: 0, count: 64)
            for j in 0..<64 { b[j] = i == 0 ? 0xff : UInt8.random(in: 0...255, using: &rng) }
            XCTAssertEqual(Fp(reducingBigEndian64: b).gmp, GMPInteger(bigEndian: b) % P)
            XCTAssertEqual(Fr(reducingBigEndian: b).gmp, GMPInteger(bigEndian: b) % R)
            XCTAssertEqual(Fr(reducingBigEndian: Array(b.prefix(48))).gmp, GMPInteger(bigEndian: Array(b.prefix(48))) % R)
        }
    }

    func testFrAgainstGMP() {
        var rng = SplitMix64(seed: 0xF2)
        var cases: [Fr] = [.zero, .one, -Fr.one]
        for _ in 0..<500 { cases.append(.random(using: &rng)) }
        for a in cases {
            let b = Fr.random(using: &rng)
            XCTAssertEqual((a * b).gmp, (a.gmp * b.gmp) % R)
            XCTAssertEqual((a + b).gmp, (a.gmp + b.gmp) % R)
            XCTAssertEqual((a - b).gmp, (a.gmp + R - b.gmp) % R)
            XCTAssertEqual(Fr(bigEndian: a.bigEndianBytes), a)
            // A collection without contiguous storage goes through the zeroed copy.
            XCTAssertEqual(Fr(bigEndian: a.bigEndianBytes.lazy.map { $0 }), a)
            XCTAssertEqual(Fr(reducingBigEndian: a.bigEndianBytes.lazy.map { $0 }), a)
            if !a.isZero {
                XCTAssertEqual(a.inverse().gmp, a.gmp.inverseMod(R)!)
                XCTAssertEqual(a.inverseVartime(), a.inverse())
            }
        }
        XCTAssertNil(Fr(bigEndian: R.bigEndianBytes(count: 32)))
        XCTAssertNil(Fr(bigEndian: R.bigEndianBytes(count: 32).lazy.map { $0 }))
        XCTAssertNil(Fr(bigEndian: [UInt8](repeating: 0, count: 31)))
        XCTAssertNil(Fr(bigEndian: [UInt8](repeating: 0, count: 33)))
        let xs = (0..<20).map { i in i == 7 ? Fr.zero : Fr.random(using: &rng) }
        let inv = Fr.batchInverseVartime(xs)
        for (x, y) in zip(xs, inv) { XCTAssertEqual(y, x.inverseVartime()) }
    }

    func testTowerLaws() {
        var rng = SplitMix64(seed: 0x70E5)
        for _ in 0..<30 {
            let a = Fp2.random(using: &rng), b = Fp2.random(using: &rng), c = Fp2.random(using: &rng)
            XCTAssertEqual(a * (b + c), a * b + a * c)
            XCTAssertEqual(a.squared(), a * a)
            XCTAssertEqual(a * a.inverse(), .one)
            XCTAssertEqual(a.inverseVartime(), a.inverse())
            XCTAssertEqual(a.inverseBlinded(), a.inverse())
            // Frobenius is the p-th power.
            let pLimbs = P.littleEndianLimbs(count: 6)
            XCTAssertEqual(a.power(pLimbs), a.frobenius(1))
            if let s = a.squareRootVartime() { XCTAssertEqual(s.squared(), a) } else { XCTAssertEqual(a.isSquareBit, 0) }
            let sq = a.squared()
            XCTAssertEqual(sq.squareRootVartime()?.squared(), sq)

            let x = Fp6.random(using: &rng), y = Fp6.random(using: &rng), z = Fp6.random(using: &rng)
            XCTAssertEqual(x * (y + z), x * y + x * z)
            XCTAssertEqual((x * y) * z, x * (y * z))
            XCTAssertEqual(x.squared(), x * x)
            XCTAssertEqual(x * x.inverse(), .one)
            XCTAssertEqual(x.mulBy01(a, b), x * Fp6(a, b, .zero))
            XCTAssertEqual(x * y, Fp6.multiplyReference(x, y))
            XCTAssertEqual(x.mulBy01(a, b), Fp6.multiplyReference(x, Fp6(a, b, .zero)))
            XCTAssertEqual(Fp2Wide(square: a).reduced(), a.squared())
            XCTAssertEqual(Fp2Wide(product: a, b).reduced(), a * b)
            XCTAssertEqual(x.mulBy1(b), x * Fp6(.zero, b, .zero))
            XCTAssertEqual(x.mulByV(), x * Fp6(.zero, .one, .zero))

            let f = Fp12.random(using: &rng), g = Fp12.random(using: &rng), h = Fp12.random(using: &rng)
            XCTAssertEqual((f * g) * h, f * (g * h))
            XCTAssertEqual(f.squared(), f * f)
            XCTAssertEqual(f * f.inverse(), .one)
            XCTAssertEqual(f.mulBy014(a, b, c), f * Fp12(Fp6(a, b, .zero), Fp6(.zero, c, .zero)))
            XCTAssertEqual(f.mulBy014(a, b, c), Fp12.multiplyReference(f, Fp12(Fp6(a, b, .zero), Fp6(.zero, c, .zero))))
            XCTAssertEqual(f * g, Fp12.multiplyReference(f, g))
            XCTAssertEqual(x.mulBy1(b), Fp6.multiplyReference(x, Fp6(.zero, b, .zero)))
            XCTAssertEqual(f.frobenius(1), f.power(pLimbs))
            XCTAssertEqual(f.frobenius(2), f.frobenius(1).frobenius(1))
            XCTAssertEqual(f.frobenius(3), f.frobenius(2).frobenius(1))
            XCTAssertEqual(f.frobenius(6), f.conjugate())
            // Cyclotomic squaring agrees with squaring on the cyclotomic subgroup: f^((p^6-1)(p^2+1)).
            var m = f.conjugate() * f.inverse()
            m = m.frobenius(2) * m
            XCTAssertEqual(m.cyclotomicSquared(), m.squared())
        }
    }

    /// Lazy reduction at the edges of its bounds: coefficients whose limbs are p − 1 (the
    /// largest reduced value) or zero, in every combination over two coefficients.
    func testLazyReductionAtExtremeValues() {
        let top = Fp(Fp.p0 &- 1, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)
        let values: [Fp] = [.zero, .one, top, -Fp.one, Fp(Fp.p0 &- 2, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)]
        var elements: [Fp2] = []
        for u in values { for w in values { elements.append(Fp2(u, w)) } }
        var rng = SplitMix64(seed: 0x1A2B)
        for (i, e) in elements.enumerated() {
            let f = elements[(i * 7 + 3) % elements.count], g = elements[(i * 11 + 5) % elements.count]
            XCTAssertEqual(Fp2Wide(square: e).reduced(), Fp2.multiplyReference(e, e))
            XCTAssertEqual(Fp2Wide(product: e, f).reduced(), Fp2.multiplyReference(e, f))
            let x = Fp6(e, f, g), y = Fp6(g, e, f)
            XCTAssertEqual(x * y, Fp6.multiplyReference(x, y))
            XCTAssertEqual(x * x, Fp6.multiplyReference(x, x))
            XCTAssertEqual(x.mulBy01(f, g), Fp6.multiplyReference(x, Fp6(f, g, .zero)))
            let big = Fp12(x, y), other = Fp12(y, Fp6(g, f, e))
            XCTAssertEqual(big * other, Fp12.multiplyReference(big, other))
            XCTAssertEqual(big.mulBy014(e, f, g), Fp12.multiplyReference(big, Fp12(Fp6(e, f, .zero), Fp6(.zero, g, .zero))))
            let r = Fp6.random(using: &rng)
            XCTAssertEqual(x * r, Fp6.multiplyReference(x, r))
            let k = KarabinaCompressed(g2: e, g3: f, g4: g, g5: e)
            // Not a cyclotomic element, but the squaring formulas are polynomial identities:
            // compare them with the same formulas over reduced Fp2 arithmetic.
            let s4 = g.squared(), s5 = e.squared(), s2 = e.squared(), s3 = f.squared()
            let b45 = (g * e).doubled().mulByNonResidue(), b23 = (e * f).doubled()
            let a45 = s4 + s5.mulByNonResidue(), a23 = s2 + s3.mulByNonResidue()
            let expected = KarabinaCompressed(
                g2: (b45 + e).doubled() + b45, g3: (a45 - f).doubled() + a45,
                g4: (a23 - g).doubled() + a23, g5: (b23 + e).doubled() + b23)
            XCTAssertEqual(k.squared(), expected)
        }
    }

    /// The lazily reduced a·b ± c·d of the curve formulas against two full products, for Fp and
    /// Fp2, at random values and at the largest reduced ones.
    func testSumAndDifferenceOfProducts() {
        var rng = SplitMix64(seed: 0x5050)
        let top = Fp(Fp.p0 &- 1, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)
        var fps: [Fp] = [.zero, .one, top, -Fp.one]
        for _ in 0..<12 { fps.append(Fp.random(using: &rng)) }
        for (i, a) in fps.enumerated() {
            let b = fps[(i + 1) % fps.count], c = fps[(i + 5) % fps.count], d = fps[(i * 3 + 2) % fps.count]
            XCTAssertEqual(Fp.sumOfProducts(a, b, c, d), a * b + c * d)
            XCTAssertEqual(Fp.differenceOfProducts(a, b, c, d), a * b - c * d)
            XCTAssertEqual(Fp.sumOfProducts(top, top, top, top), top * top + top * top)
            XCTAssertEqual(Fp.differenceOfProducts(.zero, a, top, top), -(top * top))
            let x = Fp2(a, d), y = Fp2(b, c), z = Fp2(c, top), w = Fp2(top, a)
            XCTAssertEqual(Fp2.sumOfProducts(x, y, z, w), x * y + z * w)
            XCTAssertEqual(Fp2.differenceOfProducts(x, y, z, w), x * y - z * w)
            XCTAssertEqual(Fp2.differenceOfProducts(w, w, z, z), w.squared() - z.squared())
        }
    }

    /// Karabina's compressed squaring against Granger–Scott on the cyclotomic subgroup, both ways
    /// of recovering g1, the identity, and the compressed exponentiation by z against the plain one.
    func testKarabinaCompressedSquaring() {
        var rng = SplitMix64(seed: 0x4B41_5241)
        for round in 0..<12 {
            let f = Fp12.random(using: &rng)
            var m = f.conjugate() * f.inverse()
            m = m.frobenius(2) * m
            let g = KarabinaCompressed(m)
            XCTAssertEqual(g.decompressedVartime(), m, "round \(round)")
            XCTAssertEqual(g.g1Vartime(), m.c1.c1)
            // The relation the g2 = 0 branch of the decompression rests on:
            // ξ·(g1·g3 − 2·g4·g5) = g2·(1 − g0) (with g2 = 0 it gives g1 = 2·g4·g5 / g3).
            let (g0, g1) = (m.c0.c0, m.c1.c1)
            XCTAssertEqual((g1 * g.g3 - (g.g4 * g.g5).doubled()).mulByNonResidue(), g.g2 * (Fp2.one - g0))
            XCTAssertEqual(((g.g5.squared().mulByNonResidue() + g.g4.squared() + g.g4.squared().doubled()) - g.g3.doubled()),
                           (g1 * g.g2).doubled().doubled())
            var plain = m, compressed = g
            for k in 1...8 {
                plain = plain.cyclotomicSquared()
                compressed = compressed.squared()
                XCTAssertEqual(compressed, KarabinaCompressed(plain), "round \(round), \(k) squarings")
                XCTAssertEqual(compressed.decompressedVartime(), plain, "round \(round), \(k) squarings")
            }
            XCTAssertEqual(m.cyclotomicSquared(repeated: 9), plain.cyclotomicSquared())
            XCTAssertEqual(m.cyclotomicSquared(repeated: 3), m.cyclotomicSquared().cyclotomicSquared().cyclotomicSquared())
            XCTAssertEqual(m.cyclotomicPowZ(), m.cyclotomicPowZReference(), "round \(round)")
            XCTAssertNotEqual(m.cyclotomicPowZ(), m)
        }
        // The identity compresses to zeros (g2 = g3 = 0) and stays the identity.
        XCTAssertEqual(KarabinaCompressed(.one), KarabinaCompressed(g2: .zero, g3: .zero, g4: .zero, g5: .zero))
        XCTAssertEqual(KarabinaCompressed(.one).squared().decompressedVartime(), .one)
        XCTAssertEqual(Fp12.one.cyclotomicSquared(repeated: 32), .one)
        XCTAssertEqual(Fp12.one.cyclotomicPowZ(), .one)
    }

    func testSgn0() {
        XCTAssertEqual(Fp.zero.sgn0, 0)
        XCTAssertEqual(Fp.one.sgn0, 1)
        XCTAssertEqual(Fp(2).sgn0, 0)
        XCTAssertEqual((-Fp.one).sgn0, 0)  // p - 1 is even
        XCTAssertEqual(Fp2(.zero, .one).sgn0, 1)
        XCTAssertEqual(Fp2(Fp(2), .one).sgn0, 0)
    }
}

final class SquareRootTests: XCTestCase {
    func testFp2SquareRootMethodsAgree() {
        var rng = SplitMix64(seed: 0x5157)
        for i in 0..<200 {
            var a = Fp2.random(using: &rng)
            if i % 10 == 0 { a = Fp2(a.c0, .zero) }
            if i % 10 == 1 { a = Fp2(.zero, a.c1) }
            let fast = a.squareRootVartime(), reference = a.squareRootAlgorithm9()
            XCTAssertEqual(fast == nil, reference == nil, "\(a)")
            XCTAssertEqual(fast == nil, a.legendreVartime == -1)
            if let f = fast { XCTAssertEqual(f.squared(), a) }
        }
        XCTAssertEqual(Fp2.zero.squareRootVartime(), .zero)
    }

    func testPowerMatchesGMP() {
        var rng = SplitMix64(seed: 0x90)
        for _ in 0..<50 {
            let a = Fp.random(using: &rng)
            let e = (0..<6).map { _ in rng.next() >> UInt64.random(in: 0...63, using: &rng) }
            XCTAssertEqual(a.power(e).gmp, a.gmp.powMod(GMPInteger(littleEndianLimbs: e), P))
        }
        XCTAssertEqual(Fp(5).power([0]), .one)
        XCTAssertEqual(Fp(5).power([1]), Fp(5))
    }
}

final class LazyReductionTests: XCTestCase {
    /// Montgomery products of unreduced sums (below 2p) equal those of the reduced sums,
    /// including the extreme p - 1 + p - 1.
    func testUnreducedOperandsMultiplyCorrectly() {
        var rng = SplitMix64(seed: 0x2B)
        let top = -Fp.one
        var pairs: [(Fp, Fp)] = [(top, top), (top, .one), (.zero, top)]
        for _ in 0..<300 { pairs.append((.random(using: &rng), .random(using: &rng))) }
        for (a, b) in pairs {
            let c = Fp.random(using: &rng)
            XCTAssertEqual(Fp.addUnreduced(a, b) * c, (a + b) * c)
            XCTAssertEqual(Fp.addUnreduced(a, b) * Fp.addUnreduced(b, a), (a + b) * (a + b))
            XCTAssertEqual(Fp.addUnreduced(top, top) * Fp.addUnreduced(top, top), (top + top).squared())
        }
    }

    func testMulByB3() {
        var rng = SplitMix64(seed: 0xB3)
        for _ in 0..<20 {
            let a = Fp.random(using: &rng), b = Fp2.random(using: &rng)
            XCTAssertEqual(G1Curve.mulByB3(a), Fp.b3 * a)
            XCTAssertEqual(G2Curve.mulByB3(b), Fp2.b3 * b)
        }
    }
}

final class WideArithmeticTests: XCTestCase {
    func testWideProductAndReductionAgainstGMP() {
        var rng = SplitMix64(seed: 0x768)
        let top = -Fp.one
        var pairs: [(Fp, Fp)] = [(top, top), (.zero, top), (.one, .one)]
        for _ in 0..<300 { pairs.append((.random(using: &rng), .random(using: &rng))) }
        let R = GMPInteger(1) << 384
        for (a, b) in pairs {
            // the wide product of the Montgomery limbs equals the integer product
            let w = FpWide(product: a, b)
            let limbs = [w.l0, w.l1, w.l2, w.l3, w.l4, w.l5, w.l6, w.l7, w.l8, w.l9, w.l10, w.l11]
            let am = GMPInteger(littleEndianLimbs: [a.l0, a.l1, a.l2, a.l3, a.l4, a.l5])
            let bm = GMPInteger(littleEndianLimbs: [b.l0, b.l1, b.l2, b.l3, b.l4, b.l5])
            XCTAssertEqual(GMPInteger(littleEndianLimbs: limbs), am * bm)
            XCTAssertEqual(w.montgomeryReduced(), a * b)
            _ = R
        }
    }

    func testLazyFp2MultiplicationMatchesReference() {
        var rng = SplitMix64(seed: 0xF2F2)
        let top = -Fp.one
        var cases: [(Fp2, Fp2)] = [(Fp2(top, top), Fp2(top, top)), (Fp2(top, .zero), Fp2(.zero, top)), (Fp2(.zero, top), Fp2(.zero, top))]
        for _ in 0..<500 { cases.append((.random(using: &rng), .random(using: &rng))) }
        for (a, b) in cases {
            XCTAssertEqual(a * b, Fp2.multiplyReference(a, b))
        }
    }
}
