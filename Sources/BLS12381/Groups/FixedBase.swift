// Constant-time multiplication of a FIXED public base by secret scalars, without doublings.
//
// A table of 43 windows × 32 affine multiples [d·64^w]B (d = 1…32) lets [k]B be 43 complete
// mixed additions of table entries picked by the signed radix-64 digits of k: each entry is
// read by a full masked scan and the digit's sign applied by a masked negation, so neither the
// sequence of operations nor the memory accesses depend on k. Against the GLV multiplication
// (128 doublings + 64 additions) this is about 4× fewer group operations, for 129 KiB of table
// built once per base. Used for the G1 generator (public keys, Feldman and DKG commitments,
// Schnorr nonces, all through `multiplied(by:)`) and by the voting protocols for the ballot key
// and the shuffle generators. (Radix 32, 52 windows of 16 entries, until 2026-11-30: a 32-entry
// scan costs about 400 instructions more than a 16-entry one, a window's addition about 5,000.)

/// Signed radix-2^width recoding, constant time: k = Σ_w d_w·2^(width·w) with every d_w in
/// [−2^(width−1), 2^(width−1)]. Window w is `width` bits of k plus the carry out of window w − 1;
/// a value v ≥ 2^(width−1) becomes v − 2^width and carries 1. Digits come out as magnitude |d_w|
/// (0…2^(width−1)) and sign bit, so one table of [1..2^(width−1)]·base serves a window.
/// Radix 32 (width 5, 52 windows: the Straus sums' per-point tables) and radix 64 (width 6,
/// 43 windows: the fixed-base tables). k < r < 2^255 leaves no carry out of the top window.
package struct SignedDigits {
    /// Windows of radix 32.
    package static let count = 52
    /// Windows of radix 64.
    package static let count64 = 43
    private var limbs: (UInt64, UInt64, UInt64, UInt64)
    private var carry: UInt64 = 0
    private let width: Int

    @inlinable
    package init(_ k: Fr, width: Int = 5) { self.init(limbs: k.canonicalLimbs, width: width) }

    @usableFromInline
    init(limbs: (UInt64, UInt64, UInt64, UInt64), width: Int) {
        precondition(width == 5 || width == 6, "radix 32 or 64")
        self.limbs = limbs
        self.width = width
    }

    /// Bits [width·w, width·w + width) of k; which limbs are read depends only on w.
    @inline(__always)
    private func bits(_ w: Int) -> UInt64 {
        @inline(__always) func limb(_ i: Int) -> UInt64 {
            switch i { case 0: limbs.0; case 1: limbs.1; case 2: limbs.2; case 3: limbs.3; default: 0 }
        }
        let shift = width * w, li = shift >> 6, bi = shift & 63
        var v = limb(li) >> UInt64(bi)
        if bi > 64 - width { v |= limb(li + 1) << UInt64(64 - bi) }  // a window straddling two limbs (depends on w only)
        return v & ((1 << UInt64(width)) - 1)
    }

    /// The digit of window w (call for w = 0, 1, 2, … in order): (|d_w|, 1 when d_w < 0).
    @inline(__always)
    package mutating func next(_ w: Int) -> (magnitude: Int, negative: UInt64) {
        let full = UInt64(1) << UInt64(width), half = full >> 1
        let v = bits(w) &+ carry                       // 0…full
        let negative = (((half &- 1) &- v) >> 63) & 1  // v ≥ half
        let m = maskFromBit(negative)
        carry = negative
        return (Int(truncatingIfNeeded: (v & ~m) | ((full &- v) & m)), negative)  // no trap check on the digit
    }

    /// Forgets the scalar (for wiping arrays of digits).
    package mutating func clear() { limbs = (0, 0, 0, 0); carry = 0 }

    /// All digits, least significant first (52 of radix 32, 43 of radix 64).
    package static func all(_ k: Fr, width: Int = 5) -> [(magnitude: Int, negative: UInt64)] {
        var d = SignedDigits(k, width: width)
        return (0..<(width == 5 ? count : count64)).map { d.next($0) }
    }
}

