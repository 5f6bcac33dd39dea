import BLS12381
import Primitives
import XCTest

/// The x86-64 BMI2/ADX field kernels (Sources/CBarrier/fp_x86_64.S) against their portable Swift
/// twin, value for value, on edge and random operands, including the unreduced operands below 2p
/// that the lazy tower passes to the products. The whole engine suite also runs on the portable
/// path (`make test` reruns BLS12381Tests with VRING_FIELD=portable), so each path is checked
/// against the vectors and the two against each other.
final class FieldKernelTests: XCTestCase {
    private func limbs(_ a: Fp) -> [UInt64] { [a.l0, a.l1, a.l2, a.l3, a.l4, a.l5] }
    private func limbs(_ w: FpWide) -> [UInt64] {
        [w.l0, w.l1, w.l2, w.l3, w.l4, w.l5, w.l6, w.l7, w.l8, w.l9, w.l10, w.l11]
    }
    private func limbs(_ w: Fp2Wide) -> [UInt64] { limbs(w.c0) + limbs(w.c1) }

    private func operands() -> [Fp] {
        var rng = SplitMix64(seed: 0xADC0DE)
        let pMinus1 = Fp(Fp.p0 &- 1, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)  // raw limbs p - 1
        var xs: [Fp] = [.zero, Fp(1, 0, 0, 0, 0, 0), .one, pMinus1, -Fp.one, Fp(2), Fp(UInt64.max, 0, 0, 0, 0, 0),
                        Fp(UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, 0)]
        for _ in 0..<400 { xs.append(.random(using: &rng)) }
        return xs
    }

    func testKernelsMatchThePortableTwin() throws {
        guard FieldArithmetic.kernelsAvailable else {
            throw XCTSkip("no BMI2/ADX kernels on this machine: the portable code is the only path")
        }
        let xs = operands()
        let pMinus1 = Fp(Fp.p0 &- 1, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)
        for (i, a) in xs.enumerated() {
            let b = xs[(i * 7 + 3) % xs.count], c = xs[(i * 13 + 5) % xs.count], d = xs[(i * 5 + 1) % xs.count]
            // Fp: reduced operands, and unreduced sums below 2p (up to 2p - 2).
            let a2 = Fp.addUnreduced(a, b), b2 = Fp.addUnreduced(c, pMinus1)
            for (x, y) in [(a, b), (a2, b2), (b2, b2), (a, a)] {
                XCTAssertEqual(limbs(Fp.productKernel(x, y)), limbs(Fp.portableProduct(x, y)), "mul \(i)")
                XCTAssertEqual(limbs(FpWide(productKernel: x, y)), limbs(FpWide(product: x, y)), "wide \(i)")
                XCTAssertEqual(limbs(x.squaredByKernel()), limbs(x.portableSquared()), "square \(i)")
                XCTAssertEqual(limbs(x.squaredByKernel()), limbs(Fp.portableProduct(x, x)), "square as a product \(i)")
                XCTAssertEqual(limbs(FpWide(squareKernel: x)), limbs(FpWide(product: x, x)), "wide square \(i)")
                // Wide values up to (2p)^2 < p·2^384, and differences brought into [0, p·2^384).
                let w = FpWide(product: x, y)
                XCTAssertEqual(limbs(w.reducedByKernel()), limbs(w.montgomeryReduced()), "redc \(i)")
                let v = FpWide(product: c, d) - w
                XCTAssertEqual(limbs(v.reducedByKernel()), limbs(v.montgomeryReduced()), "redc of a difference \(i)")
            }
            // Fp2: products, squares, wide products and their reductions.
            let u = Fp2(a, b), z = Fp2(c, d)
            for (x, y) in [(u, z), (z, u), (u, u), (Fp2(pMinus1, pMinus1), z)] {
                let portable = Fp2Wide(portableProduct: x, y)
                XCTAssertEqual(Fp2.productKernel(x, y), portable.portableReduced(), "fp2 mul \(i)")
                XCTAssertEqual(limbs(Fp2Wide(productKernel: x, y)), limbs(portable), "fp2 wide \(i)")
                XCTAssertEqual(portable.reducedByKernel(), portable.portableReduced(), "fp2 redc \(i)")
                XCTAssertEqual(x.squaredByKernel(), x.portableSquared(), "fp2 square \(i)")
                XCTAssertEqual(limbs(Fp2Wide(squareKernel: x)), limbs(Fp2Wide(portableSquare: x)), "fp2 wide square \(i)")
            }
        }
    }

