import ArgumentParser
import Foundation

/// `vring threshold …`: t-of-n BLS signing for one validator key (Shamir shares with Feldman
/// commitments, Lagrange combination at zero). Scripts depend on this interface exactly.
struct ThresholdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threshold",
        abstract: "Threshold BLS: split a key into shares, sign partially, verify and combine partial signatures.",
        discussion: """
            Hex is printed lowercase without 0x and accepted with or without it. Members are numbered \
            1…n; a member's index is the point its share is evaluated at. Shares are 32-byte \
            big-endian scalars (like secret keys), public shares 48-byte and (partial) signatures \
            96-byte compressed points. The combined signature is an ordinary BLS signature under the \
            group public key: check it with `vring bls verify`.
            """,
        subcommands: [Split.self, Sign.self, VerifyPartial.self, Combine.self])

    /// Runs an operation and prints its result; warnings go to standard error, and a verification
    /// that fails exits 1.
    static func execute(_ operation: ThresholdOperation, _ output: OutputOptions) throws {
        let result = try operation.run()
        for warning in result.warnings { Output.warning(warning) }
        print(output.json ? Output.json(result.fields) : result.plainText)
        if result.exitStatus != ExitStatus.success { throw ExitCode(result.exitStatus) }
    }
}

extension ThresholdCommand {
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a secret key into n shares, any t of which can sign for it.",
            discussion: """
                Prints the group public key (the key's public key) and, for members 1…n, the public \
                and secret share. Every share is checked against the Feldman commitment before \
                anything is printed. Reveals secret shares: hand each to its member only. At most \
                \(ThresholdOperation.maximumMembers) members.
                JSON: {"group_public_key", "threshold", "members": [{"index", "public_share", "secret_share"}, …]}.
                """)
        @Option(help: "32-byte big-endian secret key to split (hex).") var secretKey: String
        @Option(help: "Signatures needed: 1 ≤ t ≤ n.") var threshold: Int
        @Option(help: "Number of members n (at most \(ThresholdOperation.maximumMembers)).") var members: Int
        @OptionGroup var output: OutputOptions
        func run() throws {
            try ThresholdCommand.execute(.split(secretKey: secretKey, threshold: threshold, members: members), output)
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a partial signature with a member's secret share.",
            discussion: "JSON: {\"partial\"}.")
        @Option(help: "The member's 32-byte secret share (hex).") var share: String
        @Option(help: "The message (hex).") var message: String
        @OptionGroup var output: OutputOptions
        func run() throws { try ThresholdCommand.execute(.sign(share: share, message: message), output) }
    }

    struct VerifyPartial: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-partial",
            abstract: "Verify a partial signature under a member's public share: prints valid (exit 0) or invalid (exit 1).",
            discussion: "JSON: {\"valid\"}.")
        @Option(help: "The member's 48-byte public share (hex).") var publicShare: String
        @Option(help: "The message (hex).") var message: String
        @Option(help: "The member's 96-byte partial signature (hex).") var partial: String
        @OptionGroup var output: OutputOptions
        func run() throws {
            try ThresholdCommand.execute(.verifyPartial(publicShare: publicShare, message: message, partial: partial), output)
        }
    }

    struct Combine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine t partial signatures into the group's signature.",
            discussion: """
                Three modes:
                • --partial only: combines the t lowest-indexed partials without checking anything. \
                JSON: {"signature"}.
                • with --group-public-key, --message and a --public-share for every member that sent \
                a partial: checks each partial, names each invalid one on standard error \
                ("warning: invalid partial signature from member 2"), combines t valid ones and \
                verifies the result under the group key. Fewer than t valid partials exit 2. \
                JSON: {"signature", "invalid": [member indices]}.
                • with --group-public-key and --message but no --public-share: combines the t \
                lowest-indexed partials unchecked, then verifies the result under the group key; when \
                that fails, prints invalid and exits 1. JSON: {"signature", "valid"}.
                """)
        @Option(help: "Signatures needed (t).") var threshold: Int
        @Option(name: .customLong("partial"), help: "A partial signature as INDEX:HEX; repeat for each member.")
        var partials: [String] = []
        @Option(help: "The group public key (hex), to verify the result.") var groupPublicKey: String?
        @Option(help: "The signed message (hex), to verify the partials and the result.") var message: String?
        @Option(name: .customLong("public-share"), help: "A member's public share as INDEX:HEX, to verify its partial; repeat.")
        var publicShares: [String] = []
        @OptionGroup var output: OutputOptions
        func run() throws {
            try ThresholdCommand.execute(
                .combine(threshold: threshold, partials: partials, groupPublicKey: groupPublicKey, message: message,
                         publicShares: publicShares), output)
        }
    }
}
