import BLS12381
import Ceremony
import Foundation
import Node
import Primitives
import SlashingProtection
import Staking
import Testing

/// A formed pool (in process) and its signing nodes over an in-process network.
struct NodePool {
    let root: String
    let lockPath: String
    let identities: [String]
    let password: String
    let lock: PoolLock

    static func form(members n: Int, threshold t: Int, consensus: String) async throws -> NodePool {
        let root = NSTemporaryDirectory() + "vring-node-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var records: [IdentityRecord] = []
        var directories: [String] = []
        for i in 1...n {
            let dir = "\(root)/id\(i)"
            records.append(try IdentityDirectory.create(at: dir, name: "m\(i)", address: "127.0.0.1:\(30000 + i)", relay: "").record)
            directories.append(dir)
        }
        let ids = directories
        var d = try PoolDefinition(name: "node test", threshold: t, members: records, network: "hoodi",
                                   withdrawalAddress: "0x" + String(repeating: "ab", count: 20), feeRecipient: nil, validators: 1,
                                   timeouts: CeremonyTimeouts(phaseSeconds: 5, challengeMilliseconds: 2000, connectSeconds: 5), consensus: consensus)
        for dir in ids { try d.approve(with: try IdentityDirectory.load(dir)) }
        let definition = "\(root)/definition.json"
        try FileIO.writeJSON(d, to: definition)
        let password = "\(root)/password.txt"
        try FileIO.writeAtomically(Array("node test password\n".utf8), to: password, mode: 0o600)
        let hub = LocalHub()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 1...n {
                group.addTask {
                    _ = try await PoolCeremony.form(definitionPath: definition, identityPath: ids[i - 1], dataDir: "\(root)/data\(i)",
                                                    passwordFile: password, keystoreKDF: .scrypt(n: 1024, r: 8, p: 1), log: { _ in }, link: hub.factory)
                }
            }
            try await group.waitForAll()
        }
        let lockPath = "\(root)/data1/lock.json"
        return NodePool(root: root, lockPath: lockPath, identities: ids, password: password, lock: try PoolLock.load(lockPath))
    }

    func startNodes(_ members: [Int], hub: LocalHub) async throws -> [Int: SigningNode] {
        var nodes: [Int: SigningNode] = [:]
        for i in members {
            var c = NodeConfiguration(lockPath: "\(root)/data\(i)/lock.json", identityPath: identities[i - 1], dataDir: "\(root)/data\(i)",
                                      passwordFile: password)
            c.dutyTimeout = 3
            c.roundTimeout = 0.5
            nodes[i] = try await SigningNode.start(c, metrics: NodeMetrics(), link: hub.factory)
        }
        return nodes
    }
}

let hoodiForkInfo = #""fork_info":{"fork":{"previous_version":"0x10000910","current_version":"0x40000910","epoch":"0"},"genesis_validators_root":"0x\#(Hex.encode(Network.hoodi.genesisValidatorsRoot))"}"#

