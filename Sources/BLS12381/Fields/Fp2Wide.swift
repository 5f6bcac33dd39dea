import CBarrier

/// An unreduced Fp2 value: two 768-bit halves, each kept in [0, p·2^384) so that one Montgomery
/// reduction per half brings it back to Fp2. Sums of Fp2 products are formed here and reduced
/// once (lazy reduction), instead of reducing every product.
@frozen
public struct Fp2Wide: Sendable {
    public var c0: FpWide
    public var c1: FpWide

    @inlinable @inline(__always)
    init(_ c0: FpWide, _ c1: FpWide) { self.c0 = c0; self.c1 = c1 }

    /// a·b by Karatsuba: three 768-bit products, no reduction. Inputs reduced (below p).
    /// c0 = a0b0 − a1b1 is brought into [0, p·2^384) by `FpWide.-`; c1 = s − (a0b0 + a1b1) with
    /// s = (a0 + a1)(b0 + b1) is a0b1 + a1b0 exactly, never negative and below 2p², so it is a
    /// plain difference with no correction.
    @inlinable @inline(__always)
    public init(product a: Fp2, _ b: Fp2) {
        if vring_fp_asm_enabled() != 0 { self.init(productKernel: a, b) } else { self.init(portableProduct: a, b) }
    }

    /// The assembly Karatsuba product (fp_x86_64.S, the same formulas). Only when
    /// `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package init(productKernel a: Fp2, _ b: Fp2) {
        let zero = FpWide(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var r = Fp2Wide(zero, zero), a = a, b = b
        vring_fp2_mul_wide(&r, &a, &b)
        self = r
    }

    /// The portable Karatsuba product; the assembly kernel's twin.
    @inlinable @inline(__always)
    package init(portableProduct a: Fp2, _ b: Fp2) {
        let v0 = FpWide(product: a.c0, b.c0)
        let v1 = FpWide(product: a.c1, b.c1)
        let s = FpWide(product: Fp.addUnreduced(a.c0, a.c1), Fp.addUnreduced(b.c0, b.c1))
        self.init(v0 - v1, FpWide.differenceKnownNonNegative(s, v0 + v1))
    }

    /// a² as (a0 + a1)(a0 − a1) + 2a0a1·u: two 768-bit products, both below 2p².
    @inlinable @inline(__always)
    public init(square a: Fp2) {
        if vring_fp_asm_enabled() != 0 { self.init(squareKernel: a) } else { self.init(portableSquare: a) }
    }

    /// The assembly square (fp_x86_64.S, the same two products). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package init(squareKernel a: Fp2) {
        let zero = FpWide(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var r = Fp2Wide(zero, zero), a = a
        vring_fp2_sqr_wide(&r, &a)
        self = r
    }

    /// The portable square; the assembly kernel's twin.
    @inlinable @inline(__always)
    package init(portableSquare a: Fp2) {
        self.init(FpWide(product: Fp.addUnreduced(a.c0, a.c1), a.c0 - a.c1),
                  FpWide(product: Fp.addUnreduced(a.c0, a.c0), a.c1))
    }

    @inlinable @inline(__always)
    public static func + (a: Fp2Wide, b: Fp2Wide) -> Fp2Wide {
        Fp2Wide(FpWide.addModulo(a.c0, b.c0), FpWide.addModulo(a.c1, b.c1))
    }

    @inlinable @inline(__always)
    public static func - (a: Fp2Wide, b: Fp2Wide) -> Fp2Wide { Fp2Wide(a.c0 - b.c0, a.c1 - b.c1) }

    /// Multiplication by ξ = 1 + u: (c0 − c1) + (c0 + c1)u.
    @inlinable @inline(__always)
    public func mulByNonResidue() -> Fp2Wide { Fp2Wide(c0 - c1, FpWide.addModulo(c0, c1)) }

    /// Two Montgomery reductions (one call to the assembly kernel where it runs).
    @inlinable @inline(__always)
    public func reduced() -> Fp2 {
        if vring_fp_asm_enabled() != 0 { return reducedByKernel() }
        return portableReduced()
    }

    /// The assembly reductions (fp_x86_64.S). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func reducedByKernel() -> Fp2 {
        var r = Fp2(Fp.zero, Fp.zero), t = self
        vring_fp2_redc(&r, &t)
        return r
    }

    /// The portable reductions; the assembly kernel's twin.
    @inlinable @inline(__always)
    package func portableReduced() -> Fp2 { Fp2(c0.montgomeryReduced(), c1.montgomeryReduced()) }
}

/// An unreduced Fp6 value: three `Fp2Wide` coefficients, reduced once at the end of a sum of
/// products (Fp12 products and the sparse line products of the Miller loop).
@frozen
public struct Fp6Wide: Sendable {
    public var c0, c1, c2: Fp2Wide

    @inlinable @inline(__always)
    init(_ c0: Fp2Wide, _ c1: Fp2Wide, _ c2: Fp2Wide) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }

    @inlinable @inline(__always)
    public static func + (a: Fp6Wide, b: Fp6Wide) -> Fp6Wide { Fp6Wide(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }

    @inlinable @inline(__always)
    public static func - (a: Fp6Wide, b: Fp6Wide) -> Fp6Wide { Fp6Wide(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }

    /// Multiplication by v: (c0, c1, c2)·v = (ξ·c2, c0, c1).
    @inlinable @inline(__always)
    public func mulByV() -> Fp6Wide { Fp6Wide(c2.mulByNonResidue(), c0, c1) }

    /// Six Montgomery reductions.
    @inlinable @inline(__always)
    public func reduced() -> Fp6 { Fp6(c0.reduced(), c1.reduced(), c2.reduced()) }
}
