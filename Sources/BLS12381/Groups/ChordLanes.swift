/// Affine accumulators ("lanes") that each add one table entry per round by an affine chord
/// (λ = (y₂ − y₁)/(x₂ − x₁)), the round's denominators inverted together: one blinded
/// inversion (`Fp.inverseBlinded`) of their product serves every lane (Montgomery's trick), about
/// six field products per addition against the eleven of the complete mixed formula.
///
/// Shared by the batched fixed-base products (`FixedBaseTable.multiply(_ jobs:)`, lanes start
/// at infinity) and the Straus sums in step (`WindowTables.multiply(_ jobs:)`, lanes start at a
/// random secret point). Constant time in the entries and the accumulators: an entry at
/// infinity (a zero digit) or an accumulator at infinity is settled by masked selects, with the
/// denominator replaced by 1. The chord's one exceptional case, an accumulator equal to ± its
/// entry, must be impossible or negligible by the caller's construction; a round that meets it
/// anyway sees a zero product of denominators, declares that one bit public and reports failure,
/// and the caller starts again with complete formulas.
struct ChordLanes {
    /// One lane: its accumulator, and the round's entry and denominators.
    private struct Lane {
        var x = Fp.zero, y = Fp.zero, atInfinity: UInt64 = 0
        var entryX = Fp.zero, entryY = Fp.zero, entryInfinity: UInt64 = 0
        var denominator = Fp.zero, prefix = Fp.zero
    }
    private var lanes: [Lane]

    /// `count` lanes, all at `start` (infinity when nil).
    init(count: Int, start: G1Affine?) {
        var lane = Lane()
        if let start { lane.x = start.x; lane.y = start.y } else { lane.atInfinity = 1 }
        lanes = [Lane](repeating: lane, count: count)
    }

    /// Lane l as an affine point ((0, 0), infinity's encoding, for a lane still at infinity).
    func point(_ l: Int) -> G1Affine { G1Affine(x: lanes[l].x, y: lanes[l].y) }

    /// One round: every lane l of `active` adds `entry(l)`. False when a denominator was zero
    /// (the exceptional case above); the lanes are then meaningless.
    @inline(__always)
    mutating func addRound(_ active: [Int], _ entry: (Int) -> G1Affine) -> Bool {
        lanes.withUnsafeMutableBufferPointer { lane in
            var product = Fp.one
            for l in active {
                let e = entry(l)
                let eInfinity = e.isInfinityBit
                lane[l].entryX = e.x; lane[l].entryY = e.y; lane[l].entryInfinity = eInfinity
                let d = Fp.select(e.x - lane[l].x, .one, lane[l].atInfinity | eInfinity)
                lane[l].denominator = d
                lane[l].prefix = product
                product = product * d
            }
            if ConstantTimeCheck.declassified(product.isZeroBit) == 1 { return false }
            var inverse = product.inverseBlinded()
            for k in stride(from: active.count - 1, through: 0, by: -1) {
                let l = active[k]
                let a = lane[l]
                let dInverse = inverse * a.prefix
                inverse = inverse * a.denominator
                let lambda = (a.entryY - a.y) * dInverse
                let x3 = lambda.squared() - a.x - a.entryX
                let y3 = lambda * (a.x - x3) - a.y
                // Accumulator at infinity: take the entry; entry at infinity: keep the accumulator.
                lane[l].x = Fp.select(Fp.select(x3, a.x, a.entryInfinity), a.entryX, a.atInfinity)
                lane[l].y = Fp.select(Fp.select(y3, a.y, a.entryInfinity), a.entryY, a.atInfinity)
                lane[l].atInfinity = a.atInfinity & a.entryInfinity
            }
            return true
        }
    }

    /// Overwrites every secret intermediate.
    mutating func wipe() {
        for l in lanes.indices { lanes[l] = Lane() }
    }
}