    /// The Fp6 and Fp12 products over the kernels (Sources/CBarrier/fp_tower.c) against the Swift
    /// tower: random elements, and elements whose coefficients are all p − 1 (every sum in the
    /// Karatsuba formulas then wraps, every difference borrows) or mix 0, 1 and p − 1.
    func testTowerKernelsMatchThePortableTwin() throws {
        guard FieldArithmetic.kernelsAvailable else {
            throw XCTSkip("no BMI2/ADX kernels on this machine: the portable code is the only path")
        }
        var rng = SplitMix64(seed: 0x70E4)
        let m = -Fp.one  // p − 1 in Montgomery form
        let top = Fp2(m, m), edges: [Fp2] = [.zero, .one, top, Fp2(m, .zero), Fp2(.zero, m), Fp2(.one, m)]
        func edgeFp6(_ k: Int) -> Fp6 { Fp6(edges[k % 6], edges[(k / 6) % 6], edges[(k / 36) % 6]) }
        var elements: [Fp12] = [.one, .zero, Fp12(Fp6(top, top, top), Fp6(top, top, top))]
        for k in 0..<40 { elements.append(Fp12(edgeFp6(k * 5 + 1), edgeFp6(k * 11 + 7))) }
        for _ in 0..<60 { elements.append(.random(using: &rng)) }
        for (i, f) in elements.enumerated() {
            let g = elements[(i * 7 + 3) % elements.count]
            let product = Fp12.portableProduct(f, g)
            XCTAssertEqual(Fp12.productByKernel(f, g), product, "fp12 mul \(i)")
            XCTAssertEqual(product, Fp12.multiplyReference(f, g), "fp12 twin against the reference \(i)")
            XCTAssertEqual(f.squaredByKernel(), f.portableSquared(), "fp12 square \(i)")
            XCTAssertEqual(f.squaredByKernel(), Fp12.multiplyReference(f, f), "fp12 square against the reference \(i)")
            XCTAssertEqual(Fp6.productByKernel(f.c0, g.c1), Fp6.portableProduct(f.c0, g.c1), "fp6 mul \(i)")
            XCTAssertEqual(Fp6.productByKernel(f.c1, f.c1), Fp6.multiplyReference(f.c1, f.c1), "fp6 square \(i)")
            let (l0, l1, l4) = (g.c0.c0, g.c1.c2, edges[i % 6])
            let line = Fp12(Fp6(l0, l1, .zero), Fp6(.zero, l4, .zero))
            XCTAssertEqual(f.mulBy014ByKernel(l0, l1, l4), f.portableMulBy014(l0, l1, l4), "line \(i)")
            XCTAssertEqual(f.mulBy014ByKernel(l0, l1, l4), Fp12.multiplyReference(f, line), "line against the reference \(i)")
            // The cyclotomic squarings hold their formulas for any input, in the subgroup or not,
            // so the two paths are compared on the same elements; in the subgroup they also agree
            // with the general square (below).
            XCTAssertEqual(f.cyclotomicSquaredByKernel(), f.portableCyclotomicSquared(), "Granger–Scott \(i)")
            let k = KarabinaCompressed(f)
            XCTAssertEqual(k.squaredByKernel(), k.portableSquared(), "Karabina \(i)")
        }
        // In the cyclotomic subgroup (f^((p^6 − 1)(p^2 + 1)), the easy part of the final
        // exponentiation): both specialised squarings against the general one, on the kernels.
        for _ in 0..<8 {
            let f = Fp12.random(using: &rng)
            var g = f.conjugate() * f.inverse()
            g = g.frobenius(2) * g
            XCTAssertEqual(g.cyclotomicSquaredByKernel(), g.squaredByKernel())
            XCTAssertEqual(KarabinaCompressed(g).squaredByKernel().decompressedVartime(), g.squaredByKernel())
        }
    }

    /// The Miller loop with its doubling and addition steps over the kernels (fp_tower.c) against
    /// the loop of the portable Swift code, for one, two and three pairs.
    func testMillerLoopStepsMatchThePortableTwin() throws {
        guard FieldArithmetic.kernelsAvailable else {
            throw XCTSkip("no BMI2/ADX kernels on this machine: the portable code is the only path")
        }
        let was = FieldArithmetic.usingKernels
        defer { FieldArithmetic.select(kernels: was) }
        var rng = SplitMix64(seed: 0x3111E4)
        for n in 1...3 {
            let pairs = (0..<n).map { _ in
                (G1Projective(.generator).multiplied(by: .random(using: &rng)).affine,
                 G2Projective(.generator).multiplied(by: .random(using: &rng)).affine)
            }
            FieldArithmetic.select(kernels: false)
            let portable = millerLoop(pairs)
            XCTAssertTrue(FieldArithmetic.select(kernels: true))
            XCTAssertEqual(millerLoop(pairs), portable, "\(n) pairs")
        }
    }

