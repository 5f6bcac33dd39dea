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
