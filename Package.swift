// swift-tools-version: 6.1
import PackageDescription

import class Foundation.ProcessInfo

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "DeployAdvisor",
    platforms: [.macOS(.v14)],
    // One product: the modules are this package's own layers, their declarations `package`, not public API.
    products: [
        .executable(name: "deploy-advisor", targets: ["deploy-advisor"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Runtime only: the ONNX types are generated once (Scripts/generate-onnx-proto.sh) and committed.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Imported directly by Serving (they come with Hummingbird; declared because we import them).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "Inference",
            dependencies: ["COpenBLAS", "Simulation", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ONNX/Generated/onnx.proto3"],
            swiftSettings: upcoming
        ),
        .target(
            name: "FPGAEmulation",
            dependencies: ["Inference", "Simulation"],
            swiftSettings: upcoming
        ),
        .target(
            name: "Simulation",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: upcoming
        ),
        .target(
            name: "Targets",
            dependencies: ["Inference", "FPGAEmulation", "Simulation", .product(name: "Yams", package: "Yams")],
            swiftSettings: upcoming
        ),
        .target(
            name: "Advisor",
            dependencies: ["Inference", "FPGAEmulation", "Targets", "Simulation", .product(name: "Yams", package: "Yams")],
            swiftSettings: upcoming
        ),
        .target(
            name: "Regression",
            dependencies: ["Inference", "Simulation"],
            swiftSettings: upcoming
        ),
        .target(
            name: "Serving",
            dependencies: [
                "Inference", "Simulation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "Reporting",
            dependencies: ["Advisor", "Targets", "FPGAEmulation", "Inference", "Simulation"],
            swiftSettings: upcoming
        ),
        // The inputs users and attackers control, as functions of bytes: the libFuzzer targets
        // (`make fuzz`) and the replay of their corpora in FuzzingTests.
        .target(
            name: "Fuzzing",
            dependencies: ["Advisor", "Inference", "Regression", "Serving", "Simulation"],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "deploy-advisor",
            dependencies: [
                "Inference", "FPGAEmulation", "Simulation", "Targets", "Advisor", "Reporting", "Regression", "Serving",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "InferenceTests",
            dependencies: ["Inference", "Simulation", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: upcoming),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation"], swiftSettings: upcoming),
        .testTarget(name: "RegressionTests", dependencies: ["Regression", "Inference"], swiftSettings: upcoming),
        .testTarget(
            name: "ServingTests",
            dependencies: [
                "Serving", "Inference",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Advisor", "Targets", "Inference"], swiftSettings: upcoming),
        .testTarget(name: "TargetsTests", dependencies: ["Targets", "Inference", "Simulation"], swiftSettings: upcoming),
        .testTarget(name: "FPGAEmulationTests", dependencies: ["FPGAEmulation", "Inference", "Simulation"], swiftSettings: upcoming),
        .testTarget(
            name: "AdvisorTests", dependencies: ["Advisor", "FPGAEmulation", "Inference", "Simulation", "Targets"], swiftSettings: upcoming),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "Inference", "Serving"], swiftSettings: upcoming),
        .testTarget(
            name: "DeployAdvisorCLITests",
            dependencies: ["deploy-advisor"],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Benchmarks (ordo-one/benchmark) join the package only when asked for, so `make test`
// and CI never build them: `DEPLOY_ADVISOR_BENCHMARKS=1 swift package benchmark` (`make bench`).
if ProcessInfo.processInfo.environment["DEPLOY_ADVISOR_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "InferenceBenchmarks",
            dependencies: ["Inference", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/InferenceBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    package.targets.append(
        .executableTarget(
            name: "FPGABenchmarks",
            dependencies: ["FPGAEmulation", "Inference", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/FPGABenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    package.targets.append(
        .executableTarget(
            name: "SimulationBenchmarks",
            dependencies: ["Simulation", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/SimulationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}

// Fuzzing: libFuzzer with AddressSanitizer on this package's own modules (coverage feedback
// comes from our code; dependencies build as usual), one driver whose target is chosen by
// DEPLOY_ADVISOR_FUZZ_TARGET. Only when asked, in its own scratch path: `make fuzz`.
// The driver calls libFuzzer's LLVMFuzzerRunDriver from its own main (SwiftPM names an
// executable's entry point, so libFuzzer's `main` cannot be used as swift-protobuf's
// FuzzTesting does with -parse-as-library).
if ProcessInfo.processInfo.environment["DEPLOY_ADVISOR_FUZZ"] != nil {
    let ours: Set<String> = ["Inference", "FPGAEmulation", "Simulation", "Targets", "Advisor", "Regression", "Serving", "Fuzzing"]
    for target in package.targets where ours.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=fuzzer,address"])]
    }
    package.targets.append(
        .executableTarget(
            name: "deploy-advisor-fuzz",
            dependencies: ["Fuzzing"],
            path: "Fuzz/Driver",
            swiftSettings: upcoming + [.unsafeFlags(["-sanitize=fuzzer,address"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
        ))
}