/// Entry j − 1 of `t[base..<base + entries]` holds [j]Q; returns [±m]Q for the signed digit
/// (infinity for m = 0) by a full masked scan and a masked negation: constant time in the digit.
/// `entries` is 16 (the Straus sums' radix-32 tables) or 32 (`FixedBaseTable`, radix 64).
@inlinable @inline(__always)
package func signedLookup(
    _ t: UnsafeBufferPointer<G1Affine>, base: Int, _ digit: (magnitude: Int, negative: UInt64), entries: Int = 16
) -> G1Affine {
    // At most one entry matches, so OR-ing every entry under its mask selects it (or leaves
    // zero, infinity's encoding). In two-word vectors (SSE2 on x86-64, NEON on ARM): one AND and
    // one OR per 16 bytes instead of a three-operation blend per word. Each mask passes the
    // optimisation barrier (`maskFromBit`), and the steps are written out with wrapping
    // arithmetic: no loop counter, no overflow check, nothing that branches on the digit.
    precondition((entries == 16 || entries == 32) && base >= 0 && base + entries <= t.count, "table block out of range")  // public
    let block = t.baseAddress! + base
    let m = UInt64(truncatingIfNeeded: digit.magnitude)
    var x01 = SIMD2<UInt64>(), x23 = x01, x45 = x01, y01 = x01, y23 = x01, y45 = x01
    @inline(__always) func take(_ j: UInt64) {
        let mask = SIMD2<UInt64>(repeating: maskFromBit(isZeroBit(m ^ (j &+ 1))))
        let e = block[Int(truncatingIfNeeded: j)]
        x01 |= SIMD2(e.x.l0, e.x.l1) & mask
        x23 |= SIMD2(e.x.l2, e.x.l3) & mask
        x45 |= SIMD2(e.x.l4, e.x.l5) & mask
        y01 |= SIMD2(e.y.l0, e.y.l1) & mask
        y23 |= SIMD2(e.y.l2, e.y.l3) & mask
        y45 |= SIMD2(e.y.l4, e.y.l5) & mask
    }
    take(0); take(1); take(2); take(3); take(4); take(5); take(6); take(7)
    take(8); take(9); take(10); take(11); take(12); take(13); take(14); take(15)
    if entries == 32 {  // public
        take(16); take(17); take(18); take(19); take(20); take(21); take(22); take(23)
        take(24); take(25); take(26); take(27); take(28); take(29); take(30); take(31)
    }
    let y = Fp(y01[0], y01[1], y23[0], y23[1], y45[0], y45[1])
    return G1Affine(x: Fp(x01[0], x01[1], x23[0], x23[1], x45[0], x45[1]), y: Fp.select(y, -y, digit.negative))
}

/// [k]B for a fixed public base B of G1 and secret k, constant time in k (see the top of the file).
public struct FixedBaseTable: Sendable {
    public let base: G1Affine
    private let entries: [G1Affine]

    /// Signed radix-64 windows and the entries per window ([1..32]·64^w·B).
    static let windows = SignedDigits.count64, width = 6, perWindow = 32

    public init(_ base: G1Affine) {
        self.base = base
        // The window bases 64^w·B, six doublings apart, then the 32 multiples of all of them
        // in 31 batched affine rounds (entry 32·w + j − 1 = [j·64^w]B).
        var windowBases = [G1Projective]()
        windowBases.reserveCapacity(Self.windows)
        var b = G1Projective(base)
        for _ in 0..<Self.windows {
            windowBases.append(b)
            b = b.doubled().doubled().doubled().doubled().doubled().doubled()
        }
        entries = affineMultiplesVartime(batchNormalizeVartime(windowBases), count: Self.perWindow)  // public base: variable time is fine
    }

    /// [k]B, constant time in k.
    public func multiply(_ k: Fr) -> G1Projective {
        entries.withUnsafeBufferPointer { FixedBaseTable.multiply(k, table: $0, offset: 0) }
    }

