import Primitives
import Testing

/// HKDF-SHA-256 test cases 1–3 of RFC 5869 Appendix A.
@Suite struct HKDFTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var testDescription: String { name }
        let name: String
        let ikm: [UInt8], salt: [UInt8], info: [UInt8]
        let count: Int
        let prk: String, okm: String
    }

    static let vectors: [Vector] = [
        Vector(
            name: "RFC 5869 A.1", ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c),
            info: Array(0xf0...0xf9), count: 42,
            prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Vector(
            name: "RFC 5869 A.2", ikm: Array(0x00...0x4f), salt: Array(0x60...0xaf),
            info: Array(0xb0...0xff), count: 82,
            prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
            okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                + "cc30c58179ec3e87c14c01d5c1f3434f1d87"),
        Vector(
            name: "RFC 5869 A.3", ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], count: 42,
            prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
    ]

    @Test(arguments: vectors)
    func publicVariants(_ vector: Vector) throws {
        let prk = HKDFSHA256.extract(salt: vector.salt, ikm: vector.ikm)
        #expect(hexString(prk) == vector.prk)
        let okm = try HKDFSHA256.expand(prk: prk, info: vector.info, count: vector.count)
        #expect(hexString(okm) == vector.okm)
    }

    @Test(arguments: vectors)
    func secureVariants(_ vector: Vector) throws {
        let ikm = SecureBytes(copying: vector.ikm)
        let prk = HKDFSHA256.extract(salt: vector.salt, ikm: ikm)
        let prkHex = hexString(exposed(prk))
        #expect(prkHex == vector.prk)
        let okm = try HKDFSHA256.expand(prk: prk, info: vector.info, count: vector.count)
        let okmHex = hexString(exposed(okm))
        #expect(okmHex == vector.okm)
        #expect(okm.count == vector.count)
    }

    @Test func outputLengthLimits() throws {
        let prk = [UInt8](repeating: 7, count: 32)
        #expect(try HKDFSHA256.expand(prk: prk, info: [], count: 8160).count == 8160)
        #expect(try HKDFSHA256.expand(prk: prk, info: [], count: 0).isEmpty)
        for count in [8161, 100_000, -1] {
            #expect(throws: PrimitivesError.self) { try HKDFSHA256.expand(prk: prk, info: [], count: count) }
        }
        do {
            _ = try HKDFSHA256.expand(prk: prk, info: [], count: 8161)
            Issue.record("expected an error")
        } catch {
            guard case .invalidLength(let message) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(message.contains("8160"))
        }
        let securePRK = SecureBytes(copying: prk)
        var threw = false
        do { _ = try HKDFSHA256.expand(prk: securePRK, info: [], count: 8161) } catch { threw = true }
        #expect(threw)
    }

    @Test func emptyInputKeyingMaterial() {
        // RFC 5869 allows any IKM, including none; HMAC-SHA-256(zeros(32), "") by hand:
        let expected = HMACSHA256.authenticate(key: [UInt8](repeating: 0, count: 32), message: [])
        #expect(HKDFSHA256.extract(salt: [], ikm: []) == expected)
    }
}
