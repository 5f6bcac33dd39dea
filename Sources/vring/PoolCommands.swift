import ArgumentParser
import BLS12381
import Ceremony
import Foundation

/// `vring pool …`: define a pool, approve it, and run its ceremonies with the other members.
struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Define a pool, approve it, and run its ceremonies (verify, form, sign, reshare, exit, repair) with the other members.",
        subcommands: [Define.self, Approve.self, Inspect.self, VerifyMembers.self, Form.self, Sign.self, Exit.self, Edit.self, Reshare.self, Repair.self])
}

extension PoolCommand {
    struct Define: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a pool definition from the members' records; every member then approves it.",
            discussion: """
                Members are numbered 1…n in the order of the --member options. The schema and examples \
                are in ceremonies/. JSON output: {"definition", "definition_hash", "members": [{"index", "name"}]}.
                """)
        @Option(help: "The pool's name.") var name: String
        @Option(help: "Members needed to sign (t).") var threshold: Int
        @Option(name: .customLong("member"), help: "A member's record (vring:…) or a file holding it; repeat, in index order.")
        var members: [String] = []
        @Option(help: "mainnet, hoodi, holesky or sepolia.") var network: String
        @Option(help: "The execution address (0x…) that receives withdrawals.") var withdrawalAddress: String
        @Option(help: "Validator keys the pool controls.") var validators: Int = 1
        @Option(help: "Execution address for fees (defaults to the withdrawal address).") var feeRecipient: String?
        @Option(help: "Seconds each protocol round waits for the members.") var phaseTimeout: Int = 30
        @Option(help: "Seconds a ceremony waits for members to connect.") var connectTimeout: Int = 120
        @Option(help: "Deadline (ms) for the verification ceremony's BLS signing challenge.") var challengeDeadline: Int = 2000
        @Flag(help: "Make `pool form` require a passed verification report.") var requireVerification = false
        @Option(help: "Consensus for the signing nodes: qbft, or quorum (needs threshold > members/2).") var consensus: String = "qbft"
        @Option(help: "Where to write the definition.") var out: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let records = try members.map { text throws(CeremonyError) -> IdentityRecord in
                let value = text.hasPrefix("vring:") ? text : try FileIO.readText(text)
                return try IdentityRecord(parsing: value)
            }
            let definition = try PoolDefinition(
                name: name, threshold: threshold, members: records, network: network, withdrawalAddress: withdrawalAddress,
                feeRecipient: feeRecipient, validators: validators,
                timeouts: CeremonyTimeouts(phaseSeconds: phaseTimeout, challengeMilliseconds: challengeDeadline, connectSeconds: connectTimeout),
                requireVerification: requireVerification, consensus: consensus)
            try FileIO.writeJSON(definition, to: out)
            if output.json {
                print(Output.json(["definition": out, "definition_hash": definition.definitionHash,
                                   "members": definition.members.map { ["index": $0.index, "name": $0.name] as [String: Any] }]))
            } else {
                print("definition \(out): \(definition.threshold)-of-\(definition.members.count) on \(definition.network), hash \(definition.definitionHash)")
                print("next: each member runs `vring pool approve --definition \(out) --identity DIR`")
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add this member's signature to a definition (in place).",
            discussion: "Prints which members have still to approve. JSON: {\"definition_hash\", \"approved\": [indices], \"missing\": [indices]}.")
        @Option(help: "The definition file (updated in place).") var definition: String
        @Option(help: "This member's identity directory.") var identity: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            var d = try PoolDefinition.load(definition)
            let id = try IdentityDirectory.load(identity)
            try d.approve(with: id)
            try FileIO.writeJSON(d, to: definition)
            let missing = d.missingApprovals()
            if output.json {
                print(Output.json(["definition_hash": d.definitionHash, "approved": d.approvals.map(\.index), "missing": missing.map(\.index)]))
            } else {
                print("approved \(d.definitionHash.prefix(16))… as \(try d.member(for: id).label)")
                print(missing.isEmpty ? "every member has approved" : "still to approve: \(missing.map(\.label).joined(separator: ", "))")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a definition or lock file and summarise it (exit 1 when approvals or signatures are missing or invalid).")
        @Option(help: "A definition file.") var definition: String?
        @Option(help: "A lock file.") var lock: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            if let definition {
                let d = try PoolDefinition.load(definition)
                let missing = d.missingApprovals()
                if output.json {
                    print(Output.json(["kind": d.kind.rawValue, "name": d.name, "definition_hash": d.definitionHash, "threshold": d.threshold,
                                       "members": d.members.map { ["index": $0.index, "name": $0.name] as [String: Any] },
                                       "missing_approvals": missing.map(\.index)]))
                } else {
                    print("\(d.kind.rawValue) definition \"\(d.name)\": \(d.threshold)-of-\(d.members.count), \(d.network), epoch \(d.epoch)")
                    for m in d.members { print("  \(m.label) \(m.record.address.isEmpty ? "via \(m.record.relay)" : m.record.address)") }
                    print(missing.isEmpty ? "approved by every member" : "missing approvals: \(missing.map(\.label).joined(separator: ", "))")
                }
                if !missing.isEmpty { throw ExitCode(ExitStatus.verificationFailed) }
            }
            if let lock {
                let l = try PoolLock.load(lock)
                if output.json {
                    print(Output.json(["name": l.name, "lock_hash": l.lockHash, "epoch": l.epoch, "threshold": l.threshold,
                                       "validators": l.validators.map(\.publicKey)]))
                } else {
                    print("lock \"\(l.name)\": \(l.threshold)-of-\(l.members.count), epoch \(l.epoch), \(l.validators.count) validator(s), \(l.signatures.count) signatures")
                    for v in l.validators { print("  \(v.publicKey)") }
                }
            }
            if definition == nil, lock == nil { throw CeremonyError.invalidArgument(name: "--definition", problem: "give --definition FILE or --lock FILE") }
        }
    }
}
