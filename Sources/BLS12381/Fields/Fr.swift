import Primitives

/// An element of the scalar field Fr, r = 0x73eda753…00000001 (255 bits), the order of G1, G2 and GT.
///
/// Four 64-bit limbs, little-endian, Montgomery form (x·2^256 mod r), fully reduced. Constant time
/// except where a name ends in `Vartime`. Secret scalars are stored in `SecretKey`
/// (secure memory) and only pass through this type inside constant-time code.
@frozen
public struct Fr: Sendable {
    public var l0, l1, l2, l3: UInt64

    @inlinable @inline(__always)
    package init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    @inlinable public static var zero: Fr { Fr(0, 0, 0, 0) }

    @inlinable @inline(__always)
    static func montgomeryRow(
        _ t0: inout UInt64, _ t1: inout UInt64, _ t2: inout UInt64, _ t3: inout UInt64, _ a: Fr, _ bi: UInt64
    ) {
        var A: UInt64, C: UInt64, x: UInt64
        (t0, A) = mulAdd(a.l0, bi, t0, 0)
        let m = t0 &* Fr.inv
        C = mulAdd(m, Fr.m0, t0, 0).hi
        (x, A) = mulAdd(a.l1, bi, t1, A); (t0, C) = mulAdd(m, Fr.m1, x, C)
        (x, A) = mulAdd(a.l2, bi, t2, A); (t1, C) = mulAdd(m, Fr.m2, x, C)
        (x, A) = mulAdd(a.l3, bi, t3, A); (t2, C) = mulAdd(m, Fr.m3, x, C)
        t3 = C &+ A
    }

    @inlinable @inline(__always)
    static func reduceOnce(_ t0: UInt64, _ t1: UInt64, _ t2: UInt64, _ t3: UInt64) -> Fr {
        let (s0, b0) = subBorrow(t0, Fr.m0, 0)
        let (s1, b1) = subBorrow(t1, Fr.m1, b0)
        let (s2, b2) = subBorrow(t2, Fr.m2, b1)
        let (s3, b3) = subBorrow(t3, Fr.m3, b2)
        let keep = borrowMask(b3)
        return Fr((t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep))
    }

    @inlinable @inline(__always)
    public static func * (a: Fr, b: Fr) -> Fr {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        montgomeryRow(&t0, &t1, &t2, &t3, a, b.l0)
        montgomeryRow(&t0, &t1, &t2, &t3, a, b.l1)
        montgomeryRow(&t0, &t1, &t2, &t3, a, b.l2)
        montgomeryRow(&t0, &t1, &t2, &t3, a, b.l3)
        return reduceOnce(t0, t1, t2, t3)
    }

    @inlinable @inline(__always) public static func *= (a: inout Fr, b: Fr) { a = a * b }
    @inlinable @inline(__always) public func squared() -> Fr { self * self }

    @inlinable @inline(__always)
    public static func + (a: Fr, b: Fr) -> Fr {
        // r < 2^255: the sum fits four limbs.
        let (s0, c0) = addCarry(a.l0, b.l0, 0)
        let (s1, c1) = addCarry(a.l1, b.l1, c0)
        let (s2, c2) = addCarry(a.l2, b.l2, c1)
        let (s3, _) = addCarry(a.l3, b.l3, c2)
        return reduceOnce(s0, s1, s2, s3)
    }
    @inlinable @inline(__always) public static func += (a: inout Fr, b: Fr) { a = a + b }

    @inlinable @inline(__always)
    public static func - (a: Fr, b: Fr) -> Fr {
        let (d0, b0) = subBorrow(a.l0, b.l0, 0)
        let (d1, b1) = subBorrow(a.l1, b.l1, b0)
        let (d2, b2) = subBorrow(a.l2, b.l2, b1)
        let (d3, b3) = subBorrow(a.l3, b.l3, b2)
        let m = borrowMask(b3)
        let (e0, c0) = addCarry(d0, Fr.m0 & m, 0)
        let (e1, c1) = addCarry(d1, Fr.m1 & m, c0)
        let (e2, c2) = addCarry(d2, Fr.m2 & m, c1)
        let (e3, _) = addCarry(d3, Fr.m3 & m, c2)
        return Fr(e0, e1, e2, e3)
    }
    @inlinable @inline(__always) public static func -= (a: inout Fr, b: Fr) { a = a - b }

    @inlinable @inline(__always)
    public static prefix func - (a: Fr) -> Fr { Fr.zero - a }

    @inlinable @inline(__always)
    public var isZeroBit: UInt64 { BLS12381.isZeroBit(l0 | l1 | l2 | l3) }
    @inlinable public var isZero: Bool { isZeroBit == 1 }

    @inlinable @inline(__always)
    public static func select(_ a: Fr, _ b: Fr, _ bit: UInt64) -> Fr {
        let m = maskFromBit(bit)
        return Fr(a.l0 ^ ((a.l0 ^ b.l0) & m), a.l1 ^ ((a.l1 ^ b.l1) & m), a.l2 ^ ((a.l2 ^ b.l2) & m), a.l3 ^ ((a.l3 ^ b.l3) & m))
    }

    @inlinable @inline(__always)
    public func equalBit(_ o: Fr) -> UInt64 {
        BLS12381.isZeroBit((l0 ^ o.l0) | (l1 ^ o.l1) | (l2 ^ o.l2) | (l3 ^ o.l3))
    }

