import CBarrier
/// Fp2 = Fp[u] / (u^2 + 1): c0 + c1·u. The coordinate field of G2.
@frozen
public struct Fp2: Sendable {
    public var c0: Fp
    public var c1: Fp

    @inlinable @inline(__always)
    public init(_ c0: Fp, _ c1: Fp) { self.c0 = c0; self.c1 = c1 }

    @inlinable public static var zero: Fp2 { Fp2(.zero, .zero) }
    @inlinable public static var one: Fp2 { Fp2(.one, .zero) }

    @inlinable @inline(__always)
    public static func + (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 + b.c0, a.c1 + b.c1) }
    @inlinable @inline(__always)
    public static func - (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 - b.c0, a.c1 - b.c1) }
    @inlinable @inline(__always)
    public static prefix func - (a: Fp2) -> Fp2 { Fp2(-a.c0, -a.c1) }
    @inlinable @inline(__always) public static func += (a: inout Fp2, b: Fp2) { a = a + b }
    @inlinable @inline(__always) public static func -= (a: inout Fp2, b: Fp2) { a = a - b }

    /// Karatsuba with lazy reduction: three 768-bit products, two Montgomery reductions
    /// (c0 = a0b0 - a1b1 and c1 = (a0+a1)(b0+b1) - a0b0 - a1b1 are formed before reducing; both
    /// stay below p·2^384 since p < 2^381).
    @inlinable @inline(__always)
    public static func * (a: Fp2, b: Fp2) -> Fp2 {
        if vring_fp_asm_enabled() != 0 { return productKernel(a, b) }
        return Fp2Wide(portableProduct: a, b).portableReduced()
    }

    /// The assembly Fp2 product (fp_x86_64.S: the same Karatsuba with lazy reduction, in one
    /// call). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package static func productKernel(_ a: Fp2, _ b: Fp2) -> Fp2 {
        var r = Fp2(Fp.zero, Fp.zero), a = a, b = b
        vring_fp2_mul_mont(&r, &a, &b)
        return r
    }

    /// Karatsuba without lazy reduction (three Montgomery products): the reference the lazy
    /// version is tested against.
    public static func multiplyReference(_ a: Fp2, _ b: Fp2) -> Fp2 {
        let v0 = a.c0 * b.c0
        let v1 = a.c1 * b.c1
        let s = (a.c0 + a.c1) * (b.c0 + b.c1)
        return Fp2(v0 - v1, s - v0 - v1)
    }
    @inlinable @inline(__always) public static func *= (a: inout Fp2, b: Fp2) { a = a * b }

    /// (c0 + c1)(c0 - c1) + 2c0c1·u: 2M.
    @inlinable @inline(__always)
    public func squared() -> Fp2 {
        if vring_fp_asm_enabled() != 0 { return squaredByKernel() }
        return portableSquared()
    }

    /// The assembly Fp2 square (fp_x86_64.S, the same formulas). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func squaredByKernel() -> Fp2 {
        var r = Fp2(Fp.zero, Fp.zero), a = self
        vring_fp2_sqr_mont(&r, &a)
        return r
    }

    /// The portable square; the assembly kernel's twin.
    @inlinable @inline(__always)
    package func portableSquared() -> Fp2 {
        let a = Fp.portableProduct(Fp.addUnreduced(c0, c1), c0 - c1)
        let b = Fp.portableProduct(c0, c1)
        return Fp2(a, b + b)
    }

    @inlinable @inline(__always) public func doubled() -> Fp2 { Fp2(c0 + c0, c1 + c1) }

    @inlinable @inline(__always)
    public func mul(by f: Fp) -> Fp2 { Fp2(c0 * f, c1 * f) }

    /// Multiplication by the non-residue ξ = 1 + u: (c0 - c1) + (c0 + c1)u.
    @inlinable @inline(__always)
    public func mulByNonResidue() -> Fp2 { Fp2(c0 - c1, c0 + c1) }

    /// The Frobenius map x -> x^p is conjugation.
    @inlinable @inline(__always)
    public func conjugate() -> Fp2 { Fp2(c0, -c1) }

    @inlinable @inline(__always)
    public func frobenius(_ k: Int) -> Fp2 { k & 1 == 1 ? conjugate() : self }

    @inlinable @inline(__always)
    public var isZeroBit: UInt64 { c0.isZeroBit & c1.isZeroBit }

    @inlinable @inline(__always)
    public static func select(_ a: Fp2, _ b: Fp2, _ bit: UInt64) -> Fp2 {
        Fp2(Fp.select(a.c0, b.c0, bit), Fp.select(a.c1, b.c1, bit))
    }

    @inlinable @inline(__always)
    public func equalBit(_ o: Fp2) -> UInt64 { c0.equalBit(o.c0) & c1.equalBit(o.c1) }

    /// The norm c0^2 + c1^2 in Fp.
    @inlinable @inline(__always)
    public var norm: Fp { c0.squared() + c1.squared() }

    /// 1/(c0 + c1u) = (c0 - c1u)/(c0^2 + c1^2). Constant time; zero maps to zero.
    public func inverse() -> Fp2 {
        let t = norm.inverse()
        return Fp2(c0 * t, -(c1 * t))
    }

    public func inverseVartime() -> Fp2 {
        let t = norm.inverseVartime()
        return Fp2(c0 * t, -(c1 * t))
    }

    /// The inverse through the blinded inversion of the norm (see `Fp.inverseBlinded`).
    public func inverseBlinded() -> Fp2 {
        let t = norm.inverseBlinded()
        return Fp2(c0 * t, -(c1 * t))
    }

    /// self^e for a public exponent (little-endian limbs); constant time in self.
    public func power(_ e: [UInt64]) -> Fp2 { powerPublicExponent(self, e) }

    /// 1 when self is a square in Fp2, which holds exactly when its norm is a square in Fp.
    public var isSquareBit: UInt64 { norm.isSquareBit }

    /// 1 square, -1 non-square, 0 zero: the Legendre symbol of the norm (GMP, public data only).
    public var legendreVartime: Int { norm.legendreVartime }

    /// Square root by the norm method ("complex method", Scott 2012 / Adj–Rodríguez-Henríquez
    /// 2014 §5.3): two exponentiations in Fp and no inversion, instead of exponentiations in Fp2.
    /// Nil when self is not a square. Variable time: public data only.
    public func squareRootVartime() -> Fp2? {
        if c1.isZero {
            // a0 or -a0 is a square in Fp (-1 is not a square since p ≡ 3 mod 4).
            if let r = c0.squareRootVartime() { return Fp2(r, .zero) }
            guard let r = (-c0).squareRootVartime() else { return nil }
            return Fp2(.zero, r)
        }
        guard let gamma = norm.squareRootVartime() else { return nil }
        var delta = (c0 + gamma) * Fp.oneHalf
        if delta.legendreVartime != 1 { delta = (c0 - gamma) * Fp.oneHalf }
        // s = δ^((p−3)/4) gives both √δ = δ·s and 1/√δ = s (δ·s² = δ^((p−1)/2) = 1 for a
        // nonzero square), so x1 = c1/(2·x0) = c1·s/2 needs no inversion.
        let s = delta.power(Fp.expPMinus3Over4)
        let x0 = delta * s
        guard !x0.isZero else { return nil }
        let r = Fp2(x0, c1 * s * Fp.oneHalf)
        return r.squared() == self ? r : nil
    }

    /// Square root by Adj and Rodríguez-Henríquez, "Square root computation over even extension
    /// fields", 2014, Algorithm 9 (p ≡ 3 mod 4): the reference the norm method is tested against.
    public func squareRootAlgorithm9() -> Fp2? {
        if isZero { return .zero }
        let a1 = power(Fp.expPMinus3Over4)
        let alpha = a1 * (a1 * self)  // self^((p-1)/2)
        let x0 = a1 * self            // self^((p+1)/4)
        let candidate: Fp2
        if alpha == -Fp2.one {
            candidate = Fp2(-x0.c1, x0.c0)  // u·x0
        } else {
            let b = (Fp2.one + alpha).power(Fp.expPMinus1Over2)
            candidate = b * x0
        }
        return candidate.squared() == self ? candidate : nil
    }

    /// RFC 9380 sgn0 for m = 2.
    public var sgn0: UInt64 {
        let s0 = c0.sgn0
        let z0 = c0.isZeroBit
        let s1 = c1.sgn0
        return s0 | (z0 & s1)
    }

    /// ZCash flag: c1 is lexicographically largest, or c1 = 0 and c0 is.
    public var isLexicographicallyLargest: Bool {
        c1.isZero ? c0.isLexicographicallyLargest : c1.isLexicographicallyLargest
    }
}

extension Fp2: FieldElement {
    @inlinable @inline(__always)
    public static func == (a: Fp2, b: Fp2) -> Bool { a.equalBit(b) == 1 }

    /// Six 768-bit products, two Montgomery reductions instead of four.
    @inlinable @inline(__always)
    public static func sumOfProducts(_ a: Fp2, _ b: Fp2, _ c: Fp2, _ d: Fp2) -> Fp2 {
        (Fp2Wide(product: a, b) + Fp2Wide(product: c, d)).reduced()
    }

    /// Six 768-bit products, two Montgomery reductions instead of four.
    @inlinable @inline(__always)
    public static func differenceOfProducts(_ a: Fp2, _ b: Fp2, _ c: Fp2, _ d: Fp2) -> Fp2 {
        (Fp2Wide(product: a, b) - Fp2Wide(product: c, d)).reduced()
    }
}

extension Fp2: CustomStringConvertible {
    public var description: String { "(\(c0), \(c1))" }
}
