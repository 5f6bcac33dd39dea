import BLS12381
import DKG
import Foundation
import Primitives

// The pool definition: everything members agree on before a ceremony, and their approvals.
// `vring pool define` writes it, each member adds its signature with `vring pool approve`,
// and every ceremony refuses to start unless all members approved the same definition hash.
//
// The hash covers the canonical JSON (sorted keys, no whitespace) of every field except
// `definition_hash` and `approvals`, under a domain label; an approval is an Ed25519
// signature by the member's identity key over a labelled transcript of that hash. Editing
// anything after approval changes the hash and voids every approval.

/// A member of a pool: its index (the Shamir evaluation point) and identity record.
public struct PoolMember: Codable, Sendable, Equatable {
    public let index: Int
    public let record: IdentityRecord
    public var name: String { record.name }

    public init(index: Int, record: IdentityRecord) { self.index = index; self.record = record }

    enum CodingKeys: String, CodingKey { case index }
    public func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
    }
    public init(from decoder: any Decoder) throws {
        record = try IdentityRecord(from: decoder)
        index = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .index)
    }

    /// "member 3 (m3)".
    public var label: String { "member \(index) (\(record.name))" }
}

/// Deadlines every member applies (seconds unless named otherwise).
public struct CeremonyTimeouts: Codable, Sendable, Equatable {
    /// How long a member waits for the others in each protocol round before going on without them.
    public var phaseSeconds: Int
    /// The fastest a member must answer the verification ceremony's BLS signing challenge.
    public var challengeMilliseconds: Int
    /// How long a member waits for the others to connect at the start of a ceremony.
    public var connectSeconds: Int

    public init(phaseSeconds: Int = 30, challengeMilliseconds: Int = 2000, connectSeconds: Int = 120) {
        self.phaseSeconds = phaseSeconds
        self.challengeMilliseconds = challengeMilliseconds
        self.connectSeconds = connectSeconds
    }

    enum CodingKeys: String, CodingKey {
        case phaseSeconds = "phase_seconds", challengeMilliseconds = "challenge_milliseconds", connectSeconds = "connect_seconds"
    }

    func validate() throws(CeremonyError) {
        guard (1...3600).contains(phaseSeconds) else { throw .invalidDefinition("timeouts.phase_seconds must be 1…3600") }
        guard (1...600_000).contains(challengeMilliseconds) else { throw .invalidDefinition("timeouts.challenge_milliseconds must be 1…600000") }
        guard (1...86_400).contains(connectSeconds) else { throw .invalidDefinition("timeouts.connect_seconds must be 1…86400") }
    }
}

/// A member's signature over a definition or lock hash.
public struct MemberSignature: Codable, Sendable, Equatable {
    public let index: Int
    /// Ed25519, hex.
    public let signature: String
}

/// What a reshare definition adds: the committee and keys being reshared.
public struct ReshareSource: Codable, Sendable, Equatable {
    /// The lock being reshared (its `lock_hash`).
    public let previousLockHash: String
    public let previousEpoch: UInt64
    public let previousThreshold: Int
    public let previousMembers: [PoolMember]
    /// The validators' group keys, which must come out unchanged.
    public let validatorPublicKeys: [String]
    /// Every validator's public shares in the previous epoch, ordered like `previous_members`.
    public let previousPublicShares: [[String]]
    /// The ballot key and its previous public shares (reshared with the validator keys).
    public let ballotPublicKey: String
    public let previousBallotShares: [String]
    /// The validators' deposit data roots (unchanged by a reshare; joining members learn them here).
    public let depositDataRoots: [String]
    /// SHA-256 of the vote transcript that approved this change, when one did (`pool edit --approved-by`).
    public var approvedByVote: String?

    enum CodingKeys: String, CodingKey {
        case previousLockHash = "previous_lock_hash", previousEpoch = "previous_epoch"
        case previousThreshold = "previous_threshold", previousMembers = "previous_members"
        case validatorPublicKeys = "validator_public_keys", previousPublicShares = "previous_public_shares"
        case ballotPublicKey = "ballot_public_key", previousBallotShares = "previous_ballot_shares"
        case depositDataRoots = "deposit_data_roots", approvedByVote = "approved_by_vote"
    }
}

/// The networks a pool can be defined for.
public let supportedNetworks = ["mainnet", "hoodi", "holesky", "sepolia"]

/// A pool definition file.
public struct PoolDefinition: Codable, Sendable {
    public static let currentVersion = 1
    public enum Kind: String, Codable, Sendable { case form, reshare }

    public var version: Int = PoolDefinition.currentVersion
    public var kind: Kind
    public var name: String
    /// 16 random bytes (hex) so that two otherwise equal definitions have different hashes.
    public var nonce: String
    public var createdAt: String
    public var network: String
    public var threshold: Int
    /// How many validator keys the pool controls (K).
    public var validators: Int
    public var withdrawalAddress: String
    public var feeRecipient: String
    public var depositAmountGwei: UInt64
    public var members: [PoolMember]
    public var timeouts: CeremonyTimeouts
    /// When true, `pool form` requires a passed `verification-report.json` in the data dir.
    public var requireVerification: Bool
    /// The consensus protocol the signing nodes run: "qbft", or "quorum" (no messages; needs t > n/2).
    public var consensus: String
    /// The epoch the ceremony produces (0 for formation).
    public var epoch: UInt64
    /// Present for a reshare.
    public var reshare: ReshareSource?
    public var definitionHash: String
    public var approvals: [MemberSignature]

