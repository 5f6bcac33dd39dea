import BLS12381
import Ceremony
import Foundation
import Primitives
import Staking
import Testing
import Voting

/// A scratch directory with n identities and an approved t-of-n definition.
struct Pool {
    let root: String
    let definition: String
    let identities: [String]
    let password: String

    init(members n: Int, threshold t: Int, validators: Int = 1, phaseSeconds: Int = 5, approve: Bool = true) throws {
        root = NSTemporaryDirectory() + "vring-ceremony-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var records: [IdentityRecord] = []
        var ids: [String] = []
        for i in 1...n {
            let dir = "\(root)/id\(i)"
            let identity = try IdentityDirectory.create(at: dir, name: "m\(i)", address: "127.0.0.1:\(20000 + i)", relay: "")
            records.append(identity.record)
            ids.append(dir)
        }
        identities = ids
        var d = try PoolDefinition(name: "test pool", threshold: t, members: records, network: "hoodi",
                                   withdrawalAddress: "0x" + String(repeating: "ab", count: 20), feeRecipient: nil, validators: validators,
                                   timeouts: CeremonyTimeouts(phaseSeconds: phaseSeconds, challengeMilliseconds: 2000, connectSeconds: phaseSeconds))
        if approve { for dir in ids { try d.approve(with: try IdentityDirectory.load(dir)) } }
        definition = "\(root)/definition.json"
        try FileIO.writeJSON(d, to: definition)
        password = "\(root)/password.txt"
        try FileIO.writeAtomically(Array("correct horse battery staple\n".utf8), to: password, mode: 0o600)
    }

    func dataDir(_ i: Int) -> String { "\(root)/data\(i)" }
    func addIdentity(_ i: Int) throws -> IdentityRecord {
        try IdentityDirectory.create(at: "\(root)/id\(i)", name: "m\(i)", address: "127.0.0.1:\(20000 + i)", relay: "").record
    }
}

let testKDF = KeystoreKDF.scrypt(n: 1024, r: 8, p: 1)
let quiet: ProgressLog = { _ in }

