import Primitives
import Testing

@Suite struct GMPFieldTests {
    /// Runs `GMPField.inverseVartime` on `GMPInteger` inputs.
    func fieldInverse(_ a: GMPInteger, _ m: GMPInteger, count: Int) -> GMPInteger? {
        let aLimbs = a.littleEndianLimbs(count: count)
        let mLimbs = m.littleEndianLimbs(count: count)
        var result = [UInt64](repeating: 0xDEAD, count: count)
        let ok = GMPField.inverseVartime(aLimbs, modulus: mLimbs, count: count, result: &result)
        return ok ? GMPInteger(littleEndianLimbs: result) : nil
    }

    func fieldLegendre(_ a: GMPInteger, _ m: GMPInteger, count: Int) -> Int {
        GMPField.legendreVartime(a.littleEndianLimbs(count: count), modulus: m.littleEndianLimbs(count: count), count: count)
    }

    @Test func inverseMatchesGMPIntegerOnRandomInputs() {
        var rng = SplitMix64(seed: 0x6666_0001)
        for _ in 0..<1000 {
            let a = GMPInteger.random(below: blsP, using: &rng)
            #expect(fieldInverse(a, blsP, count: 6) == a.inverseMod(blsP), "a = 0x\(a.hex)")
        }
        for _ in 0..<200 {
            let a = GMPInteger.random(below: blsR, using: &rng)
            #expect(fieldInverse(a, blsR, count: 4) == a.inverseMod(blsR), "a = 0x\(a.hex)")
        }
    }

    @Test func inverseEdgeCases() {
        let one = GMPInteger(1)
        #expect(fieldInverse(one, blsP, count: 6) == one)
        #expect(fieldInverse(blsP - one, blsP, count: 6) == blsP - one)
        #expect(fieldInverse(GMPInteger(), blsP, count: 6) == nil)
        #expect(fieldInverse(GMPInteger(2), blsP, count: 6) == (blsP + one) / GMPInteger(2))
        // Unreduced inputs: p ≡ 0, p + 1 ≡ 1, 2^384 - 1.
        #expect(fieldInverse(blsP, blsP, count: 6) == nil)
        #expect(fieldInverse(blsP + one, blsP, count: 6) == one)
        let allOnes = (one << 384) - one
        #expect(fieldInverse(allOnes, blsP, count: 6) == allOnes.inverseMod(blsP))
        // A modulus with zero high limbs, and a composite modulus without an inverse.
        #expect(fieldInverse(GMPInteger(3), GMPInteger(7), count: 6) == GMPInteger(5))
        #expect(fieldInverse(GMPInteger(6), GMPInteger(15), count: 2) == nil)
        #expect(fieldInverse(GMPInteger(2), GMPInteger(15), count: 1) == GMPInteger(8))
        // Inputs whose inverse has few limbs or whose cofactor is negative.
        for small in [UInt64(3), 5, 0xFFFF_FFFF_FFFF_FFFF] {
            let a = GMPInteger(small)
            #expect(fieldInverse(a, blsP, count: 6) == a.inverseMod(blsP))
            let b = blsP - a
            #expect(fieldInverse(b, blsP, count: 6) == b.inverseMod(blsP))
        }
    }

    @Test func legendreKnownValues() {
        #expect(fieldLegendre(GMPInteger(), blsP, count: 6) == 0)
        #expect(fieldLegendre(GMPInteger(1), blsP, count: 6) == 1)
        #expect(fieldLegendre(GMPInteger(4), blsP, count: 6) == 1)
        #expect(fieldLegendre(GMPInteger(2), blsP, count: 6) == -1)
        #expect(fieldLegendre(blsP - GMPInteger(1), blsP, count: 6) == -1)
        for (a, symbol) in [(0, 0), (1, 1), (2, 1), (3, -1), (4, 1), (5, -1), (6, -1)] {
            #expect(fieldLegendre(GMPInteger(UInt64(a)), GMPInteger(7), count: 1) == symbol, "(\(a)|7)")
        }
    }

    @Test func legendreMatchesEulerCriterion() {
        var rng = SplitMix64(seed: 0x6666_0002)
        let one = GMPInteger(1)
        let halfOrder = (blsP - one) / GMPInteger(2)
        for _ in 0..<300 {
            let a = GMPInteger.random(below: blsP, using: &rng)
            let euler = a.powMod(halfOrder, blsP)
            let expected = a.isZero ? 0 : (euler == one ? 1 : -1)
            #expect(fieldLegendre(a, blsP, count: 6) == expected)
            #expect(fieldLegendre(a * a % blsP, blsP, count: 6) == (a.isZero ? 0 : 1))
        }
    }
}