    enum CodingKeys: String, CodingKey {
        case version, kind, name, nonce, network, threshold, validators, members, timeouts, consensus, epoch, reshare, approvals
        case createdAt = "created_at", withdrawalAddress = "withdrawal_address", feeRecipient = "fee_recipient"
        case depositAmountGwei = "deposit_amount_gwei", requireVerification = "require_verification"
        case definitionHash = "definition_hash"
    }

    /// Creates a formation definition (no approvals yet).
    public init(name: String, threshold: Int, members: [IdentityRecord], network: String, withdrawalAddress: String,
                feeRecipient: String?, validators: Int, timeouts: CeremonyTimeouts = .init(),
                requireVerification: Bool = false, consensus: String = "qbft") throws(CeremonyError) {
        try self.init(kind: .form, name: name, network: network, threshold: threshold, validators: validators,
                      withdrawalAddress: withdrawalAddress.lowercased(), feeRecipient: (feeRecipient ?? withdrawalAddress).lowercased(),
                      depositAmountGwei: 32_000_000_000,
                      members: members.enumerated().map { PoolMember(index: $0.offset + 1, record: $0.element) },
                      timeouts: timeouts, requireVerification: requireVerification, consensus: consensus, epoch: 0, reshare: nil)
    }

    /// Memberwise (reshare definitions are built from a lock); draws the nonce, stamps the time,
    /// computes the hash and validates.
    init(kind: Kind, name: String, network: String, threshold: Int, validators: Int, withdrawalAddress: String,
         feeRecipient: String, depositAmountGwei: UInt64, members: [PoolMember], timeouts: CeremonyTimeouts,
         requireVerification: Bool = false, consensus: String, epoch: UInt64, reshare: ReshareSource?) throws(CeremonyError) {
        self.kind = kind
        self.name = name
        nonce = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
        createdAt = ISO8601DateFormatter().string(from: Date())
        self.network = network
        self.threshold = threshold
        self.validators = validators
        self.withdrawalAddress = withdrawalAddress
        self.feeRecipient = feeRecipient
        self.depositAmountGwei = depositAmountGwei
        self.members = members
        self.timeouts = timeouts
        self.requireVerification = requireVerification
        self.consensus = consensus
        self.epoch = epoch
        self.reshare = reshare
        definitionHash = ""
        approvals = []
        definitionHash = Hex.encode(computeHash())
        try validate()
    }

    /// SHA-256 over the domain label and the canonical JSON of the definition without its hash
    /// and approvals.
    public func computeHash() -> [UInt8] {
        var unsigned = self
        unsigned.definitionHash = ""
        unsigned.approvals = []
        return SHA256.hash(Array("vring/pool-definition/v1\0".utf8) + FileIO.jsonBytes(unsigned, pretty: false))
    }

    /// The bytes a member signs to approve.
    static func approvalMessage(hash: [UInt8]) -> [UInt8] {
        var t = Transcript(domain: "vring/definition-approval/v1")
        t.append("definition hash", hash)
        return t.digest()
    }

    /// Reads a definition and checks its structure and hash (not the approvals).
    public static func load(_ path: String) throws(CeremonyError) -> PoolDefinition {
        let definition = try FileIO.readJSON(PoolDefinition.self, from: path)
        do { try definition.validate() } catch { throw .file(path: path, problem: error.description) }
        return definition
    }