    /// The Jacobian doublings over the kernels against the Swift formula, coordinate for
    /// coordinate, on G1 and G2 points with Z ≠ 1 and along a chain of doublings.
    func testJacobianDoublingsMatchThePortableTwin() throws {
        guard FieldArithmetic.kernelsAvailable else {
            throw XCTSkip("no BMI2/ADX kernels on this machine: the portable code is the only path")
        }
        var rng = SplitMix64(seed: 0xD0B1E)
        for _ in 0..<6 {
            var p = JacobianPoint<G1Curve>(G1Projective(.generator).multiplied(by: .random(using: &rng)))
            var q = JacobianPoint<G2Curve>(G2Projective(.generator).multiplied(by: .random(using: &rng)))
            for _ in 0..<10 {
                let (pk, pp) = (p.doubledByKernel(), p.portableDoubled())
                XCTAssertTrue(pk.x == pp.x && pk.y == pp.y && pk.z == pp.z, "G1")
                let (qk, qp) = (q.doubledByKernel(), q.portableDoubled())
                XCTAssertTrue(qk.x == qp.x && qk.y == qp.y && qk.z == qp.z, "G2")
                p = pk
                q = qk
            }
        }
    }

    /// The complete projective addition and doubling over the kernels against the Swift
    /// formulas on G1 and G2, including the exceptional inputs the formulas are complete for:
    /// infinity, equal points, a point and its negation.
    func testProjectiveStepsMatchThePortableTwin() throws {
        guard FieldArithmetic.kernelsAvailable else {
            throw XCTSkip("no BMI2/ADX kernels on this machine: the portable code is the only path")
        }
        func same<C>(_ a: ProjectivePoint<C>, _ b: ProjectivePoint<C>) -> Bool { a.x == b.x && a.y == b.y && a.z == b.z }
        var rng = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<6 {
            let p = G1Projective(.generator).multiplied(by: .random(using: &rng))
            let q = G1Projective(.generator).multiplied(by: .random(using: &rng))
            for (a, b) in [(p, q), (p, p), (p, -p), (p, .infinity), (.infinity, q), (G1Projective.infinity, .infinity)] {
                XCTAssertTrue(same(G1Projective.sumByKernel(a, b), G1Projective.portableSum(a, b)), "G1 add")
                XCTAssertTrue(same(a.doubledByKernel(), a.portableDoubled()), "G1 double")
            }
            let u = G2Projective(.generator).multiplied(by: .random(using: &rng))
            let v = G2Projective(.generator).multiplied(by: .random(using: &rng))
            for (a, b) in [(u, v), (u, u), (u, -u), (u, .infinity), (.infinity, v), (G2Projective.infinity, .infinity)] {
                XCTAssertTrue(same(G2Projective.sumByKernel(a, b), G2Projective.portableSum(a, b)), "G2 add")
                XCTAssertTrue(same(a.doubledByKernel(), a.portableDoubled()), "G2 double")
            }
            XCTAssertEqual(G2Projective.sumByKernel(u, v), G2Projective.portableSum(v, u), "commutes up to representation")
        }
    }

    /// The switch: off gives the portable path, on (where available) the kernels; both give the
    /// same Fp2 product as the reference written with three Montgomery products.
    func testTheSwitchSelectsEitherPathWithTheSameResults() {
        let was = FieldArithmetic.usingKernels
        defer { FieldArithmetic.select(kernels: was) }
        var rng = SplitMix64(seed: 7)
        let x = Fp2.random(using: &rng), y = Fp2.random(using: &rng)
        XCTAssertFalse(FieldArithmetic.select(kernels: false))
        XCTAssertEqual(FieldArithmetic.name, "portable")
        let portable = (x * y, x.squared())
        XCTAssertEqual(FieldArithmetic.select(kernels: true), FieldArithmetic.kernelsAvailable)
        XCTAssertEqual(x * y, portable.0)
        XCTAssertEqual(x.squared(), portable.1)
        XCTAssertEqual(x * y, Fp2.multiplyReference(x, y))
    }
}