func attestation(source: UInt64, target: UInt64, block: UInt8 = 1) -> [UInt8] {
    let r = { (b: UInt8) in "0x" + Hex.encode([UInt8](repeating: b, count: 32)) }
    return Array(#"{"type":"ATTESTATION",\#(hoodiForkInfo),"attestation":{"slot":"\#(target * 32)","index":"0","beacon_block_root":"\#(r(block))","source":{"epoch":"\#(source)","root":"\#(r(2))"},"target":{"epoch":"\#(target)","root":"\#(r(3))"}}}"#.utf8)
}

@Suite(.serialized) struct NodeTests {
    @Test(arguments: ["qbft", "quorum"])
    func thePoolSignsAndNeverDoubleSigns(consensus: String) async throws {
        let pool = try await NodePool.form(members: 4, threshold: 3, consensus: consensus)
        let hub = LocalHub()
        let nodes = try await pool.startNodes([1, 2, 3, 4], hub: hub)
        let key = pool.lock.validators[0].publicKey
        let groupKey = try pool.lock.groupKey(0)
        #expect(await nodes[2]!.publicKeys == [key])

        // An attestation through node 2: the signature verifies under the validator key over the
        // signing root the node computed.
        let body = attestation(source: 1, target: 5)
        let root = try SigningRequest(json: Data(body), context: SigningContext(network: .hoodi)).signingRoot
        let first = await nodes[2]!.sign(pubkey: key, body: body)
        let signature = try first.get()
        #expect(BLS.verify(publicKey: groupKey, message: root, signature: signature))
        // The identical request again (another node): allowed, same signature.
        #expect(try await nodes[3]!.sign(pubkey: key, body: body).get() == signature)
        // A double vote (same target, other data) and a surround vote are refused with 412.
        for conflicting in [attestation(source: 1, target: 5, block: 9), attestation(source: 0, target: 6)] {
            guard case .failure(let r) = await nodes[1]!.sign(pubkey: key, body: conflicting) else {
                Issue.record("a slashable attestation was signed"); continue
            }
            #expect(r.status == 412, "\(r.message)")
        }
        // An unknown key and a malformed request.
        if case .failure(let r) = await nodes[1]!.sign(pubkey: "0x" + String(repeating: "a", count: 96), body: body) { #expect(r.status == 404) } else { Issue.record("unknown key signed") }
        if case .failure(let r) = await nodes[1]!.sign(pubkey: key, body: Array("{}".utf8)) { #expect(r.status == 400) } else { Issue.record("malformed request signed") }

        // n − t = 1 node down: the rest still sign.
        await nodes[4]!.shutdown()
        hub.setOffline(4, true)
        // (Target 6 is spent: the pool agreed on the surround vote for it, and refused to sign it.)
        let later = attestation(source: 5, target: 7)
        let laterRoot = try SigningRequest(json: Data(later), context: SigningContext(network: .hoodi)).signingRoot
        let s2 = try await nodes[1]!.sign(pubkey: key, body: later).get()
        #expect(BLS.verify(publicKey: groupKey, message: laterRoot, signature: s2))
        // Two down: fewer than t, so no signature (503), and nothing is produced.
        await nodes[3]!.shutdown()
        hub.setOffline(3, true)
        if case .failure(let r) = await nodes[1]!.sign(pubkey: key, body: attestation(source: 7, target: 8)) { #expect(r.status == 503) } else { Issue.record("signed with fewer than t nodes") }
        for i in [1, 2] { await nodes[i]!.shutdown() }
    }

    /// The slashing database is keyed by the validator (group) key, so a reshare needs no
    /// export or rewrite: after member 4 is replaced, the continuing members' nodes (new shares,
    /// epoch 1) still refuse a double vote against what the pool signed at epoch 0. A node still
    /// running on the old lock refuses to sign (epoch fencing).
    @Test func slashingProtectionSurvivesAReshare() async throws {
        let pool = try await NodePool.form(members: 4, threshold: 3, consensus: "qbft")
        let hub = LocalHub()
        let nodes = try await pool.startNodes([1, 2, 3, 4], hub: hub)
        let key = pool.lock.validators[0].publicKey
        let groupKey = try pool.lock.groupKey(0)
        _ = try await nodes[1]!.sign(pubkey: key, body: attestation(source: 1, target: 5)).get()

        // Replace member 4 by member 5 while the nodes run.
        let newcomer = try IdentityDirectory.create(at: "\(pool.root)/id5", name: "m5", address: "127.0.0.1:30005", relay: "").record
        var reshare = try PoolDefinition.reshare(from: pool.lock, remove: [], add: [], replace: [(4, newcomer)], threshold: nil)
        for i in [1, 2, 3, 5] { try reshare.approve(with: try IdentityDirectory.load("\(pool.root)/id\(i)")) }
        let definition = "\(pool.root)/reshare.json"
        try FileIO.writeJSON(reshare, to: definition)
        let reshareHub = LocalHub()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 1...5 {
                group.addTask {
                    _ = try await PoolCeremony.reshare(definitionPath: definition, identityPath: "\(pool.root)/id\(i)", dataDir: "\(pool.root)/data\(i)",
                                                       passwordFile: pool.password, keystoreKDF: .scrypt(n: 1024, r: 8, p: 1), log: { _ in },
                                                       link: reshareHub.factory)
                }
            }
            try await group.waitForAll()
        }
        // Epoch fencing: the running epoch-0 nodes see the new lock.json and stop signing.
        if case .failure(let r) = await nodes[1]!.sign(pubkey: key, body: attestation(source: 5, target: 7)) { #expect(r.status == 503, "\(r.message)") }
        else { Issue.record("an epoch-0 node signed after the reshare") }
        for (_, n) in nodes { await n.shutdown() }

        // The epoch-1 nodes use the same databases, untouched.
        let hub1 = LocalHub()
        var nodes1: [Int: SigningNode] = [:]
        for i in [1, 2, 3, 5] {
            var c = NodeConfiguration(lockPath: "\(pool.root)/data\(i)/lock.json", identityPath: "\(pool.root)/id\(i)", dataDir: "\(pool.root)/data\(i)",
                                      passwordFile: pool.password)
            c.dutyTimeout = 3
            c.roundTimeout = 0.5
            nodes1[i] = try await SigningNode.start(c, metrics: NodeMetrics(), link: hub1.factory)
        }
        #expect(await nodes1[1]!.lock.epoch == 1)
        guard case .failure(let refused) = await nodes1[2]!.sign(pubkey: key, body: attestation(source: 1, target: 5, block: 9)) else {
            Issue.record("a double vote against the epoch-0 history was signed at epoch 1"); return
        }
        #expect(refused.status == 412, "\(refused.message)")
        let later = attestation(source: 5, target: 7)
        let root = try SigningRequest(json: Data(later), context: SigningContext(network: .hoodi)).signingRoot
        let signature = try await nodes1[5]!.sign(pubkey: key, body: later).get()
        #expect(BLS.verify(publicKey: groupKey, message: root, signature: signature), "the new committee signs under the unchanged key")
        for (_, n) in nodes1 { await n.shutdown() }
        try? FileManager.default.removeItem(atPath: pool.root)
    }
}
