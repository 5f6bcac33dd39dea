/// Σ [k_i] P_i by Pippenger's bucket method, for public scalars and points. Variable time.
///
/// Exact for any points on the curve (subgroup membership is not assumed): callers that accept
/// points decoded without a subgroup check (DKG commitments, shuffle proofs) rely on that.
///
/// Method (`pippengerSignedAffine`): signed c-bit window digits (2^(c-1) buckets per window),
/// all windows' buckets filled together by affine additions sharing one inversion per batch, and
/// the buckets of all windows summed together, again by batched affine additions.
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
    let limbs: [(UInt64, UInt64, UInt64, UInt64)] = scalars.map { $0.canonicalLimbs }
    return pippengerSignedAffine(points: points, limbs: limbs, bits: 255)
}

/// Σ [k_i] P_i over G1 with the GLV endomorphism, for public scalars and points. Variable time.
///
/// Each scalar is split as k = k0 + k1·z² with 0 ≤ k0 < z² < 2^128 and 0 ≤ k1 = ⌊k / z²⌋ < 2^128
/// (an exact integer identity), and [z²]P = −φ(P) = (β·x, −y) for P in G1 (φ acts as [−z²]).
/// So the sum is an MSM of 2n points with 128-bit scalars: half the windows, so half the bucket
/// sums, for the same number of bucket additions.
///
/// Precondition: every P_i is in the prime-order subgroup G1 for the result to equal Σ [k_i] P_i.
/// For points that are only on E(Fp), [z²]P ≠ −φ(P) in general and the result differs from the
/// plain sum by a point T of the cofactor part H of E(Fp) = G1 ⊕ H (φ is defined over Fp, so it
/// maps G1 to G1 and H to H; on the G1 components the two sums agree since k0 + k1·z² = k).
/// Multiplying by h_eff = 1 − z maps E(Fp) into G1 (RFC 9380 §8.8.1), so it sends T ∈ H to
/// H ∩ G1 = {O}: `clearCofactor()` of this result equals `clearCofactor()` of the plain sum for
/// ANY on-curve points. Callers with unchecked points must therefore either use
/// `multiScalarMultiplyVartime(points:scalars:)` or clear the cofactor of the result (the
/// shuffle verifier does the latter).
@inlinable
public func multiScalarMultiplyVartime(subgroupPoints points: [G1Affine], scalars: [Fr]) -> G1Projective {
    precondition(points.count == scalars.count, "MSM: one scalar per point")
    let n = points.count
    if n < 8 { return multiScalarMultiplyVartime(points: points, scalars: scalars) }
    var split = [G1Affine](), limbs = [(UInt64, UInt64, UInt64, UInt64)]()
    split.reserveCapacity(2 * n); limbs.reserveCapacity(2 * n)
    // z² = 0xd201000000010000², as a 128-bit integer.
    let zSquared: UInt128 = 0xac45_a401_0001_a402_0000_0001_0000_0000
    for i in 0..<n {
        let k = scalars[i].canonicalLimbs
        // k < r < 2^255, so its high 128 bits are < 2^127 < z²: the quotient fits in 128 bits.
        let high = UInt128(k.3) << 64 | UInt128(k.2), low = UInt128(k.1) << 64 | UInt128(k.0)
        let (k1, k0) = zSquared.dividingFullWidth((high: high, low: low))
        let p = points[i]
        split.append(p)
        limbs.append((UInt64(truncatingIfNeeded: k0), UInt64(truncatingIfNeeded: k0 >> 64), 0, 0))
        split.append(p.isInfinity ? .infinity : AffinePoint(uncheckedX: p.x * Fp.beta, y: -p.y))  // −φ(P) = [z²]P
        limbs.append((UInt64(truncatingIfNeeded: k1), UInt64(truncatingIfNeeded: k1 >> 64), 0, 0))
    }
    return pippengerSignedAffine(points: split, limbs: limbs, bits: 128)
}

