import CBarrier

/// Fp12 = Fp6[w] / (w^2 - v): c0 + c1·w. The target group GT lives here.
@frozen
public struct Fp12: Sendable, Equatable {
    public var c0: Fp6
    public var c1: Fp6

    @inlinable
    public init(_ c0: Fp6, _ c1: Fp6) { self.c0 = c0; self.c1 = c1 }

    @inlinable public static var zero: Fp12 { Fp12(.zero, .zero) }
    @inlinable public static var one: Fp12 { Fp12(.one, .zero) }

    @inlinable
    public static func + (a: Fp12, b: Fp12) -> Fp12 { Fp12(a.c0 + b.c0, a.c1 + b.c1) }
    @inlinable
    public static func - (a: Fp12, b: Fp12) -> Fp12 { Fp12(a.c0 - b.c0, a.c1 - b.c1) }

    /// Karatsuba: 3 Fp6 products, combined unreduced and reduced once per coefficient (12
    /// Montgomery reductions instead of 18).
    @inlinable
    public static func * (a: Fp12, b: Fp12) -> Fp12 {
        if vring_fp_asm_enabled() != 0 { return productByKernel(a, b) }
        return portableProduct(a, b)
    }

    /// The product over the x86-64 kernels (fp_tower.c, the same formulas). Only when
    /// `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package static func productByKernel(_ a: Fp12, _ b: Fp12) -> Fp12 {
        var r = a
        withUnsafeMutablePointer(to: &r) { pr in withUnsafePointer(to: b) { vring_fp12_mul(pr, pr, $0) } }
        return r
    }

    /// The portable product; the kernel path's twin.
    @inlinable
    package static func portableProduct(_ a: Fp12, _ b: Fp12) -> Fp12 {
        let aa = Fp6.wideProduct(a.c0, b.c0)
        let bb = Fp6.wideProduct(a.c1, b.c1)
        let t = Fp6.wideProduct(a.c0 + a.c1, b.c0 + b.c1)
        return Fp12((aa + bb.mulByV()).reduced(), (t - aa - bb).reduced())
    }

    /// Karatsuba over reduced Fp6 products: the reference `*` is tested against.
    public static func multiplyReference(_ a: Fp12, _ b: Fp12) -> Fp12 {
        let aa = Fp6.multiplyReference(a.c0, b.c0)
        let bb = Fp6.multiplyReference(a.c1, b.c1)
        let c1 = Fp6.multiplyReference(a.c0 + a.c1, b.c0 + b.c1) - aa - bb
        return Fp12(aa + bb.mulByV(), c1)
    }
    @inlinable public static func *= (a: inout Fp12, b: Fp12) { a = a * b }

    /// Complex squaring: 2 Fp6 products.
    @inlinable
    public func squared() -> Fp12 {
        if vring_fp_asm_enabled() != 0 { return squaredByKernel() }
        return portableSquared()
    }

    /// The square over the x86-64 kernels (fp_tower.c). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func squaredByKernel() -> Fp12 {
        var r = self
        withUnsafeMutablePointer(to: &r) { vring_fp12_sqr($0, $0) }
        return r
    }

    /// The portable square; the kernel path's twin.
    @inlinable
    package func portableSquared() -> Fp12 {
        let ab = c0 * c1
        let t = (c0 + c1) * (c0 + c1.mulByV())
        return Fp12(t - ab - ab.mulByV(), ab + ab)
    }

    /// The conjugate over Fp6, equal to x^(p^6); the inverse for elements of the cyclotomic subgroup.
    @inlinable
    public func conjugate() -> Fp12 { Fp12(c0, -c1) }

    public func inverse() -> Fp12 {
        let t = (c0.squared() - c1.squared().mulByV()).inverse()
        return Fp12(c0 * t, -(c1 * t))
    }

    /// Variable-time inverse (GMP at the bottom): public data only (pairings).
    public func inverseVartime() -> Fp12 {
        let t = (c0.squared() - c1.squared().mulByV()).inverseVartime()
        return Fp12(c0 * t, -(c1 * t))
    }

    /// x -> x^(p^k).
    @inlinable
    public func frobenius(_ k: Int) -> Fp12 {
        let a = c0.frobenius(k)
        let b = c1.frobenius(k).mul(by: Fp2.frobW[k % 12])
        return Fp12(a, b)
    }

    /// self · (l0 + l1·v + l4·v·w), the shape of a line function: the sparse product of
    /// Aranha et al. (13 Fp2 products instead of 18), its three Fp6 products left unreduced until
    /// the end (12 Montgomery reductions instead of 18).
    @inlinable
    public func mulBy014(_ l0: Fp2, _ l1: Fp2, _ l4: Fp2) -> Fp12 {
        if vring_fp_asm_enabled() != 0 { return mulBy014ByKernel(l0, l1, l4) }
        return portableMulBy014(l0, l1, l4)
    }

    /// The sparse product over the x86-64 kernels (fp_tower.c). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func mulBy014ByKernel(_ l0: Fp2, _ l1: Fp2, _ l4: Fp2) -> Fp12 {
        var r = self, l = (l0, l1, l4)
        withUnsafeMutablePointer(to: &r) { pr in
            withUnsafePointer(to: &l) { pl in
                let p = UnsafeRawPointer(pl)
                vring_fp12_mul_by_014(pr, pr, p, p + MemoryLayout<Fp2>.stride, p + 2 * MemoryLayout<Fp2>.stride)
            }
        }
        return r
    }

    /// The portable sparse product; the kernel path's twin.
    @inlinable
    package func portableMulBy014(_ l0: Fp2, _ l1: Fp2, _ l4: Fp2) -> Fp12 {
        let aa = c0.wideMulBy01(l0, l1)
        let bb = c1.wideMulBy1(l4)
        let t = (c1 + c0).wideMulBy01(l0, l1 + l4) - aa - bb
        return Fp12((bb.mulByV() + aa).reduced(), t.reduced())
    }

    @inlinable
    public static func select(_ a: Fp12, _ b: Fp12, _ bit: UInt64) -> Fp12 {
        Fp12(Fp6.select(a.c0, b.c0, bit), Fp6.select(a.c1, b.c1, bit))
    }

    @inlinable
    public static func == (a: Fp12, b: Fp12) -> Bool { (a.c0.equalBit(b.c0) & a.c1.equalBit(b.c1)) == 1 }

    // MARK: Cyclotomic subgroup

    /// Squaring in Fp4 = Fp2[t]/(t^2 - ξ) for the compressed cyclotomic square.
    @inlinable
    static func fp4Square(_ a: Fp2, _ b: Fp2) -> (Fp2, Fp2) {
        // (a + b·w)^2 in Fp4 = Fp2[w]/(w^2 − ξ): (a^2 + ξ·b^2, 2ab), with lazy reduction: seven
        // 768-bit products and four Montgomery reductions instead of six full products.
        //   c0 = (a0² − a1² + b0² − b1² − 2·b0b1) + (2·a0a1 + b0² − b1² + 2·b0b1)·u
        //   c1 = 2(a0b0 − a1b1) + 2(a0b1 + a1b0)·u
        // Bounds (p < 2^381, inputs below p, sums unreduced below 2p): every wide value is below
        // 6p^2 < p·2^384, or a difference that `FpWide.-` keeps in [0, p·2^384), as the
        // reduction requires; Q2 − Q0 − Q1 = a0b1 + a1b0 is never negative.
        let aSum = Fp.addUnreduced(a.c0, a.c1), bSum = Fp.addUnreduced(b.c0, b.c1)
        let p1 = FpWide(product: aSum, a.c0 - a.c1)  // a0² − a1² (mod p)
        let p2 = FpWide(product: a.c0, a.c1)
        let p3 = FpWide(product: bSum, b.c0 - b.c1)  // b0² − b1² (mod p)
        let p4 = FpWide(product: b.c0, b.c1)
        let q0 = FpWide(product: a.c0, b.c0)
        let q1 = FpWide(product: a.c1, b.c1)
        let q2 = FpWide(product: aSum, bSum)
        let p4x2 = p4 + p4
        let c00 = (p1 + p3) - p4x2
        let c01 = (p2 + p2) + p3 + p4x2
        let c10 = (q0 + q0) - (q1 + q1)
        let cross = FpWide.differenceKnownNonNegative(q2, q0 + q1)
        let c11 = cross + cross
        return (Fp2(c00.montgomeryReduced(), c01.montgomeryReduced()),
                Fp2(c10.montgomeryReduced(), c11.montgomeryReduced()))
    }

    /// Granger–Scott squaring, valid for elements of the cyclotomic subgroup (after the easy part
    /// of the final exponentiation). Guide to Pairing-Based Cryptography, Algorithm 5.5.4.
    @inlinable
    public func cyclotomicSquared() -> Fp12 {
        if vring_fp_asm_enabled() != 0 { return cyclotomicSquaredByKernel() }
        return portableCyclotomicSquared()
    }

    /// The Granger–Scott square over the x86-64 kernels (fp_tower.c). Only when
    /// `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func cyclotomicSquaredByKernel() -> Fp12 {
        var r = self
        withUnsafeMutablePointer(to: &r) { vring_fp12_cyclotomic_sqr($0, $0) }
        return r
    }

    /// The portable Granger–Scott square; the kernel path's twin.
    @inlinable
    package func portableCyclotomicSquared() -> Fp12 {
        var z0 = c0.c0, z4 = c0.c1, z3 = c0.c2
        var z2 = c1.c0, z1 = c1.c1, z5 = c1.c2
        var (t0, t1) = Fp12.fp4Square(z0, z1)
        z0 = t0 - z0; z0 = z0 + z0 + t0
        z1 = t1 + z1; z1 = z1 + z1 + t1
        (t0, t1) = Fp12.fp4Square(z2, z3)
        let (t2, t3) = Fp12.fp4Square(z4, z5)
        z4 = t0 - z4; z4 = z4 + z4 + t0
        z5 = t1 + z5; z5 = z5 + z5 + t1
        t0 = t3.mulByNonResidue()
        z2 = t0 + z2; z2 = z2 + z2 + t0
        z3 = t2 - z3; z3 = z3 + z3 + t2
        return Fp12(Fp6(z0, z4, z3), Fp6(z2, z1, z5))
    }

    /// self^|z| in the cyclotomic subgroup, conjugated because z < 0: self^z. Public data only:
    /// the long runs of squarings use Karabina's compressed squaring, whose decompression
    /// branches on zero coefficients and inverts with GMP.
    ///
    /// |z| = 0xd201_0000_0001_0000 has bits 63, 62, 60, 57, 48 and 16 set: after the top bit the
    /// runs of squarings before each multiplication are 1, 2, 3, 9 and 32, then 16 at the end.
    /// 57 of the 63 squarings are compressed, at the price of three decompressions.
    @inlinable
    public func cyclotomicPowZ() -> Fp12 {
        var r = cyclotomicSquared() * self                 // bits 63, 62
        r = r.cyclotomicSquared(repeated: 2) * self        // 60
        r = r.cyclotomicSquared(repeated: 3) * self        // 57
        r = r.cyclotomicSquared(repeated: 9) * self        // 48
        r = r.cyclotomicSquared(repeated: 32) * self       // 16
        return r.cyclotomicSquared(repeated: 16).conjugate()
    }

    /// The reference for `cyclotomicPowZ`: square and multiply over the bits of |z| with
    /// Granger–Scott squarings only.
    public func cyclotomicPowZReference() -> Fp12 {
        let x: UInt64 = 0xd201_0000_0001_0000
        var r = self
        for i in stride(from: 62, through: 0, by: -1) {
            r = r.cyclotomicSquared()
            if (x >> UInt64(i)) & 1 == 1 { r = r * self }
        }
        return r.conjugate()
    }

    /// self^(2^count) in the cyclotomic subgroup: Granger–Scott squarings for short runs,
    /// Karabina's compressed squarings and one decompression (variable time) from 6 on.
    @inlinable
    public func cyclotomicSquared(repeated count: Int) -> Fp12 {
        if count < 6 {
            var r = self
            for _ in 0..<count { r = r.cyclotomicSquared() }
            return r
        }
        var g = KarabinaCompressed(self)
        for _ in 0..<count { g = g.squared() }
        return g.decompressedVartime()
    }

    /// self^e for a public exponent (general, not assuming the cyclotomic subgroup).
    public func power(_ e: [UInt64]) -> Fp12 { powerPublicExponent(self, e) }
}

