import ArgumentParser
import BLS12381
import DKG
import Foundation
import Primitives
import Threshold

/// `vring dkg …`: distributed key generation (Joint-Feldman with complaints, proofs of
/// knowledge and an equivocation-detecting echo round; docs/PROTOCOLS.md).
struct DKGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkg",
        abstract: "Distributed key generation: every member ends with a share of a key nobody ever held.",
        subcommands: [Simulate.self])
}

extension DKGCommand {
    struct Simulate: ParsableCommand {
        static let maximumMembers = 300

        static let configuration = CommandConfiguration(
            abstract: "Run a whole DKG ceremony in one process over a simulated network, with injected faults.",
            discussion: """
                Prints QUAL (the dealers whose polynomials form the key), the group public key, every \
                member's public share, the blame with reasons, the transcript hash and timing. The same \
                --seed replays the same ceremony exactly (a random seed is printed when none is given). \
                Phases: deal, complain, justify. Exit 0 when the honest members finished and agree; 2 for \
                bad input or a failed ceremony (fewer than t qualified dealers; the blame is printed).
                JSON: {"seed", "threshold", "members": [{"index", "public_share", "secret_share"?}], \
                "group_public_key", "qual": [indices], "blame": [{"index", "reason"}], "transcript_hash", \
                "ok", "timing": {"total_ms", "per_member_ms": {"mean", "max"}}}.
                """)

        @Option(help: "Number of members n (2…\(maximumMembers)).") var members: Int
        @Option(help: "Shares needed to sign: 1 ≤ t ≤ n.") var threshold: Int
        @Option(name: .customLong("drop"), help: "A member that goes silent: INDEX (from the start) or INDEX@PHASE; repeat.")
        var drops: [String] = []
        @Option(name: .customLong("corrupt-share"), help: "DEALER:VICTIM: the dealer encrypts a wrong share to the victim; repeat.")
        var corruptShares: [String] = []
        @Option(name: .customLong("equivocate"), help: "A dealer that sends different commitments to different members; repeat.")
        var equivocators: [Int] = []
        @Option(help: "Seed (hex) for every random choice of the run.") var seed: String?
        @Flag(help: "Also print every member's secret share (simulation only).") var revealShares = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard members >= 2, members <= Self.maximumMembers else {
                throw BLSInputError(nil, "--members: must be between 2 and \(Self.maximumMembers), got \(members)")
            }
            guard threshold >= 1, threshold <= members else {
                throw BLSInputError(nil, "--threshold: must be between 1 and the number of members (\(members)), got \(threshold)")
            }
            func member(_ text: Substring, _ flag: String) throws -> MemberIndex {
                guard let v = Int(text), v >= 1, v <= members else {
                    throw BLSInputError(nil, "\(flag): \"\(text)\" is not a member index in 1…\(members)")
                }
                return try! MemberIndex(v)
            }
            var faults = DKGFaultPlan()
            for d in drops {
                let parts = d.split(separator: "@", omittingEmptySubsequences: false)
                guard parts.count <= 2 else { throw BLSInputError(nil, "--drop: expected INDEX or INDEX@PHASE, got \"\(d)\"") }
                let m = try member(parts[0], "--drop")
                var round = DKGRound.deal
                if parts.count == 2 {
                    guard let r = DKGRound.allCases.first(where: { $0.description == parts[1] }) else {
                        throw BLSInputError(nil, "--drop: phase must be deal, complain or justify, got \"\(parts[1])\"")
                    }
                    round = r
                }
                faults.silentFrom[m] = round
            }
            for c in corruptShares {
                let parts = c.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw BLSInputError(nil, "--corrupt-share: expected DEALER:VICTIM, got \"\(c)\"") }
                faults.corruptShares.append((try member(parts[0], "--corrupt-share"), try member(parts[1], "--corrupt-share")))
            }
            for e in equivocators { faults.equivocators.insert(try member(Substring(String(e)), "--equivocate")) }
            let seedBytes: [UInt8]
            if let seed {
                guard let b = Hex.decode(seed), !b.isEmpty else { throw BLSInputError(nil, "--seed: not valid non-empty hex") }
                seedBytes = b
            } else {
                seedBytes = SystemRandom.bytes(16)
            }