/// The window width c minimising windows · (n + 2^c): per window, n bucket additions to fill the
/// buckets and 2·2^(c-1) to sum them (both batched affine additions of about the same cost),
/// with ⌈(bits + 1) / c⌉ windows (one bit more than the scalars for the signed digits' carry).
@inlinable
func msmWindowWidth(count n: Int, bits: Int) -> Int {
    var best = 1, bestCost = Int.max
    for c in 1...16 {
        let cost = ((bits + c) / c) * (n + (1 << c))
        if cost < bestCost { best = c; bestCost = cost }
    }
    return best
}

/// Pippenger with signed digits and affine buckets, for scalars below 2^bits (bits ≤ 255).
///
/// Digits: window w of k plus the carry from window w − 1 is d ∈ [0, 2^c]; above 2^(c-1) it
/// becomes d − 2^c with a carry of 1 into window w + 1. So |d| ≤ 2^(c-1): bucket |d| − 1 gets
/// P or −P = (x, −y), and there are half the buckets of unsigned windows. ⌈(bits + 1)/c⌉ windows
/// leave the top window below 2^(c-1) before its carry, so no carry leaves the last window.
///
/// Filling: the buckets of ALL windows are kept (windows × 2^(c-1) affine points), and the
/// (bucket, ±point) additions of all windows form one stream, taken in batches of distinct
/// buckets whose chord denominators x_P − x_B share one inversion (Montgomery's trick: ≈ 6
/// products per addition against 11 for a mixed Jacobian addition). A second addition to a bucket
/// already in the open batch waits for the next pass. With many buckets per batch, collisions
/// are rare and the inversions few; equal or opposite x (doubling, cancellation) is rare and
/// done on the spot.
///
/// Summing: S_w = Σ_j (j + 1)·B_{w,j} by running sums, for all windows at once: each step adds
/// B_{w,j} to running_w and the previous running_w to sum_w for every w, 2·windows independent
/// affine additions in one batch (one inversion), instead of two Jacobian additions (11M + 5S
/// and 7M + 4S) per bucket. Then Σ_w 2^(c·w) S_w by Horner's rule in Jacobian coordinates.
@inlinable
func pippengerSignedAffine<C>(points: [AffinePoint<C>], limbs: [(UInt64, UInt64, UInt64, UInt64)], bits: Int) -> ProjectivePoint<C> {
    let n = points.count
    let c = msmWindowWidth(count: n, bits: bits)
    let windows = (bits + c) / c
    let half = 1 << (c - 1)  // buckets per window
    let bucketCount = windows * half
    let cap = max(512, 2 * windows)  // batch size

    let buckets = UnsafeMutablePointer<AffinePoint<C>>.allocate(capacity: bucketCount)
    buckets.initialize(repeating: .infinity, count: bucketCount)
    let busy = UnsafeMutablePointer<Int>.allocate(capacity: bucketCount)  // the batch a bucket is in
    busy.initialize(repeating: -1, count: bucketCount)
    var pending = UnsafeMutablePointer<UInt64>.allocate(capacity: n * windows)
    var later = UnsafeMutablePointer<UInt64>.allocate(capacity: n * windows)
    let targets = UnsafeMutablePointer<Int>.allocate(capacity: cap)
    let operands = UnsafeMutablePointer<AffinePoint<C>>.allocate(capacity: cap)
    let prefix = UnsafeMutablePointer<C.Field>.allocate(capacity: cap)
    defer {
        buckets.deallocate(); busy.deallocate(); pending.deallocate(); later.deallocate()
        targets.deallocate(); operands.deallocate(); prefix.deallocate()
    }

    // Signed digits → additions, coded bucket << 32 | point << 1 | negate.
    var count = 0
    points.withUnsafeBufferPointer { pts in
        limbs.withUnsafeBufferPointer { ks in
            for i in 0..<n where !pts[i].isInfinity {
                let k = ks[i]
                var carry = 0
                for w in 0..<windows {
                    var d = windowDigit(k, shift: w * c, width: c) + carry
                    if d > half { d -= 1 << c; carry = 1 } else { carry = 0 }
                    if d == 0 { continue }
                    let b = w * half + abs(d) - 1
                    pending[count] = UInt64(b) << 32 | UInt64(i) << 1 | (d < 0 ? 1 : 0)
                    count += 1
                }
            }
        }
    }

    var batch = 0, m = 0
    points.withUnsafeBufferPointer { pts in
        while count > 0 {
            var laterCount = 0
            for t in 0..<count {
                let item = pending[t]
                let b = Int(item >> 32)
                if busy[b] == batch { later[laterCount] = item; laterCount += 1; continue }
                var p = pts[Int((item >> 1) & 0x7fff_ffff)]
                if item & 1 == 1 { p.y = -p.y }
                if queueAffineAddition(into: buckets, b, p, targets: targets, operands: operands, count: &m) {
                    busy[b] = batch
                    if m == cap { applyAffineAdditions(buckets, targets, operands, prefix, m); m = 0; batch += 1 }
                }
            }
            if m > 0 { applyAffineAdditions(buckets, targets, operands, prefix, m); m = 0; batch += 1 }
            swap(&pending, &later)
            count = laterCount
        }
    }

    // sums[2w] = sum_w, sums[2w + 1] = running_w.
    let sums = UnsafeMutablePointer<AffinePoint<C>>.allocate(capacity: 2 * windows)
    sums.initialize(repeating: .infinity, count: 2 * windows)
    defer { sums.deallocate() }
    for j in stride(from: half - 1, through: -1, by: -1) {
        m = 0
        for w in 0..<windows {
            // Queues a copy of the old running_w, so both additions can share the batch.
            _ = queueAffineAddition(into: sums, 2 * w, sums[2 * w + 1], targets: targets, operands: operands, count: &m)
            if j >= 0 {
                _ = queueAffineAddition(into: sums, 2 * w + 1, buckets[w * half + j], targets: targets, operands: operands, count: &m)
            }
        }
        if m > 0 { applyAffineAdditions(sums, targets, operands, prefix, m) }
    }

    var r = JacobianPoint<C>.infinity
    for w in stride(from: windows - 1, through: 0, by: -1) {
        for _ in 0..<c { r = r.doubled() }
        r = r + sums[2 * w]
    }
    return r.projective
}

