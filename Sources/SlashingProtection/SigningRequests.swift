// Web3Signer eth2 signing requests (`POST /api/v1/eth2/sign/{pubkey}`) → signing roots.
//
//   let request = try SigningRequest(json: body, context: SigningContext(network: .mainnet))
//   switch request.slashingCheck {
//   case .block(let slot): try db.checkAndRecordBlock(pubkey: key, slot: slot, signingRoot: request.signingRoot)
//   case .attestation(let source, let target): try db.checkAndRecordAttestation(…)
//   case .none: break
//   }
//   // then sign request.signingRoot
//
// The signing root is always computed here from the object and the domain; a `signingRoot`
// field in the request is only compared with it, and a request whose root differs is refused
// (a signer that trusted it would sign whatever the caller chose, past slashing protection).
//
// Domains (phase 0 / Altair / Bellatrix specs, `get_domain`): the object's epoch picks the fork
// version, `fork_info.fork.previous_version` before `fork_info.fork.epoch` and
// `current_version` from it, with `fork_info.genesis_validators_root`, which must be the
// node's chain. Epochs: ATTESTATION target epoch; RANDAO_REVEAL and VOLUNTARY_EXIT their
// epoch (as Web3Signer does: the exit uses fork_info, so a client following EIP-7044 sends the
// Capella fork there); everything with a slot, the slot's epoch. VALIDATOR_REGISTRATION:
// DOMAIN_APPLICATION_BUILDER with the network's GENESIS_FORK_VERSION and a zero root (builder
// specs); DEPOSIT: DOMAIN_DEPOSIT with the request's `genesis_fork_version` and a zero root.
//
// Request format: Consensys/web3signer `openapi-specs/eth2/signing/schemas.yaml` and
// `paths/sign.yaml` @ 3522fc87d0209026ac147961dfe6254cec6845ba. Numbers are decimal strings,
// bytes 0x-prefixed hex. BLOCK_V2 is accepted with `beacon_block.block_header` for every fork
// (a block's root is its header's root); the full `block` that PHASE0/ALTAIR requests carry,
// and the deprecated BLOCK type, are refused as unsupported (both forks are long past).
// Everything here works on public data and is not constant time.

import BLS12381
import Foundation
import Staking

/// A malformed, unsupported or inconsistent signing request.
public enum SigningRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not JSON, a missing field, or a field of the wrong form: the field path and why.
    case malformed(String)
    /// A `type` this signer does not handle.
    case unsupportedType(String)
    /// A request form this signer does not handle (full PHASE0/ALTAIR blocks, unknown
    /// aggregate versions): why.
    case unsupported(String)
    /// `fork_info.genesis_validators_root` is not the node's chain.
    case genesisValidatorsRootMismatch(expected: [UInt8], found: [UInt8])
    /// The request's `signingRoot` differs from the root computed from its data.
    case signingRootMismatch(computed: [UInt8], provided: [UInt8])

    public var description: String {
        switch self {
        case .malformed(let why): "signing request: \(why)"
        case .unsupportedType(let type): "signing request: type \"\(type)\" is not supported"
        case .unsupported(let why): "signing request: \(why)"
        case .genesisValidatorsRootMismatch(let expected, let found):
            "signing request: fork_info.genesis_validators_root 0x\(Hex.encode(found)) is not this node's chain (0x\(Hex.encode(expected)))"
        case .signingRootMismatch(let computed, let provided):
            "signing request: signingRoot 0x\(Hex.encode(provided)) does not match the root computed from the data, 0x\(Hex.encode(computed))"
        }
    }
}

/// The consensus preset: the constants that size SSZ types and epochs.
public enum Preset: Sendable, Equatable {
    /// Mainnet and every public testnet.
    case mainnet
    /// The `minimal` preset of local devnets and spec tests.
    case minimal

    public var slotsPerEpoch: UInt64 { self == .mainnet ? 32 : 8 }
    public var maxValidatorsPerCommittee: Int { 2048 }
    public var maxCommitteesPerSlot: Int { self == .mainnet ? 64 : 4 }
    public var syncCommitteeSize: Int { self == .mainnet ? 512 : 32 }
    public var syncCommitteeSubnetCount: Int { 4 }
}

