// Endomorphisms, subgroup checks and cofactor clearing.
//
// Subgroup checks follow M. Scott, "A note on group membership tests for G1, G2 and GT on BLS
// pairing-friendly curves" (ePrint 2021/1130): P ∈ G1 ⇔ φ(P) = [-z^2]P, P ∈ G2 ⇔ ψ(P) = [z]P.
// The constants β, ψ_x, ψ_y were chosen and checked by scripts/gen_constants.py.

extension ProjectivePoint where C == G1Curve {
    /// φ(x, y) = (βx, y), acting as [-z^2] on G1.
    @inlinable public func phi() -> G1Projective { G1Projective(x: x * Fp.beta, y: y, z: z) }

    /// [|z|]P.
    @inlinable func mulByXAbs() -> G1Projective { multipliedVartime(by: blsXAbs) }

    /// True when P is in the order-r subgroup G1. Variable time (P is public).
    public var isInSubgroup: Bool {
        // φ(P) = −[z^2]P, compared by cross-multiplication (4 products) rather than through a
        // complete addition (12)
        let zz = mulByXAbs().mulByXAbs()
        return phi() == -zz
    }

    /// Multiplies by h_eff = 1 - z = 0xd201000000010001 (RFC 9380 §8.8.1).
    public func clearCofactor() -> G1Projective { mulByXAbs() + self }
}

extension ProjectivePoint where C == G2Curve {
    /// ψ(x, y) = (conj(x)·ψ_x, conj(y)·ψ_y), the untwist–Frobenius–twist map; acts as [z] on G2.
    @inlinable public func psi() -> G2Projective {
        G2Projective(x: x.conjugate() * Fp2.psiX, y: y.conjugate() * Fp2.psiY, z: z.conjugate())
    }

    /// [z]P = -[|z|]P, with mixed additions on a base normalised to Z = 1.
    @inlinable func mulByX() -> G2Projective { -multipliedVartime(by: blsXAbs, normalizing: true) }

    /// True when P is in the order-r subgroup G2. Variable time (P is public).
    public var isInSubgroup: Bool {
        psi() == mulByX()  // cross-multiplication (4 products), not a complete subtraction (12)
    }

    /// Multiplies by h_eff of RFC 9380 §8.8.2 with the ψ method of Budroni–Pintore
    /// (RFC 9380 Appendix G.3): [z^2 - z - 1]P + [z - 1]ψ(P) + ψ^2(2P).
    public func clearCofactor() -> G2Projective {
        let t1 = mulByX()              // [z]P
        var t2 = psi()                 // ψ(P)
        var t3 = doubled().psi().psi() // ψ²(2P)
        t3 = t3 - t2
        t2 = t1 + t2
        t2 = t2.mulByX()
        t3 = t3 + t2
        t3 = t3 - t1
        return t3 - self
    }
}
