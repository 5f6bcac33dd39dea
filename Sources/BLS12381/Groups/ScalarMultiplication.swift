extension ProjectivePoint {
    /// [k]P for a secret scalar, constant time. P must be in the prime-order subgroup (every
    /// checked `G1Affine`/`G2Affine` is): the curve's endomorphism splits k into shorter pieces
    /// (GLV on G1, two 128-bit halves; GLS on G2, four 64-bit digits), which is only valid
    /// there. For a point that may lie outside the subgroup, use `multipliedFullLength(by:)`.
    @inlinable
    public func multiplied(by k: Fr) -> ProjectivePoint {
        C.multiplyConstantTime(self, by: k)
    }

    /// [k]P for a secret scalar, valid for any point on the curve: fixed 4-bit windows over all
    /// 256 bits of k, each table entry read by a full constant-time scan, complete addition
    /// formulas. No branch or memory access depends on k.
    @inlinable
    public func multipliedFullLength(by k: Fr) -> ProjectivePoint {
        let c = k.canonicalLimbs
        return withUnsafeTemporaryAllocation(of: ProjectivePoint.self, capacity: 16) { table in
            fillMultiples(table, base: 0, self)
            var r = ProjectivePoint.infinity
            for i in stride(from: 63, through: 0, by: -1) {
                r = r.doubled().doubled().doubled().doubled()
                let limb: UInt64
                switch i >> 4 {  // the limb index depends only on the loop counter
                case 0: limb = c.0
                case 1: limb = c.1
                case 2: limb = c.2
                default: limb = c.3
                }
                r = r + constantTimeLookup(table, base: 0, (limb >> UInt64(4 * (i & 15))) & 0xf)
            }
            return r
        }
    }

    /// [k]P for a public scalar. Variable time.
    @inlinable
    public func multipliedVartime(by k: Fr) -> ProjectivePoint {
        let c = k.canonicalLimbs
        return multipliedVartime(by: [c.0, c.1, c.2, c.3])
    }

}

// MARK: Endomorphism-split constant-time multiplication
//
// Both groups have an endomorphism acting as a known scalar λ with λ^4 ≈ r: on G2, ψ acts as
// [z] (z = -0xd201000000010000, r = z^4 - z^2 + 1); on G1, φ acts as [-z^2]. Writing k < r in
// base |z|, k = d0 + d1·|z| + d2·|z|^2 + d3·|z|^3 with 0 ≤ d_i < |z| < 2^64 (k < r < |z|^4), gives
//   G2 (GLS):  [k]P = [d0]P + [d1](−ψP) + [d2]ψ^2 P + [d3](−ψ^3 P)      ([|z|]P = −ψP)
//   G1 (GLV):  [k]P = [d0 + d1·|z|]P + [d2 + d3·|z|](−φP)               ([z^2]P = −φP)
// so one shared chain of 64 (G2) or 128 (G1) doublings replaces 256, with the same number of
// additions. The digits come from a bit-serial restoring division by |z| (the same
// instructions for every k, no `div`, whose latency can depend on its operands); the tables for
// the other points are images of the first under the endomorphism (two Fp2 products or one Fp
// product per entry), and every entry is read by a full scan.

/// (k / |z|, k mod |z|) for a 256-bit k. Constant time: 256 identical steps of restoring division.
@inlinable
func divideByXAbs(_ k: (UInt64, UInt64, UInt64, UInt64)) -> (quotient: (UInt64, UInt64, UInt64, UInt64), remainder: UInt64) {
    let d = UInt128(blsXAbs)
    var rem: UInt128 = 0
    var q = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    for li in stride(from: 3, through: 0, by: -1) {
        let limb: UInt64
        switch li {  // depends on the loop counter only
        case 3: limb = k.3
        case 2: limb = k.2
        case 1: limb = k.1
        default: limb = k.0
        }
        var qLimb: UInt64 = 0
        for b in stride(from: 63, through: 0, by: -1) {
            // rem < |z| < 2^64 before the shift, so rem < 2^65 here and the wrap of rem − |z|
            // (rem < |z|) always sets bit 127.
            rem = (rem &<< 1) | UInt128((limb &>> UInt64(b)) & 1)
            let diff = rem &- d
            let take = UInt64(truncatingIfNeeded: diff &>> 127) ^ 1  // 1 when rem ≥ |z|
            let mask = UInt128(0) &- UInt128(take)
            rem = (diff & mask) | (rem & ~mask)
            qLimb = (qLimb &<< 1) | take
        }
        switch li {
        case 3: q.3 = qLimb
        case 2: q.2 = qLimb
        case 1: q.1 = qLimb
        default: q.0 = qLimb
        }
    }
    return (q, UInt64(truncatingIfNeeded: rem))
}

