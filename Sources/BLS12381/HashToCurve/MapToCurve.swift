// RFC 9380 §6.6.2 simplified SWU onto the isogenous curves E1' / E2', then the 11- and
// 3-isogenies (§6.6.3, Appendix E.2 and E.3) onto E1 / E2. Inputs are public (they come from
// hashing a message), so this file uses variable-time square roots and inversions.

/// Simplified SWU for AB != 0 (RFC 9380 §6.6.2, the straight-line description of §F.2 in spirit).
/// The curve's `SSWUParameters` carry −B/A and B/(ZA), computed once per curve instead of an
/// inversion of the constant A in every call.
@inlinable
func simplifiedSWU<F: FieldElement>(_ u: F, _ curve: SSWUParameters<F>) -> (x: F, y: F) {
    let a = curve.a, b = curve.b, z = curve.z
    let u2 = u.squared()
    let zu2 = z * u2
    let tv = zu2.squared() + zu2                 // Z^2 u^4 + Z u^2
    let x1: F
    if tv.isZero {
        x1 = curve.bOverZA                   // exceptional case: B / (Z A)
    } else {
        x1 = curve.minusBOverA * (F.one + tv.inverseVartime())
    }
    let gx1 = x1.squared() * x1 + a * x1 + b
    var x = x1
    var gx = gx1
    if gx1.legendreVartime == -1 {
        // exactly one of gx1, gx2 is square (§6.6.2)
        x = zu2 * x1
        gx = x.squared() * x + a * x + b
    }
    var y = gx.squareRootVartime()!
    if u.sgn0 != y.sgn0 { y = -y }
    return (x, y)
}

/// The isogenous curve y² = x³ + Ax + B and SSWU's Z, with the two quotients the map needs:
/// −B/A and B/(ZA).
@usableFromInline
struct SSWUParameters<F: FieldElement>: Sendable {
    @usableFromInline let a, b, z: F
    @usableFromInline let minusBOverA: F
    @usableFromInline let bOverZA: F

    @usableFromInline
    init(a: F, b: F, z: F) {
        self.a = a; self.b = b; self.z = z
        minusBOverA = (-b) * a.inverseVartime()
        bOverZA = b * (z * a).inverseVartime()
    }
}

@usableFromInline let sswuG1 = SSWUParameters(a: Fp.sswuA, b: Fp.sswuB, z: Fp.sswuZ)
@usableFromInline let sswuG2 = SSWUParameters(a: Fp2.sswuA, b: Fp2.sswuB, z: Fp2.sswuZ)

/// Evaluates a polynomial (coefficients from degree 0 upwards) by Horner's rule.
@inlinable
func horner<F: FieldElement>(_ coefficients: [F], _ x: F) -> F {
    var acc = coefficients[coefficients.count - 1]
    for c in coefficients.dropLast().reversed() { acc = acc * x + c }
    return acc
}

/// A rational isogeny map (x, y) -> (xNum/xDen, y·yNum/yDen), in projective form (one
/// projective point, no inversion): X = xNum·yDen, Y = y·yNum·xDen, Z = xDen·yDen.
@inlinable
func isogenyMap<C: CurveParameters>(
    _ x: C.Field, _ y: C.Field,
    xNum: [C.Field], xDen: [C.Field], yNum: [C.Field], yDen: [C.Field]
) -> ProjectivePoint<C> {
    let xn = horner(xNum, x), xd = horner(xDen, x)
    let yn = horner(yNum, x), yd = horner(yDen, x)
    if xd.isZero || yd.isZero { return .infinity }  // the isogeny's kernel maps to infinity
    return ProjectivePoint(x: xn * yd, y: y * yn * xd, z: xd * yd)
}

extension ProjectivePoint where C == G1Curve {
    /// RFC 9380 map_to_curve for BLS12381G1 (SSWU + 11-isogeny), without cofactor clearing.
    public static func mapToCurve(_ u: Fp) -> G1Projective {
        let (x, y) = simplifiedSWU(u, sswuG1)
        return isogenyMap(x, y, xNum: Fp.iso11XNum, xDen: Fp.iso11XDen, yNum: Fp.iso11YNum, yDen: Fp.iso11YDen)
    }

    /// RFC 9380 hash_to_curve, suite BLS12381G1_XMD:SHA-256_SSWU_RO_ (with the caller's DST).
    public static func hashToCurve(_ msg: [UInt8], dst: [UInt8]) throws(HashToCurveError) -> G1Projective {
        let u = try hashToFieldFp(msg, dst: dst, count: 2)
        return (mapToCurve(u[0]) + mapToCurve(u[1])).clearCofactor()
    }

    /// RFC 9380 encode_to_curve, suite BLS12381G1_XMD:SHA-256_SSWU_NU_ (not a random oracle).
    public static func encodeToCurve(_ msg: [UInt8], dst: [UInt8]) throws(HashToCurveError) -> G1Projective {
        let u = try hashToFieldFp(msg, dst: dst, count: 1)
        return mapToCurve(u[0]).clearCofactor()
    }
}

extension ProjectivePoint where C == G2Curve {
    /// RFC 9380 map_to_curve for BLS12381G2 (SSWU + 3-isogeny), without cofactor clearing.
    public static func mapToCurve(_ u: Fp2) -> G2Projective {
        let (x, y) = simplifiedSWU(u, sswuG2)
        return isogenyMap(x, y, xNum: Fp2.iso3XNum, xDen: Fp2.iso3XDen, yNum: Fp2.iso3YNum, yDen: Fp2.iso3YDen)
    }

    /// RFC 9380 hash_to_curve, suite BLS12381G2_XMD:SHA-256_SSWU_RO_ (with the caller's DST).
    public static func hashToCurve(_ msg: [UInt8], dst: [UInt8]) throws(HashToCurveError) -> G2Projective {
        let u = try hashToFieldFp2(msg, dst: dst, count: 2)
        return (mapToCurve(u[0]) + mapToCurve(u[1])).clearCofactor()
    }

    /// RFC 9380 encode_to_curve, suite BLS12381G2_XMD:SHA-256_SSWU_NU_.
    public static func encodeToCurve(_ msg: [UInt8], dst: [UInt8]) throws(HashToCurveError) -> G2Projective {
        let u = try hashToFieldFp2(msg, dst: dst, count: 1)
        return mapToCurve(u[0]).clearCofactor()
    }
}
