// Deposit data: withdrawal credentials, DepositMessage / DepositData roots, and the
// `deposit_data-*.json` file that the Ethereum staking launchpad accepts.
//
//   let credentials = try WithdrawalCredentials.execution(address: "0x…", type: .execution)
//   let message = try DepositMessage(pubkey: groupKey, withdrawalCredentials: credentials, amount: 32_000_000_000)
//   let root = message.signingRoot(network: .hoodi)        // sign this (threshold signing)
//   let entry = try DepositDataEntry(message: message, signature: sig, network: .hoodi)
//   let file = DepositDataFile.encode([entry])             // bytes of deposit_data.json
//   let entries = try DepositDataFile.parse(bytes); entry.verify() -> [DepositCheckFailure]
//
// Spec: consensus-specs phase0 `DepositMessage`, `DepositData`, `compute_domain(DOMAIN_DEPOSIT,
// GENESIS_FORK_VERSION, zero root)`; electra `COMPOUNDING_WITHDRAWAL_PREFIX` (0x02). The file
// format is staking-deposit-cli's (v2.8.0, same as ethstaker-deposit-cli): a one-line JSON
// array of objects with pubkey, withdrawal_credentials, amount (gwei, integer), signature,
// deposit_message_root, deposit_data_root, fork_version, network_name, deposit_cli_version,
// hex without 0x, written with Python `json.dumps` spacing.
//
// Execution addresses: `0x` and 40 hex digits. Mixed-case addresses are NOT checked against
// their EIP-55 checksum (that needs Keccak-256, which the OpenSSL 3.0 here does not provide);
// compare the address with its source.

import BLS12381
import Foundation
import Primitives

/// Why deposit data could not be built or read (bad input). A deposit that is well formed but
/// wrong is reported by ``DepositDataEntry/verify()`` instead.
public enum DepositDataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An execution address that is not `0x` followed by 40 hex digits; why.
    case invalidAddress(String)
    /// Withdrawal credentials that are not 32 bytes with a known prefix; why.
    case invalidWithdrawalCredentials(String)
    /// An amount below the deposit contract's minimum of 1 ETH (in gwei).
    case amountTooSmall(UInt64)
    /// The signature is not a valid signature of the deposit message on that network.
    case signatureInvalid
    /// The file is not a deposit_data JSON array; which entry and field, and why.
    case invalidJSON(String)

    public var description: String {
        switch self {
        case .invalidAddress(let why): "execution address: \(why)"
        case .invalidWithdrawalCredentials(let why): "withdrawal credentials: \(why)"
        case .amountTooSmall(let gwei): "amount: \(gwei) gwei is below the 1 ETH (1000000000 gwei) minimum deposit"
        case .signatureInvalid: "signature: does not verify for this deposit message under the network's deposit domain"
        case .invalidJSON(let why): "deposit data: \(why)"
        }
    }
}

/// The withdrawal credential types (the first byte of the credentials).
public enum WithdrawalType: UInt8, Sendable {
    /// 0x00: withdrawals to a BLS key (`0x00 ‖ SHA-256(withdrawal pubkey)[1..<32]`).
    case bls = 0x00
    /// 0x01: withdrawals to an execution address, balance capped at 32 ETH.
    case execution = 0x01
    /// 0x02 (Electra): compounding, to an execution address, balance up to 2048 ETH.
    case compounding = 0x02
}

/// Building withdrawal credentials.
public enum WithdrawalCredentials {
    /// `0x00 ‖ SHA-256(pubkey)[1..<32]` for a BLS withdrawal key.
    public static func bls(withdrawalPublicKey: PublicKey) -> [UInt8] {
        [WithdrawalType.bls.rawValue] + SHA256.hash(withdrawalPublicKey.compressed).dropFirst()
    }

    /// `type ‖ 11 zero bytes ‖ address` for an execution address.
    ///
    /// - Parameters:
    ///   - address: `0x` followed by 40 hex digits (case is not checked; see the file header).
    ///   - type: ``WithdrawalType/execution`` (0x01) or ``WithdrawalType/compounding`` (0x02).
    /// - Throws: ``DepositDataError/invalidAddress(_:)``;
    ///   ``DepositDataError/invalidWithdrawalCredentials(_:)`` for type ``WithdrawalType/bls``.
    public static func execution(address: String, type: WithdrawalType = .execution) throws(DepositDataError) -> [UInt8] {
        guard type != .bls else { throw .invalidWithdrawalCredentials("0x00 credentials come from a BLS key, not an address") }
        return [type.rawValue] + [UInt8](repeating: 0, count: 11) + (try parseAddress(address))
    }