/// Runs `body` for each member concurrently and returns the results in member order.
func concurrently<T: Sendable>(_ members: [Int], _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [Int: Result<T, any Error>] {
    try await withThrowingTaskGroup(of: (Int, Result<T, any Error>).self) { group in
        for m in members {
            group.addTask {
                do { return (m, .success(try await body(m))) } catch { return (m, .failure(error)) }
            }
        }
        var out: [Int: Result<T, any Error>] = [:]
        for try await (m, r) in group { out[m] = r }
        return out
    }
}

@Suite(.serialized) struct CeremonyTests {
    @Test func formSignExitAndReplaceAMember() async throws {
        let pool = try Pool(members: 4, threshold: 3)
        let hub = LocalHub()
        let formed = try await concurrently([1, 2, 3, 4]) { i in
            try await PoolCeremony.form(definitionPath: pool.definition, identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, keystoreKDF: testKDF, log: quiet, link: hub.factory)
        }
        let outcomes = try (1...4).map { try formed[$0]!.get() }
        #expect(Set(outcomes.map(\.validatorPublicKeys)).count == 1, "every member derived the same validator key")
        #expect(outcomes[0].qualified == [1, 2, 3, 4])
        let lock = try PoolLock.load(outcomes[0].lockPath)
        #expect(lock.signatures.count == 4)
        #expect(lock.epoch == 0)
        // Every member's lock has the same hash; keystores hold each member's public share.
        for i in 1...4 {
            let l = try PoolLock.load("\(pool.dataDir(i))/lock.json")
            #expect(l.lockHash == lock.lockHash)
            let info = try Keystore.parse(json: try FileIO.read("\(pool.dataDir(i))/validator_keys/keystore-0.json"))
            #expect("0x" + Hex.encode(info.pubkey) == lock.validators[0].publicShares[i - 1])
        }
        // Deposit data verifies (signature by the group key under hoodi's deposit domain).
        let entries = try DepositDataFile.parse(try FileIO.read("\(pool.dataDir(1))/deposit-data.json"))
        #expect(entries.count == 1)
        #expect(entries[0].verify().isEmpty)
        #expect("0x" + Hex.encode(entries[0].pubkey) == lock.validators[0].publicKey)
        #expect(entries[0].networkName == "hoodi")

        // Any 3 members sign; the signature verifies under the validator key.
        let message: [UInt8] = Array("attestation data root".utf8)
        let signHub = LocalHub()
        let signed = try await concurrently([1, 3, 4]) { i in
            try await PoolCeremony.sign(lockPath: "\(pool.dataDir(i))/lock.json", identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, validator: 0, message: message, log: quiet, link: signHub.factory)
        }
        let groupKey = try lock.groupKey(0)
        for i in [1, 3, 4] {
            let s = try signed[i]!.get()
            #expect(BLS.verify(publicKey: groupKey, message: message, signature: s.signature))
        }

        // A voluntary exit, threshold-signed with the EIP-7044 domain.
        let exitHub = LocalHub()
        let exits = try await concurrently([2, 3, 4]) { i in
            try await PoolCeremony.exit(lockPath: "\(pool.dataDir(i))/lock.json", identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, validator: 0, validatorIndex: 123456, epoch: 300000, log: quiet, link: exitHub.factory)
        }
        let exit = try exits[2]!.get()
        #expect(exit.verify(publicKey: groupKey, network: .hoodi))
        #expect(exit.json.contains(#""validator_index":"123456""#))

        // Replace member 4 by a new member 5: the validator key stays, the epoch goes up.
        let newcomer = try pool.addIdentity(5)
        var reshare = try PoolDefinition.reshare(from: lock, remove: [], add: [], replace: [(4, newcomer)], threshold: nil)
        for i in [1, 2, 3, 5] { try reshare.approve(with: try IdentityDirectory.load(pool.identities.count >= i ? pool.identities[i - 1] : "\(pool.root)/id\(i)")) }
        let reshareDef = "\(pool.root)/reshare.json"
        try FileIO.writeJSON(reshare, to: reshareDef)
        let reshareHub = LocalHub()
        let reshared = try await concurrently([1, 2, 3, 4, 5]) { i in
            try await PoolCeremony.reshare(definitionPath: reshareDef, identityPath: "\(pool.root)/id\(i)", dataDir: pool.dataDir(i),
                                           passwordFile: pool.password, keystoreKDF: testKDF, log: quiet, link: reshareHub.factory)
        }
        for i in [1, 2, 3, 5] {
            let r = try reshared[i]!.get()
            #expect(!r.left)
            #expect(r.epoch == 1)
            #expect(r.validatorPublicKeys == lock.validators.map(\.publicKey))
        }
        #expect(try reshared[4]!.get().left)
        #expect(!FileManager.default.fileExists(atPath: "\(pool.dataDir(4))/validator_keys/keystore-0.json"), "the leaving member's share is erased")
        #expect(FileManager.default.fileExists(atPath: "\(pool.dataDir(4))/archive/lock-epoch-0.json"))
        let newLock = try PoolLock.load("\(pool.dataDir(5))/lock.json")
        #expect(newLock.epoch == 1)
        #expect(newLock.members.map(\.index) == [1, 2, 3, 5])
        #expect(newLock.validators[0].publicKey == lock.validators[0].publicKey)
        #expect(newLock.validators[0].publicShares[0] != lock.validators[0].publicShares[0], "continuing members have new shares")

        // The new committee signs under the unchanged key (members 2, 3 and the newcomer).
        let hub2 = LocalHub()
        let signed2 = try await concurrently([2, 3, 5]) { i in
            try await PoolCeremony.sign(lockPath: "\(pool.dataDir(i))/lock.json", identityPath: "\(pool.root)/id\(i)", dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, validator: 0, message: message, log: quiet, link: hub2.factory)
        }
        for i in [2, 3, 5] { #expect(BLS.verify(publicKey: groupKey, message: message, signature: try signed2[i]!.get().signature)) }
    }

    @Test func aMemberThatLostItsDataIsRepaired() async throws {
        let pool = try Pool(members: 4, threshold: 3, validators: 2)
        let hub = LocalHub()
        let formed = try await concurrently([1, 2, 3, 4]) { i in
            try await PoolCeremony.form(definitionPath: pool.definition, identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, keystoreKDF: testKDF, log: quiet, link: hub.factory)
        }
        for i in 1...4 { _ = try formed[i]!.get() }
        let lockPath = pool.dataDir(1) + "/lock.json"
        let lock = try PoolLock.load(lockPath)
        let before = try FileIO.read(pool.dataDir(2) + "/validator_keys/keystore-1.json")
        // Member 2 loses its data dir; members 1, 3 and 4 help.
        try FileManager.default.removeItem(atPath: pool.dataDir(2))
        let repairHub = LocalHub()
        let repaired = try await concurrently([1, 2, 3, 4]) { i in
            try await PoolCeremony.repair(lockPath: lockPath, identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i), passwordFile: pool.password,
                                          target: 2, helpers: nil, keystoreKDF: testKDF, log: quiet, link: repairHub.factory)
        }
        for i in [1, 3, 4] { _ = try repaired[i]!.get() }
        #expect(try repaired[2]!.get().count == 3, "two validator keystores and the ballot keystore")
        for k in 0..<2 {
            let json = try FileIO.read(pool.dataDir(2) + "/validator_keys/keystore-\(k).json")
            let key = try Keystore.decryptSecretKey(json: json, password: "correct horse battery staple")
            #expect("0x" + Hex.encode(key.publicKey.compressed) == lock.validators[k].publicShares[1], "the repaired share is member 2's share")
        }
        #expect(try FileIO.read(pool.dataDir(2) + "/validator_keys/keystore-1.json") != before, "a fresh keystore (new salt), same key")
        // Member 2 signs again with members 3 and 4.
        let signHub = LocalHub()
        let message: [UInt8] = [1, 2, 3]
        let signed = try await concurrently([2, 3, 4]) { i in
            try await PoolCeremony.sign(lockPath: pool.dataDir(i) + "/lock.json", identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, validator: 1, message: message, log: quiet, link: signHub.factory)
        }
        #expect(BLS.verify(publicKey: try lock.groupKey(1), message: message, signature: try signed[2]!.get().signature))
    }

    @Test func aSilentMemberIsExcludedAndTheRestFinish() async throws {
        let pool = try Pool(members: 4, threshold: 3, phaseSeconds: 2)
        let hub = LocalHub()
        let formed = try await concurrently([1, 2, 3]) { i in
            try await PoolCeremony.form(definitionPath: pool.definition, identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, keystoreKDF: testKDF, log: quiet, link: hub.factory)
        }
        let outcomes = try [1, 2, 3].map { try formed[$0]!.get() }
        #expect(Set(outcomes.map(\.validatorPublicKeys)).count == 1)
        #expect(outcomes[0].qualified == [1, 2, 3])
        #expect(outcomes[0].blame.contains { $0.index == 4 })
        #expect(!FileManager.default.fileExists(atPath: "\(pool.dataDir(4))/lock.json"))
    }

    @Test func aCeremonyRefusesADefinitionChangedAfterApproval() async throws {
        let pool = try Pool(members: 3, threshold: 2)
        var text = try FileIO.readText(pool.definition)
        text = text.replacingOccurrences(of: "\"threshold\" : 2", with: "\"threshold\" : 1")
        try FileIO.writeAtomically(Array(text.utf8), to: pool.definition)
        await #expect(throws: CeremonyError.self) {
            try await PoolCeremony.form(definitionPath: pool.definition, identityPath: pool.identities[0], dataDir: pool.dataDir(1),
                                        passwordFile: pool.password, keystoreKDF: testKDF, log: quiet, link: LocalHub().factory)
        }
        #expect(!FileManager.default.fileExists(atPath: pool.dataDir(1) + "/lock.json"))
    }

    @Test func aCeremonyWaitsForEveryApproval() throws {
        let pool = try Pool(members: 3, threshold: 2, approve: false)
        let d = try PoolDefinition.load(pool.definition)
        #expect(d.missingApprovals().count == 3)
        #expect(throws: CeremonyError.self) { try d.requireAllApprovals() }
    }

    @Test func identityRecordsRoundTripAndRefuseTampering() throws {
        let pool = try Pool(members: 2, threshold: 2)
        let id = try IdentityDirectory.load(pool.identities[0])
        let parsed = try IdentityRecord(parsing: id.record.encoded)
        #expect(parsed == id.record)
        // Change one character of the base64 body: the signature (or the encoding) must fail.
        var chars = Array(id.record.encoded)
        let k = chars.count / 2
        chars[k] = chars[k] == "A" ? "B" : "A"
        #expect(throws: CeremonyError.self) { try IdentityRecord(parsing: String(chars)) }
        #expect(throws: CeremonyError.self) { try IdentityRecord(parsing: "vring:") }
        #expect(throws: CeremonyError.self) { try IdentityRecord(parsing: "ssh-ed25519 AAAA") }
        // Secrets are 0600 and never overwritten.
        let attrs = try FileManager.default.attributesOfItem(atPath: pool.identities[0] + "/signing.key")
        #expect((attrs[.posixPermissions] as! NSNumber).intValue & 0o077 == 0)
        #expect(throws: CeremonyError.self) { _ = try IdentityDirectory.create(at: pool.identities[0], name: "again", address: "127.0.0.1:1", relay: "") }
    }

    @Test func envelopesFromAnotherCeremonyAreRefused() throws {
        let key = SigningKey()
        let keys: [UInt32: SigningPublicKey] = [1: key.publicKey]
        let sessionA = [UInt8](repeating: 1, count: 32), sessionB = [UInt8](repeating: 2, count: 32)
        let e = Envelope(kind: .partialSignatures, session: sessionA, epoch: 0, sender: 1, body: [1, 2, 3], key: key)
        #expect(try Envelope(decoding: e.encoded, session: sessionA, epoch: 0, keys: keys) == e)
        #expect(throws: EnvelopeError.wrongSession) { try Envelope(decoding: e.encoded, session: sessionB, epoch: 0, keys: keys) }
        #expect(throws: EnvelopeError.wrongEpoch(expected: 1, got: 0)) { try Envelope(decoding: e.encoded, session: sessionA, epoch: 1, keys: keys) }
        #expect(throws: EnvelopeError.unknownSender(1)) { try Envelope(decoding: e.encoded, session: sessionA, epoch: 0, keys: [:]) }
        var tampered = e.encoded
        tampered[tampered.count - 65] ^= 1  // the last body byte (the signature's 64 bytes follow)
        #expect(throws: EnvelopeError.badSignature(sender: 1)) { try Envelope(decoding: tampered, session: sessionA, epoch: 0, keys: keys) }
        #expect(throws: EnvelopeError.self) { try Envelope(decoding: e.encoded + [0], session: sessionA, epoch: 0, keys: keys) }
        #expect(throws: EnvelopeError.self) { try Envelope(decoding: Array(e.encoded.prefix(20)), session: sessionA, epoch: 0, keys: keys) }
    }

    @Test func aWrongPasswordIsReportedAsSuch() async throws {
        let pool = try Pool(members: 3, threshold: 2)
        let hub = LocalHub()
        let formed = try await concurrently([1, 2, 3]) { i in
            try await PoolCeremony.form(definitionPath: pool.definition, identityPath: pool.identities[i - 1], dataDir: pool.dataDir(i),
                                        passwordFile: pool.password, keystoreKDF: testKDF, log: quiet, link: hub.factory)
        }
        _ = try formed[1]!.get()
        let wrong = pool.root + "/wrong.txt"
        try FileIO.writeAtomically(Array("not the password\n".utf8), to: wrong, mode: 0o600)
        do {
            _ = try await PoolCeremony.sign(lockPath: pool.dataDir(1) + "/lock.json", identityPath: pool.identities[0], dataDir: pool.dataDir(1),
                                            passwordFile: wrong, validator: 0, message: [1], log: quiet, link: LocalHub().factory)
            Issue.record("signing with a wrong password succeeded")
        } catch {
            guard case .wrongPassword = error else { Issue.record("expected wrongPassword, got \(error)"); return }
        }
    }
}

