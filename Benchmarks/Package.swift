// swift-tools-version: 6.1
// ordo-one/benchmark suite for the BLS12-381 engine. A package of its own, so that the
// parent package's `swift build` / `make test` never resolve or build the benchmark plugin.
// Run from this folder: swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "ValidatorRingBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ValidatorRing", path: ".."),
        // The trait list replaces the default traits (MallocInterposer + RuntimeInterposer);
        // RuntimeInterposer needs a package this machine does not mirror.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "BLS12381Benchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BLS12381", package: "ValidatorRing"),
                .product(name: "Threshold", package: "ValidatorRing"),
            ],
            path: "Benchmarks/BLS12381Benchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
