import BLS12381
import Primitives
import XCTest

final class SignatureTests: XCTestCase {
    func testKeyGenDraft05() throws {
        // draft-irtf-cfrg-bls-signature-05 KeyGen needs at least 32 bytes of IKM.
        XCTAssertEqual(thrownError { _ = try SecretKey.generate(ikm: [UInt8](repeating: 1, count: 31)) } as? BLSError, .ikmTooShort(31))
        let a = try SecretKey.generate(ikm: [UInt8](repeating: 1, count: 32))
        let b = try SecretKey.generate(ikm: [UInt8](repeating: 1, count: 32))
        let c = try SecretKey.generate(ikm: [UInt8](repeating: 2, count: 32))
        XCTAssertTrue(a.constantTimeEquals(b))
        XCTAssertFalse(a.constantTimeEquals(c))
        XCTAssertNotEqual(a.publicKey, c.publicKey)
    }

    func testSignVerifyPopAndBatch() throws {
        var keys: [PublicKey] = [], msgs: [[UInt8]] = [], sigs: [Signature] = []
        for i in 0..<6 {
            let sk = try SecretKey.generate(ikm: [UInt8](repeating: UInt8(i + 10), count: 32))
            let m: [UInt8] = [UInt8(i), 1, 2, 3]
            let s = sk.sign(m)
            XCTAssertTrue(BLS.verify(publicKey: sk.publicKey, message: m, signature: s))
            XCTAssertFalse(BLS.verify(publicKey: sk.publicKey, message: m + [0], signature: s))
            let pop = sk.proveProofOfPossession()
            XCTAssertTrue(BLS.verifyProofOfPossession(publicKey: sk.publicKey, proof: pop))
            XCTAssertFalse(BLS.verifyProofOfPossession(publicKey: sk.publicKey, proof: s))
            keys.append(sk.publicKey); msgs.append(m); sigs.append(s)
        }
        XCTAssertTrue(BLS.batchVerify(publicKeys: keys, messages: msgs, signatures: sigs))
        let agg = try Signature.aggregate(sigs)
        XCTAssertTrue(BLS.aggregateVerify(publicKeys: keys, messages: msgs, signature: agg))
        // One bad signature anywhere makes the batch fail.
        for bad in 0..<sigs.count {
            var tampered = sigs
            tampered[bad] = sigs[(bad + 1) % sigs.count]
            XCTAssertFalse(BLS.batchVerify(publicKeys: keys, messages: msgs, signatures: tampered), "bad at \(bad)")
        }
        XCTAssertFalse(BLS.batchVerify(publicKeys: [], messages: [], signatures: []))

        // Several signers of one message (the keys are summed per message) mixed with others.
        let shared: [UInt8] = Array("one duty".utf8)
        var sameKeys: [PublicKey] = [], sameSigs: [Signature] = []
        for i in 0..<5 {
            let sk = try SecretKey.generate(ikm: [UInt8](repeating: UInt8(i + 60), count: 32))
            sameKeys.append(sk.publicKey); sameSigs.append(sk.sign(shared))
        }
        let mixedKeys = sameKeys + keys, mixedMsgs = Array(repeating: shared, count: 5) + msgs, mixedSigs = sameSigs + sigs
        XCTAssertTrue(BLS.batchVerify(publicKeys: sameKeys, messages: Array(repeating: shared, count: 5), signatures: sameSigs))
        XCTAssertTrue(BLS.batchVerify(publicKeys: mixedKeys, messages: mixedMsgs, signatures: mixedSigs))
        for bad in 0..<5 {
            var swapped = sameSigs
            swapped.swapAt(bad, (bad + 1) % 5)
            XCTAssertFalse(BLS.batchVerify(publicKeys: sameKeys, messages: Array(repeating: shared, count: 5), signatures: swapped), "swapped at \(bad)")
            var other = mixedMsgs
            other[bad] = shared + [0]
            XCTAssertFalse(BLS.batchVerify(publicKeys: mixedKeys, messages: other, signatures: mixedSigs), "message changed at \(bad)")
        }
    }

    func testSecretKeyValidation() {
        XCTAssertNotNil(thrownError { _ = try SecretKey(bigEndian: [UInt8](repeating: 0, count: 32)) })
        XCTAssertNotNil(thrownError { _ = try SecretKey(bigEndian: [UInt8](repeating: 1, count: 31)) })
        XCTAssertNotNil(thrownError { _ = try SecretKey(bigEndian: R.bigEndianBytes(count: 32)) })
        XCTAssertThrowsError(try PublicKey(bytes: G1Affine.infinity.compressed())) {
            XCTAssertEqual($0 as? BLSError, .invalidPublicKey(.infinityNotAllowed(group: "G1")))
        }
    }
}
