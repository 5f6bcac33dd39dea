import BLS12381
import Primitives

// Group arithmetic the voting protocols need beyond the engine's single-point operations.
//
// Secret scalars (encryption and re-encryption randomness, a vote, the shuffle's permuted
// challenges and masks, a decryption share) go only through the constant-time paths here:
// fixed 4-bit windows, every table entry read by a full masked scan, complete addition
// formulas. The *points* in those tables are public (generators, ciphertexts, commitments), so
// tables may be normalised with variable-time inversions. Verifiers use the engine's
// variable-time Pippenger MSM: every verifier input is public.

/// 1 when a == b, else 0, without a branch.
@inline(__always)
func equalBit(_ a: Int, _ b: Int) -> UInt64 {
    let x = UInt64(bitPattern: Int64(a ^ b))
    return ((x | (0 &- x)) >> 63) ^ 1
}

/// b when bit == 1, a when bit == 0, without a branch.
@inline(__always)
func select(_ a: Int, _ b: Int, _ bit: UInt64) -> Int {
    let mask = Int(bitPattern: UInt(0 &- bit))
    return a ^ ((a ^ b) & mask)
}

@inline(__always)
func select(_ a: G1Affine, _ b: G1Affine, _ bit: UInt64) -> G1Affine {
    // Field-wise on a copy: the engine's `package` initialiser is not inlinable across modules,
    // and this runs 1024 times per fixed-base multiplication.
    var out = a
    out.x = Fp.select(a.x, b.x, bit)
    out.y = Fp.select(a.y, b.y, bit)
    return out
}

@inline(__always)
func nibble(_ limbs: (UInt64, UInt64, UInt64, UInt64), _ window: Int) -> Int {
    let limb: UInt64
    switch window >> 4 {  // the limb index depends only on the loop counter
    case 0: limb = limbs.0
    case 1: limb = limbs.1
    case 2: limb = limbs.2
    default: limb = limbs.3
    }
    return Int((limb >> UInt64(4 * (window & 15))) & 0xf)
}

/// Reads and permutations indexed by a secret: every entry is touched, so the memory access
/// pattern does not depend on the index. Quadratic in n (10^6 masked word operations for a
/// 1000-ballot shuffle, a few milliseconds), against the scalar multiplications it is noise.
package enum Oblivious {
    package static func read(_ xs: [Fr], at index: Int) -> Fr {
        var out = Fr.zero
        for k in xs.indices { out = Fr.select(out, xs[k], equalBit(k, index)) }
        return out
    }

    package static func read(_ xs: [G1Affine], at index: Int) -> G1Affine {
        var out = G1Affine.infinity
        for k in xs.indices { out = select(out, xs[k], equalBit(k, index)) }
        return out
    }

    package static func read(_ xs: [Ciphertext], at index: Int) -> Ciphertext {
        var a = G1Affine.infinity, b = G1Affine.infinity
        for k in xs.indices {
            let bit = equalBit(k, index)
            a = select(a, xs[k].a, bit)
            b = select(b, xs[k].b, bit)
        }
        return Ciphertext(a: a, b: b)
    }

    package static func read(_ xs: [Int], at index: Int) -> Int {
        var out = 0
        for k in xs.indices { out = select(out, xs[k], equalBit(k, index)) }
        return out
    }

    /// The inverse permutation, inv[perm[i]] = i, written without secret-indexed stores.
    package static func inverse(_ perm: [Int]) -> [Int] {
        perm.indices.map { j in
            var out = 0
            for i in perm.indices { out = select(out, i, equalBit(perm[i], j)) }
            return out
        }
    }

    /// A uniformly random permutation of 0..<n: Fisher–Yates whose swaps touch every entry.
    package static func randomPermutation(count n: Int, using rng: inout some RandomNumberGenerator) -> [Int] {
        var perm = Array(0..<n)
        var i = n - 1
        while i > 0 {
            let j = Int(UInt64.random(in: 0...UInt64(i), using: &rng))
            let atI = perm[i]
            var atJ = 0
            for k in 0...i { atJ = select(atJ, perm[k], equalBit(k, j)) }
            for k in 0...i { perm[k] = select(perm[k], atI, equalBit(k, j)) }
            perm[i] = atJ
            i -= 1
        }
        return perm
    }
}