    /// The 20 bytes of `0x` + 40 hex digits.
    ///
    /// - Throws: ``DepositDataError/invalidAddress(_:)`` saying what is wrong.
    public static func parseAddress(_ text: String) throws(DepositDataError) -> [UInt8] {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { throw .invalidAddress("must start with 0x") }
        let digits = text.dropFirst(2)
        guard digits.utf8.count == 40 else { throw .invalidAddress("must have 40 hex digits after 0x, got \(digits.utf8.count)") }
        guard let bytes = Hex.decode(String(digits)) else { throw .invalidAddress("contains a character that is not a hex digit") }
        return bytes
    }

    /// Checks length and prefix: 0x00 (anything after), 0x01 or 0x02 (11 zero bytes, then an address).
    static func validate(_ credentials: [UInt8]) throws(DepositDataError) {
        guard credentials.count == 32 else { throw .invalidWithdrawalCredentials("must be 32 bytes, got \(credentials.count)") }
        guard let type = WithdrawalType(rawValue: credentials[0]) else {
            throw .invalidWithdrawalCredentials("unknown prefix 0x\(Hex.encode([credentials[0]])) (expected 0x00, 0x01 or 0x02)")
        }
        if type != .bls, credentials[1..<12].contains(where: { $0 != 0 }) {
            throw .invalidWithdrawalCredentials("bytes 1 to 11 of 0x0\(type.rawValue) credentials must be zero")
        }
    }
}

/// `DepositMessage(pubkey: BLSPubkey, withdrawal_credentials: Bytes32, amount: Gwei)`.
public struct DepositMessage: Sendable, Equatable {
    /// The minimum deposit accepted by the deposit contract: 1 ETH in gwei.
    public static let minimumAmount: UInt64 = 1_000_000_000

    public let pubkey: PublicKey
    public let withdrawalCredentials: [UInt8]
    /// In gwei (32 ETH = 32_000_000_000).
    public let amount: UInt64

    /// - Parameters:
    ///   - pubkey: The validator's public key (for a threshold validator, the group public key).
    ///   - withdrawalCredentials: 32 bytes from ``WithdrawalCredentials``.
    ///   - amount: In gwei, at least 1 ETH.
    /// - Throws: ``DepositDataError/invalidWithdrawalCredentials(_:)``,
    ///   ``DepositDataError/amountTooSmall(_:)``.
    public init(pubkey: PublicKey, withdrawalCredentials: [UInt8], amount: UInt64) throws(DepositDataError) {
        try WithdrawalCredentials.validate(withdrawalCredentials)
        guard amount >= Self.minimumAmount else { throw .amountTooSmall(amount) }
        self.pubkey = pubkey
        self.withdrawalCredentials = withdrawalCredentials
        self.amount = amount
    }

    /// hash_tree_root(DepositMessage): the `deposit_message_root`.
    public var hashTreeRoot: [UInt8] {
        Self.root(pubkey: pubkey.compressed, withdrawalCredentials: withdrawalCredentials, amount: amount)
    }

    /// The root to sign: `compute_signing_root(deposit_message, network.depositDomain)`.
    public func signingRoot(network: Network) -> [UInt8] {
        Signing.computeSigningRoot(hashTreeRoot, domain: network.depositDomain)
    }

    static func root(pubkey: [UInt8], withdrawalCredentials: [UInt8], amount: UInt64) -> [UInt8] {
        SSZ.root(container: [SSZ.root(bytes: pubkey), SSZ.root(bytes: withdrawalCredentials), SSZ.root(uint64: amount)])
    }

    /// hash_tree_root(DepositData(pubkey, withdrawal_credentials, amount, signature)).
    static func depositDataRoot(pubkey: [UInt8], withdrawalCredentials: [UInt8], amount: UInt64, signature: [UInt8]) -> [UInt8] {
        SSZ.root(container: [
            SSZ.root(bytes: pubkey), SSZ.root(bytes: withdrawalCredentials), SSZ.root(uint64: amount), SSZ.root(bytes: signature),
        ])
    }
}

