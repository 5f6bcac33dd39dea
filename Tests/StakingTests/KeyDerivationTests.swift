// EIP-2333 (master/child keys, Lamport intermediates), EIP-2334 paths, BIP-39 seeds.

import BLS12381
import Foundation
import Primitives
import Staking
import Testing

@Suite struct EIP2333Tests {
    /// Every case of tree_kdf.json (deposit-cli) and of the ERC-2333 text: master and child keys.
    @Test(arguments: ["eip2333-keygen/tree_kdf.json", "eip2333-keygen/erc2333_spec_test_cases.json"])
    func masterAndChildKeys(file: String) throws {
        let root = try #require(Fixture.json(file) as? [String: Any])
        let cases = try #require((root["kdf_tests"] ?? root["test_cases"]) as? [[String: Any]])
        #expect(cases.count == 4)
        for vector in cases {
            let seed = SecureBytes(copying: hex(try #require(vector["seed"] as? String)))
            let master = try EIP2333.deriveMasterSK(seed: seed)
            #expect(master.testBytes == scalarBytes(vector["master_SK"]!))
            let index = try #require((vector["child_index"] as? NSNumber)?.uint32Value)
            let child = EIP2333.deriveChildSK(parent: master, index: index)
            #expect(child.testBytes == scalarBytes(vector["child_SK"]!))
        }
    }

    /// The Lamport keys of both halves and the compressed Lamport public key.
    @Test(arguments: ["eip2333-keygen/tree_kdf_intermediate.json", "eip2333-keygen/erc2333_spec_test_cases.json"])
    func lamportIntermediates(file: String) throws {
        var vector = try #require(Fixture.json(file) as? [String: Any])
        if let intermediate = vector["intermediate"] as? [String: Any] { vector = intermediate }
        let masterBytes = scalarBytes(vector["master_SK"]!)
        let seed = SecureBytes(copying: hex(try #require(vector["seed"] as? String)))
        let master = try EIP2333.deriveMasterSK(seed: seed)
        #expect(master.testBytes == masterBytes)
        let index = try #require((vector["child_index"] as? NSNumber)?.uint32Value)
        let salt = withUnsafeBytes(of: index.bigEndian) { Array($0) }

        let lamport0 = try #require(vector["lamport_0"] as? [String])
        let lamport1 = try #require(vector["lamport_1"] as? [String])
        #expect(lamport0.count == 255 && lamport1.count == 255)
        let sk0 = EIP2333.ikmToLamportSK(ikm: SecureBytes(copying: masterBytes), salt: salt).testBytes
        let sk1 = EIP2333.ikmToLamportSK(ikm: SecureBytes(copying: masterBytes.map { ~$0 }), salt: salt).testBytes
        for i in 0..<255 {
            #expect(Array(sk0[i * 32..<(i + 1) * 32]) == hex(lamport0[i]), "lamport_0[\(i)]")
            #expect(Array(sk1[i * 32..<(i + 1) * 32]) == hex(lamport1[i]), "lamport_1[\(i)]")
        }
        let compressed = EIP2333.parentSKToLamportPK(parent: master, index: index)
        #expect(compressed.testBytes == hex(try #require(vector["compressed_lamport_PK"] as? String)))
        #expect(EIP2333.deriveChildSK(parent: master, index: index).testBytes == scalarBytes(vector["child_SK"]!))
    }

    @Test func seedShorterThan32BytesIsRejected() {
        #expect(throws: KeyDerivationError.seedTooShort(31)) {
            _ = try EIP2333.deriveMasterSK(seed: SecureBytes(copying: [UInt8](repeating: 7, count: 31)))
        }
    }
}

@Suite struct EIP2334Tests {
    @Test func pathParseCases() throws {
        let spec = try #require(Fixture.json("eip2334-paths/paths_spec.json") as? [String: Any])
        let cases = try #require(spec["path_parse_cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        for vector in cases {
            let path = try #require(vector["path"] as? String)
            let valid = try #require(vector["valid"] as? Bool)
            let parsed = try? KeyPath(parsing: path)
            #expect((parsed != nil) == valid, "\(path)")
            if let parsed { #expect(parsed.description == path) }
        }
        #expect(KeyPath.signing(validator: 7).description == "m/12381/3600/7/0/0")
        #expect(KeyPath.withdrawal(validator: 7).description == "m/12381/3600/7/0")
        #expect(spec["purpose"] as? Int == Int(KeyPath.purpose) && spec["coin_type_ethereum"] as? Int == Int(KeyPath.coinType))
    }

    @Test(arguments: [
        "", "m/", "M/1", "m//1", "m/1/", "m/-1", "m/+1", "m/ 1", "m/01", "m/4294967296", "m/1.5", "m/0x10", "12381/3600",
    ])
    func malformedPathsAreRejected(path: String) {
        #expect(throws: KeyDerivationError.self) { _ = try KeyPath(parsing: path) }
    }

    @Test func largestIndexParses() throws {
        #expect(try KeyPath(parsing: "m/4294967295/0").indices == [UInt32.max, 0])
        #expect(try KeyPath(parsing: "m").indices == [])
    }

    /// Withdrawal and signing keys of validators 0 and 1 for the test mnemonic, from the mnemonic.
    @Test func derivedValidatorKeys() throws {
        let vectors = try #require(Fixture.json("eip2334-paths/derived_keys_test_mnemonic.json") as? [String: Any])
        let seed = try Mnemonic.seed(
            mnemonic: try #require(vectors["mnemonic"] as? String), passphrase: try #require(vectors["bip39_passphrase"] as? String))
        #expect(seed.testBytes == hex(try #require(vectors["seed"] as? String)))
        let keys = try #require(vectors["keys"] as? [[String: Any]])
        #expect(keys.count == 4)
        for key in keys {
            let path = try KeyPath(parsing: try #require(key["path"] as? String))
            let index = try #require(key["validator_index"] as? Int)
            let expectedPath = key["kind"] as? String == "signing" ? KeyPath.signing(validator: UInt32(index)) : KeyPath.withdrawal(validator: UInt32(index))
            #expect(path == expectedPath)
            let secret = try EIP2333.deriveSecretKey(seed: seed, path: path)
            #expect(secret.testBytes == hex(try #require(key["secret_key"] as? String)))
            #expect(secret.publicKey.compressed == hex(try #require(key["pubkey"] as? String)))
        }
    }
}

@Suite struct BIP39Tests {
    /// All 168 mnemonic → seed vectors (7 languages, passphrase "TREZOR").
    @Test func mnemonicToSeed() throws {
        let languages = try #require(Fixture.json("eip2333-keygen/mnemonic.json") as? [String: [[String]]])
        var count = 0
        for (language, vectors) in languages {
            for vector in vectors {
                let seed = try Mnemonic.seed(mnemonic: vector[1], passphrase: "TREZOR")
                #expect(seed.testBytes == hex(vector[2]), "\(language): \(vector[0])")
                count += 1
            }
        }
        #expect(count == 168)
    }

    @Test func whitespaceAroundAndBetweenWordsIsIgnored() throws {
        let words = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
        let expected = try Mnemonic.seed(mnemonic: words, passphrase: "TREZOR").testBytes
        let messy = "  " + words.replacingOccurrences(of: " ", with: " \t ") + "\n"
        #expect(try Mnemonic.seed(mnemonic: messy, passphrase: "TREZOR").testBytes == expected)
        #expect(try Mnemonic.seed(mnemonic: words, passphrase: "").testBytes != expected)
    }

    @Test(arguments: [0, 1, 11, 13, 25])
    func wrongWordCountIsRejected(count: Int) {
        let words = Array(repeating: "abandon", count: count).joined(separator: " ")
        #expect(throws: KeyDerivationError.invalidMnemonic("expected 12, 15, 18, 21 or 24 words, got \(count)")) {
            _ = try Mnemonic.seed(mnemonic: words)
        }
    }
}
