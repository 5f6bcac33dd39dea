import CBarrier

/// A point in affine coordinates. The point at infinity is stored as (0, 0), which is not on
/// either curve.
///
/// Values built by the decoders, hash-to-curve, or from a `ProjectivePoint` of the group are on
/// the curve and in the prime-order subgroup; the unchecked initialiser is `package`.
@frozen
public struct AffinePoint<C: CurveParameters>: Sendable {
    public var x: C.Field
    public var y: C.Field

    @inlinable @inline(__always)
    package init(x: C.Field, y: C.Field) { self.x = x; self.y = y }

    /// For inlinable group code of this module (the caller computed a curve point).
    @inlinable @inline(__always)
    init(uncheckedX x: C.Field, y: C.Field) { self.x = x; self.y = y }

    @inlinable public static var infinity: AffinePoint { AffinePoint(x: .zero, y: .zero) }

    @inlinable public var isInfinityBit: UInt64 { x.isZeroBit & y.isZeroBit }
    @inlinable public var isInfinity: Bool { isInfinityBit == 1 }

    /// y^2 == x^3 + b (the infinity sentinel counts as on the curve).
    @inlinable public var isOnCurve: Bool {
        isInfinity || y.squared() == x.squared() * x + C.b
    }

    @inlinable public static prefix func - (p: AffinePoint) -> AffinePoint {
        AffinePoint(x: p.x, y: C.Field.select(-p.y, .zero, p.isInfinityBit))
    }

    @inlinable public var projective: ProjectivePoint<C> { ProjectivePoint(self) }
}

extension AffinePoint: Equatable {
    @inlinable public static func == (a: AffinePoint, b: AffinePoint) -> Bool { a.x == b.x && a.y == b.y }
}

/// A point in homogeneous projective coordinates (X : Y : Z), x = X/Z, y = Y/Z; infinity has Z = 0.
///
/// Addition and doubling use the complete formulas of Renes, Costello and Batina (EUROCRYPT 2016,
/// Algorithms 7–9 for a = 0): no exceptional cases, so no branch on the points.
@frozen
public struct ProjectivePoint<C: CurveParameters>: Sendable {
    public var x: C.Field
    public var y: C.Field
    public var z: C.Field

    @inlinable @inline(__always)
    package init(x: C.Field, y: C.Field, z: C.Field) { self.x = x; self.y = y; self.z = z }

    @inlinable @inline(__always)
    public init(_ p: AffinePoint<C>) {
        let inf = p.isInfinityBit
        self.init(x: p.x, y: C.Field.select(p.y, .one, inf), z: C.Field.select(.one, .zero, inf))
    }

    @inlinable public static var infinity: ProjectivePoint { ProjectivePoint(x: .zero, y: .one, z: .zero) }

    @inlinable public var isInfinityBit: UInt64 { z.isZeroBit }
    @inlinable public var isInfinity: Bool { z.isZero }

    /// Affine form; one constant-time inversion.
    @inlinable public var affine: AffinePoint<C> {
        // Blinded inversion (a uniformly random factor, then GMP): about 4× cheaper than Fermat
        // and as safe for a secret-dependent point. At infinity 1 is inverted instead of 0, so
        // not even that case shows.
        let inf = isInfinityBit
        let zi = C.Field.select(z, .one, inf).inverseBlinded()
        return AffinePoint(x: C.Field.select(x * zi, .zero, inf), y: C.Field.select(y * zi, .zero, inf))
    }

    /// Affine form with a variable-time inversion (public points only).
    @inlinable public var affineVartime: AffinePoint<C> {
        if isInfinity { return .infinity }
        let zi = z.inverseVartime()
        return AffinePoint(x: x * zi, y: y * zi)
    }

    /// Y^2 Z == X^3 + b Z^3.
    @inlinable public var isOnCurve: Bool {
        if isInfinity { return true }
        let z2 = z.squared()
        return y.squared() * z == x.squared() * x + C.b * z2 * z
    }

    @inlinable @inline(__always)
    public static prefix func - (p: ProjectivePoint) -> ProjectivePoint {
        ProjectivePoint(x: p.x, y: -p.y, z: p.z)
    }

    /// Complete addition, RCB16 Algorithm 7: 12M + 2m_3b + 19A.
    @inlinable
    public static func + (p: ProjectivePoint, q: ProjectivePoint) -> ProjectivePoint {
        if vring_fp_asm_enabled() != 0, C.self == G2Curve.self || C.self == G1Curve.self {
            return sumByKernel(p, q)
        }
        return portableSum(p, q)
    }

    /// The complete addition over the x86-64 kernels (fp_tower.c, the same formula). Only when
    /// `vring_fp_asm_enabled()`, on G1 or G2.
    @inlinable @inline(__always)
    package static func sumByKernel(_ p: ProjectivePoint, _ q: ProjectivePoint) -> ProjectivePoint {
        var r = p
        withUnsafeMutablePointer(to: &r) { pr in
            withUnsafePointer(to: q) { pq in
                if C.self == G2Curve.self { vring_g2_projective_add(pr, pr, pq) } else { vring_g1_projective_add(pr, pr, pq) }
            }
        }
        return r
    }