/// Karabina's compressed form of an element of the cyclotomic subgroup of Fp12 ("Squaring in
/// cyclotomic subgroups", Math. Comp. 2013; the formulas of Aranha–Karabina–Longa–Gebotys–López,
/// EUROCRYPT 2011, §5). Writing the element as Σ gᵢ·wⁱ with w⁶ = ξ, that is
/// (g0 + g4·v + g3·v²) + (g2 + g1·v + g5·v²)·w in our tower, four coefficients g2, g3, g4, g5
/// determine it, and squaring acts on them alone: six Fp2 squarings instead of Granger–Scott's
/// nine. Getting g0 and g1 back costs an inversion, so it pays over a run of squarings.
@frozen
public struct KarabinaCompressed: Sendable, Equatable {
    public var g2, g3, g4, g5: Fp2

    @inlinable
    public init(g2: Fp2, g3: Fp2, g4: Fp2, g5: Fp2) { self.g2 = g2; self.g3 = g3; self.g4 = g4; self.g5 = g5 }

    /// Drops g0 and g1. The element must lie in the cyclotomic subgroup.
    @inlinable
    public init(_ f: Fp12) { self.init(g2: f.c1.c0, g3: f.c0.c2, g4: f.c0.c1, g5: f.c1.c2) }

    /// The compressed square:
    ///   h2 = 2(g2 + 3ξ·g4g5),  h3 = 3(g4² + ξ·g5²) − 2g3,
    ///   h4 = 3(g2² + ξ·g3²) − 2g4,  h5 = 2(g5 + 3·g2g3),
    /// with g4g5 and g2g3 as Fp2 products, and g4² + ξ·g5², g2² + ξ·g3² as sums of unreduced
    /// squares (four Fp2 squarings, eight 768-bit products) reduced once each. Constant time.
    /// Forming 2g4g5 as (g4 + g5)² − g4² − g5² instead (six squarings, no product) measured
    /// 11 % slower with the x86-64 kernels and 2–3 % slower with the portable code
    /// (`vring bench --filter cyclotomic_square`, 2026-12-01): the two 768-bit subtractions and
    /// the reduction cost more than the product saves.
    @inlinable
    public func squared() -> KarabinaCompressed {
        if vring_fp_asm_enabled() != 0 { return squaredByKernel() }
        return portableSquared()
    }

