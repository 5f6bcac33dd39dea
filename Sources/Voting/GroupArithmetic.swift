import BLS12381
import Primitives

// Group arithmetic the voting protocols need beyond the engine's single-point operations.
//
// Secret scalars (encryption and re-encryption randomness, a vote, the shuffle's permuted
// challenges and masks, a decryption share) go only through constant-time paths: signed 5-bit
// windows here (every table entry read by a full masked scan, the sign applied by a masked
// negation, complete addition formulas) and the engine's GLV `multiplied(by:)` for a single
// point. The *points* in those tables are public (generators, ciphertexts, commitments), so
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
    let mask = Int(bitPattern: UInt(maskFromBit(bit)))
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