/// [k]P for a fixed public base P and secret k without doublings: 64 windows of 16 affine
/// multiples [d·16^w]P (1024 points, 96 KiB), one masked scan and one complete mixed addition
/// per window (64 × (11M + 16 selects)), against 256 doublings + 64 additions for the
/// general constant-time multiplication.
package struct FixedBaseTable: Sendable {
    package let base: G1Affine
    private let entries: [G1Affine]

    package init(_ base: G1Affine) {
        self.base = base
        var points = [G1Projective]()
        points.reserveCapacity(64 * 16)
        var windowBase = G1Projective(base)
        for _ in 0..<64 {
            points.append(.infinity)
            var acc = windowBase
            for _ in 1..<16 { points.append(acc); acc = acc + windowBase }
            windowBase = acc
        }
        entries = batchNormalizeVartime(points)  // public base: variable time is fine
    }

    /// [k]P, constant time in k.
    package func multiply(_ k: Fr) -> G1Projective {
        let limbs = k.canonicalLimbs
        var r = G1Projective.infinity
        entries.withUnsafeBufferPointer { t in
            for w in 0..<64 {
                let d = nibble(limbs, w)
                var sel = G1Affine.infinity
                for j in 0..<16 { sel = select(sel, t[16 * w + j], equalBit(d, j)) }
                r = r + sel
            }
        }
        return r
    }

    /// The generator G1's table, built once per process.
    package static let generator = FixedBaseTable(G1Affine.generator)
}

/// Windows [0..15]P for several public points, for constant-time multi-scalar multiplication
/// Σ [k_i]P_i with secret k_i (Straus: 256 shared doublings, then per point 64 masked scans
/// and complete mixed additions).
package struct WindowTables {
    private let entries: [G1Affine]
    package let count: Int

    package init(_ points: [G1Projective]) {
        count = points.count
        var table = [G1Projective]()
        table.reserveCapacity(16 * points.count)
        for p in points {
            let start = table.count
            table.append(.infinity)
            table.append(p)
            for j in 2..<16 { table.append(j & 1 == 0 ? table[start + j / 2].doubled() : table[start + j - 1] + p) }
        }
        entries = batchNormalizeVartime(table)
    }

    /// Σ [k_i]P_i, constant time in the scalars.
    package func multiply(_ scalars: [Fr]) -> G1Projective {
        precondition(scalars.count == count, "one scalar per point")
        let limbs = scalars.map(\.canonicalLimbs)
        var r = G1Projective.infinity
        entries.withUnsafeBufferPointer { t in
            for w in stride(from: 63, through: 0, by: -1) {
                r = r.doubled().doubled().doubled().doubled()
                for i in 0..<count {
                    let d = nibble(limbs[i], w)
                    var sel = G1Affine.infinity
                    for j in 0..<16 { sel = select(sel, t[16 * i + j], equalBit(d, j)) }
                    r = r + sel
                }
            }
        }
        return r
    }

    /// [k]P_i for one point of the set, constant time in k.
    package func multiply(point i: Int, by k: Fr) -> G1Projective {
        let limbs = k.canonicalLimbs
        var r = G1Projective.infinity
        entries.withUnsafeBufferPointer { t in
            for w in stride(from: 63, through: 0, by: -1) {
                r = r.doubled().doubled().doubled().doubled()
                let d = nibble(limbs, w)
                var sel = G1Affine.infinity
                for j in 0..<16 { sel = select(sel, t[16 * i + j], equalBit(d, j)) }
                r = r + sel
            }
        }
        return r
    }
}

/// Random weights for batch verification: 128 bits from the system generator, so a false
/// statement passes a batched check with probability about 2^-128.
package func batchWeight() -> Fr {
    Fr(reducingBigEndian: SystemRandom.bytes(16))
}

/// Lagrange basis coefficients over the points xs evaluated at x (public data).
package func lagrangeCoefficients(_ xs: [Fr], at x: Fr) -> [Fr] {
    var numerators = [Fr](repeating: .one, count: xs.count)
    var denominators = [Fr](repeating: .one, count: xs.count)
    for i in xs.indices {
        for j in xs.indices where j != i {
            numerators[i] = numerators[i] * (x - xs[j])
            denominators[i] = denominators[i] * (xs[i] - xs[j])
        }
    }
    let inv = Fr.batchInverseVartime(denominators)
    return zip(numerators, inv).map { $0 * $1 }
}

/// A uniform scalar from 64 bytes of `rng` reduced mod r (bias below 2^-250): eight `next()`
/// calls rather than the 64 single-byte draws of `Fr.random(using:)`.
package func randomScalar(using rng: inout some RandomNumberGenerator) -> Fr {
    var bytes = [UInt8](repeating: 0, count: 64)
    defer { for i in bytes.indices { bytes[i] = 0 } }
    for k in 0..<8 {
        let v = rng.next()
        for s in 0..<8 { bytes[8 * k + s] = UInt8(truncatingIfNeeded: v >> UInt64(8 * s)) }
    }
    return Fr(reducingBigEndian: bytes)
}
