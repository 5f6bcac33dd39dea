/// Σ [k_i] P_i by Pippenger's bucket method, for public scalars and points. Variable time.
///
/// Window c ≈ ln(n) bits; each window sorts points into 2^c - 1 buckets by one addition each,
/// then sums the buckets with a running sum (2·2^c additions), and the windows are combined with
/// c doublings each.
public func multiScalarMultiplyVartime<C>(points: [AffinePoint<C>], scalars: [Fr]) -> ProjectivePoint<C> {
    precondition(points.count == scalars.count, "MSM: one scalar per point")
    let n = points.count
    if n == 0 { return .infinity }
    if n < 8 {
        var acc = ProjectivePoint<C>.infinity
        for i in 0..<n { acc = acc + ProjectivePoint(points[i]).multipliedVartime(by: scalars[i]) }
        return acc
    }
    let c = n < 32 ? 3 : min(16, max(4, log2Floor(n) - 2))
    let limbs: [(UInt64, UInt64, UInt64, UInt64)] = scalars.map { $0.canonicalLimbs }
    let windows = (255 + c - 1) / c
    var buckets = [JacobianPoint<C>](repeating: .infinity, count: (1 << c) - 1)
    var result = ProjectivePoint<C>.infinity
    for w in stride(from: windows - 1, through: 0, by: -1) {
        for _ in 0..<c { result = result.doubled() }
        for j in 0..<buckets.count { buckets[j] = .infinity }
        let shift = w * c
        for i in 0..<n {
            let d = windowDigit(limbs[i], shift: shift, width: c)
            if d != 0 { buckets[d - 1] = buckets[d - 1] + points[i] }
        }
        var running = JacobianPoint<C>.infinity
        var sum = JacobianPoint<C>.infinity
        for j in stride(from: buckets.count - 1, through: 0, by: -1) {
            running = running + buckets[j]
            sum = sum + running
        }
        result = result + sum.projective
    }
    return result
}

@inline(__always)
func log2Floor(_ n: Int) -> Int { Int.bitWidth - 1 - n.leadingZeroBitCount }

/// Bits [shift, shift + width) of a 256-bit little-endian integer.
@inline(__always)
func windowDigit(_ k: (UInt64, UInt64, UInt64, UInt64), shift: Int, width: Int) -> Int {
    @inline(__always) func limb(_ i: Int) -> UInt64 {
        switch i { case 0: k.0; case 1: k.1; case 2: k.2; case 3: k.3; default: 0 }
    }
    let li = shift / 64, bi = shift % 64
    var v = limb(li) >> UInt64(bi)
    if bi + width > 64 { v |= limb(li + 1) << UInt64(64 - bi) }
    return Int(v & ((1 << UInt64(width)) - 1))
}
