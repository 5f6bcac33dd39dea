import Primitives
import Testing

/// SHA-256 known answers from FIPS 180-4's examples (NIST CSRC "SHA256.pdf") and the
/// long-message vector of FIPS 180-2 Appendix B.3.
@Suite struct SHA256Tests {
    static let vectors: [(message: [UInt8], digest: String)] = [
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test func knownAnswersOneShot() {
        for vector in Self.vectors {
            #expect(hexString(SHA256.hash(vector.message)) == vector.digest)
            let viaPointer = vector.message.withUnsafeBytes { SHA256.hash($0) }
            #expect(hexString(viaPointer) == vector.digest)
        }
    }

    @Test func knownAnswersIncremental() {
        var hasher = SHA256()
        for vector in Self.vectors {
            // Uneven chunks cross the 64-byte block boundary in every possible way.
            var offset = 0
            var chunk = 1
            while offset < vector.message.count {
                let end = min(offset + chunk, vector.message.count)
                hasher.update(Array(vector.message[offset..<end]))
                offset = end
                chunk = chunk % 131 + 7
            }
            // The same hasher is reused: finalize() must reset it.
            #expect(hexString(hasher.finalize()) == vector.digest)
        }
    }

    @Test func incrementalEqualsOneShotForRandomSplits() {
        var rng = SplitMix64(seed: 0x5A5A_0001)
        var hasher = SHA256()
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000] {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let split = length == 0 ? 0 : Int.random(in: 0...length, using: &rng)
            message.withUnsafeBytes { all in
                hasher.update(UnsafeRawBufferPointer(rebasing: all[0..<split]))
                hasher.update(UnsafeRawBufferPointer(rebasing: all[split...]))
            }
            #expect(hasher.finalize() == SHA256.hash(message), "length \(length) split \(split)")
        }
    }

    @Test func finalizeIntoBuffer() {
        var hasher = SHA256()
        hasher.update(Array("abc".utf8))
        var out = [UInt8](repeating: 0xFF, count: 40)
        out.withUnsafeMutableBytes { hasher.finalize(into: $0) }
        #expect(hexString(Array(out[0..<32])) == Self.vectors[1].digest)
        #expect(out[32...].allSatisfy { $0 == 0xFF })
        #expect(SHA256.digestCount == 32 && SHA256.blockCount == 64)
    }
}