    /// [k]·(the base of the table at `offset` in `t`): one complete mixed addition per window.
    private static func multiply(_ k: Fr, table t: UnsafeBufferPointer<G1Affine>, offset: Int) -> G1Projective {
        var digits = SignedDigits(k, width: width)
        var r = G1Projective.infinity
        for w in 0..<windows {
            r = r + signedLookup(t, base: offset + perWindow * w, digits.next(w), entries: perWindow)
        }
        return r
    }

    /// The table of the G1 generator, built on first use (≈ 1.5 ms) and kept for the process.
    public static let generator = FixedBaseTable(G1Affine.generator)
}

extension FixedBaseTable {
    /// Below this many products the shared inversion costs more than it saves: `multiply(_:)` takes
    /// them one at a time.
    package static let batchThreshold = 16

    /// [k_i]B_i for many (table, scalar) pairs at once, constant time in every scalar. Projective
    /// results: they are usually secret intermediates, which only the caller's public sums may be
    /// normalised from (by a variable-time inversion).
    ///
    /// Every product walks its table in step with the others. In windows 0…41 each accumulator
    /// takes the window's entry by an affine chord addition (λ = (y₂ − y₁)/(x₂ − x₁)), and one
    /// blinded inversion (`Fp.inverseBlinded`) of the product of all the window's denominators serves
    /// them all (Montgomery's trick): about 6 field products per addition instead of the 11 of the
    /// complete mixed formula. The chord has no exceptional case here: after windows 0…w−1 the
    /// accumulator is [S]B with |S| ≤ 32·(64^w − 1)/63 < 64^w, the entry is [d·64^w]B with
    /// 1 ≤ |d| ≤ 32, and |S| + 32·64^w < 2^252 < r for w ≤ 41, so S ≢ ±d·64^w (mod r): in the
    /// prime-order group the two points never share an x-coordinate. What remains, an accumulator
    /// still at infinity (every digit so far zero) or a zero digit, is settled by masked selects
    /// with the denominator replaced by 1. The top window (w = 42, digit 0…8), where the bound
    /// fails, uses the complete formula. Memory accesses and the sequence of operations depend
    /// only on the number of pairs.
    public static func multiply(_ jobs: [(table: FixedBaseTable, scalar: Fr)]) -> [G1Projective] {
        let n = jobs.count
        if n < batchThreshold { return jobs.map { $0.table.multiply($0.scalar) } }
        // The distinct tables side by side in one array, each lane an offset into it.
        var distinct = [FixedBaseTable](), offsets = [Int]()
        offsets.reserveCapacity(n)
        for job in jobs {
            let k = distinct.firstIndex { $0.base == job.table.base } ?? distinct.count
            if k == distinct.count { distinct.append(job.table) }
            offsets.append(k * perWindow * windows)
        }
        let entries = distinct.flatMap(\.entries)
        var scalars = jobs.map(\.scalar)
        defer { for i in scalars.indices { scalars[i] = .zero } }
        // Lanes are independent: with several workers, each part of them is its own batch.
        let parts = Parallel.parts(n, minimum: 4 * batchThreshold)
        return entries.withUnsafeBufferPointer { t in
            Parallel.map(parts.count) { p in multiplyInStep(scalars, lanes: parts[p], tables: t, offsets: offsets) }
                .flatMap { $0 }
        }
    }

