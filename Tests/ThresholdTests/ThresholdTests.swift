import BLS12381
import Primitives
import Threshold
import XCTest

final class ThresholdTests: XCTestCase {
    /// A share kept as bytes so tests can hold many (SecretKey is non-copyable by design).
    struct TestShare {
        let index: MemberIndex
        let bytes: [UInt8]
        var key: SecretKey { try! SecretKey(bigEndian: bytes) }
        var publicKey: PublicKey { key.publicKey }
        func sign(_ m: [UInt8]) -> Signature { key.sign(m) }
    }

    /// Splits a fresh key t-of-n and returns the group key, the commitment and the shares.
    func makeShares(t: Int, n: Int, seed: UInt64) throws -> (PublicKey, FeldmanCommitment, [TestShare]) {
        var rng = SplitMix64(seed: seed)
        let sk = try SecretKey.generate(ikm: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        var shares: [TestShare] = []
        let commitment = Shamir.split(secret: sk, parameters: try ThresholdParameters(threshold: t, members: n),
                                      randomScalar: { Fr.random(using: &rng) }) { share in
            shares.append(TestShare(index: share.index, bytes: Hex.decode(share.key.revealHex())!))
        }
        return (sk.publicKey, commitment, shares)
    }

    func testAnyTSharesSignUnderTheGroupKey() throws {
        let (group, commitment, shares) = try makeShares(t: 3, n: 5, seed: 1)
        XCTAssertEqual(commitment.groupKey, group.point)
        let msg: [UInt8] = Array("attestation".utf8)
        let partials = shares.map { PartialSignature(index: $0.index, signature: $0.sign(msg)) }
        for (i, share) in shares.enumerated() {
            XCTAssertEqual(G1Projective(share.publicKey.point), commitment.evaluate(at: share.index), "Feldman check for \(i)")
            XCTAssertTrue(ThresholdSignature.verifyPartial(publicShare: share.publicKey, message: msg, partial: partials[i].signature))
        }
        // every 3-subset
        for a in 0..<5 { for b in (a + 1)..<5 { for c in (b + 1)..<5 {
            let sig = try ThresholdSignature.combine([partials[a], partials[b], partials[c]], threshold: 3)
            XCTAssertTrue(BLS.verify(publicKey: group, message: msg, signature: sig), "subset \(a),\(b),\(c)")
        } } }
        // two partials are not enough, and a 2-of combination does not verify
        XCTAssertThrowsError(try ThresholdSignature.combine(Array(partials.prefix(2)), threshold: 3))
        let wrong = try ThresholdSignature.combine(Array(partials.prefix(2)), threshold: 2)
        XCTAssertFalse(BLS.verify(publicKey: group, message: msg, signature: wrong))
    }

    func testRobustCombineNamesInvalidPartials() throws {
        let (group, _, shares) = try makeShares(t: 3, n: 5, seed: 2)
        let msg: [UInt8] = [1, 2, 3]
        var partials = shares.map { PartialSignature(index: $0.index, signature: $0.sign(msg)) }
        let publicShares = Dictionary(uniqueKeysWithValues: shares.map { ($0.index, $0.publicKey) })
        // member 2 signs another message, member 4 sends member 5's partial
        partials[1] = PartialSignature(index: partials[1].index, signature: shares[1].sign([9]))
        partials[3] = PartialSignature(index: partials[3].index, signature: partials[4].signature)
        let result = try ThresholdSignature.combineRobust(partials, threshold: 3, groupPublicKey: group,
                                                          publicShares: publicShares, message: msg)
        XCTAssertEqual(result.invalid.map(\.value), [2, 4])
        XCTAssertTrue(BLS.verify(publicKey: group, message: msg, signature: result.signature))
        // with a third bad partial only two remain: a clear error naming all three
        partials[0] = PartialSignature(index: partials[0].index, signature: partials[4].signature)
        XCTAssertThrowsError(try ThresholdSignature.combineRobust(partials, threshold: 3, groupPublicKey: group,
                                                                  publicShares: publicShares, message: msg)) { e in
            guard case let .notEnoughValidPartials(needed, valid, invalid) = e as? ThresholdError else { return XCTFail("\(e)") }
            XCTAssertEqual(needed, 3); XCTAssertEqual(valid, 2); XCTAssertEqual(invalid.map(\.value), [1, 2, 4])
        }
    }

    func testBatchedFeldmanCheckAgreesWithPerShareCheck() throws {
        let (_, commitment, shares) = try makeShares(t: 4, n: 9, seed: 4)
        var rng = SplitMix64(seed: 5)
        let honest = shares.map { (index: $0.index, publicShare: $0.publicKey) }
        XCTAssertTrue(commitment.verifyVartime(publicShares: honest, randomScalar: { Fr.random(using: &rng) }))
        XCTAssertTrue(commitment.verifyVartime(publicShares: Array(honest.suffix(2))))
        XCTAssertTrue(commitment.verifyVartime(publicShares: []))
        // member 3 holds member 4's share; two shares swapped; a share under the wrong index
        var wrong = honest
        wrong[2] = (wrong[2].index, honest[3].publicShare)
        XCTAssertFalse(commitment.verifyVartime(publicShares: wrong))
        XCTAssertFalse(commitment.verifyVartime(publicShares: [(honest[0].index, honest[1].publicShare),
                                                               (honest[1].index, honest[0].publicShare)]))
        XCTAssertFalse(commitment.verifyVartime(publicShares: [(try MemberIndex(10), honest[8].publicShare)]))
        // a commitment to another polynomial rejects every share
        let (_, other, _) = try makeShares(t: 4, n: 9, seed: 6)
        XCTAssertFalse(other.verifyVartime(publicShares: honest))
    }

    func testLagrangeAndInterpolation() throws {
        var rng = SplitMix64(seed: 3)
        let coeffs = (0..<4).map { _ in Fr.random(using: &rng) }
        func f(_ x: Fr) -> Fr { coeffs.reversed().reduce(Fr.zero) { $0 * x + $1 } }
        let idx = try [2, 7, 9, 11].map { try MemberIndex($0) }
        XCTAssertEqual(try Lagrange.interpolateAtZero(idx.map { ($0, f($0.scalar)) }), coeffs[0])
        let three = Array(idx.prefix(3))
        XCTAssertNotEqual(try Lagrange.interpolateAtZero(three.map { ($0, f($0.scalar)) }), coeffs[0])
        XCTAssertThrowsError(try Lagrange.coefficientsAtZero([idx[0], idx[0]]))
    }

    func testParameterValidation() {
        XCTAssertThrowsError(try MemberIndex(0))
        XCTAssertThrowsError(try MemberIndex(-3))
        XCTAssertThrowsError(try ThresholdParameters(threshold: 0, members: 3))
        XCTAssertThrowsError(try ThresholdParameters(threshold: 4, members: 3))
        XCTAssertNoThrow(try ThresholdParameters(threshold: 3, members: 3))
    }
}
