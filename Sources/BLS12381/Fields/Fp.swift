import CBarrier
import Primitives

/// An element of the base field Fp of BLS12-381, p = 0x1a0111ea…ffffaaab (381 bits).
///
/// Six 64-bit limbs, little-endian, in Montgomery form (x·2^384 mod p), always fully reduced.
/// Arithmetic is branch-free and constant time except where a name ends in `Vartime`.
@frozen
public struct Fp: Sendable {
    public var l0, l1, l2, l3, l4, l5: UInt64

    /// Raw Montgomery limbs. Unchecked: the value must be below p.
    @inlinable @inline(__always)
    package init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4; self.l5 = l5
    }

    @inlinable public static var zero: Fp { Fp(0, 0, 0, 0, 0, 0) }

    // MARK: Montgomery multiplication

    /// One row of the "no-carry" CIOS Montgomery product (gnark-crypto's variant: valid because
    /// the top limb of p is below (2^64 - 1)/2 - 1). Fully unrolled after inlining; no branch.
    @inlinable @inline(__always)
    static func montgomeryRow(
        _ t0: inout UInt64, _ t1: inout UInt64, _ t2: inout UInt64,
        _ t3: inout UInt64, _ t4: inout UInt64, _ t5: inout UInt64,
        _ a: Fp, _ bi: UInt64
    ) {
        var A: UInt64, C: UInt64, x: UInt64
        (t0, A) = mulAdd(a.l0, bi, t0, 0)
        let m = t0 &* Fp.inv
        C = mulAdd(m, Fp.p0, t0, 0).hi
        (x, A) = mulAdd(a.l1, bi, t1, A); (t0, C) = mulAdd(m, Fp.p1, x, C)
        (x, A) = mulAdd(a.l2, bi, t2, A); (t1, C) = mulAdd(m, Fp.p2, x, C)
        (x, A) = mulAdd(a.l3, bi, t3, A); (t2, C) = mulAdd(m, Fp.p3, x, C)
        (x, A) = mulAdd(a.l4, bi, t4, A); (t3, C) = mulAdd(m, Fp.p4, x, C)
        (x, A) = mulAdd(a.l5, bi, t5, A); (t4, C) = mulAdd(m, Fp.p5, x, C)
        t5 = C &+ A
    }

    /// Subtracts p when the value is at least p (input below 2p). Branch-free.
    @inlinable @inline(__always)
    static func reduceOnce(
        _ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64, _ t4: UInt64, _ t5: UInt64
    ) -> Fp {
        var b: UInt64
        let (s0, b0) = subBorrow(t0, Fp.p0, 0)
        let (s1, b1) = subBorrow(t1, Fp.p1, b0)
        let (s2, b2) = subBorrow(t2, Fp.p2, b1)
        let (s3, b3) = subBorrow(t3, Fp.p3, b2)
        let (s4, b4) = subBorrow(t4, Fp.p4, b3)
        let s5: UInt64
        (s5, b) = subBorrow(t5, Fp.p5, b4)
        // b == 1: t < p, keep t.
        let keep = borrowMask(b)
        return Fp(
            (t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep),
            (t3 & keep) | (s3 & ~keep), (t4 & keep) | (s4 & ~keep), (t5 & keep) | (s5 & ~keep))
    }

    /// Montgomery product a·b·2^-384 mod p: the x86-64 BMI2/ADX kernel where the CPU has one
    /// (`vring_fp_asm_enabled`, decided once at start-up), else the portable product below.
    @inlinable @inline(__always)
    public static func * (a: Fp, b: Fp) -> Fp {
        if vring_fp_asm_enabled() != 0 { return productKernel(a, b) }
        return portableProduct(a, b)
    }

    /// The assembly Montgomery product (fp_x86_64.S). Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package static func productKernel(_ a: Fp, _ b: Fp) -> Fp {
        var r = Fp.zero, a = a, b = b
        vring_fp_mul_mont(&r, &a, &b)
        return r
    }

    /// The portable Montgomery product (any architecture); the assembly kernel's twin.
    @inlinable @inline(__always)
    package static func portableProduct(_ a: Fp, _ b: Fp) -> Fp {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0, t5: UInt64 = 0
        montgomeryRow(&t0, &t1, &t2, &t3, &t4, &t5, a, b.l0)
        montgomeryRow(&t0, &t1, &t2, &t3, &t4, &t5, a, b.l1)
        montgomeryRow(&t0, &t1, &t2, &t3, &t4, &t5, a, b.l2)
        montgomeryRow(&t0, &t1, &t2, &t3, &t4, &t5, a, b.l3)
        montgomeryRow(&t0, &t1, &t2, &t3, &t4, &t5, a, b.l4)
        montgomeryRow(&t0, &t1, &t2, &t3, &t4, &t5, a, b.l5)
        return reduceOnce(t0, t1, t2, t3, t4, t5)
    }

    @inlinable @inline(__always)
    public static func *= (a: inout Fp, b: Fp) { a = a * b }

    /// a²·2^-384 mod p: the dedicated 768-bit square (21 multiplications) and one reduction.
    @inlinable @inline(__always)
    public func squared() -> Fp {
        if vring_fp_asm_enabled() != 0 { return squaredByKernel() }
        return portableSquared()
    }

    /// The assembly square (fp_x86_64.S, the same 21 multiplications and one reduction). Only
    /// when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func squaredByKernel() -> Fp {
        var r = Fp.zero, a = self
        vring_fp_sqr_mont(&r, &a)
        return r
    }

    /// The portable square; the assembly kernel's twin.
    @inlinable @inline(__always)
    package func portableSquared() -> Fp { FpWide(square: self).montgomeryReduced() }

    // MARK: Addition

    @inlinable @inline(__always)
    public static func + (a: Fp, b: Fp) -> Fp {
        // p < 2^381, so a + b < 2^382 never overflows six limbs.
        let s = addUnreduced(a, b)
        return reduceOnce(s.l0, s.l1, s.l2, s.l3, s.l4, s.l5)
    }

    @inlinable @inline(__always)
    public static func += (a: inout Fp, b: Fp) { a = a + b }

    /// a + b without the final reduction: below 2p, valid only as an operand of `*`, whose
    /// no-carry Montgomery product accepts inputs below 2p (the intermediate stays below
    /// a + p < 2^384 and the result below 1.5p, so one conditional subtraction still reduces it).
    @inlinable @inline(__always)
    package static func addUnreduced(_ a: Fp, _ b: Fp) -> Fp {
        let (s0, c0) = addCarry(a.l0, b.l0, 0)
        let (s1, c1) = addCarry(a.l1, b.l1, c0)
        let (s2, c2) = addCarry(a.l2, b.l2, c1)
        let (s3, c3) = addCarry(a.l3, b.l3, c2)
        let (s4, c4) = addCarry(a.l4, b.l4, c3)
        let (s5, _) = addCarry(a.l5, b.l5, c4)
        return Fp(s0, s1, s2, s3, s4, s5)
    }

    @inlinable @inline(__always)
    public static func - (a: Fp, b: Fp) -> Fp {
        let (d0, b0) = subBorrow(a.l0, b.l0, 0)
        let (d1, b1) = subBorrow(a.l1, b.l1, b0)
        let (d2, b2) = subBorrow(a.l2, b.l2, b1)
        let (d3, b3) = subBorrow(a.l3, b.l3, b2)
        let (d4, b4) = subBorrow(a.l4, b.l4, b3)
        let (d5, b5) = subBorrow(a.l5, b.l5, b4)
        // Add p back when the subtraction wrapped.
        // The mask passes the barrier: p is read from memory (vring_fp_modulus), and without it
        // LLVM turned `p & mask` into a branch that skips the load (found by `vring ct-check`).
        let m = maskFromBit(b5)
        let (e0, c0) = addCarry(d0, Fp.p0 & m, 0)
        let (e1, c1) = addCarry(d1, Fp.p1 & m, c0)
        let (e2, c2) = addCarry(d2, Fp.p2 & m, c1)
        let (e3, c3) = addCarry(d3, Fp.p3 & m, c2)
        let (e4, c4) = addCarry(d4, Fp.p4 & m, c3)
        let (e5, _) = addCarry(d5, Fp.p5 & m, c4)
        return Fp(e0, e1, e2, e3, e4, e5)
    }

    @inlinable @inline(__always)
    public static func -= (a: inout Fp, b: Fp) { a = a - b }

    @inlinable @inline(__always)
    public static prefix func - (a: Fp) -> Fp {
        // p - a, then zero when a was zero.
        let (d0, b0) = subBorrow(Fp.p0, a.l0, 0)
        let (d1, b1) = subBorrow(Fp.p1, a.l1, b0)
        let (d2, b2) = subBorrow(Fp.p2, a.l2, b1)
        let (d3, b3) = subBorrow(Fp.p3, a.l3, b2)
        let (d4, b4) = subBorrow(Fp.p4, a.l4, b3)
        let (d5, _) = subBorrow(Fp.p5, a.l5, b4)
        let nz = ~borrowMask(a.isZeroBit)
        return Fp(d0 & nz, d1 & nz, d2 & nz, d3 & nz, d4 & nz, d5 & nz)
    }

    @inlinable @inline(__always)
    public func doubled() -> Fp { self + self }

    // MARK: Predicates and selection

    @inlinable @inline(__always)
    public var isZeroBit: UInt64 { BLS12381.isZeroBit(l0 | l1 | l2 | l3 | l4 | l5) }

    @inlinable @inline(__always)
    public static func select(_ a: Fp, _ b: Fp, _ bit: UInt64) -> Fp {
        let m = maskFromBit(bit)
        return Fp(
            a.l0 ^ ((a.l0 ^ b.l0) & m), a.l1 ^ ((a.l1 ^ b.l1) & m), a.l2 ^ ((a.l2 ^ b.l2) & m),
            a.l3 ^ ((a.l3 ^ b.l3) & m), a.l4 ^ ((a.l4 ^ b.l4) & m), a.l5 ^ ((a.l5 ^ b.l5) & m))
    }

    /// 1 when equal, else 0; constant time.
    @inlinable @inline(__always)
    public func equalBit(_ o: Fp) -> UInt64 {
        BLS12381.isZeroBit((l0 ^ o.l0) | (l1 ^ o.l1) | (l2 ^ o.l2) | (l3 ^ o.l3) | (l4 ^ o.l4) | (l5 ^ o.l5))
    }

    // MARK: Conversion

    /// The integer value (out of Montgomery form), little-endian limbs.
    @inlinable
    public var canonicalLimbs: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        let v = self * Fp(1, 0, 0, 0, 0, 0)
        return (v.l0, v.l1, v.l2, v.l3, v.l4, v.l5)
    }

    /// From an integer below 2^384 given as little-endian limbs; nil when it is not below p.
    @inlinable
    public init?(canonical l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64) {
        let (_, b0) = subBorrow(l0, Fp.p0, 0)
        let (_, b1) = subBorrow(l1, Fp.p1, b0)
        let (_, b2) = subBorrow(l2, Fp.p2, b1)
        let (_, b3) = subBorrow(l3, Fp.p3, b2)
        let (_, b4) = subBorrow(l4, Fp.p4, b3)
        let (_, b5) = subBorrow(l5, Fp.p5, b4)
        guard b5 == 1 else { return nil }
        self = Fp(l0, l1, l2, l3, l4, l5) * Fp.rSquared
    }

    /// A small integer.
    @inlinable
    public init(_ v: UInt64) {
        self = Fp(v, 0, 0, 0, 0, 0) * Fp.rSquared
    }

    /// From 48 big-endian bytes; nil when the value is not below p.
    @inlinable
    public init?(bigEndian bytes: some Collection<UInt8>) {
        guard let value = withContiguousBytes(bytes, { Fp.decodeBigEndian($0) }) else { return nil }
        self = value
    }

    @usableFromInline
    static func decodeBigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> Fp? {
        guard bytes.count == 48 else { return nil }
        return Fp(canonical: bigEndianLimb(bytes, 0), bigEndianLimb(bytes, 1), bigEndianLimb(bytes, 2),
                  bigEndianLimb(bytes, 3), bigEndianLimb(bytes, 4), bigEndianLimb(bytes, 5))
    }

    /// 48 big-endian bytes of the canonical value.
    public var bigEndianBytes: [UInt8] {
        let c = canonicalLimbs
        let limbs = [c.5, c.4, c.3, c.2, c.1, c.0]
        var out = [UInt8]()
        out.reserveCapacity(48)
        for l in limbs {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: l >> UInt64(s))) }
        }
        return out
    }

    /// Reduces a 64-byte big-endian integer modulo p (RFC 9380 hash_to_field, L = 64). Constant time.
    @inlinable
    public init(reducingBigEndian64 bytes: some Collection<UInt8>) {
        self = withContiguousBytes(bytes) { Fp.reduceBigEndian64($0) }
    }

    @usableFromInline
    static func reduceBigEndian64(_ bytes: UnsafeBufferPointer<UInt8>) -> Fp {
        precondition(bytes.count == 64)
        // value = hi·2^384 + lo with hi < 2^128, lo < 2^384.
        // Montgomery form of lo: R^2·lo·R^-1 = lo·R. The reduced constant is the left operand (the
        // one whose limbs are not iterated), which keeps every intermediate below 2p even though
        // lo may exceed p.
        let lo = Fp.rSquared * Fp(bigEndianLimb(bytes, 0), bigEndianLimb(bytes, 1), bigEndianLimb(bytes, 2),
                                  bigEndianLimb(bytes, 3), bigEndianLimb(bytes, 4), bigEndianLimb(bytes, 5))
        // Montgomery form of hi·2^384 = hi·R: R^3·hi·R^-1 = (hi·R)·R.
        let hi = Fp.rCubed * Fp(bigEndianLimb(bytes, 6), bigEndianLimb(bytes, 7), 0, 0, 0, 0)
        return lo + hi
    }

    // MARK: Exponentiation, inversion, square roots

    /// self^e for a public exponent given as little-endian limbs. Constant time in `self`.
    @inlinable
    public func power(_ e: [UInt64]) -> Fp { powerPublicExponent(self, e) }

    /// Constant-time inverse (Fermat: a^(p-2)); zero maps to zero.
    public func inverse() -> Fp { power(Fp.expPMinus2) }

    /// Inverse of a secret element by blinding, about 4× cheaper than `inverse()`: b is drawn
    /// uniformly from the nonzero elements by the system generator, a·b goes to the variable-time
    /// GMP inversion, and the result is multiplied by b. For nonzero a, a·b is uniform and
    /// independent of a, so the inversion's branches and memory accesses reveal nothing about a
    /// (only whether a is zero, which maps to zero). For secret values that cannot be zero.
    public func inverseBlinded() -> Fp {
        var b = Fp.zero
        while b.isZero { b = Fp(reducingBigEndian64: SystemRandom.bytes(64)) }  // branch on b only
        defer { b = .zero }
        // a·b is uniform and independent of a: public to the constant-time check.
        return ConstantTimeCheck.declassified(self * b).inverseVartime() * b
    }

    /// Variable-time inverse through GMP for public data; zero maps to zero.
    public func inverseVartime() -> Fp {
        if isZero { return .zero }
        // self = aR. GMP gives (aR)^-1 = a^-1 R^-1; two Montgomery products by R^2 give a^-1 R.
        var input = [l0, l1, l2, l3, l4, l5]
        var modulus = [Fp.p0, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5]
        var out = [UInt64](repeating: 0, count: 6)
        let ok = GMPField.inverseVartime(&input, modulus: &modulus, count: 6, result: &out)
        precondition(ok)
        let x = Fp(out[0], out[1], out[2], out[3], out[4], out[5])
        return (x * Fp.rSquared) * Fp.rSquared
    }

    /// 1 when self is a square (zero counts), else 0. Constant time (Euler's criterion).
    public var isSquareBit: UInt64 {
        let e = power(Fp.expPMinus1Over2)
        return e.equalBit(.one) | isZeroBit
    }

    /// Legendre symbol through GMP (public data only): 1 square, -1 non-square, 0 zero.
    public var legendreVartime: Int {
        var a = [l0, l1, l2, l3, l4, l5]  // Montgomery form: (aR | p) = (a | p) since R = 2^384 is a square
        var m = [Fp.p0, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5]
        return GMPField.legendreVartime(&a, modulus: &m, count: 6)
    }

    /// 1/2 (Montgomery form), computed once.
    package static let oneHalf: Fp = Fp(2).inverseVartime()

    /// Square root: self^((p+1)/4), valid since p ≡ 3 (mod 4). Nil when self is not a square.
    public func squareRootVartime() -> Fp? {
        let r = power(Fp.expPPlus1Over4)
        return r.squared() == self ? r : nil
    }

    /// RFC 9380 sgn0: the parity of the canonical value.
    public var sgn0: UInt64 { canonicalLimbs.0 & 1 }

    /// The lexicographically larger of y and -y (ZCash encoding flag): y > (p-1)/2.
    public var isLexicographicallyLargest: Bool {
        let c = canonicalLimbs
        // (p-1)/2 limbs
        let h = Fp.halfPLimbs
        let (_, b0) = subBorrow(h.0, c.0, 0)
        let (_, b1) = subBorrow(h.1, c.1, b0)
        let (_, b2) = subBorrow(h.2, c.2, b1)
        let (_, b3) = subBorrow(h.3, c.3, b2)
        let (_, b4) = subBorrow(h.4, c.4, b3)
        let (_, b5) = subBorrow(h.5, c.5, b4)
        return b5 == 1
    }

    @inlinable static var halfPLimbs: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        (0xdcff7fffffffd555, 0x0f55ffff58a9ffff, 0xb39869507b587b12, 0xb23ba5c279c2895f,
         0x258dd3db21a5d66b, 0x0d0088f51cbff34d)
    }
}

extension Fp: FieldElement {
    @inlinable @inline(__always)
    public static func == (a: Fp, b: Fp) -> Bool { a.equalBit(b) == 1 }

    /// Two 768-bit products, one Montgomery reduction (the sum stays below 2p² < p·2^384).
    @inlinable @inline(__always)
    public static func sumOfProducts(_ a: Fp, _ b: Fp, _ c: Fp, _ d: Fp) -> Fp {
        (FpWide(product: a, b) + FpWide(product: c, d)).montgomeryReduced()
    }

    /// Two 768-bit products, one Montgomery reduction (`FpWide.-` keeps the difference in range).
    @inlinable @inline(__always)
    public static func differenceOfProducts(_ a: Fp, _ b: Fp, _ c: Fp, _ d: Fp) -> Fp {
        (FpWide(product: a, b) - FpWide(product: c, d)).montgomeryReduced()
    }
}

extension Fp: CustomStringConvertible {
    /// Hex of the canonical value (field elements here are public data).
    public var description: String {
        "0x" + Hex.encode(bigEndianBytes)
    }
}