    /// The compressed square over the x86-64 kernels (fp_tower.c). Only when
    /// `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func squaredByKernel() -> KarabinaCompressed {
        var r = self
        withUnsafeMutablePointer(to: &r) { vring_fp12_karabina_sqr($0) }
        return r
    }

    /// The portable compressed square; the kernel path's twin.
    @inlinable
    package func portableSquared() -> KarabinaCompressed {
        let b45 = g4 * g5, b23 = g2 * g3
        let twoB45 = (b45 + b45).mulByNonResidue()                                      // 2ξ·g4g5
        let twoB23 = b23 + b23                                                          // 2·g2g3
        let a45 = (Fp2Wide(square: g4) + Fp2Wide(square: g5).mulByNonResidue()).reduced()  // g4² + ξ·g5²
        let a23 = (Fp2Wide(square: g2) + Fp2Wide(square: g3).mulByNonResidue()).reduced()  // g2² + ξ·g3²
        let h2 = (twoB45 + g2).doubled() + twoB45
        let h3 = (a45 - g3).doubled() + a45
        let h4 = (a23 - g4).doubled() + a23
        let h5 = (twoB23 + g5).doubled() + twoB23
        return KarabinaCompressed(g2: h2, g3: h3, g4: h4, g5: h5)
    }

    /// g1 from the relation 4·g1·g2 = ξ·g5² + 3·g4² − 2·g3, or, when g2 = 0, from the relation
    /// ξ·(g1·g3 − 2·g4·g5) = g2·(1 − g0), which then reads g1·g3 = 2·g4·g5 (both relations hold on
    /// the whole subgroup; `testKarabinaCompressedSquaring` checks them). g2 = g3 = 0 happens only
    /// for the identity (the subgroup meets Fp4 only there), whose g1 is 0. Variable time.
    @inlinable
    package func g1Vartime() -> Fp2 {
        if !g2.isZero {
            let s4 = g4.squared()
            let num = g5.squared().mulByNonResidue() + (s4 - g3).doubled() + s4
            return num * g2.doubled().doubled().inverseVartime()
        }
        if g3.isZero { return .zero }
        return (g4 * g5).doubled() * g3.inverseVartime()
    }

    /// The full element: g1 as above, then g0 = ξ·(2g1² + g2g5 − 3g3g4) + 1. Variable time.
    @inlinable
    public func decompressedVartime() -> Fp12 {
        let g1 = g1Vartime()
        let g34 = g3 * g4
        let t = g1.squared().doubled() + g2 * g5 - g34.doubled() - g34
        let g0 = t.mulByNonResidue() + .one
        return Fp12(Fp6(g0, g4, g3), Fp6(g2, g1, g5))
    }
}
