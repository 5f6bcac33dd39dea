// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ValidatorRing",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "BLS12381", targets: ["BLS12381"]),
        .library(name: "Primitives", targets: ["Primitives"]),
        .library(name: "Threshold", targets: ["Threshold"]),
        .library(name: "DKG", targets: ["DKG"]),
        .library(name: "Reshare", targets: ["Reshare"]),
        .library(name: "Staking", targets: ["Staking"]),
        .library(name: "Transport", targets: ["Transport"]),
        .library(name: "Ceremony", targets: ["Ceremony"]),
        .library(name: "Voting", targets: ["Voting"]),
        .library(name: "SlashingProtection", targets: ["SlashingProtection"]),
        .library(name: "Node", targets: ["Node"]),
        .executable(name: "vring", targets: ["vring"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages, wrapped once by `Primitives`.
        .systemLibrary(name: "CGMP", pkgConfig: "gmp", providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "Primitives", dependencies: ["CGMP", "COpenSSL", "CSodium"]),
        // One inline-assembly optimisation barrier for the constant-time masks (header only).
        .target(name: "CBarrier"),
        .target(name: "BLS12381", dependencies: ["Primitives", "CBarrier"]),
        .target(name: "Threshold", dependencies: ["BLS12381", "Primitives"]),
        .target(name: "DKG", dependencies: ["BLS12381", "Threshold", "Primitives"]),
        // Resharing and repair reuse the DKG's canonical encoding, transcript and identities.
        .target(name: "Reshare", dependencies: ["BLS12381", "Threshold", "Primitives", "DKG"]),
        // Ethereum staking formats: EIP-2333/2334 key derivation, EIP-2335 keystores, SSZ
        // signing roots, deposit data, voluntary exits, network constants.
        .target(name: "Staking", dependencies: ["BLS12381", "Primitives", "COpenSSL"]),
        // Authenticated, encrypted member-to-member links over SwiftNIO TCP.
        .target(
            name: "Transport",
            dependencies: [
                "Primitives", "CSodium",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Identities, pool definitions, lock files and the ceremonies that run over Transport.
        .target(
            name: "Ceremony",
            dependencies: ["BLS12381", "Primitives", "Threshold", "DKG", "Reshare", "Staking", "Transport", "Voting"]),
        // Secret-ballot voting: exponential ElGamal ballots with proofs, verifiable shuffles
        // (Terelius–Wikström), threshold decryption.
        .target(name: "Voting", dependencies: ["BLS12381", "Primitives", "Threshold", "CBarrier"]),
        // Web3Signer-style signing requests (signing roots from SSZ) and the slashing-protection
        // database (SQLite via GRDB, EIP-3076 interchange).
        .target(
            name: "SlashingProtection",
            dependencies: ["BLS12381", "Primitives", "Staking", .product(name: "GRDB", package: "GRDB.swift")]),
        // The signing node: Web3Signer API (Hummingbird), consensus (QBFT, quorum overlap), partial
        // signatures over the member transport, slashing protection, Prometheus metrics.
        .target(
            name: "Node",
            dependencies: [
                "BLS12381", "Primitives", "Threshold", "Staking", "Transport", "Ceremony", "SlashingProtection", "DKG",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "vring",
            dependencies: [
                "BLS12381", "Primitives", "Threshold", "DKG", "Reshare", "Staking", "Transport", "Ceremony",
                "Voting", "SlashingProtection", "Node",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives"]),
        .testTarget(
            name: "BLS12381Tests", dependencies: ["BLS12381", "Primitives"],
            exclude: ["Fixtures"]),
        .testTarget(name: "ThresholdTests", dependencies: ["Threshold", "BLS12381", "Primitives"]),
        .testTarget(name: "ReshareTests", dependencies: ["Reshare", "DKG", "Threshold", "BLS12381", "Primitives"]),
        .testTarget(name: "DKGTests", dependencies: ["DKG", "Threshold", "BLS12381", "Primitives"]),
        .testTarget(
            name: "StakingTests", dependencies: ["Staking", "BLS12381", "Primitives"],
            exclude: ["Fixtures"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Primitives"]),
        .testTarget(name: "VotingTests", dependencies: ["Voting", "Threshold", "BLS12381", "Primitives"]),
        .testTarget(
            name: "SlashingProtectionTests", dependencies: ["SlashingProtection", "Staking", "BLS12381", "Primitives"],
            exclude: ["Fixtures"]),
        .testTarget(name: "NodeTests", dependencies: ["Node", "Ceremony", "SlashingProtection", "Staking", "BLS12381", "Primitives"]),
        .testTarget(name: "CeremonyTests", dependencies: ["Ceremony", "DKG", "Threshold", "BLS12381", "Primitives", "Voting"]),
        // Runs the built `vring` binary (build it first: swift build -c release --product vring).
        .testTarget(name: "vringTests", dependencies: ["BLS12381", "Primitives", "SlashingProtection", "Staking", "Transport"]),
    ]
)
