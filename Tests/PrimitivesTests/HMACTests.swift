import Primitives
import Testing

/// HMAC-SHA-256 test cases 1–4 and 6 of RFC 4231 §4.
@Suite struct HMACTests {
    static let vectors: [(name: String, key: [UInt8], data: [UInt8], tag: String)] = [
        ("RFC 4231 case 1", [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("RFC 4231 case 2", Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("RFC 4231 case 3", [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("RFC 4231 case 4", Array(1...25), [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        ("RFC 4231 case 6", [UInt8](repeating: 0xaa, count: 131),
         Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ]

    @Test func rfc4231() {
        for vector in Self.vectors {
            let tag = HMACSHA256.authenticate(key: vector.key, message: vector.data)
            #expect(hexString(tag) == vector.tag, "\(vector.name)")
        }
    }

    @Test func emptyKeyAndMessageAreAccepted() {
        // HMAC pads short keys with zeros, so an empty key equals a 64-byte zero key.
        let empty = HMACSHA256.authenticate(key: [], message: [])
        let zeros = HMACSHA256.authenticate(key: [UInt8](repeating: 0, count: 64), message: [])
        #expect(empty.count == 32)
        #expect(empty == zeros)
    }
}
