// Every deposit_data entry from the official CLIs is recomputed (roots, signature, network),
// rebuilt from the derived keys and re-encoded byte for byte; the mislabeled published example
// is rejected for its network_name / fork_version mismatch; networks and domains match
// networks.json; SSZ helpers against hand-built SHA-256 trees.

import BLS12381
import Foundation
import Primitives
import Staking
import Testing

let depositFiles = [
    "staking-deposit-cli-v2.8.0/deposit_data-mainnet_bls.json",
    "staking-deposit-cli-v2.8.0/deposit_data-mainnet_exec.json",
    "staking-deposit-cli-v2.8.0/deposit_data-holesky_bls.json",
    "staking-deposit-cli-v2.8.0/deposit_data-holesky_exec.json",
    "ethstaker-deposit-cli-v1.3.1-dev/deposit_data-hoodi_bls.json",
    "ethstaker-deposit-cli-v1.3.1-dev/deposit_data-hoodi_exec.json",
    "ethstaker-deposit-cli-v1.3.1-dev/deposit_data-mainnet_bls.json",
    "ethstaker-deposit-cli-v1.3.1-dev/deposit_data-mainnet_exec.json",
]

/// The keys of ../eip2334-paths for the test mnemonic, derived here from the mnemonic.
func testMnemonicSeed() throws -> SecureBytes {
    try Mnemonic.seed(
        mnemonic: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", passphrase: "TREZOR")
}

@Suite struct DepositDataTests {
    @Test func everyFileIsCovered() throws {
        var found: [String] = []
        for folder in ["staking-deposit-cli-v2.8.0", "ethstaker-deposit-cli-v1.3.1-dev"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: Fixture.root.appendingPathComponent("deposit-data/" + folder).path)
            found += names.filter { $0.hasSuffix(".json") }.map { folder + "/" + $0 }
        }
        #expect(Set(found) == Set(depositFiles))
    }

    /// Parse, verify every check, re-encode to the identical bytes.
    @Test(arguments: depositFiles)
    func cliFileVerifiesAndRoundTrips(file: String) throws {
        let bytes = try Fixture.bytes("deposit-data/" + file)
        let entries = try DepositDataFile.parse(bytes)
        #expect(entries.count == 2)
        for entry in entries {
            #expect(entry.verify() == [])
            #expect(Network.named(entry.networkName)?.genesisForkVersion == entry.forkVersion)
        }
        #expect(DepositDataFile.encode(entries) == bytes)
    }

    /// Rebuild each entry from the mnemonic: keys, credentials, message, signing root, signature.
    @Test(arguments: depositFiles)
    func cliFileIsRebuiltFromTheMnemonic(file: String) throws {
        let bytes = try Fixture.bytes("deposit-data/" + file)
        let expected = try DepositDataFile.parse(bytes)
        let seed = try testMnemonicSeed()
        let network = try #require(Network.named(expected[0].networkName))
        var rebuilt: [DepositDataEntry] = []
        for (index, entry) in expected.enumerated() {
            let signing = try EIP2333.deriveSecretKey(seed: seed, path: .signing(validator: UInt32(index)))
            let credentials: [UInt8]
            if file.hasSuffix("_exec.json") {
                credentials = try WithdrawalCredentials.execution(address: "0x00000000219ab540356cBB839Cbe05303d7705Fa")
            } else {
                let withdrawal = try EIP2333.deriveSecretKey(seed: seed, path: .withdrawal(validator: UInt32(index)))
                credentials = WithdrawalCredentials.bls(withdrawalPublicKey: withdrawal.publicKey)
            }
            let message = try DepositMessage(pubkey: signing.publicKey, withdrawalCredentials: credentials, amount: 32_000_000_000)
            let signature = signing.sign(message.signingRoot(network: network))
            #expect(signature.compressed == entry.signature)  // BLS signatures are deterministic
            rebuilt.append(try DepositDataEntry(message: message, signature: signature, network: network, depositCLIVersion: entry.depositCLIVersion))
        }
        #expect(rebuilt == expected)
        #expect(DepositDataFile.encode(rebuilt) == bytes)
    }

    /// ethstaker's docs example says hoodi but carries Holesky's fork version and signatures.
    @Test func mislabeledPublishedExampleIsRejected() throws {
        let entries = try DepositDataFile.parse(try Fixture.bytes("deposit-data/published_example_ethstaker_docs.json"))
        #expect(entries.count == 2)
        for entry in entries {
            let failures = entry.verify()
            #expect(failures.map(\.check) == [.networkName])
            #expect(failures.first?.reason.contains("holesky") == true)
            // Under the label's own network the signature would not verify either.
            var relabeled = entry
            relabeled.forkVersion = Network.hoodi.genesisForkVersion
            #expect(relabeled.verify().map(\.check) == [.signature])
            // And it is a good Holesky deposit once named so.
            var renamed = entry
            renamed.networkName = "holesky"
            #expect(renamed.verify() == [])
        }
    }

    @Test func tamperedEntriesNameTheFailingCheck() throws {
        let entry = try DepositDataFile.parse(try Fixture.bytes("deposit-data/" + depositFiles[1]))[0]
        var amount = entry
        amount.amount = 31_000_000_000
        #expect(amount.verify().map(\.check) == [.depositMessageRoot, .depositDataRoot, .signature])
        var root = entry
        root.depositDataRoot[0] ^= 1
        #expect(root.verify().map(\.check) == [.depositDataRoot])
        var signature = entry
        signature.signature = try DepositDataFile.parse(try Fixture.bytes("deposit-data/" + depositFiles[1]))[1].signature
        #expect(signature.verify().map(\.check) == [.depositDataRoot, .signature])
        var network = entry
        network.networkName = "goerli"
        #expect(network.verify().map(\.check) == [.networkName])
        var pubkey = entry
        pubkey.pubkey = [UInt8](repeating: 0xff, count: 48)
        #expect(pubkey.verify().map(\.check) == [.pubkey, .depositMessageRoot, .depositDataRoot, .signature])
        var credentials = entry
        credentials.withdrawalCredentials[0] = 0x03
        #expect(credentials.verify().map(\.check).first == .withdrawalCredentials)
        var small = entry
        small.amount = 1
        #expect(small.verify().map(\.check).first == .amount)
    }

    @Test func entryRefusesABadSignature() throws {
        let key = SecretKey.random()
        let message = try DepositMessage(
            pubkey: key.publicKey, withdrawalCredentials: try WithdrawalCredentials.execution(address: "0x" + String(repeating: "ab", count: 20), type: .compounding),
            amount: 32_000_000_000)
        let wrongNetwork = key.sign(message.signingRoot(network: .mainnet))
        #expect(throws: DepositDataError.signatureInvalid) { _ = try DepositDataEntry(message: message, signature: wrongNetwork, network: .hoodi) }
        let entry = try DepositDataEntry(message: message, signature: key.sign(message.signingRoot(network: .hoodi)), network: .hoodi)
        #expect(entry.verify() == [])
        #expect(entry.withdrawalCredentials == [0x02] + [UInt8](repeating: 0, count: 11) + [UInt8](repeating: 0xab, count: 20))
        #expect(entry.networkName == "hoodi" && entry.forkVersion == [0x10, 0x00, 0x09, 0x10])
        #expect(entry.depositCLIVersion == DepositDataEntry.referenceCLIVersion)
    }

    @Test func malformedDepositFilesAreRejected() throws {
        let good = try Fixture.text("deposit-data/" + depositFiles[0])
        #expect(throws: DepositDataError.invalidJSON("not valid JSON")) { _ = try DepositDataFile.parse(Array("[{".utf8)) }
        #expect(throws: DepositDataError.invalidJSON("the array is empty")) { _ = try DepositDataFile.parse(Array("[]".utf8)) }
        #expect(throws: DepositDataError.self) { _ = try DepositDataFile.parse(Array("{}".utf8)) }
        #expect(throws: DepositDataError.invalidJSON("[0].amount: expected a non-negative integer")) {
            _ = try DepositDataFile.parse(Array(good.replacingOccurrences(of: "\"amount\": 32000000000", with: "\"amount\": \"32\"").utf8))
        }
        #expect(throws: DepositDataError.invalidJSON("[1].network_name: missing")) {
            let second = good.range(of: "\"network_name\"", options: .backwards)!
            var text = good
            text.replaceSubrange(second, with: "\"network\"")
            _ = try DepositDataFile.parse(Array(text.utf8))
        }
        #expect(throws: DepositDataError.invalidJSON("[0].pubkey: expected 48 bytes of hex")) {
            _ = try DepositDataFile.parse(Array(good.replacingOccurrences(of: "\"pubkey\": \"b3", with: "\"pubkey\": \"").utf8))
        }
    }

    @Test func withdrawalCredentialsFromAddresses() throws {
        let credentials = try WithdrawalCredentials.execution(address: "0x00000000219ab540356cBB839Cbe05303d7705Fa")
        #expect(Hex.encode(credentials) == "01000000000000000000000000000000219ab540356cbb839cbe05303d7705fa")
        for bad in ["00000000219ab540356cBB839Cbe05303d7705Fa", "0x00000000219ab540356cBB839Cbe05303d7705F", "0x00000000219ab540356cBB839Cbe05303d7705Fg", "0x", ""] {
            #expect(throws: DepositDataError.self, "\(bad)") { _ = try WithdrawalCredentials.execution(address: bad) }
        }
        #expect(throws: DepositDataError.self) { _ = try WithdrawalCredentials.execution(address: "0x" + String(repeating: "0", count: 40), type: .bls) }
        #expect(throws: DepositDataError.amountTooSmall(999_999_999)) {
            _ = try DepositMessage(pubkey: SecretKey.random().publicKey, withdrawalCredentials: credentials, amount: 999_999_999)
        }
        #expect(throws: DepositDataError.self) {
            _ = try DepositMessage(pubkey: SecretKey.random().publicKey, withdrawalCredentials: [0x01] + [UInt8](repeating: 1, count: 31), amount: 32_000_000_000)
        }
    }
}