/// acc[t] += p: done at once when either is the identity or x_p = x_acc (doubling or
/// cancellation, rare), else queued for `applyAffineAdditions` (returns true).
@inlinable @inline(__always)
func queueAffineAddition<C>(
    into acc: UnsafeMutablePointer<AffinePoint<C>>, _ t: Int, _ p: AffinePoint<C>,
    targets: UnsafeMutablePointer<Int>, operands: UnsafeMutablePointer<AffinePoint<C>>, count m: inout Int
) -> Bool {
    if p.isInfinity { return false }
    let q = acc[t]
    if q.isInfinity { acc[t] = p; return false }
    if p.x == q.x {
        acc[t] = p.y == q.y ? ProjectivePoint(p).doubled().affineVartime : .infinity
        return false
    }
    targets[m] = t; operands[m] = p; m += 1
    return true
}

/// acc[targets[k]] += operands[k] for k < m, targets distinct, neither point the identity, x
/// coordinates distinct: chord formulas with the m inverses of x_P − x_Q from one inversion.
@inlinable
func applyAffineAdditions<C>(
    _ acc: UnsafeMutablePointer<AffinePoint<C>>, _ targets: UnsafeMutablePointer<Int>,
    _ operands: UnsafeMutablePointer<AffinePoint<C>>, _ prefix: UnsafeMutablePointer<C.Field>, _ m: Int
) {
    var product = C.Field.one
    for k in 0..<m {
        prefix[k] = product
        product = product * (operands[k].x - acc[targets[k]].x)
    }
    var inv = product.inverseVartime()
    for k in stride(from: m - 1, through: 0, by: -1) {
        let t = targets[k]
        let p = operands[k], q = acc[t]
        let dx = p.x - q.x
        let dInv = inv * prefix[k]
        if k > 0 { inv = inv * dx }
        let lambda = (p.y - q.y) * dInv
        let x3 = lambda.squared() - q.x - p.x
        acc[t] = AffinePoint(uncheckedX: x3, y: lambda * (q.x - x3) - q.y)
    }
}

/// Bits [shift, shift + width) of a 256-bit little-endian integer (zero above bit 255).
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