/// What the node knows about its chain, which a request cannot override.
public struct SigningContext: Sendable, Equatable {
    /// Every `fork_info.genesis_validators_root` must equal this.
    public var genesisValidatorsRoot: [UInt8]
    /// GENESIS_FORK_VERSION, for VALIDATOR_REGISTRATION's builder domain.
    public var genesisForkVersion: [UInt8]
    public var preset: Preset

    public init(genesisValidatorsRoot: [UInt8], genesisForkVersion: [UInt8], preset: Preset = .mainnet) {
        precondition(genesisValidatorsRoot.count == 32 && genesisForkVersion.count == 4)
        self.genesisValidatorsRoot = genesisValidatorsRoot
        self.genesisForkVersion = genesisForkVersion
        self.preset = preset
    }

    /// A public network (mainnet preset).
    public init(network: Network) {
        self.init(genesisValidatorsRoot: network.genesisValidatorsRoot, genesisForkVersion: network.genesisForkVersion)
    }
}

/// The domain types beyond phase 0 (Altair sync committees); the rest are in ``DomainType``.
public enum AltairDomainType {
    public static let syncCommittee: [UInt8] = [0x07, 0, 0, 0]
    public static let syncCommitteeSelectionProof: [UInt8] = [0x08, 0, 0, 0]
    public static let contributionAndProof: [UInt8] = [0x09, 0, 0, 0]
}

/// A parsed Web3Signer signing request: the root to sign and what slashing protection must check.
public struct SigningRequest: Sendable, Equatable {
    /// The request `type`s handled here.
    public enum Kind: String, Sendable, CaseIterable {
        case attestation = "ATTESTATION"
        case block = "BLOCK_V2"
        case aggregationSlot = "AGGREGATION_SLOT"
        case aggregateAndProof = "AGGREGATE_AND_PROOF"
        case aggregateAndProofV2 = "AGGREGATE_AND_PROOF_V2"
        case randaoReveal = "RANDAO_REVEAL"
        case voluntaryExit = "VOLUNTARY_EXIT"
        case syncCommitteeMessage = "SYNC_COMMITTEE_MESSAGE"
        case syncCommitteeSelectionProof = "SYNC_COMMITTEE_SELECTION_PROOF"
        case syncCommitteeContributionAndProof = "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF"
        case validatorRegistration = "VALIDATOR_REGISTRATION"
        case deposit = "DEPOSIT"
    }

    /// What slashing protection must check before the root is signed.
    public enum SlashingCheck: Sendable, Equatable {
        /// A block proposal at this slot.
        case block(slot: UInt64)
        /// An attestation with these checkpoints.
        case attestation(sourceEpoch: UInt64, targetEpoch: UInt64)
        /// Nothing slashable (RANDAO reveals, selection proofs, aggregates, exits, sync
        /// committee messages, builder registrations, deposits).
        case none
    }

    public let kind: Kind
    /// The 32-byte root to sign, computed from the request's data.
    public let signingRoot: [UInt8]
    public let slashingCheck: SlashingCheck

    /// Parses a request body and computes its signing root.
    ///
    /// - Parameters:
    ///   - json: The HTTP request body.
    ///   - context: The node's chain.
    /// - Throws: ``SigningRequestError``: malformed or unsupported requests, another chain's
    ///   genesis validators root, a `signingRoot` that differs from the computed one.
    public init(json: Data, context: SigningContext) throws(SigningRequestError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch { throw .malformed("not JSON") }
        guard let dictionary = object as? [String: Any] else { throw .malformed("top level: expected an object") }
        try self.init(body: JSONFields(dictionary, path: ""), context: context)
    }

