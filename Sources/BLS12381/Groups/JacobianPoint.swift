import CBarrier

/// Jacobian coordinates (X : Y : Z), x = X/Z^2, y = Y/Z^3, for VARIABLE-TIME chains on public
/// points (subgroup checks, cofactor clearing, wNAF multiplication). Doubling costs 2M + 5S
/// (dbl-2009-l) against 6M + 2S for the complete projective formula, and mixed addition 7M + 4S
/// (madd-2007-bl); the price is exceptional cases, handled here by branches on public data.
@frozen
public struct JacobianPoint<C: CurveParameters>: Sendable {
    public var x: C.Field
    public var y: C.Field
    public var z: C.Field

    @inlinable @inline(__always)
    init(x: C.Field, y: C.Field, z: C.Field) { self.x = x; self.y = y; self.z = z }

    @inlinable public static var infinity: JacobianPoint { JacobianPoint(x: .one, y: .one, z: .zero) }
    @inlinable public var isInfinity: Bool { z.isZero }

    /// From homogeneous projective (X : Y : Z): (XZ : YZ^2 : Z).
    @inlinable
    public init(_ p: ProjectivePoint<C>) {
        if p.isInfinity { self = .infinity; return }
        let z2 = p.z.squared()
        self.init(x: p.x * p.z, y: p.y * z2, z: p.z)
    }

    @inlinable
    public init(_ p: AffinePoint<C>) {
        if p.isInfinity { self = .infinity; return }
        self.init(x: p.x, y: p.y, z: .one)
    }

    /// To homogeneous projective: (XZ : Y : Z^3).
    @inlinable
    public var projective: ProjectivePoint<C> {
        if isInfinity { return .infinity }
        return ProjectivePoint(x: x * z, y: y, z: z.squared() * z)
    }

    @inlinable
    public static prefix func - (p: JacobianPoint) -> JacobianPoint { JacobianPoint(x: p.x, y: -p.y, z: p.z) }

    /// dbl-2009-l (a = 0): 2M + 5S.
    @inlinable
    public func doubled() -> JacobianPoint {
        if isInfinity { return self }
        if vring_fp_asm_enabled() != 0 { return doubledByKernel() }
        return portableDoubled()
    }

    /// The doubling over the x86-64 kernels (fp_tower.c, the same formula): one call instead of
    /// the Swift glue between seven field kernels. Only when `vring_fp_asm_enabled()`.
    @inlinable @inline(__always)
    package func doubledByKernel() -> JacobianPoint {
        var r = self
        if C.Field.self == Fp2.self {
            withUnsafeMutablePointer(to: &r) { vring_g2_jacobian_double($0) }
        } else if C.Field.self == Fp.self {
            withUnsafeMutablePointer(to: &r) { vring_g1_jacobian_double($0) }
        } else {
            return portableDoubled()
        }
        return r
    }

