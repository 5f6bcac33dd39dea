// Ethereum consensus networks a validator can deposit on and exit from.
//
//   Network.named("hoodi")            // nil for an unknown name; Network.all lists them
//   Network.withGenesisForkVersion(v) // which network a deposit's fork_version belongs to
//   network.depositDomain             // DOMAIN_DEPOSIT, GENESIS_FORK_VERSION, zero root
//   network.voluntaryExitDomain       // EIP-7044: DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION, GVR
//
// Sources (public network parameters):
// - mainnet: eth-clients/mainnet metadata/config.yaml @ 9df5a5b0955dd1ed4bb103a9bba9a22742ea956c
//   (GENESIS_FORK_VERSION 0x00000000, CAPELLA_FORK_VERSION 0x03000000); genesis validators root
//   from staking-deposit-cli settings.py and eth-clients/mainnet.
// - holesky: eth-clients/holesky metadata/config.yaml @ 8aec65f11f0c986d6b76b2eb902420635eb9b815.
// - hoodi: eth-clients/hoodi metadata/config.yaml and metadata/genesis_validators_root.txt
//   @ 7f71638afc431675c19b9e306998b9d4925b7cec.
// - sepolia: GENESIS_FORK_VERSION and root from staking-deposit-cli / ethstaker-deposit-cli
//   settings.py; CAPELLA_FORK_VERSION 0x90000072 from eth-clients/sepolia metadata/config.yaml
//   (as mirrored in ChainSafe/lodestar packages/config/src/networks/sepolia.ts), equal to
//   ethstaker-deposit-cli's EXIT_FORK_VERSION for sepolia.
// All values are also in Tests/StakingTests/Fixtures/deposit-data/networks.json, and the tests
// recompute that file's domains from these constants.

import BLS12381

/// A consensus network: its name and the constants that fix its signing domains.
public struct Network: Sendable, Hashable, CustomStringConvertible {
    /// The name used in `deposit_data.json` (`network_name`) and on the command line.
    public let name: String
    /// GENESIS_FORK_VERSION (4 bytes): the deposit domain's fork version.
    public let genesisForkVersion: [UInt8]
    /// The genesis validators root (32 bytes).
    public let genesisValidatorsRoot: [UInt8]
    /// CAPELLA_FORK_VERSION (4 bytes): voluntary exits are signed with it from Deneb on (EIP-7044).
    public let capellaForkVersion: [UInt8]

    public var description: String { name }

    /// Ethereum mainnet.
    public static let mainnet = Network(
        name: "mainnet", genesisForkVersion: "00000000",
        genesisValidatorsRoot: "4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95",
        capellaForkVersion: "03000000")
    /// Hoodi, the validator testnet that replaced Holesky (2025).
    public static let hoodi = Network(
        name: "hoodi", genesisForkVersion: "10000910",
        genesisValidatorsRoot: "212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f",
        capellaForkVersion: "40000910")
    /// Holesky (deprecated testnet).
    public static let holesky = Network(
        name: "holesky", genesisForkVersion: "01017000",
        genesisValidatorsRoot: "9143aa7c615a7f7115e2b6aac319c03529df8242ae705fba9df39b79c59fa8b1",
        capellaForkVersion: "04017000")
    /// Sepolia (permissioned validator set).
    public static let sepolia = Network(
        name: "sepolia", genesisForkVersion: "90000069",
        genesisValidatorsRoot: "d8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078",
        capellaForkVersion: "90000072")

    /// Every network this module knows.
    public static let all: [Network] = [.mainnet, .hoodi, .holesky, .sepolia]

    /// The network called `name` (lowercase, as in `deposit_data.json`), or nil.
    public static func named(_ name: String) -> Network? { all.first { $0.name == name } }

    /// The network whose GENESIS_FORK_VERSION is `forkVersion`, or nil.
    public static func withGenesisForkVersion(_ forkVersion: [UInt8]) -> Network? {
        all.first { $0.genesisForkVersion == forkVersion }
    }

    /// `compute_domain(DOMAIN_DEPOSIT, GENESIS_FORK_VERSION, 0x00…00)`: deposits are valid on
    /// every fork, so the domain uses the genesis fork version and a zero root.
    public var depositDomain: [UInt8] {
        Signing.computeDomain(DomainType.deposit, forkVersion: genesisForkVersion, genesisValidatorsRoot: [UInt8](repeating: 0, count: 32))
    }

    /// EIP-7044: from Deneb on, `compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION,
    /// genesis_validators_root)` whatever the current fork. All four networks are past Deneb.
    public var voluntaryExitDomain: [UInt8] {
        Signing.computeDomain(DomainType.voluntaryExit, forkVersion: capellaForkVersion, genesisValidatorsRoot: genesisValidatorsRoot)
    }

    /// `compute_domain(DOMAIN_BLS_TO_EXECUTION_CHANGE, GENESIS_FORK_VERSION, genesis_validators_root)`.
    public var blsToExecutionChangeDomain: [UInt8] {
        Signing.computeDomain(DomainType.blsToExecutionChange, forkVersion: genesisForkVersion, genesisValidatorsRoot: genesisValidatorsRoot)
    }

    private init(name: String, genesisForkVersion: String, genesisValidatorsRoot: String, capellaForkVersion: String) {
        self.name = name
        self.genesisForkVersion = Hex.decode(genesisForkVersion)!
        self.genesisValidatorsRoot = Hex.decode(genesisValidatorsRoot)!
        self.capellaForkVersion = Hex.decode(capellaForkVersion)!
    }
}
