import CBarrier

/// Fp6 = Fp2[v] / (v^3 - ξ), ξ = 1 + u: c0 + c1·v + c2·v^2.
@frozen
public struct Fp6: Sendable, Equatable {
    public var c0: Fp2
    public var c1: Fp2
    public var c2: Fp2

    @inlinable
    public init(_ c0: Fp2, _ c1: Fp2, _ c2: Fp2) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }

    @inlinable public static var zero: Fp6 { Fp6(.zero, .zero, .zero) }
    @inlinable public static var one: Fp6 { Fp6(.one, .zero, .zero) }

    @inlinable
    public static func + (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }
    @inlinable
    public static func - (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }
    @inlinable
    public static prefix func - (a: Fp6) -> Fp6 { Fp6(-a.c0, -a.c1, -a.c2) }

    /// Karatsuba over three coefficients (Devegili et al. 2006) with lazy reduction: 6 Fp2
    /// products left unreduced (18 768-bit products), combined in `Fp2Wide` and reduced once per
    /// coefficient: 6 Montgomery reductions instead of 12.
    @inlinable
    public static func * (a: Fp6, b: Fp6) -> Fp6 {
        if vring_fp_asm_enabled() != 0 { return productByKernel(a, b) }
        return wideProduct(a, b).reduced()
    }

    /// The product over the x86-64 kernels (fp_tower.c, the same formulas). Only when
    /// `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package static func productByKernel(_ a: Fp6, _ b: Fp6) -> Fp6 {
        var r = a
        withUnsafeMutablePointer(to: &r) { pr in withUnsafePointer(to: b) { vring_fp6_mul(pr, pr, $0) } }
        return r
    }

    /// The portable product; the kernel path's twin.
    @inlinable
    package static func portableProduct(_ a: Fp6, _ b: Fp6) -> Fp6 { wideProduct(a, b).reduced() }

    /// The product of `*` before its reductions. Inputs reduced.
    @inlinable
    public static func wideProduct(_ a: Fp6, _ b: Fp6) -> Fp6Wide {
        let v0 = Fp2Wide(product: a.c0, b.c0)
        let v1 = Fp2Wide(product: a.c1, b.c1)
        let v2 = Fp2Wide(product: a.c2, b.c2)
        let t0 = Fp2Wide(product: a.c1 + a.c2, b.c1 + b.c2)
        let t1 = Fp2Wide(product: a.c0 + a.c1, b.c0 + b.c1)
        let t2 = Fp2Wide(product: a.c0 + a.c2, b.c0 + b.c2)
        let c0 = v0 + (t0 - v1 - v2).mulByNonResidue()
        let c1 = t1 - v0 - v1 + v2.mulByNonResidue()
        let c2 = t2 - v0 - v2 + v1
        return Fp6Wide(c0, c1, c2)
    }

    /// The same Karatsuba with every Fp2 product reduced: the reference the lazy product is
    /// tested against.
    public static func multiplyReference(_ a: Fp6, _ b: Fp6) -> Fp6 {
        let v0 = a.c0 * b.c0
        let v1 = a.c1 * b.c1
        let v2 = a.c2 * b.c2
        let c0 = v0 + ((a.c1 + a.c2) * (b.c1 + b.c2) - v1 - v2).mulByNonResidue()
        let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1 + v2.mulByNonResidue()
        let c2 = (a.c0 + a.c2) * (b.c0 + b.c2) - v0 - v2 + v1
        return Fp6(c0, c1, c2)
    }

    /// Chung–Hasan SQR2: 2 squarings and 3 products in Fp2.
    @inlinable
    public func squared() -> Fp6 {
        let s0 = c0.squared()
        let ab = c0 * c1
        let s1 = ab + ab
        let s2 = (c0 - c1 + c2).squared()
        let bc = c1 * c2
        let s3 = bc + bc
        let s4 = c2.squared()
        return Fp6(s0 + s3.mulByNonResidue(), s1 + s4.mulByNonResidue(), s1 + s2 + s3 - s0 - s4)
    }

    /// Multiplication by v: (c0, c1, c2)·v = (ξ·c2, c0, c1).
    @inlinable
    public func mulByV() -> Fp6 { Fp6(c2.mulByNonResidue(), c0, c1) }

    @inlinable
    public func mul(by f: Fp2) -> Fp6 { Fp6(c0 * f, c1 * f, c2 * f) }

    /// self · (b0 + b1·v): 5 Fp2 products, left unreduced and reduced once per coefficient.
    @inlinable
    public func mulBy01(_ b0: Fp2, _ b1: Fp2) -> Fp6 { wideMulBy01(b0, b1).reduced() }

    /// `mulBy01` before its reductions.
    @inlinable
    public func wideMulBy01(_ b0: Fp2, _ b1: Fp2) -> Fp6Wide {
        let aa = Fp2Wide(product: c0, b0)
        let bb = Fp2Wide(product: c1, b1)
        let t1 = Fp2Wide(product: c2, b1).mulByNonResidue() + aa
        let t2 = Fp2Wide(product: b0 + b1, c0 + c1) - aa - bb
        let t3 = Fp2Wide(product: c2, b0) + bb
        return Fp6Wide(t1, t2, t3)
    }

    /// self · (b1·v): 3 Fp2 products.
    @inlinable
    public func mulBy1(_ b1: Fp2) -> Fp6 { wideMulBy1(b1).reduced() }

    /// `mulBy1` before its reductions.
    @inlinable
    public func wideMulBy1(_ b1: Fp2) -> Fp6Wide {
        Fp6Wide(Fp2Wide(product: c2, b1).mulByNonResidue(), Fp2Wide(product: c0, b1), Fp2Wide(product: c1, b1))
    }

    public func inverse() -> Fp6 { inverse(vartime: false) }
    /// Variable-time inverse (GMP at the bottom): public data only.
    public func inverseVartime() -> Fp6 { inverse(vartime: true) }

    @inline(__always)
    func inverse(vartime: Bool) -> Fp6 {
        let t0 = c0.squared() - (c1 * c2).mulByNonResidue()
        let t1 = c2.squared().mulByNonResidue() - c0 * c1
        let t2 = c1.squared() - c0 * c2
        let d = c0 * t0 + (c2 * t1 + c1 * t2).mulByNonResidue()
        let t = vartime ? d.inverseVartime() : d.inverse()
        return Fp6(t0 * t, t1 * t, t2 * t)
    }

    /// x -> x^(p^k).
    @inlinable
    public func frobenius(_ k: Int) -> Fp6 {
        Fp6(c0.frobenius(k), c1.frobenius(k) * Fp2.frobV[k % 6], c2.frobenius(k) * Fp2.frobV2[k % 6])
    }

    @inlinable
    public static func select(_ a: Fp6, _ b: Fp6, _ bit: UInt64) -> Fp6 {
        Fp6(Fp2.select(a.c0, b.c0, bit), Fp2.select(a.c1, b.c1, bit), Fp2.select(a.c2, b.c2, bit))
    }

    @inlinable
    public func equalBit(_ o: Fp6) -> UInt64 { c0.equalBit(o.c0) & c1.equalBit(o.c1) & c2.equalBit(o.c2) }

    @inlinable
    public static func == (a: Fp6, b: Fp6) -> Bool { a.equalBit(b) == 1 }
}