@Suite struct NetworkTests {
    @Test func constantsAndDomainsMatchNetworksJSON() throws {
        let root = try #require(Fixture.json("deposit-data/networks.json") as? [String: Any])
        let networks = try #require(root["networks"] as? [String: [String: Any]])
        #expect(Set(networks.keys) == Set(Network.all.map(\.name)))
        for (name, values) in networks {
            let network = try #require(Network.named(name))
            #expect(network.genesisForkVersion == hex(values["genesis_fork_version"] as! String), "\(name)")
            #expect(network.genesisValidatorsRoot == hex(values["genesis_validators_root"] as! String), "\(name)")
            #expect(network.capellaForkVersion == hex(values["capella_fork_version"] as! String), "\(name)")
            #expect(network.depositDomain == hex(values["domain_deposit"] as! String), "\(name)")
            #expect(network.voluntaryExitDomain == hex(values["domain_voluntary_exit_eip7044"] as! String), "\(name)")
            #expect(network.blsToExecutionChangeDomain == hex(values["domain_bls_to_execution_change"] as! String), "\(name)")
            if let schedule = values["fork_schedule"] as? [String: [String: Any]] {
                #expect(network.capellaForkVersion == hex(schedule["capella"]!["version"] as! String))
            }
            #expect(Network.withGenesisForkVersion(network.genesisForkVersion) == network)
        }
        #expect(Network.named("Mainnet") == nil && Network.named("goerli") == nil)
    }
}