    /// Structure, ranges and the recorded hash.
    public func validate() throws(CeremonyError) {
        guard version == Self.currentVersion else { throw .invalidDefinition("version \(version); this vring reads version \(Self.currentVersion)") }
        guard !name.isEmpty, name.count <= 100 else { throw .invalidDefinition("name must be 1–100 characters") }
        guard supportedNetworks.contains(network) else {
            throw .invalidDefinition("network \"\(network)\" is not one of \(supportedNetworks.joined(separator: ", "))")
        }
        let n = members.count
        guard n >= 2, n <= 1000 else { throw .invalidDefinition("a pool has 2…1000 members, this one has \(n)") }
        guard threshold >= 1, threshold <= n else { throw .invalidDefinition("threshold \(threshold) must be between 1 and the \(n) members") }
        guard validators >= 1, validators <= 1000 else { throw .invalidDefinition("validators must be 1…1000") }
        try Self.checkAddress(withdrawalAddress, field: "withdrawal_address")
        try Self.checkAddress(feeRecipient, field: "fee_recipient")
        guard depositAmountGwei >= 1_000_000_000 else { throw .invalidDefinition("deposit_amount_gwei must be at least 1 ETH") }
        guard ["qbft", "quorum"].contains(consensus) else { throw .invalidDefinition("consensus \"\(consensus)\" is not qbft or quorum") }
        if consensus == "quorum", 2 * threshold <= members.count {
            throw .invalidDefinition("consensus \"quorum\" relies on any two signing sets overlapping: it needs threshold > members/2")
        }
        try timeouts.validate()
        guard Set(members.map(\.index)).count == n, members.allSatisfy({ $0.index >= 1 && $0.index <= 65535 }) else {
            throw .invalidDefinition("member indices must be distinct and in 1…65535")
        }
        if kind == .form {
            guard members.map(\.index) == Array(1...n) else { throw .invalidDefinition("a formation numbers its members 1…\(n) in order") }
            guard epoch == 0, reshare == nil else { throw .invalidDefinition("a formation has epoch 0 and no reshare section") }
        } else {
            guard let reshare else { throw .invalidDefinition("a reshare definition needs its reshare section") }
            guard epoch == reshare.previousEpoch + 1 else { throw .invalidDefinition("epoch must be previous_epoch + 1") }
            guard reshare.validatorPublicKeys.count == validators, reshare.previousPublicShares.count == validators,
                  reshare.depositDataRoots.count == validators, reshare.previousBallotShares.count == reshare.previousMembers.count,
                  reshare.previousPublicShares.allSatisfy({ $0.count == reshare.previousMembers.count }) else {
                throw .invalidDefinition("reshare section: one key and one row of public shares per validator")
            }
        }
        guard Set(members.map(\.name)).count == n else { throw .invalidDefinition("two members share a name") }
        guard Set(members.map(\.record.signingKey)).count == n, Set(members.map(\.record.boxKey)).count == n else {
            throw .invalidDefinition("two members share an identity key")
        }
        let names = Set(members.map(\.name))
        for m in members where !m.record.relay.isEmpty {
            guard names.contains(m.record.relay), let relay = members.first(where: { $0.name == m.record.relay }),
                  !relay.record.address.isEmpty else {
                throw .invalidDefinition("\(m.label) relays through \"\(m.record.relay)\", which is not a member with an address")
            }
        }
        guard definitionHash == Hex.encode(computeHash()) else {
            throw .invalidDefinition("definition_hash does not match the contents: the file was changed after it was made (approvals are void); make and approve a new one")
        }
    }

    /// Adds `identity`'s approval (replacing an earlier one by the same member).
    public mutating func approve(with identity: borrowing IdentityDirectory) throws(CeremonyError) {
        try validate()
        guard let member = (members + (reshare?.previousMembers ?? [])).first(where: { $0.record.signingKey == identity.record.signingKey }) else {
            throw .notAMember("\(identity.path): identity \"\(identity.record.name)\" is not a member of pool \"\(name)\"")
        }
        let signature = identity.signingKey.sign(Self.approvalMessage(hash: computeHash()))
        approvals.removeAll { $0.index == member.index }
        approvals.append(MemberSignature(index: member.index, signature: Hex.encode(signature)))
        approvals.sort { $0.index < $1.index }
    }

    /// Members whose approval is missing or invalid.
    public func missingApprovals() -> [PoolMember] {
        let message = Self.approvalMessage(hash: computeHash())
        return members.filter { m in
            guard let a = approvals.first(where: { $0.index == m.index }), let sig = Hex.decode(a.signature) else { return true }
            return !m.record.signingKey.isValidSignature(sig, for: message)
        }
    }

    /// Refuses to go on unless every member approved this exact definition (for a reshare:
    /// every member of the new committee, and at least the old threshold of old members).
    public func requireAllApprovals() throws(CeremonyError) {
        try validate()
        let missing = missingApprovals()
        guard missing.isEmpty else {
            throw .notApproved("waiting for \(missing.map(\.label).joined(separator: ", ")) to run `vring pool approve` on this definition (hash \(definitionHash.prefix(16))…)")
        }
        if let reshare {
            let message = Self.approvalMessage(hash: computeHash())
            let approvedOld = reshare.previousMembers.filter { m in
                guard let a = approvals.first(where: { $0.index == m.index }), let sig = Hex.decode(a.signature) else { return false }
                return m.record.signingKey.isValidSignature(sig, for: message)
            }
            guard approvedOld.count >= reshare.previousThreshold else {
                throw .notApproved("\(approvedOld.count) members of the current committee approved; \(reshare.previousThreshold) must (they deal the new shares)")
            }
        }
    }

    /// The member whose identity this is.
    public func member(for identity: borrowing IdentityDirectory) throws(CeremonyError) -> PoolMember {
        guard let m = members.first(where: { $0.record.signingKey == identity.record.signingKey }) else {
            throw .notAMember("identity \"\(identity.record.name)\" (\(identity.path)) is not a member of pool \"\(name)\"")
        }
        return m
    }

    static func checkAddress(_ text: String, field: String) throws(CeremonyError) {
        guard text.hasPrefix("0x"), text.count == 42, Hex.decode(String(text.dropFirst(2))) != nil else {
            throw .invalidDefinition("\(field) \"\(text)\" is not a 20-byte 0x-prefixed hex address")
        }
    }
}
