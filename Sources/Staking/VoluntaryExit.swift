// Voluntary exits: `VoluntaryExit(epoch, validator_index)`, its signing root under EIP-7044,
// and the beacon API's JSON for `POST /eth/v1/beacon/pool/voluntary_exits`.
//
//   let exit = VoluntaryExit(epoch: 300_000, validatorIndex: 12_345)
//   let root = exit.signingRoot(network: .mainnet)    // sign this (threshold signing)
//   let json = SignedVoluntaryExit(message: exit, signature: sig).json
//     // {"message":{"epoch":"300000","validator_index":"12345"},"signature":"0x…"}
//
// EIP-7044 (in force from Deneb, which all supported networks have passed): the domain is
// `compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION, genesis_validators_root)`
// whatever the current fork, so a signed exit stays valid forever. The beacon API writes
// uint64 values as decimal strings and bytes as 0x-prefixed lowercase hex.

import BLS12381

/// `VoluntaryExit(epoch: Epoch, validator_index: ValidatorIndex)`.
public struct VoluntaryExit: Sendable, Equatable {
    /// The earliest epoch at which the exit may be processed.
    public let epoch: UInt64
    /// The validator's index in the beacon state.
    public let validatorIndex: UInt64

    public init(epoch: UInt64, validatorIndex: UInt64) {
        self.epoch = epoch
        self.validatorIndex = validatorIndex
    }

    /// hash_tree_root(VoluntaryExit).
    public var hashTreeRoot: [UInt8] { SSZ.root(container: [SSZ.root(uint64: epoch), SSZ.root(uint64: validatorIndex)]) }

    /// The root to sign: `compute_signing_root(exit, network.voluntaryExitDomain)` (EIP-7044).
    public func signingRoot(network: Network) -> [UInt8] {
        Signing.computeSigningRoot(hashTreeRoot, domain: network.voluntaryExitDomain)
    }
}

/// A voluntary exit with its signature by the validator key (for a threshold validator, the
/// combined signature under the group public key).
public struct SignedVoluntaryExit: Sendable, Equatable {
    public let message: VoluntaryExit
    public let signature: Signature

    public init(message: VoluntaryExit, signature: Signature) {
        self.message = message
        self.signature = signature
    }

    /// Whether `signature` verifies for `message` under `publicKey` on `network`.
    public func verify(publicKey: PublicKey, network: Network) -> Bool {
        BLS.verify(publicKey: publicKey, message: message.signingRoot(network: network), signature: signature)
    }

    /// The beacon API JSON: `{"message":{"epoch":"E","validator_index":"N"},"signature":"0x…"}`.
    public var json: String {
        #"{"message":{"epoch":"\#(message.epoch)","validator_index":"\#(message.validatorIndex)"},"signature":"0x\#(Hex.encode(signature.compressed))"}"#
    }
}