/// The base-|z| digits of k < r: k = d0 + d1·|z| + d2·|z|^2 + d3·|z|^3, each below |z|. Constant time.
@inlinable
package func zAdicDigits(_ k: Fr) -> (UInt64, UInt64, UInt64, UInt64) {
    let (q1, d0) = divideByXAbs(k.canonicalLimbs)
    let (q2, d1) = divideByXAbs(q1)
    let (q3, d2) = divideByXAbs(q2)
    return (d0, d1, d2, q3.0)  // q3 < |z| because k < |z|^4
}

/// Entry `nibble` of the 16-entry table at `table`, by a full constant-time scan.
@inlinable @inline(__always)
func constantTimeLookup<C>(_ table: UnsafeMutableBufferPointer<ProjectivePoint<C>>, base: Int, _ nibble: UInt64) -> ProjectivePoint<C> {
    var sel = ProjectivePoint<C>.infinity
    for j in 0..<16 {
        sel = ProjectivePoint.select(sel, table[base + j], isZeroBit(nibble ^ UInt64(j)))
    }
    return sel
}

/// table[base + d] = [d]P for d in 0..<16.
@inlinable @inline(__always)
func fillMultiples<C>(_ table: UnsafeMutableBufferPointer<ProjectivePoint<C>>, base: Int, _ p: ProjectivePoint<C>) {
    table[base] = .infinity
    table[base + 1] = p
    for j in 2..<16 { table[base + j] = (j & 1 == 0) ? table[base + j / 2].doubled() : table[base + j - 1] + p }
}

/// table[base + j] = [j + 1]P for j in 0..<16: the multiples a signed radix-32 digit selects.
@inlinable @inline(__always)
func fillSignedMultiples<C>(_ table: UnsafeMutableBufferPointer<ProjectivePoint<C>>, base: Int, _ p: ProjectivePoint<C>) {
    table[base] = p
    for m in 2...16 { table[base + m - 1] = (m & 1 == 0) ? table[base + m / 2 - 1].doubled() : table[base + m - 2] + p }
}

/// Signed radix-32 digits of x < 2^(5·windows − 1), least significant first, written to
/// `out[at..<at + windows]` as magnitude (0…16) | sign << 7. A window's 5 bits plus the carry
/// v ≥ 16 becomes v − 32 and carries 1; the top window keeps its value (at most 16 by the bound
/// on x), so no carry is lost. Constant time: the same operations for every x.
@inlinable @inline(__always)
func signedRadix32Digits(_ x: UInt128, windows: Int, into out: UnsafeMutableBufferPointer<UInt8>, at: Int) {
    var carry: UInt64 = 0
    for w in 0..<windows {
        let v = UInt64(truncatingIfNeeded: (x &>> UInt128(5 * w)) & 31) &+ carry  // 0…32
        let negative = w == windows - 1 ? 0 : ((15 &- v) >> 63) & 1                // v ≥ 16; w is public
        let m = maskFromBit(negative)
        carry = negative
        out[at + w] = UInt8(truncatingIfNeeded: (v & ~m) | ((32 &- v) & m)) | UInt8(truncatingIfNeeded: negative << 7)
    }
}

/// [±m]Q for a packed signed digit (see `signedRadix32Digits`) from table[base + j] = [j + 1]Q:
/// a full masked scan and a masked negation, infinity for m = 0. Constant time in the digit.
@inlinable @inline(__always)
func signedProjectiveLookup<C>(_ table: UnsafeMutableBufferPointer<ProjectivePoint<C>>, base: Int, _ digit: UInt8) -> ProjectivePoint<C> {
    let magnitude = UInt64(digit & 31), negative = UInt64(digit >> 7)
    var sel = ProjectivePoint<C>.infinity
    for j in 0..<16 {
        sel = ProjectivePoint.select(sel, table[base + j], isZeroBit(magnitude ^ UInt64(j + 1)))
    }
    sel.y = C.Field.select(sel.y, -sel.y, negative)
    return sel
}