            let started = DispatchTime.now().uptimeNanoseconds
            let result = try DKGSimulation.run(
                members: members, threshold: threshold, seed: seedBytes, faults: faults,
                disclosure: revealShares ? .reveal : .withhold, clock: { DispatchTime.now().uptimeNanoseconds })
            let totalMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6

            // Report what the honest members concluded (faulty members' own views are theirs).
            let faulty = Set(faults.silentFrom.keys).union(faults.equivocators).union(faults.corruptShares.map(\.dealer))
            let honest = (1...members).map { try! MemberIndex($0) }.filter { !faulty.contains($0) }
            let outputs = honest.compactMap { result.outputs[$0] }
            let failures = honest.compactMap { result.failures[$0] }
            let times = result.nanoseconds.values.map { Double($0) / 1e6 }
            let timing: [String: Any] = ["total_ms": rounded(totalMs),
                                         "per_member_ms": ["mean": rounded(times.reduce(0, +) / Double(max(times.count, 1))),
                                                           "max": rounded(times.max() ?? 0)]]
            var fields: [String: Any] = ["seed": Hex.encode(seedBytes), "threshold": threshold, "timing": timing]

            if let out = outputs.first, failures.isEmpty, outputs.allSatisfy({ $0 == out }) {
                let key = out.keys[0]
                fields["ok"] = true
                fields["group_public_key"] = Hex.encode(key.groupPublicKey.compressed)
                fields["qual"] = out.qualified.map { Int($0.value) }
                fields["blame"] = out.blame.map { ["index": Int($0.member.value), "reason": $0.reason.description] }
                fields["transcript_hash"] = Hex.encode(out.transcriptHash)
                fields["members"] = key.publicShares.enumerated().map { i, share -> [String: Any] in
                    var row: [String: Any] = ["index": i + 1, "public_share": Hex.encode(share.compressed)]
                    if let s = result.revealedSecretShares[try! MemberIndex(i + 1)] { row["secret_share"] = s[0] }
                    return row
                }
                if output.json {
                    print(Output.json(fields))
                } else {
                    print("DKG \(threshold)-of-\(members), seed \(Hex.encode(seedBytes))")
                    print("qual: " + out.qualified.map(\.description).joined(separator: " "))
                    print("group public key: \(Hex.encode(key.groupPublicKey.compressed))")
                    for (i, share) in key.publicShares.enumerated() {
                        var line = "member \(i + 1): public share \(Hex.encode(share.compressed))"
                        if let s = result.revealedSecretShares[try! MemberIndex(i + 1)] { line += "  secret share \(s[0])" }
                        print(line)
                    }
                    print(out.blame.isEmpty ? "blame: none" : "blame:")
                    for b in out.blame { print("  " + b.description) }
                    print("transcript hash: \(Hex.encode(out.transcriptHash))")
                    printTiming(totalMs, times)
                }
                return
            }
            // Failed ceremony (or, which would be a bug, honest members that disagree).
            let message: String
            if let f = failures.first {
                fields["ok"] = false
                fields["qual"] = f.qualified.map { Int($0.value) }
                fields["blame"] = f.blame.map { ["index": Int($0.member.value), "reason": $0.reason.description] }
                fields["transcript_hash"] = Hex.encode(f.transcriptHash)
                message = "ceremony failed: \(f.qualified.count) qualified dealer(s), need \(f.needed)"
                if output.json { print(Output.json(fields)) } else {
                    print("DKG \(threshold)-of-\(members), seed \(Hex.encode(seedBytes))")
                    print("qual: " + f.qualified.map(\.description).joined(separator: " "))
                    print("blame:")
                    for b in f.blame { print("  " + b.description) }
                    printTiming(totalMs, times)
                }
            } else {
                message = "honest members did not reach the same output (seed \(Hex.encode(seedBytes)))"
            }
            Output.error(message)
            throw ExitCode(ExitStatus.badInput)
        }

        private func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

        private func printTiming(_ totalMs: Double, _ times: [Double]) {
            let mean = times.reduce(0, +) / Double(max(times.count, 1))
            print(String(format: "time: %.1f ms total; per member %.1f ms mean, %.1f ms max", totalMs, mean, times.max() ?? 0))
        }
    }
}