    // MARK: Conversion

    /// A small integer.
    @inlinable public init(_ v: UInt64) { self = Fr.rSquared * Fr(v, 0, 0, 0) }

    /// The integer value, little-endian limbs (out of Montgomery form).
    @inlinable
    public var canonicalLimbs: (UInt64, UInt64, UInt64, UInt64) {
        let v = self * Fr(1, 0, 0, 0)
        return (v.l0, v.l1, v.l2, v.l3)
    }

    /// From 32 big-endian bytes; nil when the value is not below r. Constant time in the value
    /// except for the final accept/reject.
    @inlinable
    public init?(bigEndian bytes: some Collection<UInt8>) {
        guard let value = withContiguousBytes(bytes, { Fr.decodeBigEndian($0) }) else { return nil }
        self = value
    }

    @usableFromInline
    static func decodeBigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> Fr? {
        guard bytes.count == 32 else { return nil }
        let w0 = bigEndianLimb(bytes, 0), w1 = bigEndianLimb(bytes, 1)
        let w2 = bigEndianLimb(bytes, 2), w3 = bigEndianLimb(bytes, 3)
        let (_, b0) = subBorrow(w0, Fr.m0, 0)
        let (_, b1) = subBorrow(w1, Fr.m1, b0)
        let (_, b2) = subBorrow(w2, Fr.m2, b1)
        let (_, b3) = subBorrow(w3, Fr.m3, b2)
        // Whether the encoding is canonical is the one thing this reveals (public to the check).
        guard ConstantTimeCheck.declassified(b3) == 1 else { return nil }
        return Fr.rSquared * Fr(w0, w1, w2, w3)
    }

    /// Reduces a big-endian integer of at most 64 bytes modulo r (used by KeyGen on 48 bytes and by
    /// hash-to-scalar on 64 bytes). Constant time for a given length.
    @inlinable
    public init(reducingBigEndian bytes: some Collection<UInt8>) {
        self = withContiguousBytes(bytes) { Fr.reduceBigEndian($0) }
    }

    @usableFromInline
    static func reduceBigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> Fr {
        precondition(bytes.count <= 64)
        // lo·R and hi·2^256·R, each Montgomery product taking the reduced constant on the left.
        let lo = Fr.rSquared * Fr(bigEndianLimb(bytes, 0), bigEndianLimb(bytes, 1), bigEndianLimb(bytes, 2), bigEndianLimb(bytes, 3))
        let hi = Fr.rCubed * Fr(bigEndianLimb(bytes, 4), bigEndianLimb(bytes, 5), bigEndianLimb(bytes, 6), bigEndianLimb(bytes, 7))
        return lo + hi
    }

    /// 32 big-endian bytes of the canonical value.
    public var bigEndianBytes: [UInt8] {
        let c = canonicalLimbs
        var out = [UInt8]()
        out.reserveCapacity(32)
        for l in [c.3, c.2, c.1, c.0] {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: l >> UInt64(s))) }
        }
        return out
    }

    /// self^e for a public exponent (little-endian limbs). Constant time in `self`.
    public func power(_ e: [UInt64]) -> Fr { powerPublicExponent(self, e) }

    /// Constant-time inverse; zero maps to zero.
    public func inverse() -> Fr { power(Fr.expRMinus2) }

    /// Variable-time inverse through GMP (public data only); zero maps to zero.
    public func inverseVartime() -> Fr {
        if isZero { return .zero }
        var input = [l0, l1, l2, l3]
        var modulus = [Fr.m0, Fr.m1, Fr.m2, Fr.m3]
        var out = [UInt64](repeating: 0, count: 4)
        let ok = GMPField.inverseVartime(&input, modulus: &modulus, count: 4, result: &out)
        precondition(ok)
        return (Fr(out[0], out[1], out[2], out[3]) * Fr.rSquared) * Fr.rSquared
    }

    /// Inverts every element with one inversion (Montgomery's trick). Zeros stay zero. Variable
    /// time in which elements are zero only; for public data.
    public static func batchInverseVartime(_ xs: [Fr]) -> [Fr] {
        var prefix = [Fr](repeating: .one, count: xs.count)
        var acc = Fr.one
        for (i, x) in xs.enumerated() {
            prefix[i] = acc
            if !x.isZero { acc = acc * x }
        }
        var inv = acc.inverseVartime()
        var out = [Fr](repeating: .zero, count: xs.count)
        for i in stride(from: xs.count - 1, through: 0, by: -1) where !xs[i].isZero {
            out[i] = inv * prefix[i]
            inv = inv * xs[i]
        }
        return out
    }

    /// A uniformly random scalar from `SystemRandom` (64 bytes reduced: bias below 2^-250).
    public static func random() -> Fr {
        Fr(reducingBigEndian: SystemRandom.bytes(64))
    }

    /// A uniformly random scalar from a caller's generator (tests, simulations with seeds).
    public static func random(using rng: inout some RandomNumberGenerator) -> Fr {
        var bytes = [UInt8](repeating: 0, count: 64)
        for i in 0..<64 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return Fr(reducingBigEndian: bytes)
    }
}

extension Fr: Equatable {
    @inlinable @inline(__always)
    public static func == (a: Fr, b: Fr) -> Bool { a.equalBit(b) == 1 }
}