extension ProjectivePoint where C == G1Curve {
    /// GLV: [k]P as [k0]P + [k1](−φP) with k0, k1 < 2^128, signed radix-32 digits (26 windows:
    /// 125 doublings, 51 complete additions, tables of [1..16]P and its φ-images). P must be in
    /// G1. Constant time in k.
    @inlinable
    public func multipliedGLV(by k: Fr) -> G1Projective {
        let d = zAdicDigits(k)
        let a = UInt128(d.0) &+ UInt128(d.1) &* UInt128(blsXAbs)  // < |z|^2 < 2^128
        let b = UInt128(d.2) &+ UInt128(d.3) &* UInt128(blsXAbs)
        let windows = 26
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * windows) { digits in
            signedRadix32Digits(a, windows: windows, into: digits, at: 0)
            signedRadix32Digits(b, windows: windows, into: digits, at: windows)
            return withUnsafeTemporaryAllocation(of: G1Projective.self, capacity: 32) { table in
                fillSignedMultiples(table, base: 0, self)
                for j in 0..<16 {  // [j + 1](−φP) = −φ([j + 1]P): (βX : −Y : Z)
                    let e = table[j]
                    table[16 + j] = G1Projective(x: e.x * Fp.beta, y: -e.y, z: e.z)
                }
                var r = signedProjectiveLookup(table, base: 0, digits[windows - 1]) + signedProjectiveLookup(table, base: 16, digits[2 * windows - 1])
                for i in stride(from: windows - 2, through: 0, by: -1) {
                    r = r.doubled().doubled().doubled().doubled().doubled()
                    r = r + signedProjectiveLookup(table, base: 0, digits[i])
                    r = r + signedProjectiveLookup(table, base: 16, digits[windows + i])
                }
                return r
            }
        }
    }
}

extension ProjectivePoint where C == G2Curve {
    /// GLS: [k]P as Σ [d_j](−ψ)^j P over the four base-|z| digits of k, signed radix-32 digits
    /// (13 windows: 60 doublings, 51 complete additions, tables of [1..16]P and its images).
    /// P must be in G2. Constant time in k.
    @inlinable
    public func multipliedGLS(by k: Fr) -> G2Projective {
        let d = zAdicDigits(k)
        let windows = 13
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4 * windows) { digits in
            signedRadix32Digits(UInt128(d.0), windows: windows, into: digits, at: 0)
            signedRadix32Digits(UInt128(d.1), windows: windows, into: digits, at: windows)
            signedRadix32Digits(UInt128(d.2), windows: windows, into: digits, at: 2 * windows)
            signedRadix32Digits(UInt128(d.3), windows: windows, into: digits, at: 3 * windows)
            return withUnsafeTemporaryAllocation(of: G2Projective.self, capacity: 64) { table in
                fillSignedMultiples(table, base: 0, self)
                for t in 1..<4 {  // [j](−ψ)^t P = −ψ([j](−ψ)^(t−1) P)
                    for j in 0..<16 { table[16 * t + j] = -table[16 * (t - 1) + j].psi() }
                }
                let top = windows - 1
                var r = signedProjectiveLookup(table, base: 0, digits[top]) + signedProjectiveLookup(table, base: 16, digits[windows + top])
                r = r + signedProjectiveLookup(table, base: 32, digits[2 * windows + top])
                r = r + signedProjectiveLookup(table, base: 48, digits[3 * windows + top])
                for i in stride(from: top - 1, through: 0, by: -1) {
                    r = r.doubled().doubled().doubled().doubled().doubled()
                    r = r + signedProjectiveLookup(table, base: 0, digits[i])
                    r = r + signedProjectiveLookup(table, base: 16, digits[windows + i])
                    r = r + signedProjectiveLookup(table, base: 32, digits[2 * windows + i])
                    r = r + signedProjectiveLookup(table, base: 48, digits[3 * windows + i])
                }
                return r
            }
        }
    }
}

/// Width-w non-adjacent form of a little-endian multi-limb integer, least significant digit first.
/// Digits are odd and in (-2^(w-1), 2^(w-1)) or zero.
@usableFromInline
func wnaf(_ limbs: [UInt64], width w: Int) -> [Int8] {
    var k = limbs + [0]
    var out = [Int8]()
    out.reserveCapacity(64 * limbs.count + 1)
    let window = UInt64(1) << UInt64(w)
    func isZero() -> Bool { k.allSatisfy { $0 == 0 } }
    while !isZero() {
        var digit: Int64 = 0
        if k[0] & 1 == 1 {
            let m = Int64(k[0] & (window - 1))
            digit = m >= Int64(window >> 1) ? m - Int64(window) : m
            // k -= digit
            if digit > 0 {
                var borrow = UInt64(digit)
                for i in 0..<k.count where borrow != 0 {
                    let (d, o) = k[i].subtractingReportingOverflow(borrow)
                    k[i] = d; borrow = o ? 1 : 0
                }
            } else {
                var carry = UInt64(-digit)
                for i in 0..<k.count where carry != 0 {
                    let (s, o) = k[i].addingReportingOverflow(carry)
                    k[i] = s; carry = o ? 1 : 0
                }
            }
        }
        out.append(Int8(digit))
        // k >>= 1
        for i in 0..<k.count {
            k[i] = (k[i] >> 1) | (i + 1 < k.count ? k[i + 1] << 63 : 0)
        }
    }
    return out
}