    private init(body: JSONFields, context: SigningContext) throws(SigningRequestError) {
        let typeName = try body.string("type")
        guard let kind = Kind(rawValue: typeName) else {
            if typeName == "BLOCK" { throw .unsupported("type \"BLOCK\" is deprecated; send BLOCK_V2 with beacon_block.block_header") }
            throw .unsupportedType(typeName)
        }
        let preset = context.preset
        let root: [UInt8]
        var check = SlashingCheck.none
        func fork() throws(SigningRequestError) -> ForkInfo { try ForkInfo(body.object("fork_info"), context: context) }

        switch kind {
        case .attestation:
            let data = try AttestationData(body.object("attestation"))
            root = try fork().signingRoot(data.hashTreeRoot, DomainType.beaconAttester, epoch: data.targetEpoch)
            check = .attestation(sourceEpoch: data.sourceEpoch, targetEpoch: data.targetEpoch)
        case .block:
            let request = try body.object("beacon_block")
            let version = try request.string("version").uppercased()
            guard request.has("block_header") else {
                if request.has("block") {
                    throw .unsupported("beacon_block.block: full \(version) blocks are not supported; send beacon_block.block_header")
                }
                throw .malformed("beacon_block.block_header: missing")
            }
            let header = try BeaconBlockHeader(request.object("block_header"))
            root = try fork().signingRoot(header.hashTreeRoot, DomainType.beaconProposer, epoch: header.slot / preset.slotsPerEpoch)
            check = .block(slot: header.slot)
        case .aggregationSlot:
            let slot = try body.object("aggregation_slot").uint64("slot")
            root = try fork().signingRoot(SSZ.root(uint64: slot), DomainType.selectionProof, epoch: slot / preset.slotsPerEpoch)
        case .aggregateAndProof, .aggregateAndProofV2:
            let aggregate: AggregateAndProof
            if kind == .aggregateAndProof {
                aggregate = try AggregateAndProof(body.object("aggregate_and_proof"), electra: false, preset: preset)
            } else {
                let request = try body.object("aggregate_and_proof")
                let version = try request.string("version").uppercased()
                let electra: Bool
                switch version {
                case "PHASE0", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB": electra = false
                case "ELECTRA", "FULU": electra = true
                default: throw .unsupported("aggregate_and_proof.version: \"\(version)\" is not a known fork")
                }
                aggregate = try AggregateAndProof(request.object("data"), electra: electra, preset: preset)
            }
            root = try fork().signingRoot(
                aggregate.hashTreeRoot, DomainType.aggregateAndProof, epoch: aggregate.slot / preset.slotsPerEpoch)
        case .randaoReveal:
            let epoch = try body.object("randao_reveal").uint64("epoch")
            root = try fork().signingRoot(SSZ.root(uint64: epoch), DomainType.randao, epoch: epoch)
        case .voluntaryExit:
            let fields = try body.object("voluntary_exit")
            let exit = VoluntaryExit(epoch: try fields.uint64("epoch"), validatorIndex: try fields.uint64("validator_index"))
            root = try fork().signingRoot(exit.hashTreeRoot, DomainType.voluntaryExit, epoch: exit.epoch)
        case .syncCommitteeMessage:
            let fields = try body.object("sync_committee_message")
            let slot = try fields.uint64("slot")
            let blockRoot = try fields.bytes("beacon_block_root", count: 32)
            root = try fork().signingRoot(blockRoot, AltairDomainType.syncCommittee, epoch: slot / preset.slotsPerEpoch)
        case .syncCommitteeSelectionProof:
            let fields = try body.object("sync_aggregator_selection_data")
            let slot = try fields.uint64("slot")
            let data = SSZ.root(container: [SSZ.root(uint64: slot), SSZ.root(uint64: try fields.uint64("subcommittee_index"))])
            root = try fork().signingRoot(data, AltairDomainType.syncCommitteeSelectionProof, epoch: slot / preset.slotsPerEpoch)
        case .syncCommitteeContributionAndProof:
            let fields = try body.object("contribution_and_proof")
            let contribution = try fields.object("contribution")
            let slot = try contribution.uint64("slot")
            let contributionRoot = SSZ.root(container: [
                SSZ.root(uint64: slot),
                try contribution.bytes("beacon_block_root", count: 32),
                SSZ.root(uint64: try contribution.uint64("subcommittee_index")),
                try contribution.bitvectorRoot("aggregation_bits", bits: preset.syncCommitteeSize / preset.syncCommitteeSubnetCount),
                SSZ.root(bytes: try contribution.bytes("signature", count: 96)),
            ])
            let data = SSZ.root(container: [
                SSZ.root(uint64: try fields.uint64("aggregator_index")), contributionRoot,
                SSZ.root(bytes: try fields.bytes("selection_proof", count: 96)),
            ])
            root = try fork().signingRoot(data, AltairDomainType.contributionAndProof, epoch: slot / preset.slotsPerEpoch)
        case .validatorRegistration:
            let fields = try body.object("validator_registration")
            let data = SSZ.root(container: [
                SSZ.root(bytes: try fields.bytes("fee_recipient", count: 20)),
                SSZ.root(uint64: try fields.uint64("gas_limit")),
                SSZ.root(uint64: try fields.uint64("timestamp")),
                SSZ.root(bytes: try fields.bytes("pubkey", count: 48)),
            ])
            let domain = Signing.computeDomain(
                DomainType.applicationBuilder, forkVersion: context.genesisForkVersion,
                genesisValidatorsRoot: [UInt8](repeating: 0, count: 32))
            root = Signing.computeSigningRoot(data, domain: domain)
        case .deposit:
            let fields = try body.object("deposit")
            let data = SSZ.root(container: [
                SSZ.root(bytes: try fields.bytes("pubkey", count: 48)),
                SSZ.root(bytes: try fields.bytes("withdrawal_credentials", count: 32)),
                SSZ.root(uint64: try fields.uint64("amount")),
            ])
            let domain = Signing.computeDomain(
                DomainType.deposit, forkVersion: try fields.bytes("genesis_fork_version", count: 4),
                genesisValidatorsRoot: [UInt8](repeating: 0, count: 32))
            root = Signing.computeSigningRoot(data, domain: domain)
        }

        if body.has("signingRoot") {
            let provided = try body.bytes("signingRoot", count: 32)
            guard provided == root else { throw .signingRootMismatch(computed: root, provided: provided) }
        }
        self.kind = kind
        self.signingRoot = root
        self.slashingCheck = check
    }
}

