import ArgumentParser
import BLS12381
import Foundation
import Primitives
import Reshare
import Threshold

/// `vring reshare …`: move a group key to a new committee and threshold without changing it.
struct ReshareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reshare",
        abstract: "Resharing: hand the group key to a new committee (members leave/join, new threshold), key unchanged.",
        subcommands: [Simulate.self])
}

extension ReshareCommand {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a resharing in one process (the group key is generated and split here: simulation only).",
            discussion: """
                Old members 1…N hold a T-of-N sharing at epoch 0. Every old member that is not \
                --offline deals (a --leave member deals but is not in the new committee). Continuing \
                members keep their index; joining members take the next free indices, up to N2. \
                Then T2 new members sign a message, checked under the unchanged group key.
                JSON: {"old_group_public_key", "new_group_public_key", "epoch", "members": [{"index", \
                "public_share"[, "secret_share"]}], "blame": [{"index", "reason"}], "dealers", \
                "dealers_used", "signers", "signature", "signature_valid"}.
                Exit 0 success; 2 bad input or a failed resharing (e.g. fewer than T online old members).
                """)
        @Option(help: "Old committee size N.") var members: Int
        @Option(help: "Old threshold T.") var threshold: Int
        @Option(help: "New committee size N2.") var newMembers: Int
        @Option(help: "New threshold T2.") var newThreshold: Int
        @Option(name: .customLong("leave"), help: "An old member that leaves the committee (repeatable).") var leave: [Int] = []
        @Option(name: .customLong("offline"), help: "An old member that does not deal (repeatable).") var offline: [Int] = []
        @Option(help: "Seed (hex) for a replayable simulation; default: the system CSPRNG.") var seed: String?
        @Flag(help: "Print the new members' secret shares.") var revealShares = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            func fail(_ flag: String?, _ reason: String) -> ExitCode {
                Output.error(flag.map { "\($0): \(reason)" } ?? reason)
                return ExitCode(ExitStatus.badInput)
            }
            let limit = ThresholdOperation.maximumMembers
            guard (1...limit).contains(members) else { throw fail("--members", "must be between 1 and \(limit), got \(members)") }
            guard (1...members).contains(threshold) else {
                throw fail("--threshold", "must be between 1 and the number of members (\(members)), got \(threshold)")
            }
            guard (1...limit).contains(newMembers) else { throw fail("--new-members", "must be between 1 and \(limit), got \(newMembers)") }
            guard (1...newMembers).contains(newThreshold) else {
                throw fail("--new-threshold", "must be between 1 and the number of new members (\(newMembers)), got \(newThreshold)")
            }
            func indices(_ values: [Int], _ flag: String) throws -> Set<MemberIndex> {
                var set = Set<MemberIndex>()
                for v in values {
                    guard (1...members).contains(v), let i = try? MemberIndex(v) else {
                        throw fail(flag, "member \(v) is not in the old committee 1…\(members)")
                    }
                    set.insert(i)
                }
                return set
            }
            let leaving = try indices(leave, "--leave"), offlineSet = try indices(offline, "--offline")
            var rng: SplitMix64
            var seeded = false
            if let seed {
                guard let bytes = Hex.decode(seed), !bytes.isEmpty else { throw fail("--seed", "not valid hex") }
                let digest = SHA256.hash(bytes)
                rng = SplitMix64(seed: digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
                seeded = true
            } else {
                rng = SplitMix64(seed: 0)
            }
            let message = Array("vring reshare simulate".utf8)
            let result: ReshareDemo
            do {
                result = try ReshareDemo.run(
                    members: members, threshold: threshold, newMembers: newMembers, newThreshold: newThreshold,
                    leaving: leaving, offline: offlineSet, revealShares: revealShares, message: message,
                    randomScalar: { seeded ? Fr.random(using: &rng) : Fr.random() })
            } catch {
                throw fail(nil, "resharing failed: \(error)")
            }
            if output.json {
                var rows: [[String: Any]] = []
                for m in result.members {
                    var row: [String: Any] = ["index": Int(m.index.value), "public_share": Hex.encode(m.publicShare.compressed)]
                    if let s = m.secretShareHex { row["secret_share"] = s }
                    rows.append(row)
                }
                print(Output.json([
                    "old_group_public_key": Hex.encode(result.oldGroupKey.compressed),
                    "new_group_public_key": Hex.encode(result.newGroupKey.compressed),
                    "epoch": Int(result.epoch),
                    "members": rows,
                    "blame": result.blame.map { ["index": Int($0.index.value), "reason": $0.reason.description] },
                    "dealers": result.dealers.map { Int($0.value) },
                    "dealers_used": result.dealersUsed.map { Int($0.value) },
                    "signers": result.signers.map { Int($0.value) },
                    "signature": Hex.encode(result.signature.compressed),
                    "signature_valid": result.signatureValid,
                ]))
            } else {
                let list = { (xs: [MemberIndex]) in xs.map(\.description).joined(separator: ", ") }
                print("old committee        \(threshold)-of-\(members), epoch \(result.oldEpoch)")
                print("new committee        \(newThreshold)-of-\(newMembers), epoch \(result.epoch)")
                print("old group public key \(Hex.encode(result.oldGroupKey.compressed))")
                print("new group public key \(Hex.encode(result.newGroupKey.compressed))  "
                      + (result.oldGroupKey == result.newGroupKey ? "(unchanged)" : "(CHANGED)"))
                print("dealers              \(list(result.dealers)) (combined: \(list(result.dealersUsed)))")
                print("blame                " + (result.blame.isEmpty ? "none" : result.blame.map(\.description).joined(separator: "; ")))
                for m in result.members {
                    var line = "member \(m.index)".padding(toLength: 21, withPad: " ", startingAt: 0)
                    line += "public share \(Hex.encode(m.publicShare.compressed))"
                    if let s = m.secretShareHex { line += "  secret share \(s)" }
                    print(line)
                }
                print("signature by \(list(result.signers)) → \(Output.short(result.signature.compressed)) "
                      + (result.signatureValid ? "verifies under the group key" : "DOES NOT VERIFY"))
            }
            guard result.signatureValid, result.oldGroupKey == result.newGroupKey else {
                throw fail(nil, "internal: the reshared committee's signature does not verify")
            }
        }
    }
}

