import BLS12381
import Primitives
import XCTest

final class PairingTests: XCTestCase {
    func testBilinearityAndNonDegeneracy() {
        var rng = SplitMix64(seed: 0xB111)
        let g1 = G1Affine.generator, g2 = G2Affine.generator
        let e = pairing(g1, g2)
        XCTAssertFalse(e.isOne, "non-degenerate")
        XCTAssertTrue(e.power(-Fr.one).value == e.value.conjugate(), "GT elements are unitary")
        // e^r = 1
        let rMinus1 = -Fr.one
        XCTAssertEqual(e.power(rMinus1) * e, .one)
        for _ in 0..<3 {
            let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
            let pa = G1Projective(g1).multiplied(by: a).affine
            let qb = G2Projective(g2).multiplied(by: b).affine
            XCTAssertEqual(pairing(pa, qb), e.power(a * b))
            XCTAssertEqual(pairing(pa, g2), pairing(g1, G2Projective(g2).multiplied(by: a).affine))
        }
        XCTAssertTrue(pairing(.infinity, g2).isOne)
        XCTAssertTrue(pairing(g1, .infinity).isOne)
        XCTAssertTrue(pairingCheck([(g1, g2), (-g1, g2)]))
        XCTAssertFalse(pairingCheck([(g1, g2), (g1, g2)]))
    }
}
