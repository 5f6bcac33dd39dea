import Primitives
import Testing

@Suite struct GMPIntegerTests {
    @Test func blsModulusKnownValues() {
        #expect(blsP.bitWidth == 381)
        #expect(blsP.description
            == "4002409555221667393417789825735904156556882819939007885332058136124031650490837864442687629129015664037894272559787")
        #expect(blsR.description == "52435875175126190479447740508185965837690552500527637822603658699938581184513")
        #expect(blsP % GMPInteger(4) == GMPInteger(3))
        #expect(blsP.hex == "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab")
        #expect(GMPInteger(decimal: blsP.description) == blsP)
    }

    @Test func arithmeticKnownAnswers() {
        let max64 = GMPInteger(UInt64.max)
        #expect((max64 * max64).hex == "fffffffffffffffe0000000000000001")
        #expect((max64 + GMPInteger(1)).hex == "10000000000000000")
        #expect((GMPInteger(1) << 128 - GMPInteger(1)).hex == String(repeating: "f", count: 32))
        #expect((GMPInteger(1) << 128) / GMPInteger(3) == GMPInteger(hex: "55555555555555555555555555555555"))
        #expect((GMPInteger(1) << 128) % GMPInteger(3) == GMPInteger(1))
        #expect(GMPInteger(100) / GMPInteger(7) == GMPInteger(14))
        #expect(GMPInteger(100) - GMPInteger(100) == GMPInteger())
        #expect((GMPInteger(0x1234) >> 4).hex == "123")
        #expect(GMPInteger(2).powMod(GMPInteger(10), GMPInteger(1000)) == GMPInteger(24))
        #expect(GMPInteger(3).inverseMod(GMPInteger(7)) == GMPInteger(5))
        #expect(GMPInteger(6).inverseMod(GMPInteger(9)) == nil)
        #expect(GMPInteger(0).inverseMod(blsP) == nil)
        #expect(GMPInteger() < GMPInteger(1) && GMPInteger(2) > GMPInteger(1))
        #expect(Set([GMPInteger(5), GMPInteger(5), GMPInteger(6)]).count == 2)
    }

    @Test func parsingAndFormatting() {
        #expect(GMPInteger().hex == "0" && GMPInteger().description == "0")
        #expect(GMPInteger().bitWidth == 0 && GMPInteger().isZero)
        #expect(GMPInteger(hex: "0xFF")?.hex == "ff")
        #expect(GMPInteger(hex: "00ff") == GMPInteger(255))
        for bad in ["", "0x", "12g4", "-1", " 12", "1_0"] {
            #expect(GMPInteger(hex: bad) == nil, "\(bad)")
        }
        #expect(GMPInteger(decimal: "12a") == nil && GMPInteger(decimal: "") == nil)
    }

    @Test func bytesAndLimbsRoundTrip() {
        var rng = SplitMix64(seed: 0x6D70_0001)
        for _ in 0..<200 {
            let x = GMPInteger.random(below: blsP, using: &rng)
            let bytes = x.bigEndianBytes(count: 48)
            #expect(bytes.count == 48)
            #expect(GMPInteger(bigEndian: bytes) == x)
            let limbs = x.littleEndianLimbs(count: 6)
            #expect(GMPInteger(littleEndianLimbs: limbs) == x)
            #expect(GMPInteger(hex: x.hex) == x)
            #expect(x < blsP)
        }
        #expect(GMPInteger(0x0102).bigEndianBytes(count: 4) == [0, 0, 1, 2])
        #expect(GMPInteger(bigEndian: [0, 0, 1, 2]) == GMPInteger(0x0102))
        #expect(GMPInteger(bigEndian: []) == GMPInteger() && GMPInteger(littleEndianLimbs: []) == GMPInteger())
        #expect(GMPInteger().bigEndianBytes(count: 3) == [0, 0, 0])
        #expect(GMPInteger(littleEndianLimbs: [1, 2]).hex == "20000000000000001")
        #expect(GMPInteger(7).littleEndianLimbs(count: 3) == [7, 0, 0])
    }

    @Test func inverseAndFermatModP() {
        var rng = SplitMix64(seed: 0x6D70_0002)
        let one = GMPInteger(1)
        let pMinus2 = blsP - GMPInteger(2)
        for _ in 0..<200 {
            let a = GMPInteger.random(below: blsP - one, using: &rng) + one
            let inverse = a.inverseMod(blsP)!
            #expect((a * inverse) % blsP == one)
            #expect(a.powMod(blsP - one, blsP) == one)       // Fermat's little theorem
            #expect(a.powMod(pMinus2, blsP) == inverse)      // Fermat inversion agrees
        }
    }

    @Test func quadraticResidues() {
        let seven = GMPInteger(7)
        for (a, residue) in [(1, true), (2, true), (3, false), (4, true), (5, false), (6, false), (0, false)] {
            #expect(GMPInteger(UInt64(a)).isQuadraticResidue(mod: seven) == residue, "\(a) mod 7")
        }
        // p ≡ 3 (mod 4) and p ≡ 3 (mod 8): -1 and 2 are non-residues, 4 is a residue.
        #expect(!(blsP - GMPInteger(1)).isQuadraticResidue(mod: blsP))
        #expect(!GMPInteger(2).isQuadraticResidue(mod: blsP))
        #expect(GMPInteger(4).isQuadraticResidue(mod: blsP))
        var rng = SplitMix64(seed: 0x6D70_0003)
        for _ in 0..<50 {
            let x = GMPInteger.random(below: blsP, using: &rng)
            guard !x.isZero else { continue }
            #expect((x * x % blsP).isQuadraticResidue(mod: blsP))
        }
    }

    @Test func randomBelowIsInRangeAndCoversSmallRanges() {
        var rng = SplitMix64(seed: 0x6D70_0004)
        var seen = Set<String>()
        for _ in 0..<400 {
            let x = GMPInteger.random(below: GMPInteger(10), using: &rng)
            #expect(x < GMPInteger(10))
            seen.insert(x.description)
        }
        #expect(seen.count == 10)
        #expect(GMPInteger.random(below: GMPInteger(1), using: &rng).isZero)
    }
}