@Suite struct SSZTests {
    let zero = [UInt8](repeating: 0, count: 32)
    func h(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { SHA256.hash(a + b) }
    func chunk(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    @Test func merkleizeMatchesHandBuiltTrees() {
        #expect(SSZ.merkleize([chunk(1)]) == chunk(1))
        #expect(SSZ.merkleize([chunk(1), chunk(2)]) == h(chunk(1), chunk(2)))
        #expect(SSZ.merkleize([chunk(1), chunk(2), chunk(3)]) == h(h(chunk(1), chunk(2)), h(chunk(3), zero)))
        #expect(SSZ.merkleize([chunk(1)], limit: 4) == h(h(chunk(1), zero), h(zero, zero)))
        #expect(SSZ.merkleize([], limit: 4) == h(h(zero, zero), h(zero, zero)))
        #expect(SSZ.merkleize([]) == zero)
        var big = zero
        for _ in 0..<40 { big = h(big, big) }
        #expect(SSZ.merkleize([], limit: 1 << 40) == big)
    }

    @Test func basicTypes() {
        #expect(SSZ.root(uint64: 0x0102) == [0x02, 0x01] + [UInt8](repeating: 0, count: 30))
        let pubkey = (0..<48).map { UInt8($0) }
        #expect(SSZ.root(bytes: pubkey) == h(Array(pubkey[0..<32]), Array(pubkey[32..<48]) + [UInt8](repeating: 0, count: 16)))
        let signature = (0..<96).map { UInt8($0) }
        #expect(SSZ.root(bytes: signature) == h(h(Array(signature[0..<32]), Array(signature[32..<64])), h(Array(signature[64..<96]), zero)))
        #expect(SSZ.root(bytes: chunk(9)) == chunk(9))
        #expect(SSZ.root(bytes: [1, 2, 3, 4]) == [1, 2, 3, 4] + [UInt8](repeating: 0, count: 28))
        #expect(SSZ.mixInLength(chunk(5), length: 3) == h(chunk(5), SSZ.root(uint64: 3)))
        #expect(SSZ.root(byteList: [7], limit: 64) == h(h([7] + [UInt8](repeating: 0, count: 31), zero), SSZ.root(uint64: 1)))
        #expect(SSZ.root(list: [chunk(1)], limit: 2) == h(h(chunk(1), zero), SSZ.root(uint64: 1)))
    }

    @Test func mainnetDepositDomainFromTheReadme() {
        // deposit-data/README.md: "Mainnet deposit domain = 0x03000000f5a5fd42…"
        #expect(Signing.computeDomain(DomainType.deposit, forkVersion: [0, 0, 0, 0], genesisValidatorsRoot: zero)
            == hex("03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9"))
        #expect(Signing.computeSigningRoot(chunk(1), domain: chunk(2)) == h(chunk(1), chunk(2)))
    }
}

@Suite struct VoluntaryExitTests {
    @Test func rootSigningRootAndJSON() throws {
        let exit = VoluntaryExit(epoch: 194_048, validatorIndex: 0x0102_0304)
        var epoch = [UInt8](repeating: 0, count: 32)
        epoch[0] = 0x00; epoch[1] = 0xF6; epoch[2] = 0x02  // 194048 = 0x02F600, little-endian
        var index = [UInt8](repeating: 0, count: 32)
        index[0...3] = [0x04, 0x03, 0x02, 0x01]
        #expect(exit.hashTreeRoot == SHA256.hash(epoch + index))
        for network in Network.all {
            #expect(exit.signingRoot(network: network) == SHA256.hash(exit.hashTreeRoot + network.voluntaryExitDomain))
            #expect(Array(network.voluntaryExitDomain.prefix(4)) == [4, 0, 0, 0])
        }
        #expect(exit.signingRoot(network: .mainnet) != exit.signingRoot(network: .hoodi))

        let key = SecretKey.random()
        let signature = key.sign(exit.signingRoot(network: .hoodi))
        let signed = SignedVoluntaryExit(message: exit, signature: signature)
        #expect(signed.verify(publicKey: key.publicKey, network: .hoodi))
        #expect(!signed.verify(publicKey: key.publicKey, network: .holesky))
        // Not the current-fork domain: a signature under Electra's fork version would not verify.
        let electra = Signing.computeDomain(DomainType.voluntaryExit, forkVersion: [0x60, 0, 0x09, 0x10], genesisValidatorsRoot: Network.hoodi.genesisValidatorsRoot)
        let wrong = SignedVoluntaryExit(message: exit, signature: key.sign(Signing.computeSigningRoot(exit.hashTreeRoot, domain: electra)))
        #expect(!wrong.verify(publicKey: key.publicKey, network: .hoodi))

        #expect(signed.json == #"{"message":{"epoch":"194048","validator_index":"16909060"},"signature":"0x"# + Hex.encode(signature.compressed) + #""}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(signed.json.utf8)) as? [String: Any])
        #expect((object["message"] as? [String: String])?["validator_index"] == "16909060")
    }
}
