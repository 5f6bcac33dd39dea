import Primitives
import XCTest

final class SodiumIdentityTests: XCTestCase {
    func testEd25519SignVerifyAndRFC8032Vector() throws {
        // RFC 8032 §7.1 TEST 1: empty message.
        let seed = Array(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let key = try SigningKey(seed: SecureBytes(copying: seed))
        XCTAssertEqual(key.publicKey.description, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig = key.sign([])
        XCTAssertEqual(sig, Array(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                                     + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"))
        XCTAssertTrue(key.publicKey.isValidSignature(sig, for: []))
        XCTAssertFalse(key.publicKey.isValidSignature(sig, for: [0]))
        XCTAssertFalse(SigningKey().publicKey.isValidSignature(sig, for: []))
        XCTAssertFalse(key.publicKey.isValidSignature(Array(sig.dropLast()), for: []))
        XCTAssertEqual(thrown { try SigningKey(seed: SecureBytes(count: 31)) } as? IdentityError,
                       .invalidLength(what: "Ed25519 seed", expected: 32, actual: 31))
        XCTAssertThrowsError(try SigningPublicKey(bytes: [1]))
    }

    func testBoxRoundTripAuthenticatesSender() throws {
        let alice = BoxKey(), bob = BoxKey(), eve = BoxKey()
        let nonce = SystemRandom.bytes(24)
        let box = try alice.seal(SecureBytes(copying: Array("share".utf8)), to: bob.publicKey, nonce: nonce)
        XCTAssertEqual(box.count, 5 + 16)
        let opened = try bob.open(box, from: alice.publicKey, nonce: nonce)
        XCTAssertTrue(opened.constantTimeEquals(SecureBytes(copying: Array("share".utf8))))
        // Wrong claimed sender, wrong recipient, altered ciphertext, wrong nonce: all refused.
        XCTAssertEqual(thrown { try bob.open(box, from: eve.publicKey, nonce: nonce) } as? IdentityError, .authenticationFailed)
        XCTAssertEqual(thrown { try eve.open(box, from: alice.publicKey, nonce: nonce) } as? IdentityError, .authenticationFailed)
        var altered = box; altered[3] ^= 1
        XCTAssertEqual(thrown { try bob.open(altered, from: alice.publicKey, nonce: nonce) } as? IdentityError, .authenticationFailed)
        XCTAssertEqual(thrown { try bob.open(box, from: alice.publicKey, nonce: SystemRandom.bytes(24)) } as? IdentityError,
                       .authenticationFailed)
        XCTAssertEqual(thrown { try bob.open([1, 2], from: alice.publicKey, nonce: nonce) } as? IdentityError, .ciphertextTooShort(2))
        XCTAssertThrowsError(try alice.seal(SecureBytes(count: 1), to: bob.publicKey, nonce: [0])) { e in
            XCTAssertEqual(e as? IdentityError, .invalidLength(what: "box nonce", expected: 24, actual: 1))
        }
        // Seeded keys are deterministic.
        let s = SecureBytes(copying: [UInt8](repeating: 5, count: 32))
        XCTAssertEqual(try BoxKey(seed: s).publicKey, try BoxKey(seed: s).publicKey)
    }
}

/// The error `body` throws, or nil (XCTAssertThrowsError needs a copyable result).
private func thrown<T: ~Copyable>(_ body: () throws -> T) -> (any Error)? {
    do { _ = try body(); return nil } catch { return error }
}

private extension Array where Element == UInt8 {
    init(hex: String) {
        let chars = Array(hex.utf8)
        self = stride(from: 0, to: chars.count, by: 2).map { UInt8(String(decoding: chars[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }
}
