// Constant-time multi-scalar multiplication Σ [k_i]P_i of PUBLIC points by SECRET scalars
// (Straus over signed radix-32 windows). Used by the shuffle prover for the sums over the
// generators and the output ciphertexts, whose scalars are the prover's masks.

/// Multiples [1..16]P of several public points, for constant-time multi-scalar multiplication
/// Σ [k_i]P_i with secret k_i: each table entry is read by a full masked scan and the digit's
/// sign applied by a masked negation, so neither memory accesses nor the sequence of operations
/// depend on the scalars.
package struct WindowTables: Sendable {
    fileprivate let entries: [G1Affine]
    package let count: Int

    package init(_ points: [G1Affine]) {
        count = points.count
        entries = affineMultiplesVartime(points)
    }

    private init(entries: [G1Affine], count: Int) {
        self.entries = entries
        self.count = count
    }

    /// The tables of points `range` only.
    private func slice(_ range: Range<Int>) -> WindowTables {
        WindowTables(entries: Array(entries[(16 * range.lowerBound)..<(16 * range.upperBound)]), count: range.count)
    }

    /// The points, P_i = entry 16·i.
    package var points: [G1Affine] { (0..<count).map { entries[16 * $0] } }

    /// Σ [k_i]P_i, constant time in the scalars: 260 shared doublings, then per point and window
    /// one complete mixed addition.
    package func multiply(_ scalars: [Fr]) -> G1Projective {
        precondition(scalars.count == count, "one scalar per point")
        var digits = scalars.map { SignedDigits.all($0) }
        defer { for i in digits.indices { for w in digits[i].indices { digits[i][w] = (0, 0) } } }
        var r = G1Projective.infinity
        entries.withUnsafeBufferPointer { t in
            for w in stride(from: SignedDigits.count - 1, through: 0, by: -1) {
                r = r.doubled().doubled().doubled().doubled().doubled()
                for i in 0..<count { r = r + signedLookup(t, base: 16 * i, digits[i][w]) }
            }
        }
        return r
    }

    /// Below this many points the set-up of `multiply(_ jobs:)` (two fixed-base products, 255
    /// doublings per sum) costs more than its cheaper additions save.
    package static let inStepThreshold = 16

    /// Several sums Σ [k_i]P_i at once, constant time in every scalar.
    ///
    /// Each sum is split by windows, Σ_w 32^w·S_w with S_w = Σ_i [d_{i,w}]P_i, and every S_w of
    /// every sum is a lane that takes one table entry per point by an affine chord addition
    /// (λ = (y₂ − y₁)/(x₂ − x₁)). One blinded inversion of the product of all lanes' denominators
    /// serves them all (Montgomery's trick): about 6 field products per addition against the 11
    /// of the complete mixed formula. Horner's rule then joins the windows (255 doublings and
    /// 51 complete additions per sum).
    ///
    /// The chord fails only when the accumulator equals ± the entry (or is infinity). Every lane
    /// therefore starts at R = [ρ]G for a uniformly random secret ρ ≠ 0 from the system
    /// generator, and [ρ·Σ_w 32^w]G is subtracted at the end. A lane after m additions holds
    /// R + Q with Q fixed by the points and digits, so R + Q = ±T or R + Q = ∞ means R hits one of
    /// at most three points determined without ρ: probability below 3/r per addition, about
    /// 2^-240 over a whole proof, whatever the points and scalars (points in G1). A zero digit
    /// (or a point at infinity) is a masked select with the denominator replaced by 1. Only if a
    /// denominator is zero anyway (that negligible event, or points outside G1) do the sums
    /// start again one at a time with the complete formulas, so the result is always right.
    /// `offset` fixes ρ (tests only: a chosen ρ can make a chord meet its exceptional case).
    ///
    /// With several workers (`Parallel`), the points of every sum are cut into parts, each part's
    /// sums computed as above on its own worker (its own ρ), and the parts' sums added.
    package static func multiply(_ jobs: [(tables: WindowTables, scalars: [Fr])], offset: Fr? = nil) -> [G1Projective] {
        for job in jobs { precondition(job.scalars.count == job.tables.count, "one scalar per point") }
        let longest = jobs.map(\.tables.count).max() ?? 0
        let parts = Parallel.parts(longest, minimum: 2 * inStepThreshold)
        guard parts.count > 1 else { return multiplyInStep(jobs, offset: offset) }
        let partial = Parallel.map(parts.count) { p in
            var part = jobs.map { job in
                let r = parts[p].clamped(to: 0..<job.tables.count)
                return (tables: job.tables.slice(r), scalars: Array(job.scalars[r]))
            }
            defer { for j in part.indices { for i in part[j].scalars.indices { part[j].scalars[i] = .zero } } }
            return multiplyInStep(part, offset: offset)
        }
        return jobs.indices.map { j in partial.dropFirst().reduce(partial[0][j]) { $0 + $1[j] } }
    }

    private static func multiplyInStep(_ jobs: [(tables: WindowTables, scalars: [Fr])], offset: Fr?) -> [G1Projective] {
        let longest = jobs.map(\.tables.count).max() ?? 0
        if longest < inStepThreshold { return jobs.map { $0.tables.multiply($0.scalars) } }
        let windows = SignedDigits.count, lanes = jobs.count * windows

        var rho = offset ?? .zero
        while rho.isZero { rho = Fr.random() }  // a branch on ρ only
        var rhoTimesWindowSum = rho * windowSum
        defer { rho = .zero; rhoTimesWindowSum = .zero }
        let start = FixedBaseTable.generator.multiply(rho).affine
        let correction = FixedBaseTable.generator.multiply(rhoTimesWindowSum)

        // The tables side by side in one array; digits flat, (job, point, window).
        var entries = [G1Affine](), tableBase = [Int](), digitBase = [Int]()
        var digits = [(magnitude: Int, negative: UInt64)]()
        digits.reserveCapacity(jobs.reduce(0) { $0 + $1.tables.count } * windows)
        for job in jobs {
            tableBase.append(entries.count)
            entries += job.tables.entries
            digitBase.append(digits.count)
            for k in job.scalars { digits += SignedDigits.all(k) }
        }
        var accumulators = ChordLanes(count: lanes, start: start)
        defer {
            for i in digits.indices { digits[i] = (0, 0) }
            accumulators.wipe()
        }

        let shortest = jobs.map(\.tables.count).min() ?? 0
        let completed = entries.withUnsafeBufferPointer { t -> Bool in
            for i in 0..<longest {
                // Lane j·windows + w is window w of sum j; a sum with fewer points sits out.
                let active: [Int] = i < shortest
                    ? Array(0..<lanes)
                    : jobs.indices.filter { i < jobs[$0].tables.count }.flatMap { ($0 * windows)..<($0 * windows + windows) }
                let added = accumulators.addRound(active) { l in
                    let j = l / windows, w = l % windows
                    return signedLookup(t, base: tableBase[j] + 16 * i, digits[digitBase[j] + i * windows + w])
                }
                // Public: a zero denominator is a negligible event, or points outside G1.
                if !added { return false }
            }
            return true
        }
        guard completed else { return jobs.map { $0.tables.multiply($0.scalars) } }

        return jobs.indices.map { j in
            var r = G1Projective(accumulators.point(j * windows + windows - 1))
            for w in stride(from: windows - 2, through: 0, by: -1) {
                r = r.doubled().doubled().doubled().doubled().doubled() + accumulators.point(j * windows + w)
            }
            return r - correction
        }
    }

    /// Σ_{w < 52} 32^w mod r: each lane's starting point is counted once per window.
    private static let windowSum: Fr = {
        var s = Fr.zero
        for _ in 0..<SignedDigits.count { s = s * Fr(32) + .one }
        return s
    }()
}