/// A check of ``DepositDataEntry/verify()`` that can fail.
public enum DepositCheck: String, Sendable, CaseIterable {
    case pubkey, withdrawalCredentials = "withdrawal_credentials", amount
    case networkName = "network_name", depositMessageRoot = "deposit_message_root"
    case depositDataRoot = "deposit_data_root", signature
}

/// A failed check: which one and why.
public struct DepositCheckFailure: Sendable, Equatable, CustomStringConvertible {
    public let check: DepositCheck
    public let reason: String
    public var description: String { "\(check.rawValue): \(reason)" }
}

/// One object of a deposit_data JSON file.
public struct DepositDataEntry: Sendable, Equatable {
    /// What we write as `deposit_cli_version`: the staking-deposit-cli release whose output
    /// format this module reproduces byte for byte. The launchpad requires the field.
    public static let referenceCLIVersion = "2.8.0"

    public var pubkey: [UInt8]
    public var withdrawalCredentials: [UInt8]
    public var amount: UInt64
    public var signature: [UInt8]
    public var depositMessageRoot: [UInt8]
    public var depositDataRoot: [UInt8]
    public var forkVersion: [UInt8]
    public var networkName: String
    public var depositCLIVersion: String

    /// An entry as read from a file (no checks; see ``verify()``).
    public init(
        pubkey: [UInt8], withdrawalCredentials: [UInt8], amount: UInt64, signature: [UInt8], depositMessageRoot: [UInt8],
        depositDataRoot: [UInt8], forkVersion: [UInt8], networkName: String, depositCLIVersion: String
    ) {
        self.pubkey = pubkey
        self.withdrawalCredentials = withdrawalCredentials
        self.amount = amount
        self.signature = signature
        self.depositMessageRoot = depositMessageRoot
        self.depositDataRoot = depositDataRoot
        self.forkVersion = forkVersion
        self.networkName = networkName
        self.depositCLIVersion = depositCLIVersion
    }

    /// The entry for `message` signed by `signature` (produced elsewhere, e.g. by threshold
    /// signing of ``DepositMessage/signingRoot(network:)``). The signature is verified first.
    ///
    /// - Throws: ``DepositDataError/signatureInvalid`` when it does not verify.
    public init(
        message: DepositMessage, signature: Signature, network: Network, depositCLIVersion: String = Self.referenceCLIVersion
    ) throws(DepositDataError) {
        guard BLS.verify(publicKey: message.pubkey, message: message.signingRoot(network: network), signature: signature) else {
            throw .signatureInvalid
        }
        let pubkey = message.pubkey.compressed
        self.init(
            pubkey: pubkey, withdrawalCredentials: message.withdrawalCredentials, amount: message.amount,
            signature: signature.compressed, depositMessageRoot: message.hashTreeRoot,
            depositDataRoot: DepositMessage.depositDataRoot(
                pubkey: pubkey, withdrawalCredentials: message.withdrawalCredentials, amount: message.amount,
                signature: signature.compressed),
            forkVersion: network.genesisForkVersion, networkName: network.name, depositCLIVersion: depositCLIVersion)
    }

