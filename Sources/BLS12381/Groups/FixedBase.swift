// Constant-time multiplication of a FIXED public base by secret scalars, without doublings.
//
// A table of 52 windows × 16 affine multiples [d·32^w]B (d = 1…16) lets [k]B be 52 complete
// mixed additions of table entries picked by the signed radix-32 digits of k: each entry is
// read by a full masked scan and the digit's sign applied by a masked negation, so neither the
// sequence of operations nor the memory accesses depend on k. Against the GLV multiplication
// (128 doublings + 64 additions) this is about 3× fewer group operations, for 78 KiB of table
// built once per base. Used for the G1 generator (public keys, Feldman and DKG commitments,
// Schnorr nonces, all through `multiplied(by:)`) and by the voting protocols for the ballot key
// and the shuffle generators.

/// Signed radix-32 recoding, constant time: k = Σ_w d_w·32^w over 52 windows with every d_w in
/// [-16, 16]. Window w is 5 bits of k plus the carry out of window w − 1; a value v ≥ 16 becomes
/// v − 32 and carries 1. Digits come out as magnitude |d_w| (0…16) and sign bit, so one 16-entry
/// table of [1..16]·base serves a 5-bit window. k < r < 2^255 leaves no carry out of the top
/// window.
package struct SignedDigits {
    package static let count = 52
    private var limbs: (UInt64, UInt64, UInt64, UInt64)
    private var carry: UInt64 = 0

    @inlinable
    package init(_ k: Fr) { self.init(limbs: k.canonicalLimbs) }

    @usableFromInline
    init(limbs: (UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }

    /// Bits [5w, 5w + 5) of k; which limbs are read depends only on w.
    @inline(__always)
    private func bits(_ w: Int) -> UInt64 {
        @inline(__always) func limb(_ i: Int) -> UInt64 {
            switch i { case 0: limbs.0; case 1: limbs.1; case 2: limbs.2; case 3: limbs.3; default: 0 }
        }
        let shift = 5 * w, li = shift >> 6, bi = shift & 63
        var v = limb(li) >> UInt64(bi)
        if bi > 59 { v |= limb(li + 1) << UInt64(64 - bi) }  // a window straddling two limbs (depends on w only)
        return v & 31
    }

    /// The digit of window w (call for w = 0, 1, 2, … in order): (|d_w|, 1 when d_w < 0).
    @inline(__always)
    package mutating func next(_ w: Int) -> (magnitude: Int, negative: UInt64) {
        let v = bits(w) &+ carry                // 0…32
        let negative = ((15 &- v) >> 63) & 1    // v ≥ 16
        let m = maskFromBit(negative)
        carry = negative
        return (Int(truncatingIfNeeded: (v & ~m) | ((32 &- v) & m)), negative)  // no trap check on the digit
    }

    /// All 52 digits, least significant first.
    package static func all(_ k: Fr) -> [(magnitude: Int, negative: UInt64)] {
        var d = SignedDigits(k)
        return (0..<count).map { d.next($0) }
    }
}

/// Entry j − 1 of `t[base..<base + 16]` holds [j]Q; returns [±m]Q for the signed digit (infinity
/// for m = 0) by a full masked scan and a masked negation: constant time in the digit. Shared by
/// `FixedBaseTable` and the voting protocols' Straus sums.
@inlinable @inline(__always)
package func signedLookup(_ t: UnsafeBufferPointer<G1Affine>, base: Int, _ digit: (magnitude: Int, negative: UInt64)) -> G1Affine {
    // At most one entry matches, so OR-ing every entry under its mask selects it (or leaves
    // zero, infinity's encoding). In two-word vectors (SSE2 on x86-64, NEON on ARM): one AND and
    // one OR per 16 bytes instead of a three-operation blend per word. Each mask passes the
    // optimisation barrier (`maskFromBit`), and the sixteen steps are written out with wrapping
    // arithmetic: no loop counter, no overflow check, nothing that branches on the digit.
    precondition(base >= 0 && base + 16 <= t.count, "table block out of range")  // public
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
    let y = Fp(y01[0], y01[1], y23[0], y23[1], y45[0], y45[1])
    return G1Affine(x: Fp(x01[0], x01[1], x23[0], x23[1], x45[0], x45[1]), y: Fp.select(y, -y, digit.negative))
}

/// [k]B for a fixed public base B of G1 and secret k, constant time in k (see the top of the file).
public struct FixedBaseTable: Sendable {
    public let base: G1Affine
    private let entries: [G1Affine]

    public init(_ base: G1Affine) {
        self.base = base
        // The window bases 32^w·B, five doublings apart, then the sixteen multiples of all of
        // them in fifteen batched affine rounds (entry 16·w + j − 1 = [j·32^w]B).
        var windowBases = [G1Projective]()
        windowBases.reserveCapacity(SignedDigits.count)
        var b = G1Projective(base)
        for _ in 0..<SignedDigits.count {
            windowBases.append(b)
            b = b.doubled().doubled().doubled().doubled().doubled()
        }
        entries = affineMultiplesVartime(batchNormalizeVartime(windowBases))  // public base: variable time is fine
    }

    /// [k]B, constant time in k.
    public func multiply(_ k: Fr) -> G1Projective {
        entries.withUnsafeBufferPointer { FixedBaseTable.multiply(k, table: $0, offset: 0) }
    }

    /// [k]·(the base of the table at `offset` in `t`): one complete mixed addition per window.
    private static func multiply(_ k: Fr, table t: UnsafeBufferPointer<G1Affine>, offset: Int) -> G1Projective {
        var digits = SignedDigits(k)
        var r = G1Projective.infinity
        for w in 0..<SignedDigits.count {
            r = r + signedLookup(t, base: offset + 16 * w, digits.next(w))
        }
        return r
    }

    /// The table of the G1 generator, built on first use (≈ 1 ms) and kept for the process.
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
    /// Every product walks its table in step with the others. In windows 0…50 each accumulator
    /// takes the window's entry by an affine chord addition (λ = (y₂ − y₁)/(x₂ − x₁)), and one
    /// blinded inversion (`Fp.inverseBlinded`) of the product of all the window's denominators serves
    /// them all (Montgomery's trick): about 6 field products per addition instead of the 11 of the
    /// complete mixed formula. The chord has no exceptional case here: after windows 0…w−1 the
    /// accumulator is [S]B with |S| ≤ 16·(32^w − 1)/31 < 32^w, the entry is [d·32^w]B with
    /// 1 ≤ |d| ≤ 16, and |S| + 16·32^w < r for w ≤ 50, so S ≢ ±d·32^w (mod r): in the prime-order
    /// group the two points never share an x-coordinate. What remains, an accumulator still at
    /// infinity (every digit so far zero) or a zero digit, is settled by masked selects with the
    /// denominator replaced by 1. The top window (w = 51, digit 0 or 1), where the bound fails,
    /// uses the complete formula. Memory accesses and the sequence of operations depend only on
    /// the number of pairs.
    public static func multiply(_ jobs: [(table: FixedBaseTable, scalar: Fr)]) -> [G1Projective] {
        let n = jobs.count
        if n < batchThreshold { return jobs.map { $0.table.multiply($0.scalar) } }
        // The distinct tables side by side in one array, each lane an offset into it.
        var distinct = [FixedBaseTable](), offsets = [Int]()
        offsets.reserveCapacity(n)
        for job in jobs {
            let k = distinct.firstIndex { $0.base == job.table.base } ?? distinct.count
            if k == distinct.count { distinct.append(job.table) }
            offsets.append(k * 16 * SignedDigits.count)
        }
        let entries = distinct.flatMap(\.entries)
        var scalars = jobs.map(\.scalar)
        defer { for i in scalars.indices { scalars[i] = .zero } }
        return entries.withUnsafeBufferPointer { multiplyInStep(scalars, tables: $0, offsets: offsets) }
    }

    private static func multiplyInStep(_ scalars: [Fr], tables: UnsafeBufferPointer<G1Affine>, offsets: [Int]) -> [G1Projective] {
        let n = scalars.count
        var digits = scalars.map { SignedDigits($0) }
        var x = [Fp](repeating: .zero, count: n), y = x
        var atInfinity = [UInt64](repeating: 1, count: n)
        var entryX = x, entryY = x, entryInfinity = atInfinity
        var denominators = x, prefix = x
        defer {
            for i in 0..<n {
                x[i] = .zero; y[i] = .zero; entryX[i] = .zero; entryY[i] = .zero
                denominators[i] = .zero; prefix[i] = .zero; atInfinity[i] = 0; entryInfinity[i] = 0
            }
        }
        let top = SignedDigits.count - 1
        for w in 0..<top {
            var product = Fp.one
            for i in 0..<n {
                let e = signedLookup(tables, base: offsets[i] + 16 * w, digits[i].next(w))
                let eInfinity = e.isInfinityBit
                entryX[i] = e.x; entryY[i] = e.y; entryInfinity[i] = eInfinity
                let d = Fp.select(e.x - x[i], .one, atInfinity[i] | eInfinity)
                denominators[i] = d
                prefix[i] = product
                product = product * d
            }
            // Zero only if a table's base were outside G1 (the chord's exceptional case); no
            // caller builds such a table. Start again one product at a time rather than
            // return garbage.
            if ConstantTimeCheck.declassified(product.isZeroBit) == 1 {
                return (0..<n).map { multiply(scalars[$0], table: tables, offset: offsets[$0]) }
            }
            var inverse = product.inverseBlinded()
            for i in stride(from: n - 1, through: 0, by: -1) {
                let dInverse = inverse * prefix[i]
                inverse = inverse * denominators[i]
                let lambda = (entryY[i] - y[i]) * dInverse
                let x3 = lambda.squared() - x[i] - entryX[i]
                let y3 = lambda * (x[i] - x3) - y[i]
                // Accumulator at infinity: take the entry; entry at infinity: keep the accumulator.
                let aInfinity = atInfinity[i], eInfinity = entryInfinity[i]
                x[i] = Fp.select(Fp.select(x3, x[i], eInfinity), entryX[i], aInfinity)
                y[i] = Fp.select(Fp.select(y3, y[i], eInfinity), entryY[i], aInfinity)
                atInfinity[i] = aInfinity & eInfinity
            }
        }
        return (0..<n).map { i in
            // (0, 0) is the affine encoding of infinity, which the conversion maps by a masked select.
            let accumulator = G1Projective(G1Affine(x: x[i], y: y[i]))
            return accumulator + signedLookup(tables, base: offsets[i] + 16 * top, digits[i].next(top))
        }
    }
}

/// [1..16]P for every public point P, affine, entry 16·i + j − 1 = [j]P_i: fifteen rounds over
/// all points in step, each round one tangent ([2]P) or chord ([j]P = [j − 1]P + P) addition per
/// point, the rounds' denominators inverted together (Montgomery's trick: one inversion and three
/// products per point). About 6 products per entry against 11 for a complete projective addition
/// plus 3 to normalise it. Variable time: public points only. A point at infinity, or one whose
/// multiples meet ±P (possible only off the prime-order subgroup), is computed with the complete
/// projective formulas instead.
package func affineMultiplesVartime(_ points: [G1Affine]) -> [G1Affine] {
    let n = points.count
    var out = [G1Affine](repeating: .infinity, count: 16 * n)
    var exceptional = points.map(\.isInfinity)
    var denominators = [Fp](repeating: .one, count: n)
    var prefix = [Fp](repeating: .one, count: n)
    for i in 0..<n { out[16 * i] = points[i] }
    for j in 2...16 {
        // Denominators of round j: 2y for the tangent, x_{[j−1]P} − x_P for a chord.
        var acc = Fp.one
        for i in 0..<n where !exceptional[i] {
            let p = points[i], q = out[16 * i + j - 2]
            let d = j == 2 ? p.y.doubled() : q.x - p.x
            if d.isZero { exceptional[i] = true; continue }
            denominators[i] = d
            prefix[i] = acc
            acc = acc * d
        }
        var inverse = acc.inverseVartime()
        for i in stride(from: n - 1, through: 0, by: -1) where !exceptional[i] {
            let p = points[i], q = out[16 * i + j - 2]
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
            out[16 * i + j - 1] = G1Affine(x: x3, y: y3)
        }
    }
    for i in 0..<n where exceptional[i] {
        let p = G1Projective(points[i])
        var multiples = [p]
        for j in 2...16 { multiples.append(j & 1 == 0 ? multiples[j / 2 - 1].doubled() : multiples[j - 2] + p) }
        for (j, m) in batchNormalizeVartime(multiples).enumerated() { out[16 * i + j] = m }
    }
    return out
}
