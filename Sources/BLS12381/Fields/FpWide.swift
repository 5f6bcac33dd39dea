import CBarrier

/// A 768-bit intermediate: an unreduced product of two Fp elements, for lazy reduction
/// (one Montgomery reduction per sum of products instead of one per product).
@frozen
public struct FpWide: Sendable {
    public var l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11: UInt64

    @inlinable @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64,
         _ l6: UInt64, _ l7: UInt64, _ l8: UInt64, _ l9: UInt64, _ l10: UInt64, _ l11: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4; self.l5 = l5
        self.l6 = l6; self.l7 = l7; self.l8 = l8; self.l9 = l9; self.l10 = l10; self.l11 = l11
    }

    /// t += a·bi over six limbs; returns the carry word.
    @inlinable @inline(__always)
    static func mulRow(
        _ a: Fp, _ bi: UInt64,
        _ t0: inout UInt64, _ t1: inout UInt64, _ t2: inout UInt64, _ t3: inout UInt64, _ t4: inout UInt64, _ t5: inout UInt64
    ) -> UInt64 {
        var c: UInt64
        (t0, c) = mulAdd(a.l0, bi, t0, 0)
        (t1, c) = mulAdd(a.l1, bi, t1, c)
        (t2, c) = mulAdd(a.l2, bi, t2, c)
        (t3, c) = mulAdd(a.l3, bi, t3, c)
        (t4, c) = mulAdd(a.l4, bi, t4, c)
        (t5, c) = mulAdd(a.l5, bi, t5, c)
        return c
    }

    /// The assembly wide product (fp_x86_64.S), the twin of `init(product:)`. Only when
    /// `vring_fp_asm_enabled()`; the engine's Fp2-level kernels use it, Swift code calls it only
    /// in the tests (alone, a call per wide product measured no faster than this inlined code).
    @inlinable @inline(__always)
    package init(productKernel a: Fp, _ b: Fp) {
        var r = FpWide(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), a = a, b = b
        vring_fp_mul_wide(&r, &a, &b)
        self = r
    }

    /// The assembly wide square (fp_x86_64.S), the twin of `init(square:)`; for the tests.
    @inlinable @inline(__always)
    package init(squareKernel a: Fp) {
        var r = FpWide(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), a = a
        vring_fp_sqr_wide(&r, &a)
        self = r
    }

    /// The full product a·b (schoolbook). Branch-free.
    @inlinable @inline(__always)
    public init(product a: Fp, _ b: Fp) {
        var r0: UInt64 = 0, r1: UInt64 = 0, r2: UInt64 = 0, r3: UInt64 = 0, r4: UInt64 = 0, r5: UInt64 = 0
        var r6 = FpWide.mulRow(a, b.l0, &r0, &r1, &r2, &r3, &r4, &r5)
        var r7 = FpWide.mulRow(a, b.l1, &r1, &r2, &r3, &r4, &r5, &r6)
        var r8 = FpWide.mulRow(a, b.l2, &r2, &r3, &r4, &r5, &r6, &r7)
        var r9 = FpWide.mulRow(a, b.l3, &r3, &r4, &r5, &r6, &r7, &r8)
        var r10 = FpWide.mulRow(a, b.l4, &r4, &r5, &r6, &r7, &r8, &r9)
        let r11 = FpWide.mulRow(a, b.l5, &r5, &r6, &r7, &r8, &r9, &r10)
        self.init(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11)
    }

    /// The full square a² (15 cross products, doubled, plus 6 squares: 21 multiplications
    /// instead of 36). Branch-free.
    @inlinable @inline(__always)
    public init(square a: Fp) {
        var c: UInt64
        // Cross products a_i·a_j, i < j, at word i + j.
        var r1: UInt64, r2: UInt64, r3: UInt64, r4: UInt64, r5: UInt64, r6: UInt64
        var r7: UInt64, r8: UInt64, r9: UInt64, r10: UInt64
        (r1, c) = mulAdd(a.l1, a.l0, 0, 0)
        (r2, c) = mulAdd(a.l2, a.l0, 0, c)
        (r3, c) = mulAdd(a.l3, a.l0, 0, c)
        (r4, c) = mulAdd(a.l4, a.l0, 0, c)
        (r5, r6) = mulAdd(a.l5, a.l0, 0, c)
        (r3, c) = mulAdd(a.l2, a.l1, r3, 0)
        (r4, c) = mulAdd(a.l3, a.l1, r4, c)
        (r5, c) = mulAdd(a.l4, a.l1, r5, c)
        (r6, r7) = mulAdd(a.l5, a.l1, r6, c)
        (r5, c) = mulAdd(a.l3, a.l2, r5, 0)
        (r6, c) = mulAdd(a.l4, a.l2, r6, c)
        (r7, r8) = mulAdd(a.l5, a.l2, r7, c)
        (r7, c) = mulAdd(a.l4, a.l3, r7, 0)
        (r8, r9) = mulAdd(a.l5, a.l3, r8, c)
        (r9, r10) = mulAdd(a.l5, a.l4, r9, 0)
        // Doubled: one shift left across the words (the sum is below 2^767, so no bit is lost).
        let r11 = r10 >> 63
        r10 = r10 << 1 | r9 >> 63
        r9 = r9 << 1 | r8 >> 63
        r8 = r8 << 1 | r7 >> 63
        r7 = r7 << 1 | r6 >> 63
        r6 = r6 << 1 | r5 >> 63
        r5 = r5 << 1 | r4 >> 63
        r4 = r4 << 1 | r3 >> 63
        r3 = r3 << 1 | r2 >> 63
        r2 = r2 << 1 | r1 >> 63
        r1 = r1 << 1
        // Plus the squares a_i² at word 2i.
        let q0 = mulAdd(a.l0, a.l0, 0, 0), q1 = mulAdd(a.l1, a.l1, 0, 0), q2 = mulAdd(a.l2, a.l2, 0, 0)
        let q3 = mulAdd(a.l3, a.l3, 0, 0), q4 = mulAdd(a.l4, a.l4, 0, 0), q5 = mulAdd(a.l5, a.l5, 0, 0)
        var s1: UInt64, s2: UInt64, s3: UInt64, s4: UInt64, s5: UInt64, s6: UInt64
        var s7: UInt64, s8: UInt64, s9: UInt64, s10: UInt64, s11: UInt64
        (s1, c) = addCarry(r1, q0.hi, 0)
        (s2, c) = addCarry(r2, q1.lo, c)
        (s3, c) = addCarry(r3, q1.hi, c)
        (s4, c) = addCarry(r4, q2.lo, c)
        (s5, c) = addCarry(r5, q2.hi, c)
        (s6, c) = addCarry(r6, q3.lo, c)
        (s7, c) = addCarry(r7, q3.hi, c)
        (s8, c) = addCarry(r8, q4.lo, c)
        (s9, c) = addCarry(r9, q4.hi, c)
        (s10, c) = addCarry(r10, q5.lo, c)
        (s11, _) = addCarry(r11, q5.hi, c)
        self.init(q0.lo, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11)
    }

    /// One word of Montgomery reduction on a six-word window: t ← (t + m·p)/2^64 with
    /// m = t0·(−p⁻¹) mod 2^64. The result is below 2^320 + p < 2^384, so it stays in six words
    /// and the top carry is the new t5 (the "no-carry" bound of the CIOS product: p's top limb
    /// is below 2^63).
    @inlinable @inline(__always)
    static func reduceRow(
        _ t0: inout UInt64, _ t1: inout UInt64, _ t2: inout UInt64,
        _ t3: inout UInt64, _ t4: inout UInt64, _ t5: inout UInt64
    ) {
        let m = t0 &* Fp.inv
        var c = mulAdd(m, Fp.p0, t0, 0).hi
        (t0, c) = mulAdd(m, Fp.p1, t1, c)
        (t1, c) = mulAdd(m, Fp.p2, t2, c)
        (t2, c) = mulAdd(m, Fp.p3, t3, c)
        (t3, c) = mulAdd(m, Fp.p4, t4, c)
        (t4, c) = mulAdd(m, Fp.p5, t5, c)
        t5 = c
    }

    /// The assembly Montgomery reduction (fp_x86_64.S), the twin of `montgomeryReduced()`. Only
    /// when `vring_fp_asm_enabled()`; used by the Fp2-level kernels, from Swift only in the tests.
    @inlinable @inline(__always)
    package func reducedByKernel() -> Fp {
        var r = Fp.zero, t = self
        vring_fp_redc(&r, &t)
        return r
    }

    /// Montgomery reduction T·2^-384 mod p, for T < p·2^384. Branch-free.
    ///
    /// The low half alone is reduced, u = (T_lo + M·p)/2^384 ≤ p, and the high half added after:
    /// T_hi + u < 2p, so one conditional subtraction finishes. Against folding the high words into
    /// the window row by row (a seventh word and a carry across rows), −4 % instructions
    /// (stand-alone: 389 → 374), checked equal on 200 000 inputs up to p·2^384.
    @inlinable @inline(__always)
    public func montgomeryReduced() -> Fp {
        var t0 = l0, t1 = l1, t2 = l2, t3 = l3, t4 = l4, t5 = l5
        FpWide.reduceRow(&t0, &t1, &t2, &t3, &t4, &t5)
        FpWide.reduceRow(&t0, &t1, &t2, &t3, &t4, &t5)
        FpWide.reduceRow(&t0, &t1, &t2, &t3, &t4, &t5)
        FpWide.reduceRow(&t0, &t1, &t2, &t3, &t4, &t5)
        FpWide.reduceRow(&t0, &t1, &t2, &t3, &t4, &t5)
        FpWide.reduceRow(&t0, &t1, &t2, &t3, &t4, &t5)
        let (s0, c0) = addCarry(t0, l6, 0)
        let (s1, c1) = addCarry(t1, l7, c0)
        let (s2, c2) = addCarry(t2, l8, c1)
        let (s3, c3) = addCarry(t3, l9, c2)
        let (s4, c4) = addCarry(t4, l10, c3)
        let (s5, _) = addCarry(t5, l11, c4)
        return Fp.reduceOnce(s0, s1, s2, s3, s4, s5)
    }

    @inlinable @inline(__always)
    public static func + (a: FpWide, b: FpWide) -> FpWide {
        let (s0, c0) = addCarry(a.l0, b.l0, 0)
        let (s1, c1) = addCarry(a.l1, b.l1, c0)
        let (s2, c2) = addCarry(a.l2, b.l2, c1)
        let (s3, c3) = addCarry(a.l3, b.l3, c2)
        let (s4, c4) = addCarry(a.l4, b.l4, c3)
        let (s5, c5) = addCarry(a.l5, b.l5, c4)
        let (s6, c6) = addCarry(a.l6, b.l6, c5)
        let (s7, c7) = addCarry(a.l7, b.l7, c6)
        let (s8, c8) = addCarry(a.l8, b.l8, c7)
        let (s9, c9) = addCarry(a.l9, b.l9, c8)
        let (s10, c10) = addCarry(a.l10, b.l10, c9)
        let (s11, _) = addCarry(a.l11, b.l11, c10)
        return FpWide(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11)
    }

    /// a + b modulo p·2^384, for a, b in [0, p·2^384): the sum (below 2^767) with p subtracted
    /// from its upper half when it reaches p·2^384. Branch-free. Unlike `+`, the result can be
    /// added to again without leaving the range the reduction accepts.
    @inlinable @inline(__always)
    public static func addModulo(_ a: FpWide, _ b: FpWide) -> FpWide {
        let s = a + b
        let hi = Fp.reduceOnce(s.l6, s.l7, s.l8, s.l9, s.l10, s.l11)
        return FpWide(s.l0, s.l1, s.l2, s.l3, s.l4, s.l5, hi.l0, hi.l1, hi.l2, hi.l3, hi.l4, hi.l5)
    }

    /// The 768-bit difference a − b and its borrow (1 when it wrapped). Branch-free.
    @inlinable @inline(__always)
    static func subtractingWithBorrow(_ a: FpWide, _ b: FpWide) -> (difference: FpWide, borrow: UInt64) {
        let (d0, b0) = subBorrow(a.l0, b.l0, 0)
        let (d1, b1) = subBorrow(a.l1, b.l1, b0)
        let (d2, b2) = subBorrow(a.l2, b.l2, b1)
        let (d3, b3) = subBorrow(a.l3, b.l3, b2)
        let (d4, b4) = subBorrow(a.l4, b.l4, b3)
        let (d5, b5) = subBorrow(a.l5, b.l5, b4)
        let (d6, b6) = subBorrow(a.l6, b.l6, b5)
        let (d7, b7) = subBorrow(a.l7, b.l7, b6)
        let (d8, b8) = subBorrow(a.l8, b.l8, b7)
        let (d9, b9) = subBorrow(a.l9, b.l9, b8)
        let (d10, b10) = subBorrow(a.l10, b.l10, b9)
        let (d11, b11) = subBorrow(a.l11, b.l11, b10)
        return (FpWide(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11), b11)
    }

    /// a − b for a ≥ b as integers (a Karatsuba middle term: (a0 + a1)(b0 + b1) − (a0b0 + a1b1)
    /// = a0b1 + a1b0 ≥ 0): the plain 768-bit difference, no correction. Branch-free.
    @inlinable @inline(__always)
    public static func differenceKnownNonNegative(_ a: FpWide, _ b: FpWide) -> FpWide {
        subtractingWithBorrow(a, b).difference
    }

    /// a - b, adding p·2^384 back when the difference is negative (so the result stays a
    /// non-negative representative below p·2^384 when a, b are). Branch-free.
    @inlinable @inline(__always)
    public static func - (a: FpWide, b: FpWide) -> FpWide {
        let (d, borrow) = subtractingWithBorrow(a, b)
        // Through the barrier, as in Fp's `-`: without it LLVM branched around the load of p.
        let m = maskFromBit(borrow)
        let (e6, c6) = addCarry(d.l6, Fp.p0 & m, 0)
        let (e7, c7) = addCarry(d.l7, Fp.p1 & m, c6)
        let (e8, c8) = addCarry(d.l8, Fp.p2 & m, c7)
        let (e9, c9) = addCarry(d.l9, Fp.p3 & m, c8)
        let (e10, c10) = addCarry(d.l10, Fp.p4 & m, c9)
        let (e11, _) = addCarry(d.l11, Fp.p5 & m, c10)
        return FpWide(d.l0, d.l1, d.l2, d.l3, d.l4, d.l5, e6, e7, e8, e9, e10, e11)
    }
}
