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

    /// Karatsuba: 3 Fp6 products.
    @inlinable
    public static func * (a: Fp12, b: Fp12) -> Fp12 {
        let aa = a.c0 * b.c0
        let bb = a.c1 * b.c1
        let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - aa - bb
        return Fp12(aa + bb.mulByV(), c1)
    }
    @inlinable public static func *= (a: inout Fp12, b: Fp12) { a = a * b }

    /// Complex squaring: 2 Fp6 products.
    @inlinable
    public func squared() -> Fp12 {
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
    /// Aranha et al. (13 Fp2 products instead of 18).
    @inlinable
    public func mulBy014(_ l0: Fp2, _ l1: Fp2, _ l4: Fp2) -> Fp12 {
        let aa = c0.mulBy01(l0, l1)
        let bb = c1.mulBy1(l4)
        let o = l1 + l4
        let t = (c1 + c0).mulBy01(l0, o) - aa - bb
        return Fp12(bb.mulByV() + aa, t)
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
        let cross = (q2 - q0) - q1
        let c11 = cross + cross
        return (Fp2(c00.montgomeryReduced(), c01.montgomeryReduced()),
                Fp2(c10.montgomeryReduced(), c11.montgomeryReduced()))
    }

    /// Granger–Scott squaring, valid for elements of the cyclotomic subgroup (after the easy part
    /// of the final exponentiation). Guide to Pairing-Based Cryptography, Algorithm 5.5.4.
    @inlinable
    public func cyclotomicSquared() -> Fp12 {
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

    /// self^|z| in the cyclotomic subgroup, conjugated because z < 0: self^z.
    @inlinable
    public func cyclotomicPowZ() -> Fp12 {
        let x: UInt64 = 0xd201_0000_0001_0000
        var r = self
        for i in stride(from: 62, through: 0, by: -1) {
            r = r.cyclotomicSquared()
            if (x >> UInt64(i)) & 1 == 1 { r = r * self }
        }
        return r.conjugate()
    }

    /// self^e for a public exponent (general, not assuming the cyclotomic subgroup).
    public func power(_ e: [UInt64]) -> Fp12 { powerPublicExponent(self, e) }
}