@Suite struct ExampleDefinitionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["hoodi-3-of-4", "mainnet-4-of-5-nat"])
    func theShippedExamplesAreValidDefinitions(name: String) throws {
        let d = try PoolDefinition.load(Self.root.appendingPathComponent("ceremonies/examples/\(name).json").path)
        #expect(d.kind == .form)
        if name == "hoodi-3-of-4" {
            try d.requireAllApprovals()
            #expect(d.requireVerification)
        } else {
            #expect(d.missingApprovals().count == 5)
            #expect(d.members[4].record.relay == "member1" && d.members[4].record.address.isEmpty)
        }
    }
}

/// `vote run` adopts the ballot list of the first mix when it differs from this member's own
/// (members close the ballot box at slightly different times): only a list of valid ballots, one
/// per eligible voter, ordered by voter.
@Suite struct BallotListAdoptionTests {
    static let result = try! VotingSimulation.run(VotingSimulation.Configuration(
        members: 4, threshold: 3, questionID: "q-adopt", questionText: "Replace member 4?",
        options: ["yes", "no"], votes: [0, 1, 0, 0], seed: [7]))

    @Test func aValidListIsAdoptedEvenWithoutALateBallot() throws {
        let t = Self.result.transcript
        try PoolCeremony.checkAdoptable(t.ballots, election: t.election)
        try PoolCeremony.checkAdoptable(t.ballots.filter { $0.voter.value != 4 }, election: t.election)
    }

    @Test func badListsAreRefused() {
        let t = Self.result.transcript
        #expect(throws: VotingError.self) { try PoolCeremony.checkAdoptable([], election: t.election) }
        #expect(throws: VotingError.self) { try PoolCeremony.checkAdoptable(t.ballots.reversed(), election: t.election) }
        #expect(throws: VotingError.self) { try PoolCeremony.checkAdoptable(t.ballots + [t.ballots[3]], election: t.election) }
        // A ballot moved to another voter's slot (its proof is bound to the original voter).
        let first = t.ballots[0], second = t.ballots[1]
        let swapped = Ballot(voter: second.voter, ciphertext: first.ciphertext, knowledgeProof: first.knowledgeProof,
                             rangeProof: first.rangeProof, signature: first.signature)
        #expect(throws: VotingError.self) { try PoolCeremony.checkAdoptable([t.ballots[0], swapped] + t.ballots.dropFirst(2), election: t.election) }
    }
}
