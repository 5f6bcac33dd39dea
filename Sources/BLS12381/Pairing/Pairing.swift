// The optimal ate pairing e: G1 × G2 → GT ⊂ Fp12.
//
// Miller loop over |z| with the G2 point in homogeneous projective coordinates on the twist and line functions
// evaluated at P in the sparse 0-1-4 shape (Costello, Lange, Naehrig, "Faster pairing computations
// on curves with high-degree twists", PKC 2010, Algorithms 26/27 of ePrint 2010/354 adapted to the
// M-type twist); shared squarings for products of pairings; final exponentiation with the
// Fuentes-Castañeda–Knapp–Rodríguez-Henríquez hard part, Granger–Scott and (over the long runs of
// squarings in the exponentiations by |z|) Karabina compressed cyclotomic squarings.
// All pairing inputs in this project are public.

import CBarrier

/// An element of the target group GT (the order-r subgroup of Fp12*), written multiplicatively.
public struct GT: Sendable, Equatable {
    public var value: Fp12
    @inlinable package init(_ value: Fp12) { self.value = value }
    public static var one: GT { GT(.one) }
    public var isOne: Bool { value == .one }
    public static func * (a: GT, b: GT) -> GT { GT(a.value * b.value) }
    /// a^k for a public scalar.
    public func power(_ k: Fr) -> GT {
        let c = k.canonicalLimbs
        return GT(value.power([c.0, c.1, c.2, c.3]))
    }
}

/// The G2 point during the Miller loop: homogeneous projective (x = X/Z, y = Y/Z) on the twist
/// y² = x³ + b', b' = 4(1 + u).
@usableFromInline
struct MillerG2 {
    @usableFromInline var x, y, z: Fp2
    @inlinable init(_ q: G2Affine) { x = q.x; y = q.y; z = .one }

    /// Doubles T and returns the tangent's coefficients (of y_P, of x_P, constant). The tangent
    /// at T, y_P − y − λ(x_P − x) with λ = 3x²/2y, is scaled by −2y·Z² (an Fp2 factor, which the
    /// final exponentiation removes) and simplified with x³ = y² − b': (−2YZ, 3X², 3b'Z² − Y²).
    /// The doubling is that of Costello–Lange–Naehrig (PKC 2010) and Aranha et al. (EUROCRYPT
    /// 2011) for a = 0, X3 = XY/2·(Y² − 9b'Z²), Y3 = ((Y² + 9b'Z²)/2)² − 27b'²Z⁴, Z3 = 2Y³Z,
    /// here multiplied through by 4 to avoid the halvings: 3M + 6S (the Jacobian form was 3M + 8S).
    @inlinable mutating func doublingStep() -> (Fp2, Fp2, Fp2) {
        let xy = x * y
        let b = y.squared()
        let c = z.squared()
        let e = G2Curve.mulByB3(c)              // 3b'Z²
        let f = e.doubled() + e                 // 9b'Z²
        let h = (y + z).squared() - b - c       // 2YZ
        let j = x.squared()
        let g = b + f
        let ee = e.squared()
        x = (xy * (b - f)).doubled()            // 2XY(Y² − 9b'Z²)
        y = g.squared() - (ee.doubled() + ee).doubled().doubled()  // (Y² + 9b'Z²)² − 12(3b'Z²)²
        z = (b * h).doubled().doubled()         // 8Y³Z
        return (-h, j.doubled() + j, e - b)
    }

    /// T ← T + Q for an affine Q, and the line through them: with θ = Y − y_Q·Z and
    /// λ = X − x_Q·Z, the line λ·y_P − θ·x_P + (θ·x_Q − λ·y_Q) (the chord scaled by λ·Z).
    /// 11M + 2S, two of the products paired with one reduction each.
    @inlinable mutating func additionStep(_ q: G2Affine) -> (Fp2, Fp2, Fp2) {
        let theta = y - q.y * z
        let lambda = x - q.x * z
        let c = theta.squared()
        let d = lambda.squared()
        let e = lambda * d
        let f = z * c
        let g = x * d
        let h = e + f - g.doubled()
        x = lambda * h
        y = Fp2.differenceOfProducts(theta, g - h, e, y)
        z = z * e
        return (lambda, -theta, Fp2.differenceOfProducts(theta, q.x, lambda, q.y))
    }
}

