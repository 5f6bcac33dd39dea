import ArgumentParser
import BLS12381
import Ceremony
import Foundation
import Logging
import Node
import Staking
import Transport

/// `vring node bench`: end-to-end signing latency and throughput of a pool of signing nodes on
/// loopback (real TCP links between the nodes, in one process).
struct NodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a pool of signing nodes on loopback: sign latency p50/p99 for each n, and attestations per second for many validators.",
        discussion: """
            Forms each pool in process (cheap keystore KDF), starts n nodes connected over TCP on \
            127.0.0.1, and sends attestation requests to node 1 one after another (latency) and then one \
            per validator concurrently, epoch after epoch (throughput). JSON: {"latency": [{"members", \
            "threshold", "p50_ms", "p99_ms", "requests"}], "throughput": {"members", "validators", \
            "attestations", "seconds", "per_second"}}.
            """)
    @Option(help: "Pool sizes to measure latency for, comma-separated (threshold ⌊2n/3⌋ + 1).") var members: String = "4,7,10"
    @Option(help: "Sequential requests per pool size.") var requests: Int = 100
    @Option(help: "Validators in the throughput pool (n = 4, t = 3); 0 skips it.") var validators: Int = 100
    @Option(help: "Epochs of attestations in the throughput run.") var epochs: Int = 3
    @Option(help: "Consensus: qbft or quorum.") var consensus: String = "qbft"
    @OptionGroup var output: OutputOptions

    func run() throws {
        let sizes = members.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ (2...50).contains($0) }) else {
            throw CeremonyError.invalidArgument(name: "--members", problem: "expected sizes in 2…50 separated by commas, got \"\(members)\"")
        }
        let (members, requests, validators, epochs, consensus, json) = (sizes, self.requests, self.validators, self.epochs, self.consensus, output.json)
        let report = try runCeremony { () throws(CeremonyError) -> [String: [String: Double]] in
            var latency: [String: [String: Double]] = [:]
            for n in members {
                let t = 2 * n / 3 + 1
                let pool = try await BenchPool.make(members: n, threshold: t, validators: 1, consensus: consensus)
                let nodes = try await pool.start()
                var times: [Double] = []
                for k in 0..<requests {
                    let body = benchAttestation(source: UInt64(k), target: UInt64(k + 1), block: 1)
                    let started = ContinuousClock.now
                    guard case .success = await nodes[0].sign(pubkey: pool.key(0), body: body) else {
                        throw CeremonyError.failed(phase: "bench", reason: "request \(k) was refused")
                    }
                    let d = ContinuousClock.now - started
                    times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
                }
                for node in nodes { await node.shutdown() }
                times.sort()
                let row = ["members": Double(n), "threshold": Double(t), "p50_ms": times[times.count / 2],
                           "p99_ms": times[min(times.count - 1, Int(Double(times.count) * 0.99))], "requests": Double(requests)]
                latency["n\(n)"] = row
                if !json { print(String(format: "n = %2d, t = %2d: p50 %.1f ms, p99 %.1f ms (%d sequential attestations)", n, t, row["p50_ms"]!, row["p99_ms"]!, requests)) }
            }
            if validators > 0 {
                let pool = try await BenchPool.make(members: 4, threshold: 3, validators: validators, consensus: consensus)
                let nodes = try await pool.start()
                let started = ContinuousClock.now
                var done = 0
                for epoch in 0..<epochs {
                    done += await withTaskGroup(of: Bool.self) { group in
                        for v in 0..<validators {
                            let node = nodes[v % nodes.count]
                            let key = pool.key(v)
                            group.addTask {
                                if case .success = await node.sign(pubkey: key, body: benchAttestation(source: UInt64(epoch), target: UInt64(epoch + 1), block: UInt8(v % 200))) { return true }
                                return false
                            }
                        }
                        var ok = 0
                        for await r in group where r { ok += 1 }
                        return ok
                    }
                }
                let d = ContinuousClock.now - started
                let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                for node in nodes { await node.shutdown() }
                latency["throughput"] = ["members": 4, "validators": Double(validators), "attestations": Double(done), "seconds": seconds,
                                         "per_second": Double(done) / seconds]
                if !json { print(String(format: "throughput: %d of %d attestations for %d validators in %.2f s: %.0f per second", done, validators * epochs, validators, seconds, Double(done) / seconds)) }
            }
            return latency
        }
        if json {
            let lat = report.filter { $0.key.hasPrefix("n") }.sorted { $0.value["members"]! < $1.value["members"]! }.map(\.value)
            var object: [String: Any] = ["latency": lat]
            if let t = report["throughput"] { object["throughput"] = t }
            print(Output.json(object))
        }
    }
}

