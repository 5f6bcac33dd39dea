// The optimal ate pairing e: G1 × G2 → GT ⊂ Fp12.
//
// Miller loop over |z| with the G2 point in Jacobian coordinates on the twist and line functions
// evaluated at P in the sparse 0-1-4 shape (Costello, Lange, Naehrig, "Faster pairing computations
// on curves with high-degree twists", PKC 2010, Algorithms 26/27 of ePrint 2010/354 adapted to the
// M-type twist); shared squarings for products of pairings; final exponentiation with the
// Fuentes-Castañeda–Knapp–Rodríguez-Henríquez hard part and Granger–Scott cyclotomic squaring.
// All pairing inputs in this project are public.

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

/// The G2 point during the Miller loop: Jacobian (x = X/Z^2, y = Y/Z^3).
@usableFromInline
struct MillerG2 {
    @usableFromInline var x, y, z: Fp2
    @inlinable init(_ q: G2Affine) { x = q.x; y = q.y; z = .one }

    /// Doubles T and returns the line coefficients (c0 scales with y_P, c1 with x_P, c2 constant).
    @inlinable mutating func doublingStep() -> (Fp2, Fp2, Fp2) {
        let tmp0 = x.squared()
        let tmp1 = y.squared()
        var tmp2 = tmp1.squared()
        var tmp3 = (tmp1 + x).squared() - tmp0 - tmp2
        tmp3 = tmp3 + tmp3
        let tmp4 = tmp0 + tmp0 + tmp0
        var tmp6 = x + tmp4
        let tmp5 = tmp4.squared()
        let zsquared = z.squared()
        x = tmp5 - tmp3 - tmp3
        z = (z + y).squared() - tmp1 - zsquared
        y = (tmp3 - x) * tmp4
        tmp2 = tmp2.doubled().doubled().doubled()
        y = y - tmp2
        tmp3 = tmp4 * zsquared
        tmp3 = -(tmp3 + tmp3)
        tmp6 = tmp6.squared() - tmp0 - tmp5
        let tmp1x4 = tmp1.doubled().doubled()
        tmp6 = tmp6 - tmp1x4
        var c0 = z * zsquared
        c0 = c0 + c0
        return (c0, tmp3, tmp6)
    }

    /// T ← T + Q and the line through them.
    @inlinable mutating func additionStep(_ q: G2Affine) -> (Fp2, Fp2, Fp2) {
        let zsquared = z.squared()
        let ysquared = q.y.squared()
        let t0 = zsquared * q.x
        let t1 = ((q.y + z).squared() - ysquared - zsquared) * zsquared
        let t2 = t0 - x
        let t3 = t2.squared()
        let t4 = (t3 + t3).doubled()
        let t5 = t4 * t2
        let t6 = t1 - y - y
        var t9 = t6 * q.x
        let t7 = t4 * x
        x = t6.squared() - t5 - t7 - t7
        z = (z + t2).squared() - zsquared - t3
        var t10 = q.y + z
        let t8 = (t7 - x) * t6
        var u0 = y * t5
        u0 = u0 + u0
        y = t8 - u0
        t10 = t10.squared() - ysquared
        let ztsquared = z.squared()
        t10 = t10 - ztsquared
        t9 = t9 + t9 - t10
        let c0 = z + z
        let c1 = (-t6).doubled()
        return (c0, c1, t9)
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
    var f = Fp12.one
    // bits of |z| below the top one (bit 63), from high to low
    for i in stride(from: 62, through: 0, by: -1) {
        if i != 62 { f = f.squared() }
        for k in 0..<live.count {
            let line = ts[k].doublingStep()
            f = evaluateLine(f, line, live[k].0)
        }
        if (blsXAbs >> UInt64(i)) & 1 == 1 {
            for k in 0..<live.count {
                let line = ts[k].additionStep(live[k].1)
                f = evaluateLine(f, line, live[k].0)
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
