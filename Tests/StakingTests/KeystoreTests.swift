// EIP-2335: every keystore in the fixtures decrypts (scrypt and pbkdf2), the spec vectors are
// reproduced byte for byte from their salt and IV, round trips, wrong passwords and malformed
// files. Each scrypt run at n = 2^18 costs ~0.5 s, so the scrypt count here is kept to about ten.

import BLS12381
import Foundation
import Primitives
import Staking
import Testing

struct KeystoreCase: Sendable, CustomStringConvertible {
    let file, kdf, password, normalizedHex, secret, pubkey, path: String
    var description: String { file }

    static let all: [KeystoreCase] = {
        let index = (try? Fixture.json("eip2335-keystore/cases.json")) as? [String: Any]
        let cases = index?["cases"] as? [[String: String]] ?? []
        return cases.map {
            KeystoreCase(
                file: $0["file"]!, kdf: $0["kdf"]!, password: $0["password"]!, normalizedHex: $0["password_normalized_utf8_hex"]!,
                secret: $0["secret"]!, pubkey: $0["pubkey"]!, path: $0["path"]!)
        }
    }()
}

@Suite struct KeystoreTests {
    @Test func indexListsEveryKeystore() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.root.appendingPathComponent("eip2335-keystore").path)
            .filter { $0.hasPrefix("keystore_") }
        #expect(Set(files) == Set(KeystoreCase.all.map(\.file)))
        #expect(files.count == 5)
    }

    @Test(arguments: KeystoreCase.all)
    func decryptsEveryKeystore(vector: KeystoreCase) throws {
        let json = try Fixture.bytes("eip2335-keystore/" + vector.file)
        let info = try Keystore.parse(json: json)
        #expect(info.kdf.functionName == vector.kdf)
        #expect(info.pubkey == hex(vector.pubkey))
        #expect(info.path == vector.path)
        #expect(Keystore.processPassword(vector.password).testBytes == hex(vector.normalizedHex))
        let key = try Keystore.decryptSecretKey(json: json, password: vector.password)
        #expect(key.testBytes == hex(vector.secret))
        #expect(key.publicKey.compressed == hex(vector.pubkey))
    }

    @Test func wrongPasswordIsRejected() throws {
        // pbkdf2 keeps this fast; the scrypt path shares the checksum code.
        let json = try Fixture.bytes("eip2335-keystore/keystore_pbkdf2_cli_m_12381_3600_0_0_0.json")
        #expect(throws: KeystoreError.wrongPassword) { _ = try Keystore.decrypt(json: json, password: "testpassword!") }
        let scrypt = try Fixture.bytes("eip2335-keystore/keystore_scrypt_test1.json")
        #expect(throws: KeystoreError.wrongPassword) { _ = try Keystore.decrypt(json: scrypt, password: "testpassword") }
    }

    /// EIP-2335 password processing: the spec's password normalises to "testpassword🔑", and
    /// control characters (C0, DEL, C1) are dropped, so they do not change the key.
    @Test func passwordProcessing() throws {
        #expect(Keystore.processPassword("𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑").testBytes == Array("testpassword🔑".utf8))
        #expect(Keystore.processPassword("test\u{0}pass\u{7F}word\u{85}\u{9F}\n\t").testBytes == Array("testpassword".utf8))
        #expect(Keystore.processPassword("ﬁ").testBytes == Array("fi".utf8))  // NFKD of the ligature
        #expect(Keystore.processPassword("é").testBytes == [0x65, 0xCC, 0x81])  // decomposed
        let json = try Fixture.bytes("eip2335-keystore/keystore_pbkdf2_test0.json")
        let secret = try Keystore.decrypt(json: json, password: "\u{1}testpassword🔑\u{9F}\r\n")
        #expect(secret.testBytes == hex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"))
    }

    /// Encrypting the spec secret with the spec's salt and IV gives the spec's checksum and cipher.
    @Test(arguments: ["keystore_scrypt_test1.json", "keystore_pbkdf2_test0.json"])
    func reproducesSpecVector(file: String) throws {
        let original = try #require(try JSONSerialization.jsonObject(with: Data(Fixture.bytes("eip2335-keystore/" + file))) as? [String: Any])
        let crypto = try #require(original["crypto"] as? [String: Any])
        let kdf = try #require(crypto["kdf"] as? [String: Any])
        let params = try #require(kdf["params"] as? [String: Any])
        let cipher = try #require(crypto["cipher"] as? [String: Any])
        let iv = try #require((cipher["params"] as? [String: String])?["iv"])
        let kdfChoice: KeystoreKDF = kdf["function"] as? String == "scrypt" ? .scryptDefault : .pbkdf2Default
        let secret = SecureBytes(copying: hex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"))
        let json = try Keystore.encrypt(
            secret: secret, password: "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑", pubkey: hex(try #require(original["pubkey"] as? String)),
            path: try #require(original["path"] as? String), kdf: kdfChoice, description: try #require(original["description"] as? String),
            salt: hex(try #require(params["salt"] as? String)), iv: hex(iv), uuid: try #require(original["uuid"] as? String))
        let written = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? NSDictionary)
        #expect(written == original as NSDictionary)
    }

    /// The CLI-made pbkdf2 keystore is re-created byte for byte (same layout as the deposit CLI).
    @Test func reproducesCLIKeystoreBytes() throws {
        let file = "eip2335-keystore/keystore_pbkdf2_cli_m_12381_3600_0_0_0.json"
        let original = try Fixture.bytes(file)
        let info = try Keystore.parse(json: original)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(original)) as? [String: Any])
        let crypto = try #require(object["crypto"] as? [String: [String: Any]])
        let salt = try #require((crypto["kdf"]?["params"] as? [String: Any])?["salt"] as? String)
        let iv = try #require((crypto["cipher"]?["params"] as? [String: String])?["iv"])
        let secret = SecureBytes(copying: hex("032e6c3c7359223e127e9479afc521c4342f8903bc29ae01b671bcbcc98be0f6"))
        let json = try Keystore.encrypt(
            secret: secret, password: "testpassword", pubkey: info.pubkey, path: info.path, kdf: .pbkdf2Default,
            description: info.description, salt: hex(salt), iv: hex(iv), uuid: info.uuid)
        #expect(String(decoding: json, as: UTF8.self) == String(decoding: original, as: UTF8.self))
    }

    /// encrypt → parse → decrypt with the default costs of both KDFs, for a key as a threshold
    /// member would store its share (pubkey = the share's public key, no path).
    @Test(arguments: [KeystoreKDF.scryptDefault, .pbkdf2Default])
    func roundTrip(kdf: KeystoreKDF) throws {
        let key = SecretKey.random()
        let password = "correct horse 🐎 battery staple"
        let json = try Keystore.encrypt(secretKey: key, password: password, path: "", kdf: kdf, description: "member 3 of ring x")
        let info = try Keystore.parse(json: json)
        #expect(info.kdf == kdf)
        #expect(info.pubkey == key.publicKey.compressed)
        #expect(info.path == "" && info.description == "member 3 of ring x")
        #expect(UUID(uuidString: info.uuid) != nil && info.uuid == info.uuid.lowercased())
        #expect(Array(info.uuid)[14] == "4")  // version 4
        let decrypted = try Keystore.decryptSecretKey(json: json, password: password)
        let same = decrypted.constantTimeEquals(key)
        #expect(same)
        #expect(throws: KeystoreError.wrongPassword) { _ = try Keystore.decrypt(json: json, password: "correct horse battery staple") }
        // Two encryptions of one key differ (fresh salt, IV and UUID).
        if case .pbkdf2 = kdf {
            let again = try Keystore.encrypt(secretKey: key, password: password, path: "", kdf: kdf)
            #expect(try Keystore.parse(json: again).uuid != info.uuid)
            #expect(again != json)
        }
    }

    @Test func randomUUIDsAreVersion4() {
        for _ in 0..<50 {
            let uuid = Keystore.randomUUID()
            let chars = Array(uuid)
            #expect(uuid.count == 36 && chars[14] == "4" && "89ab".contains(chars[19]), "\(uuid)")
            #expect(UUID(uuidString: uuid) != nil)
        }
    }

    // MARK: Malformed input

    /// Edits the pbkdf2 spec vector and returns the new file's bytes.
    private func edited(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Fixture.bytes("eip2335-keystore/keystore_pbkdf2_test0.json"))) as? [String: Any])
        change(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    private func setKDF(_ object: inout [String: Any], _ key: String, _ value: Any?) {
        var crypto = object["crypto"] as! [String: Any]
        var kdf = crypto["kdf"] as! [String: Any]
        if key == "function" {
            kdf["function"] = value
        } else {
            var params = kdf["params"] as! [String: Any]
            params[key] = value
            kdf["params"] = params
        }
        crypto["kdf"] = kdf
        object["crypto"] = crypto
    }

    @Test func malformedKeystoresAreRejected() throws {
        #expect(throws: KeystoreError.invalidJSON("not valid JSON")) { _ = try Keystore.parse(json: Array("{not json".utf8)) }
        #expect(throws: KeystoreError.invalidJSON("not valid JSON")) { _ = try Keystore.parse(json: []) }
        #expect(throws: KeystoreError.invalidJSON("version: missing")) { _ = try Keystore.parse(json: Array("{}".utf8)) }
        #expect(throws: KeystoreError.unsupportedVersion(3)) { _ = try Keystore.parse(json: try edited { $0["version"] = 3 }) }
        #expect(throws: KeystoreError.invalidJSON("crypto: missing")) { _ = try Keystore.parse(json: try edited { $0["crypto"] = nil }) }
        #expect(throws: KeystoreError.invalidJSON("uuid: missing")) { _ = try Keystore.parse(json: try edited { $0["uuid"] = nil }) }
        #expect(throws: KeystoreError.unsupportedKDF("argon2id")) {
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "function", "argon2id") })
        }
        #expect(throws: KeystoreError.invalidParameter("crypto.kdf.params.prf must be hmac-sha256")) {
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "prf", "hmac-sha512") })
        }
        #expect(throws: KeystoreError.invalidJSON("crypto.kdf.params.salt: missing")) {
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "salt", nil) })
        }
        #expect(throws: KeystoreError.invalidJSON("crypto.kdf.params.c: expected a non-negative integer")) {
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "c", "many") })
        }
        #expect(throws: KeystoreError.invalidParameter("crypto.kdf.params.salt is not hex")) {
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "salt", "zz") })
        }
        #expect(throws: KeystoreError.invalidParameter("uuid is not a UUID")) { _ = try Keystore.parse(json: try edited { $0["uuid"] = "x" }) }
        #expect(throws: KeystoreError.invalidParameter("pubkey must be 48 bytes of hex")) {
            _ = try Keystore.parse(json: try edited { $0["pubkey"] = "abcd" })
        }
        #expect(throws: KeystoreError.self) {  // an scrypt n that is not a power of two
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "function", "scrypt"); setKDF(&$0, "n", 1000); setKDF(&$0, "r", 8); setKDF(&$0, "p", 1) })
        }
        #expect(throws: KeystoreError.self) {  // scrypt asking for 2^30 · 128 bytes of memory
            _ = try Keystore.parse(json: try edited { setKDF(&$0, "function", "scrypt"); setKDF(&$0, "n", 1 << 30); setKDF(&$0, "r", 8); setKDF(&$0, "p", 1) })
        }
        // A keystore whose secret was swapped for another's: decrypts, but not to its pubkey.
        let other = try edited { $0["pubkey"] = "b37247817d65f235d0053fa179be32aa86e37f0ddb05586146f0e3e9c418c06c6aec0c0ba3799b3e1357870caf7b4aa7" }
        #expect(throws: KeystoreError.publicKeyMismatch) { _ = try Keystore.decryptSecretKey(json: other, password: "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑") }
    }

    @Test func encryptRejectsBadArguments() {
        let secret = SecureBytes(copying: [UInt8](repeating: 1, count: 32))
        #expect(throws: KeystoreError.invalidParameter("pubkey must be 48 bytes (a compressed BLS12-381 public key), got 47")) {
            _ = try Keystore.encrypt(secret: secret, password: "p", pubkey: [UInt8](repeating: 0, count: 47), path: "", kdf: .pbkdf2(iterations: 1))
        }
        #expect(throws: KeystoreError.self) {
            _ = try Keystore.encrypt(secret: secret, password: "p", pubkey: [], path: "", kdf: .scrypt(n: 3, r: 8, p: 1))
        }
    }

    @Test func errorsNeverContainThePassword() throws {
        let json = try Fixture.bytes("eip2335-keystore/keystore_pbkdf2_cli_m_12381_3600_0_0_0.json")
        do {
            _ = try Keystore.decrypt(json: json, password: "hunter2-secret")
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("wrong password"))
        }
    }
}