extension MillerG2 {
    /// T ← 2T and f ← f·(tangent at T)(P): `doublingStep` and `evaluateLine`, over the x86-64
    /// kernels (fp_tower.c, the same formulas) when they run.
    @inlinable @inline(__always)
    mutating func double(multiplying f: inout Fp12, at p: G1Affine) {
        if vring_fp_asm_enabled() != 0 {
            var t = (x, y, z), px = p.x, py = p.y
            vring_g2_miller_double(&t, &f, &px, &py)
            (x, y, z) = t
        } else {
            f = evaluateLine(f, doublingStep(), p)
        }
    }

    /// T ← T + Q and f ← f·(chord through T and Q)(P): `additionStep` and `evaluateLine`, over
    /// the kernels when they run.
    @inlinable @inline(__always)
    mutating func add(_ q: G2Affine, multiplying f: inout Fp12, at p: G1Affine) {
        if vring_fp_asm_enabled() != 0 {
            var t = (x, y, z), qx = q.x, qy = q.y, px = p.x, py = p.y
            vring_g2_miller_add(&t, &f, &qx, &qy, &px, &py)
            (x, y, z) = t
        } else {
            f = evaluateLine(f, additionStep(q), p)
        }
    }
}

@inlinable @inline(__always)
func evaluateLine(_ f: Fp12, _ line: (Fp2, Fp2, Fp2), _ p: G1Affine) -> Fp12 {
    let c0 = line.0.mul(by: p.y)
    let c1 = line.1.mul(by: p.x)
    return f.mulBy014(line.2, c1, c0)
}

/// The Miller loop of the optimal ate pairing for a product of pairs ∏ f_{|z|,Q_i}(P_i),
/// conjugated because z < 0. Pairs with an infinity are skipped (they contribute 1).
public func millerLoop(_ pairs: [(G1Affine, G2Affine)]) -> Fp12 {
    let live = pairs.filter { !$0.0.isInfinity && !$0.1.isInfinity }
    if live.isEmpty { return .one }
    var ts = live.map { MillerG2($0.1) }
    // The first line is f itself: 1·(l0 + l1·v + l4·v·w) needs no product.
    let first = ts[0].doublingStep()
    var f = Fp12(Fp6(first.2, first.1.mul(by: live[0].0.x), .zero), Fp6(.zero, first.0.mul(by: live[0].0.y), .zero))
    // bits of |z| below the top one (bit 63), from high to low
    for i in stride(from: 62, through: 0, by: -1) {
        if i != 62 { f = f.squared() }
        for k in (i == 62 ? 1 : 0)..<live.count {
            ts[k].double(multiplying: &f, at: live[k].0)
        }
        if (blsXAbs >> UInt64(i)) & 1 == 1 {
            for k in 0..<live.count {
                ts[k].add(live[k].1, multiplying: &f, at: live[k].0)
            }
        }
    }
    return f.conjugate()
}

/// f^((p^12 - 1)/r) up to a fixed power coprime to r (the hard part of Fuentes-Castañeda et
/// al. computes a multiple, which is as good for every use: bilinear, non-degenerate).
public func finalExponentiation(_ f: Fp12) -> GT {
    // easy part: f^((p^6 - 1)(p^2 + 1))
    var t0 = f.conjugate()
    var t1 = f.inverseVartime()
    var t2 = t0 * t1
    t1 = t2
    t2 = t2.frobenius(2)
    t2 = t2 * t1
    // hard part
    t1 = t2.cyclotomicSquared().conjugate()
    var t3 = t2.cyclotomicPowZ()
    var t4 = t3.cyclotomicSquared()
    var t5 = t1 * t3
    t1 = t5.cyclotomicPowZ()
    t0 = t1.cyclotomicPowZ()
    var t6 = t0.cyclotomicPowZ()
    t6 = t6 * t4
    t4 = t6.cyclotomicPowZ()
    t5 = t5.conjugate()
    t4 = t4 * t5 * t2
    t5 = t2.conjugate()
    t1 = t1 * t2
    t1 = t1.frobenius(3)
    t6 = t6 * t5
    t6 = t6.frobenius(1)
    t3 = t3 * t0
    t3 = t3.frobenius(2)
    t3 = t3 * t1
    t3 = t3 * t6
    return GT(t3 * t4)
}

/// e(P, Q).
public func pairing(_ p: G1Affine, _ q: G2Affine) -> GT {
    finalExponentiation(millerLoop([(p, q)]))
}

/// True when ∏ e(P_i, Q_i) = 1: one multi-Miller loop and one final exponentiation.
public func pairingCheck(_ pairs: [(G1Affine, G2Affine)]) -> Bool {
    finalExponentiation(millerLoop(pairs)).isOne
}