extension SlashingDatabase {
    /// Runs the check the request needs (``SigningRequest/slashingCheck``) and records it.
    ///
    /// - Returns: The decision, or nil when the request needs no slashing protection.
    /// - Throws: A refusal or a storage failure, as ``checkAndRecordBlock(pubkey:slot:signingRoot:)``
    ///   and ``checkAndRecordAttestation(pubkey:sourceEpoch:targetEpoch:signingRoot:)``.
    public func checkAndRecord(_ request: SigningRequest, pubkey: [UInt8]) throws(SlashingError) -> Decision? {
        switch request.slashingCheck {
        case .block(let slot):
            try checkAndRecordBlock(pubkey: pubkey, slot: slot, signingRoot: request.signingRoot)
        case .attestation(let source, let target):
            try checkAndRecordAttestation(pubkey: pubkey, sourceEpoch: source, targetEpoch: target, signingRoot: request.signingRoot)
        case .none:
            nil
        }
    }
}

// MARK: - SSZ containers (phase 0 … Electra beacon-chain specs)

/// `fork_info`: the fork and the genesis validators root.
struct ForkInfo {
    let previousVersion: [UInt8]
    let currentVersion: [UInt8]
    let epoch: UInt64
    let genesisValidatorsRoot: [UInt8]

    init(_ fields: JSONFields, context: SigningContext) throws(SigningRequestError) {
        let fork = try fields.object("fork")
        // Web3Signer's own examples also spell these in camelCase.
        previousVersion = try fork.bytes(fork.has("previousVersion") ? "previousVersion" : "previous_version", count: 4)
        currentVersion = try fork.bytes(fork.has("currentVersion") ? "currentVersion" : "current_version", count: 4)
        epoch = try fork.uint64("epoch")
        genesisValidatorsRoot = try fields.bytes("genesis_validators_root", count: 32)
        guard genesisValidatorsRoot == context.genesisValidatorsRoot else {
            throw .genesisValidatorsRootMismatch(expected: context.genesisValidatorsRoot, found: genesisValidatorsRoot)
        }
    }

    init(previousVersion: [UInt8], currentVersion: [UInt8], epoch: UInt64, genesisValidatorsRoot: [UInt8]) {
        self.previousVersion = previousVersion
        self.currentVersion = currentVersion
        self.epoch = epoch
        self.genesisValidatorsRoot = genesisValidatorsRoot
    }

    /// `compute_signing_root(object, get_domain(state, domainType, epoch))`.
    func signingRoot(_ objectRoot: [UInt8], _ domainType: [UInt8], epoch objectEpoch: UInt64) -> [UInt8] {
        let version = objectEpoch < epoch ? previousVersion : currentVersion
        let domain = Signing.computeDomain(domainType, forkVersion: version, genesisValidatorsRoot: genesisValidatorsRoot)
        return Signing.computeSigningRoot(objectRoot, domain: domain)
    }
}

