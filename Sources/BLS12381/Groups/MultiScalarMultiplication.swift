/// Σ [k_i] P_i by Pippenger's bucket method, for public scalars and points. Variable time.
///
/// Window c ≈ ln(n) bits; each window sorts points into 2^c - 1 buckets by one addition each,
/// then sums the buckets with a running sum (2·2^c additions), and the windows are combined with
/// c doublings each.
///
/// `@inlinable`, like everything it calls, so that callers in other modules (DKG, Threshold,
/// Voting, the node) get code specialised for G1 or G2: unspecialised, every field operation
/// went through a protocol witness and generic metadata lookups (a third of the time).
@inlinable
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
    if n >= batchAffineThreshold { return batchAffinePippenger(points: points, limbs: limbs, c: c, windows: windows) }
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

/// From this many points on, buckets are filled with affine additions in batches that share one
/// inversion (Montgomery's trick): about 6 multiplications per addition instead of 11 for a
/// mixed Jacobian addition.
@usableFromInline let batchAffineThreshold = 64

/// Pippenger with affine buckets. Per window, the (bucket, point) additions are made in rounds:
/// a round takes at most one addition per bucket (a second one for a bucket waits for the next
/// round), inverts all denominators x_P − x_B at once, and applies the chord formulas. Equal or
/// opposite x (doubling or cancellation) is rare and is done on the spot in projective form.
@inlinable
func batchAffinePippenger<C>(points: [AffinePoint<C>], limbs: [(UInt64, UInt64, UInt64, UInt64)], c: Int, windows: Int) -> ProjectivePoint<C> {
    let n = points.count
    let bucketCount = (1 << c) - 1
    var buckets = [AffinePoint<C>](repeating: .infinity, count: bucketCount)
    var busy = [Int](repeating: -1, count: bucketCount)  // the round a bucket last took an addition in
    var pending: [(bucket: Int, point: Int)] = [], later: [(bucket: Int, point: Int)] = []
    var batch: [(bucket: Int, point: Int)] = []
    var denominators: [C.Field] = [], prefix: [C.Field] = []
    pending.reserveCapacity(n); later.reserveCapacity(n); batch.reserveCapacity(bucketCount)
    denominators.reserveCapacity(bucketCount); prefix.reserveCapacity(bucketCount)
    var round = 0
    var result = ProjectivePoint<C>.infinity
    for w in stride(from: windows - 1, through: 0, by: -1) {
        for _ in 0..<c { result = result.doubled() }
        for j in 0..<bucketCount { buckets[j] = .infinity }
        let shift = w * c
        pending.removeAll(keepingCapacity: true)
        for i in 0..<n where !points[i].isInfinity {
            let d = windowDigit(limbs[i], shift: shift, width: c)
            if d != 0 { pending.append((d - 1, i)) }
        }
        while !pending.isEmpty {
            round += 1
            batch.removeAll(keepingCapacity: true); later.removeAll(keepingCapacity: true)
            denominators.removeAll(keepingCapacity: true)
            for (b, i) in pending {
                if busy[b] == round { later.append((b, i)); continue }
                let p = points[i], q = buckets[b]
                if q.isInfinity { buckets[b] = p; continue }
                if p.x == q.x {  // P = ±Q: a doubling or the identity
                    buckets[b] = (ProjectivePoint(q) + p).affineVartime
                    continue
                }
                busy[b] = round
                batch.append((b, i))
                denominators.append(p.x - q.x)
            }
            if !batch.isEmpty {
                prefix.removeAll(keepingCapacity: true)
                var acc = C.Field.one
                for d in denominators { prefix.append(acc); acc = acc * d }
                var inv = acc.inverseVartime()
                for k in stride(from: batch.count - 1, through: 0, by: -1) {
                    let dInv = inv * prefix[k]
                    inv = inv * denominators[k]
                    let (b, i) = batch[k]
                    let p = points[i], q = buckets[b]
                    let lambda = (p.y - q.y) * dInv
                    let x3 = lambda.squared() - q.x - p.x
                    buckets[b] = AffinePoint(uncheckedX: x3, y: lambda * (q.x - x3) - q.y)
                }
            }
            swap(&pending, &later)
        }
        var running = JacobianPoint<C>.infinity
        var sum = JacobianPoint<C>.infinity
        for j in stride(from: bucketCount - 1, through: 0, by: -1) {
            running = running + buckets[j]
            sum = sum + running
        }
        result = result + sum.projective
    }
    return result
}

@inlinable @inline(__always)
func log2Floor(_ n: Int) -> Int { Int.bitWidth - 1 - n.leadingZeroBitCount }

/// Bits [shift, shift + width) of a 256-bit little-endian integer.
@inlinable @inline(__always)
func windowDigit(_ k: (UInt64, UInt64, UInt64, UInt64), shift: Int, width: Int) -> Int {
    @inline(__always) func limb(_ i: Int) -> UInt64 {
        switch i { case 0: k.0; case 1: k.1; case 2: k.2; case 3: k.3; default: 0 }
    }
    let li = shift / 64, bi = shift % 64
    var v = limb(li) >> UInt64(bi)
    if bi + width > 64 { v |= limb(li + 1) << UInt64(64 - bi) }
    return Int(v & ((1 << UInt64(width)) - 1))
}