func benchAttestation(source: UInt64, target: UInt64, block: UInt8) -> [UInt8] {
    let r = { (b: UInt8) in "0x" + Hex.encode([UInt8](repeating: b, count: 32)) }
    let fork = #""fork_info":{"fork":{"previous_version":"0x10000910","current_version":"0x40000910","epoch":"0"},"genesis_validators_root":"0x\#(Hex.encode(Network.hoodi.genesisValidatorsRoot))"}"#
    return Array(#"{"type":"ATTESTATION",\#(fork),"attestation":{"slot":"\#(target * 32)","index":"0","beacon_block_root":"\#(r(block))","source":{"epoch":"\#(source)","root":"\#(r(2))"},"target":{"epoch":"\#(target)","root":"\#(r(3))"}}}"#.utf8)
}

/// A pool formed in process for benchmarks, with its nodes' files in a temporary directory.
struct BenchPool {
    let root: String
    let n: Int
    let lock: PoolLock
    func key(_ v: Int) -> String { lock.validators[v].publicKey }

    static func make(members n: Int, threshold t: Int, validators: Int, consensus: String) async throws(CeremonyError) -> BenchPool {
        let root = NSTemporaryDirectory() + "vring-node-bench-\(UUID().uuidString)"
        guard let base = LocalPorts.freeBase(span: n) else { throw CeremonyError.transport("no free range of \(n) loopback ports below 32768; free some or retry") }
        var records: [IdentityRecord] = []
        for i in 1...n { records.append(try IdentityDirectory.create(at: "\(root)/id\(i)", name: "m\(i)", address: "127.0.0.1:\(base + i)", relay: "").record) }
        var d = try PoolDefinition(name: "bench", threshold: t, members: records, network: "hoodi",
                                   withdrawalAddress: "0x" + String(repeating: "ab", count: 20), feeRecipient: nil, validators: validators,
                                   timeouts: CeremonyTimeouts(phaseSeconds: 30, challengeMilliseconds: 2000, connectSeconds: 30), consensus: consensus)
        for i in 1...n { try d.approve(with: try IdentityDirectory.load("\(root)/id\(i)")) }
        try FileIO.writeJSON(d, to: "\(root)/definition.json")
        try FileIO.writeAtomically(Array("bench\n".utf8), to: "\(root)/password", mode: 0o600)
        let hub = LocalHub()
        let results = await withTaskGroup(of: CeremonyError?.self) { group in
            for i in 1...n {
                group.addTask {
                    do throws(CeremonyError) {
                        _ = try await PoolCeremony.form(definitionPath: "\(root)/definition.json", identityPath: "\(root)/id\(i)", dataDir: "\(root)/data\(i)",
                                                        passwordFile: "\(root)/password", keystoreKDF: .scrypt(n: 1024, r: 8, p: 1), log: { _ in }, link: hub.factory)
                        return nil
                    } catch { return error }
                }
            }
            var errors: [CeremonyError] = []
            for await e in group { if let e { errors.append(e) } }
            return errors
        }
        if let e = results.first { throw e }
        return BenchPool(root: root, n: n, lock: try PoolLock.load("\(root)/data1/lock.json"))
    }

    /// The nodes, connected over TCP on loopback.
    func start() async throws(CeremonyError) -> [SigningNode] {
        var nodes: [SigningNode] = []
        for i in 1...n {
            var c = NodeConfiguration(lockPath: "\(root)/data\(i)/lock.json", identityPath: "\(root)/id\(i)", dataDir: "\(root)/data\(i)", passwordFile: "\(root)/password")
            c.dutyTimeout = 10
            nodes.append(try await SigningNode.start(c, metrics: NodeMetrics(), logger: Logger(label: "vring.node", factory: { _ in SwiftLogNoOpLogHandler() })))
        }
        // Wait until every node is connected to every other (the first duty would pay for it).
        try? await Task.sleep(nanoseconds: 1_000_000_000)
        return nodes
    }
}