/// `AttestationData(slot, index, beacon_block_root, source: Checkpoint, target: Checkpoint)`.
package struct AttestationData: Sendable, Equatable {
    package var slot: UInt64
    package var index: UInt64
    package var beaconBlockRoot: [UInt8]
    package var sourceEpoch: UInt64
    package var sourceRoot: [UInt8]
    package var targetEpoch: UInt64
    package var targetRoot: [UInt8]

    package init(
        slot: UInt64, index: UInt64, beaconBlockRoot: [UInt8], sourceEpoch: UInt64, sourceRoot: [UInt8], targetEpoch: UInt64,
        targetRoot: [UInt8]
    ) {
        self.slot = slot
        self.index = index
        self.beaconBlockRoot = beaconBlockRoot
        self.sourceEpoch = sourceEpoch
        self.sourceRoot = sourceRoot
        self.targetEpoch = targetEpoch
        self.targetRoot = targetRoot
    }

    init(_ fields: JSONFields) throws(SigningRequestError) {
        let source = try fields.object("source")
        let target = try fields.object("target")
        self.init(
            slot: try fields.uint64("slot"), index: try fields.uint64("index"),
            beaconBlockRoot: try fields.bytes("beacon_block_root", count: 32),
            sourceEpoch: try source.uint64("epoch"), sourceRoot: try source.bytes("root", count: 32),
            targetEpoch: try target.uint64("epoch"), targetRoot: try target.bytes("root", count: 32))
    }

    /// hash_tree_root: Checkpoint(epoch, root) is itself a two-field container.
    package var hashTreeRoot: [UInt8] {
        SSZ.root(container: [
            SSZ.root(uint64: slot), SSZ.root(uint64: index), beaconBlockRoot,
            SSZ.root(container: [SSZ.root(uint64: sourceEpoch), sourceRoot]),
            SSZ.root(container: [SSZ.root(uint64: targetEpoch), targetRoot]),
        ])
    }
}

/// `BeaconBlockHeader(slot, proposer_index, parent_root, state_root, body_root)`.
package struct BeaconBlockHeader: Sendable, Equatable {
    package var slot: UInt64
    package var proposerIndex: UInt64
    package var parentRoot: [UInt8]
    package var stateRoot: [UInt8]
    package var bodyRoot: [UInt8]

    package init(slot: UInt64, proposerIndex: UInt64, parentRoot: [UInt8], stateRoot: [UInt8], bodyRoot: [UInt8]) {
        self.slot = slot
        self.proposerIndex = proposerIndex
        self.parentRoot = parentRoot
        self.stateRoot = stateRoot
        self.bodyRoot = bodyRoot
    }

    init(_ fields: JSONFields) throws(SigningRequestError) {
        self.init(
            slot: try fields.uint64("slot"), proposerIndex: try fields.uint64("proposer_index"),
            parentRoot: try fields.bytes("parent_root", count: 32), stateRoot: try fields.bytes("state_root", count: 32),
            bodyRoot: try fields.bytes("body_root", count: 32))
    }

    package var hashTreeRoot: [UInt8] {
        SSZ.root(container: [SSZ.root(uint64: slot), SSZ.root(uint64: proposerIndex), parentRoot, stateRoot, bodyRoot])
    }
}

/// `AggregateAndProof(aggregator_index, aggregate: Attestation, selection_proof)`; the
/// Attestation is `(aggregation_bits: Bitlist, data, signature)` before Electra and gains
/// `committee_bits: Bitvector[MAX_COMMITTEES_PER_SLOT]` (with a longer Bitlist) from Electra on.
struct AggregateAndProof {
    let slot: UInt64
    let hashTreeRoot: [UInt8]

    init(_ fields: JSONFields, electra: Bool, preset: Preset) throws(SigningRequestError) {
        let aggregate = try fields.object("aggregate")
        let data = try AttestationData(aggregate.object("data"))
        let bitsLimit = preset.maxValidatorsPerCommittee * (electra ? preset.maxCommitteesPerSlot : 1)
        var attestationFields = [
            try aggregate.bitlistRoot("aggregation_bits", limit: bitsLimit),
            data.hashTreeRoot,
            SSZ.root(bytes: try aggregate.bytes("signature", count: 96)),
        ]
        if electra { attestationFields.append(try aggregate.bitvectorRoot("committee_bits", bits: preset.maxCommitteesPerSlot)) }
        slot = data.slot
        hashTreeRoot = SSZ.root(container: [
            SSZ.root(uint64: try fields.uint64("aggregator_index")),
            SSZ.root(container: attestationFields),
            SSZ.root(bytes: try fields.bytes("selection_proof", count: 96)),
        ])
    }
}