    /// The portable complete addition; the kernel path's twin.
    @inlinable
    package static func portableSum(_ p: ProjectivePoint, _ q: ProjectivePoint) -> ProjectivePoint {
        var t0 = p.x * q.x
        var t1 = p.y * q.y
        var t2 = p.z * q.z
        var t3 = p.x + p.y
        var t4 = q.x + q.y
        t3 = t3 * t4
        t4 = t0 + t1
        t3 = t3 - t4
        t4 = p.y + p.z
        var x3 = q.y + q.z
        t4 = t4 * x3
        x3 = t1 + t2
        t4 = t4 - x3
        x3 = p.x + p.z
        var y3 = q.x + q.z
        x3 = x3 * y3
        y3 = t0 + t2
        y3 = x3 - y3
        x3 = t0 + t0
        t0 = x3 + t0
        t2 = C.mulByB3(t2)
        var z3 = t1 + t2
        t1 = t1 - t2
        y3 = C.mulByB3(y3)
        // The last six products pair up into three sums of two products, one reduction each.
        x3 = C.Field.differenceOfProducts(t3, t1, t4, y3)
        y3 = C.Field.sumOfProducts(t1, z3, y3, t0)
        z3 = C.Field.sumOfProducts(z3, t4, t0, t3)
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    /// Mixed addition with an affine point, RCB16 Algorithm 8 (11M + 2m_3b), made complete for an
    /// affine infinity by a final constant-time select.
    @inlinable
    public static func + (p: ProjectivePoint, q: AffinePoint<C>) -> ProjectivePoint {
        var t0 = p.x * q.x
        var t1 = p.y * q.y
        var t3 = q.x + q.y
        var t4 = p.x + p.y
        t3 = t3 * t4
        t4 = t0 + t1
        t3 = t3 - t4
        t4 = q.y * p.z
        t4 = t4 + p.y
        var y3 = q.x * p.z
        y3 = y3 + p.x
        var x3 = t0 + t0
        t0 = x3 + t0
        let t2 = C.mulByB3(p.z)
        var z3 = t1 + t2
        t1 = t1 - t2
        y3 = C.mulByB3(y3)
        x3 = C.Field.differenceOfProducts(t3, t1, t4, y3)
        y3 = C.Field.sumOfProducts(t1, z3, y3, t0)
        z3 = C.Field.sumOfProducts(z3, t4, t0, t3)
        let r = ProjectivePoint(x: x3, y: y3, z: z3)
        return ProjectivePoint.select(r, p, q.isInfinityBit)
    }

    @inlinable @inline(__always)
    public static func - (p: ProjectivePoint, q: ProjectivePoint) -> ProjectivePoint { p + (-q) }

    @inlinable @inline(__always)
    public static func += (p: inout ProjectivePoint, q: ProjectivePoint) { p = p + q }

    /// Complete doubling, RCB16 Algorithm 9: 6M + 2S + 1m_3b + 9A, its Y3 = 3bZ²·8Y² +
    /// (Y² − 9bZ²)(Y² + 3bZ²) formed with one reduction.
    @inlinable
    public func doubled() -> ProjectivePoint {
        if vring_fp_asm_enabled() != 0, C.self == G2Curve.self || C.self == G1Curve.self {
            return doubledByKernel()
        }
        return portableDoubled()
    }

    /// The complete doubling over the x86-64 kernels (fp_tower.c). Only when
    /// `vring_fp_asm_enabled()`, on G1 or G2.
    @inlinable @inline(__always)
    package func doubledByKernel() -> ProjectivePoint {
        var r = self
        withUnsafeMutablePointer(to: &r) { pr in
            if C.self == G2Curve.self { vring_g2_projective_double(pr, pr) } else { vring_g1_projective_double(pr, pr) }
        }
        return r
    }

    /// The portable complete doubling; the kernel path's twin.
    @inlinable
    package func portableDoubled() -> ProjectivePoint {
        let t0 = y.squared()
        let y8 = t0.doubled().doubled().doubled()   // 8Y²
        let t2 = C.mulByB3(z.squared())              // 3bZ²
        let z3 = (y * z) * y8
        let d = t0 - (t2.doubled() + t2)             // Y² − 9bZ²
        let y3 = C.Field.sumOfProducts(t2, y8, d, t0 + t2)
        let x3 = (d * (x * y)).doubled()
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    @inlinable @inline(__always)
    public static func select(_ a: ProjectivePoint, _ b: ProjectivePoint, _ bit: UInt64) -> ProjectivePoint {
        ProjectivePoint(x: C.Field.select(a.x, b.x, bit), y: C.Field.select(a.y, b.y, bit), z: C.Field.select(a.z, b.z, bit))
    }

    /// 1 when the two points are equal (as points, not as coordinate triples). Constant time.
    @inlinable
    public func equalBit(_ o: ProjectivePoint) -> UInt64 {
        let same = (x * o.z).equalBit(o.x * z) & (y * o.z).equalBit(o.y * z)
        let bothInf = isInfinityBit & o.isInfinityBit
        let oneInf = isInfinityBit ^ o.isInfinityBit
        return bothInf | (same & (oneInf ^ 1))
    }
}

extension ProjectivePoint: Equatable {
    @inlinable public static func == (a: ProjectivePoint, b: ProjectivePoint) -> Bool { a.equalBit(b) == 1 }
}

/// Converts many points to affine with one inversion (Montgomery's trick). Public data only.
/// Inlinable so that callers in other modules get code specialised to their curve: the generic
/// version reaches every field product through a protocol witness.
@inlinable
public func batchNormalizeVartime<C>(_ points: [ProjectivePoint<C>]) -> [AffinePoint<C>] {
    var prefix = [C.Field](repeating: .one, count: points.count)
    var acc = C.Field.one
    for (i, p) in points.enumerated() {
        prefix[i] = acc
        if !p.isInfinity { acc = acc * p.z }
    }
    var inv = acc.inverseVartime()
    var out = [AffinePoint<C>](repeating: .infinity, count: points.count)
    for i in stride(from: points.count - 1, through: 0, by: -1) where !points[i].isInfinity {
        let zi = inv * prefix[i]
        inv = inv * points[i].z
        out[i] = AffinePoint(x: points[i].x * zi, y: points[i].y * zi)
    }
    return out
}