    /// The products of `lanes` (indices into `scalars` and `offsets`), in that order.
    private static func multiplyInStep(
        _ scalars: [Fr], lanes: Range<Int>, tables: UnsafeBufferPointer<G1Affine>, offsets allOffsets: [Int]
    ) -> [G1Projective] {
        let n = lanes.count
        let offsets = Array(allOffsets[lanes])
        var digits = lanes.map { SignedDigits(scalars[$0], width: width) }
        var accumulators = ChordLanes(count: n, start: nil)
        defer {
            accumulators.wipe()
            for i in 0..<n { digits[i].clear() }
        }
        let top = windows - 1, all = Array(0..<n)
        for w in 0..<top {
            let added = accumulators.addRound(all) { i in
                signedLookup(tables, base: offsets[i] + perWindow * w, digits[i].next(w), entries: perWindow)
            }
            // A zero denominator only if a table's base were outside G1 (the chord's exceptional
            // case); no caller builds such a table. Start again one product at a time rather
            // than return garbage.
            guard added else {
                return (0..<n).map { multiply(scalars[lanes.lowerBound + $0], table: tables, offset: offsets[$0]) }
            }
        }
        return (0..<n).map { i in
            // (0, 0) is the affine encoding of infinity, which the conversion maps by a masked select.
            let accumulator = G1Projective(accumulators.point(i))
            return accumulator + signedLookup(tables, base: offsets[i] + perWindow * top, digits[i].next(top), entries: perWindow)
        }
    }
}

/// [1..count]P for every public point P, affine, entry count·i + j − 1 = [j]P_i (count 16 or 32):
/// count − 1 rounds over all points in step, each round one tangent ([2]P) or chord ([j]P = [j − 1]P + P) addition per
/// point, the rounds' denominators inverted together (Montgomery's trick: one inversion and three
/// products per point). About 6 products per entry against 11 for a complete projective addition
/// plus 3 to normalise it. Variable time: public points only. A point at infinity, or one whose
/// multiples meet ±P (possible only off the prime-order subgroup), is computed with the complete
/// projective formulas instead.
package func affineMultiplesVartime(_ points: [G1Affine], count: Int = 16) -> [G1Affine] {
    // Points are independent: with several workers, each part of them is its own batch.
    let parts = Parallel.parts(points.count, minimum: 16)
    guard parts.count > 1 else { return affineMultiplesInStepVartime(points, count: count) }
    return Parallel.map(parts.count) { affineMultiplesInStepVartime(Array(points[parts[$0]]), count: count) }.flatMap { $0 }
}

private func affineMultiplesInStepVartime(_ points: [G1Affine], count: Int) -> [G1Affine] {
    precondition(count >= 2, "at least [1]P and [2]P")
    let n = points.count
    var out = [G1Affine](repeating: .infinity, count: count * n)
    var exceptional = points.map(\.isInfinity)
    var denominators = [Fp](repeating: .one, count: n)
    var prefix = [Fp](repeating: .one, count: n)
    for i in 0..<n { out[count * i] = points[i] }
    for j in 2...count {
        // Denominators of round j: 2y for the tangent, x_{[j−1]P} − x_P for a chord.
        var acc = Fp.one
        for i in 0..<n where !exceptional[i] {
            let p = points[i], q = out[count * i + j - 2]
            let d = j == 2 ? p.y.doubled() : q.x - p.x
            if d.isZero { exceptional[i] = true; continue }
            denominators[i] = d
            prefix[i] = acc
            acc = acc * d
        }
        var inverse = acc.inverseVartime()
        for i in stride(from: n - 1, through: 0, by: -1) where !exceptional[i] {
            let p = points[i], q = out[count * i + j - 2]
            let dInverse = inverse * prefix[i]
            inverse = inverse * denominators[i]
            let lambda: Fp
            if j == 2 {
                let xx = p.x.squared()
                lambda = (xx.doubled() + xx) * dInverse
            } else {
                lambda = (q.y - p.y) * dInverse
            }
            let x3 = lambda.squared() - q.x - p.x
            let y3 = lambda * (p.x - x3) - p.y
            out[count * i + j - 1] = G1Affine(x: x3, y: y3)
        }
    }
    for i in 0..<n where exceptional[i] {
        let p = G1Projective(points[i])
        var multiples = [p]
        for j in 2...count { multiples.append(j & 1 == 0 ? multiples[j / 2 - 1].doubled() : multiples[j - 2] + p) }
        for (j, m) in batchNormalizeVartime(multiples).enumerated() { out[count * i + j] = m }
    }
    return out
}