    /// The portable doubling; the kernel path's twin.
    @inlinable
    package func portableDoubled() -> JacobianPoint {
        let a = x.squared()
        let b = y.squared()
        let c = b.squared()
        let d = ((x + b).squared() - a - c).doubled()
        let e = a.doubled() + a
        let f = e.squared()
        let x3 = f - d.doubled()
        let c8 = c.doubled().doubled().doubled()
        let y3 = e * (d - x3) - c8
        let z3 = (y * z).doubled()
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// add-2007-bl: 11M + 5S, with the exceptional cases (equal points, inverse points, infinity).
    @inlinable
    public static func + (p: JacobianPoint, q: JacobianPoint) -> JacobianPoint {
        if p.isInfinity { return q }
        if q.isInfinity { return p }
        let z1z1 = p.z.squared()
        let z2z2 = q.z.squared()
        let u1 = p.x * z2z2
        let u2 = q.x * z1z1
        let s1 = p.y * q.z * z2z2
        let s2 = q.y * p.z * z1z1
        let h = u2 - u1
        let r0 = s2 - s1
        if h.isZero { return r0.isZero ? p.doubled() : .infinity }
        let i = h.doubled().squared()
        let j = h * i
        let r = r0.doubled()
        let v = u1 * i
        let x3 = r.squared() - j - v.doubled()
        let y3 = C.Field.differenceOfProducts(r, v - x3, s1.doubled(), j)
        let z3 = ((p.z + q.z).squared() - z1z1 - z2z2) * h
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// madd-2007-bl, q affine: 7M + 4S.
    @inlinable
    public static func + (p: JacobianPoint, q: AffinePoint<C>) -> JacobianPoint {
        if q.isInfinity { return p }
        if p.isInfinity { return JacobianPoint(q) }
        let z1z1 = p.z.squared()
        let u2 = q.x * z1z1
        let s2 = q.y * p.z * z1z1
        let h = u2 - p.x
        let r0 = s2 - p.y
        if h.isZero { return r0.isZero ? p.doubled() : .infinity }
        let hh = h.squared()
        let i = hh.doubled().doubled()
        let j = h * i
        let r = r0.doubled()
        let v = p.x * i
        let x3 = r.squared() - j - v.doubled()
        let y3 = C.Field.differenceOfProducts(r, v - x3, p.y.doubled(), j)
        let z3 = (p.z + h).squared() - z1z1 - hh
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    @inlinable
    public static func - (p: JacobianPoint, q: JacobianPoint) -> JacobianPoint { p + (-q) }
}

extension ProjectivePoint {
    /// [n]P for a small public integer, through Jacobian coordinates. Variable time.
    ///
    /// When Z = 1 (a decoded point) the additions are mixed (madd-2007-bl, 7M + 4S against
    /// 11M + 5S); `multipliedVartime(by:normalizing:)` makes the base so first when that repays
    /// the inversion.
    @inlinable
    public func multipliedVartime(by n: UInt64) -> ProjectivePoint {
        if n == 0 || isInfinity { return .infinity }
        let top = 63 - n.leadingZeroBitCount
        let mixed = z == C.Field.one
        let affineBase = AffinePoint<C>(x: x, y: y)  // the point itself when mixed
        let base = mixed ? JacobianPoint(affineBase) : JacobianPoint(self)
        var r = base
        for i in stride(from: top - 1, through: 0, by: -1) {
            r = r.doubled()
            if (n >> UInt64(i)) & 1 == 1 { r = mixed ? r + affineBase : r + base }
        }
        return r.projective
    }

    /// [n]P, first normalising P to Z = 1 (one variable-time inversion) so that every addition
    /// of the chain is mixed. Pays off in G2, where the five additions of [|z|] save about three
    /// times what the inversion costs; in G1 it about breaks even.
    @inlinable
    public func multipliedVartime(by n: UInt64, normalizing: Bool) -> ProjectivePoint {
        if !normalizing || isInfinity || z == C.Field.one { return multipliedVartime(by: n) }
        return ProjectivePoint(affineVartime).multipliedVartime(by: n)
    }

    /// [k]P for a public scalar given as little-endian limbs: width-5 NAF over Jacobian
    /// coordinates. Variable time.
    @inlinable
    public func multipliedVartime(by limbs: [UInt64]) -> ProjectivePoint {
        let naf = wnaf(limbs, width: 5)
        if naf.isEmpty || isInfinity { return .infinity }
        let base = JacobianPoint(self)
        var table = [JacobianPoint<C>](repeating: base, count: 8)  // P, 3P, …, 15P
        let twoP = base.doubled()
        for j in 1..<8 { table[j] = table[j - 1] + twoP }
        var r = JacobianPoint<C>.infinity
        for d in naf.reversed() {
            r = r.doubled()
            if d > 0 { r = r + table[Int(d) >> 1] } else if d < 0 { r = r - table[Int(-d) >> 1] }
        }
        return r.projective
    }
}
