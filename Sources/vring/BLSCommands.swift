import ArgumentParser
import BLS12381

/// `vring bls …`: the BLS signature scheme of the Ethereum consensus layer
/// (BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_). Scripts depend on this interface exactly.
struct BLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bls",
        abstract: "BLS12-381 signatures: keys, signing, verification, aggregation, hash-to-curve.",
        discussion: """
            Hex is printed lowercase without 0x and accepted with or without it. Secret keys are \
            32-byte big-endian scalars, public keys 48-byte and signatures 96-byte compressed points.
            """,
        subcommands: [
            Keygen.self, Pubkey.self, Sign.self, Verify.self, Aggregate.self, FastAggregateVerify.self,
            AggregateVerify.self, PopProve.self, PopVerify.self, HashToCurve.self, Batch.self,
        ])

    /// Runs an operation and prints its result; a verification that fails exits 1.
    static func execute(_ operation: BLSOperation, _ output: OutputOptions) throws {
        let result = try operation.run()
        print(output.json ? Output.json(result.fields) : result.plainText)
        if result.exitStatus != ExitStatus.success { throw ExitCode(result.exitStatus) }
    }
}

extension BLSCommand {
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair (KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3).",
            discussion: "Prints the secret key: this is the one command that reveals one.")
        @Option(help: "Input keying material, at least 32 bytes (hex). Random when omitted.")
        var ikm: String?
        @OptionGroup var output: OutputOptions
        func run() throws { try BLSCommand.execute(.keygen(ikm: ikm), output) }
    }

    struct Pubkey: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The public key of a secret key.")
        @Option(help: "32-byte big-endian secret key (hex).") var secretKey: String
        @OptionGroup var output: OutputOptions
        func run() throws { try BLSCommand.execute(.pubkey(secretKey: secretKey), output) }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a message.")
        @Option(help: "32-byte big-endian secret key (hex).") var secretKey: String
        @Option(help: "The message (hex).") var message: String
        @OptionGroup var output: OutputOptions
        func run() throws { try BLSCommand.execute(.sign(secretKey: secretKey, message: message), output) }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a signature: prints valid (exit 0) or invalid (exit 1).")
        @Option(help: "48-byte compressed public key (hex).") var publicKey: String
        @Option(help: "The message (hex).") var message: String
        @Option(help: "96-byte compressed signature (hex).") var signature: String
        @OptionGroup var output: OutputOptions
        func run() throws {
            try BLSCommand.execute(.verify(publicKey: publicKey, message: message, signature: signature), output)
        }
    }

    struct Aggregate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Aggregate signatures.")
        @Option(name: .customLong("signature"), help: "A signature (hex); repeat for each.") var signatures: [String] = []
        @OptionGroup var output: OutputOptions
        func run() throws { try BLSCommand.execute(.aggregate(signatures: signatures), output) }
    }

    struct FastAggregateVerify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify an aggregate signature of one message by several keys.")
        @Option(name: .customLong("public-key"), help: "A public key (hex); repeat for each.") var publicKeys: [String] = []
        @Option(help: "The message (hex).") var message: String
        @Option(help: "The aggregate signature (hex).") var signature: String
        @OptionGroup var output: OutputOptions
        func run() throws {
            try BLSCommand.execute(.fastAggregateVerify(publicKeys: publicKeys, message: message, signature: signature), output)
        }
    }

    struct AggregateVerify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an aggregate signature of (public key, message) pairs.",
            discussion: "The n-th --public-key pairs with the n-th --message; the counts must match.")
        @Option(name: .customLong("public-key"), help: "A public key (hex); repeat for each.") var publicKeys: [String] = []
        @Option(name: .customLong("message"), help: "A message (hex); repeat for each.") var messages: [String] = []
        @Option(help: "The aggregate signature (hex).") var signature: String
        @OptionGroup var output: OutputOptions
        func run() throws {
            try BLSCommand.execute(.aggregateVerify(publicKeys: publicKeys, messages: messages, signature: signature), output)
        }
    }

    struct PopProve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove possession of a secret key.")
        @Option(help: "32-byte big-endian secret key (hex).") var secretKey: String
        @OptionGroup var output: OutputOptions
        func run() throws { try BLSCommand.execute(.popProve(secretKey: secretKey), output) }
    }

    struct PopVerify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a proof of possession.")
        @Option(help: "48-byte compressed public key (hex).") var publicKey: String
        @Option(help: "96-byte compressed proof (hex).") var proof: String
        @OptionGroup var output: OutputOptions
        func run() throws { try BLSCommand.execute(.popVerify(publicKey: publicKey, proof: proof), output) }
    }

    struct HashToCurve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "RFC 9380 hash_to_curve (or encode_to_curve) onto G1 or G2 with SHA-256 and SSWU.")
        @Option(help: "g1 or g2.") var group: String
        @Option(help: "The message (hex).") var message: String
        @Option(parsing: .unconditional, help: "Domain separation tag as text.") var dst: String?
        @Option(name: .customLong("dst-hex"), help: "Domain separation tag as hex.") var dstHex: String?
        @Flag(help: "encode_to_curve (NU, not a random oracle) instead of hash_to_curve (RO).") var encode = false
        @OptionGroup var output: OutputOptions
        func run() throws {
            try BLSCommand.execute(.hashToCurve(group: group, message: message, dst: dst, dstHex: dstHex, encode: encode), output)
        }
    }
}