package enum SSZBits {
    /// hash_tree_root of a `Bitlist[limit]` in its serialized form (the bits, little-endian
    /// within each byte, then a delimiting 1 bit), or nil when the delimiter is missing or the
    /// list is longer than `limit`.
    package static func bitlistRoot(_ serialized: [UInt8], limit: Int) -> [UInt8]? {
        guard let last = serialized.last, last != 0 else { return nil }
        let delimiter = 7 - last.leadingZeroBitCount
        let length = (serialized.count - 1) * 8 + delimiter
        guard length <= limit else { return nil }
        var bits = serialized
        bits[bits.count - 1] &= ~(1 << delimiter)
        bits = Array(bits.prefix((length + 7) / 8))
        return SSZ.mixInLength(SSZ.merkleize(SSZ.pack(bits), limit: (limit + 255) / 256), length: length)
    }

    /// hash_tree_root of a `Bitvector[count]`, or nil for the wrong number of bytes or a set
    /// padding bit.
    package static func bitvectorRoot(_ serialized: [UInt8], bits count: Int) -> [UInt8]? {
        guard serialized.count == (count + 7) / 8 else { return nil }
        if count % 8 != 0, serialized[serialized.count - 1] >> (count % 8) != 0 { return nil }
        return SSZ.merkleize(SSZ.pack(serialized), limit: (count + 255) / 256)
    }
}

// MARK: - Reading JSONSerialization's output, naming the field in every error

struct JSONFields {
    let values: [String: Any]
    let path: String

    init(_ values: [String: Any], path: String) {
        self.values = values
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func has(_ key: String) -> Bool { values[key].map { !($0 is NSNull) } ?? false }

    func value(_ key: String) throws(SigningRequestError) -> Any {
        guard let value = values[key], !(value is NSNull) else { throw .malformed("\(name(key)): missing") }
        return value
    }

    func object(_ key: String) throws(SigningRequestError) -> JSONFields {
        guard let object = try value(key) as? [String: Any] else { throw .malformed("\(name(key)): expected an object") }
        return JSONFields(object, path: name(key))
    }

    func string(_ key: String) throws(SigningRequestError) -> String {
        guard let string = try value(key) as? String else { throw .malformed("\(name(key)): expected a string") }
        return string
    }

    /// A uint64 as a decimal string.
    func uint64(_ key: String) throws(SigningRequestError) -> UInt64 {
        let text = try string(key)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number = UInt64(text)
        else { throw .malformed("\(name(key)): expected a decimal string of a 64-bit unsigned integer") }
        return number
    }

    /// 0x-prefixed hex, exactly `count` bytes when given.
    func bytes(_ key: String, count: Int? = nil) throws(SigningRequestError) -> [UInt8] {
        let text = try string(key)
        guard text.hasPrefix("0x") || text.hasPrefix("0X"), let bytes = Hex.decode(text) else {
            throw .malformed("\(name(key)): expected 0x-prefixed hex")
        }
        if let count, bytes.count != count { throw .malformed("\(name(key)): expected \(count) bytes, got \(bytes.count)") }
        return bytes
    }

    func bitlistRoot(_ key: String, limit: Int) throws(SigningRequestError) -> [UInt8] {
        guard let root = SSZBits.bitlistRoot(try bytes(key), limit: limit) else {
            throw .malformed("\(name(key)): not a Bitlist[\(limit)] (missing delimiter bit or too long)")
        }
        return root
    }

    func bitvectorRoot(_ key: String, bits: Int) throws(SigningRequestError) -> [UInt8] {
        guard let root = SSZBits.bitvectorRoot(try bytes(key), bits: bits) else {
            throw .malformed("\(name(key)): not a Bitvector[\(bits)] (\((bits + 7) / 8) bytes, padding bits zero)")
        }
        return root
    }
}