    /// Every check the launchpad and the deposit CLIs make, in order; empty when the entry is good.
    ///
    /// pubkey is a valid G1 point; withdrawal credentials have a known prefix; amount ≥ 1 ETH;
    /// `network_name` is a known network whose genesis fork version is `fork_version`; both roots
    /// recompute; the signature verifies under `compute_domain(DOMAIN_DEPOSIT, fork_version, 0)`.
    public func verify() -> [DepositCheckFailure] {
        var failures: [DepositCheckFailure] = []
        func fail(_ check: DepositCheck, _ reason: String) { failures.append(DepositCheckFailure(check: check, reason: reason)) }

        let publicKey: PublicKey?
        do throws(BLSError) { publicKey = try PublicKey(bytes: pubkey) } catch { publicKey = nil; fail(.pubkey, error.description) }
        do throws(DepositDataError) { try WithdrawalCredentials.validate(withdrawalCredentials) } catch { fail(.withdrawalCredentials, error.description) }
        if amount < DepositMessage.minimumAmount { fail(.amount, "\(amount) gwei is below the 1 ETH minimum") }
        if let network = Network.named(networkName) {
            if network.genesisForkVersion != forkVersion {
                let actual = Network.withGenesisForkVersion(forkVersion).map { " (\($0.name)'s)" } ?? ""
                fail(.networkName, "\(network.name) has fork version \(Hex.encode(network.genesisForkVersion)) but fork_version is \(Hex.encode(forkVersion))\(actual)")
            }
        } else {
            let known = Network.all.map(\.name).joined(separator: ", ")
            fail(.networkName, "unknown network \(JSONText.quote(String(networkName.prefix(40)))) (known: \(known))")
        }
        let messageRoot = DepositMessage.root(pubkey: pubkey, withdrawalCredentials: withdrawalCredentials, amount: amount)
        if messageRoot != depositMessageRoot { fail(.depositMessageRoot, "does not match the recomputed \(Hex.encode(messageRoot))") }
        let dataRoot = DepositMessage.depositDataRoot(pubkey: pubkey, withdrawalCredentials: withdrawalCredentials, amount: amount, signature: signature)
        if dataRoot != depositDataRoot { fail(.depositDataRoot, "does not match the recomputed \(Hex.encode(dataRoot))") }
        if let publicKey {
            do throws(BLSError) {
                let signature = try Signature(bytes: signature)
                let domain = Signing.computeDomain(DomainType.deposit, forkVersion: forkVersion, genesisValidatorsRoot: [UInt8](repeating: 0, count: 32))
                if !BLS.verify(publicKey: publicKey, message: Signing.computeSigningRoot(messageRoot, domain: domain), signature: signature) {
                    fail(.signature, "does not verify under the deposit domain of fork version \(Hex.encode(forkVersion))")
                }
            } catch {
                fail(.signature, error.description)
            }
        } else {
            fail(.signature, "cannot be checked without a valid pubkey")
        }
        return failures
    }

    var json: JSONText {
        .object([
            ("pubkey", .string(Hex.encode(pubkey))),
            ("withdrawal_credentials", .string(Hex.encode(withdrawalCredentials))),
            ("amount", .integer(amount)),
            ("signature", .string(Hex.encode(signature))),
            ("deposit_message_root", .string(Hex.encode(depositMessageRoot))),
            ("deposit_data_root", .string(Hex.encode(depositDataRoot))),
            ("fork_version", .string(Hex.encode(forkVersion))),
            ("network_name", .string(networkName)),
            ("deposit_cli_version", .string(depositCLIVersion)),
        ])
    }
}

/// Reading and writing `deposit_data-*.json`.
public enum DepositDataFile {
    /// The file's bytes, exactly as the deposit CLIs write them (one line, no final newline).
    public static func encode(_ entries: [DepositDataEntry]) -> [UInt8] {
        Array(JSONText.array(entries.map(\.json)).rendered.utf8)
    }

    /// Parses a deposit_data file; hex fields may carry `0x` and must have their exact lengths.
    ///
    /// - Throws: ``DepositDataError/invalidJSON(_:)`` naming the entry (0-based) and field.
    public static func parse(_ json: [UInt8]) throws(DepositDataError) -> [DepositDataEntry] {
        struct RawEntry: Decodable {
            let pubkey, withdrawal_credentials, signature, deposit_message_root, deposit_data_root, fork_version: String
            let amount: UInt64
            let network_name, deposit_cli_version: String
        }
        let raw: [RawEntry]
        do { raw = try JSONDecoder().decode([RawEntry].self, from: Data(json)) } catch { throw .invalidJSON(JSONText.describe(error)) }
        guard !raw.isEmpty else { throw .invalidJSON("the array is empty") }
        var entries: [DepositDataEntry] = []
        for (index, entry) in raw.enumerated() {
            func field(_ name: String, _ text: String, _ count: Int) throws(DepositDataError) -> [UInt8] {
                guard let bytes = Hex.decode(text), bytes.count == count else {
                    throw .invalidJSON("[\(index)].\(name): expected \(count) bytes of hex")
                }
                return bytes
            }
            entries.append(DepositDataEntry(
                pubkey: try field("pubkey", entry.pubkey, 48),
                withdrawalCredentials: try field("withdrawal_credentials", entry.withdrawal_credentials, 32),
                amount: entry.amount,
                signature: try field("signature", entry.signature, 96),
                depositMessageRoot: try field("deposit_message_root", entry.deposit_message_root, 32),
                depositDataRoot: try field("deposit_data_root", entry.deposit_data_root, 32),
                forkVersion: try field("fork_version", entry.fork_version, 4),
                networkName: entry.network_name, depositCLIVersion: entry.deposit_cli_version))
        }
        return entries
    }
}
