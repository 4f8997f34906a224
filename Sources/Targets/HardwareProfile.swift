import Inference

/// The compute resources of a machine a target runs the model on.
///
/// `perCoreGflops` is the *attainable* single-precision GEMM rate of one core (or vCPU) —
/// the theoretical FMA peak times an sgemm efficiency — and `memoryGBps` the attainable
/// memory bandwidth of the whole machine; the service-time model scales measured layer times by these
/// (see ``ServiceTimeModel``). Cloud vCPUs are hyperthreads: two share a physical core's
/// FMA units, so a vCPU is counted as half a core's FMA peak.
package struct HardwareProfile: Sendable, Equatable, Codable {
    package var id: String
    package var name: String
    /// Cores (vCPUs for cloud sizes).
    package var cores: Double
    package var clockGHz: Double
    package var perCoreGflops: Double
    package var memoryGBps: Double
    package var ramGB: Double
    /// One-off hardware price for edge devices, USD (0 for cloud sizes).
    package var hardwareUSD: Double
    package var source: String

    /// Attainable GFLOP/s with `used` cores.
    package func gflops(cores used: Double) -> Double { perCoreGflops * min(used, cores) }
    /// Attainable memory bandwidth with `used` cores (a proportional share of the machine's), GB/s.
    package func bandwidth(cores used: Double) -> Double { memoryGBps * min(1, used / cores) }
}

extension HardwareProfile {
    // MARK: - Azure VM sizes (AKS nodes, ACI hosts, the FPGA VM)

    /// Standard_D3_v2: 4 vCPU, 14 GiB, Intel Xeon E5-2673 v3 (Haswell) 2.4 GHz, AVX2.
    package static let d3v2 = HardwareProfile(
        id: "Standard_D3_v2", name: "Azure Standard_D3_v2", cores: 4, clockGHz: 2.4, perCoreGflops: 2.4 * 32 * 0.7,
        memoryGBps: 20, ramGB: 14, hardwareUSD: 0,
        source:
            "Azure Dv2 series: 4 vCPU, 14 GiB, Xeon E5-2673 v3 2.4 GHz (Haswell, AVX2: 32 FP32 FLOP/cycle per core); Dv2 vCPUs are physical cores; 70% sgemm efficiency and ~20 GB/s attainable memory bandwidth assumed"
    )
    /// Standard_D4s_v3: 4 vCPU (2 cores, hyperthreaded), 16 GiB, Xeon Platinum 8272CL / E5-2673 v4.
    package static let d4sv3 = HardwareProfile(
        id: "Standard_D4s_v3", name: "Azure Standard_D4s_v3", cores: 4, clockGHz: 2.5, perCoreGflops: 2.5 * 32 * 0.7 / 2,
        memoryGBps: 16, ramGB: 16, hardwareUSD: 0,
        source:
            "Azure Dsv3 series: 4 vCPU (hyperthreads of 2 cores), 16 GiB, Xeon Platinum 8272CL / E5-2673 v4 ~2.5 GHz, AVX2 FMA counted per physical core; 70% sgemm efficiency and ~16 GB/s attainable memory bandwidth assumed"
    )
    /// Standard_F8s_v2: 8 vCPU (4 cores), 16 GiB, Xeon Platinum 8168 2.7 GHz, AVX-512.
    package static let f8sv2 = HardwareProfile(
        id: "Standard_F8s_v2", name: "Azure Standard_F8s_v2", cores: 8, clockGHz: 2.7, perCoreGflops: 2.7 * 64 * 0.6 / 2,
        memoryGBps: 40, ramGB: 16, hardwareUSD: 0,
        source:
            "Azure Fsv2 series: 8 vCPU (hyperthreads of 4 cores), 16 GiB, Xeon Platinum 8168 2.7 GHz, AVX-512 (64 FP32 FLOP/cycle per core, 60% efficiency assumed for licence-downclocking)"
    )
    /// Standard_D4as_v5: 4 vCPU (2 Zen 3 cores, SMT), 16 GiB, AMD EPYC 7763v, AVX2. Not an AKS
    /// node size the planner offers (yet): it is here because a published measurement on this
    /// kind of VM checks the vCPU convention (``PublishedLatency``).
    package static let d4asv5 = HardwareProfile(
        id: "Standard_D4as_v5", name: "Azure Standard_D4as_v5", cores: 4, clockGHz: 3.0, perCoreGflops: 3.0 * 32 * 0.7 / 2,
        memoryGBps: 20, ramGB: 16, hardwareUSD: 0,
        source:
            "Azure Dasv5 series: 4 vCPU (hyperthreads of 2 cores), 16 GiB, AMD EPYC 7763v (Zen 3: two 256-bit FMA pipes, 32 FP32 FLOP/cycle per core), ~3.0 GHz all-core assumed (3.5 GHz maximum boost); 70% sgemm efficiency and ~20 GB/s attainable memory bandwidth assumed"
    )
    /// Standard_PB6s: the FPGA VM (6 vCPU, 112 GiB, one Arria 10); its CPU runs what the NPU does not.
    package static let pb6s = HardwareProfile(
        id: "Standard_PB6s", name: "Azure Standard_PB6s (host CPU)", cores: 6, clockGHz: 2.6, perCoreGflops: 2.6 * 32 * 0.7 / 2,
        memoryGBps: 30, ramGB: 112, hardwareUSD: 0,
        source: "Azure PBs series: 6 vCPU Xeon E5-2690 v4-class host, 112 GiB, 1 Intel Arria 10 FPGA")
    /// The host that runs an ACI container group (Azure does not publish it; a Dsv3-class vCPU is assumed).
    package static let aciHost = HardwareProfile(
        id: "aci", name: "ACI container (Dsv3-class vCPU)", cores: 4, clockGHz: 2.5, perCoreGflops: 2.5 * 32 * 0.7 / 2,
        memoryGBps: 16, ramGB: 16, hardwareUSD: 0,
        source:
            "Azure Container Instances run on Azure's general-purpose hosts (not published); a Dsv3-class vCPU is assumed; CPU limits below one core are enforced by CFS quotas"
    )

    // MARK: - Azure ML managed online endpoint instance types

    /// A Dv2/DSv2 size (Xeon E5-2673 v3/v4-class, physical cores as vCPUs, like ``d3v2``).
    static func dsv2(_ number: Int, vcpus: Double, ramGB: Double) -> HardwareProfile {
        HardwareProfile(
            id: "Standard_DS\(number)_v2", name: "Azure Standard_DS\(number)_v2",
            cores: vcpus, clockGHz: 2.4, perCoreGflops: 2.4 * 32 * 0.7, memoryGBps: 5 * vcpus, ramGB: ramGB, hardwareUSD: 0,
            source:
                "Azure DSv2 series (\(Int(vcpus)) vCPU, \(Int(ramGB)) GiB): Xeon E5-2673 v3/v4 2.4 GHz (AVX2, 32 FP32 FLOP/cycle per core), vCPUs are physical cores, as Standard_D3_v2; ~5 GB/s attainable bandwidth per vCPU assumed"
        )
    }
    /// An Fsv2 size (Xeon Platinum 8168/8272CL, AVX-512, vCPUs are hyperthreads, like ``f8sv2``).
    static func fsv2(_ vcpus: Double) -> HardwareProfile {
        HardwareProfile(
            id: "Standard_F\(Int(vcpus))s_v2", name: "Azure Standard_F\(Int(vcpus))s_v2", cores: vcpus, clockGHz: 2.7,
            perCoreGflops: 2.7 * 64 * 0.6 / 2, memoryGBps: 5 * vcpus, ramGB: 2 * vcpus, hardwareUSD: 0,
            source:
                "Azure Fsv2 series (\(Int(vcpus)) vCPU, \(Int(2 * vcpus)) GiB): Xeon Platinum 8168 2.7 GHz, AVX-512, vCPUs are hyperthreads, as Standard_F8s_v2; ~5 GB/s attainable bandwidth per vCPU assumed"
        )
    }
    /// The instance types the planner offers for managed online endpoints: general purpose
    /// (DSv2) and compute optimized (Fsv2) sizes from Azure ML's managed online endpoint SKU
    /// list. The 1-vCPU DS1_v2 is left out (the SKU list warns it may be too small for the
    /// scoring container and probes).
    package static let managedInstances: [HardwareProfile] = [
        dsv2(2, vcpus: 2, ramGB: 7), dsv2(3, vcpus: 4, ramGB: 14), dsv2(4, vcpus: 8, ramGB: 28), fsv2(2), fsv2(4), f8sv2, fsv2(16),
    ]

    // MARK: - Edge devices

    /// Raspberry Pi 4 Model B (4 GB): 4× Cortex-A72 at 1.5 GHz.
    package static let raspberryPi4 = HardwareProfile(
        id: "rpi4", name: "Raspberry Pi 4 class (4× Cortex-A72 1.5 GHz, 4 GB)", cores: 4, clockGHz: 1.5, perCoreGflops: 1.5 * 8 * 0.6,
        memoryGBps: 3.5, ramGB: 4, hardwareUSD: 75,
        source:
            "Raspberry Pi 4 Model B: BCM2711, 4× Cortex-A72 1.5 GHz (one 128-bit NEON FMA per cycle: 8 FP32 FLOP/cycle), LPDDR4-3200 (~3.5 GB/s measured STREAM-class), 4 GB; 60% GEMM efficiency assumed; list price ~USD 55–75"
    )
    /// NVIDIA Jetson Nano (CPU only): 4× Cortex-A57 at 1.43 GHz.
    package static let jetsonNano = HardwareProfile(
        id: "jetson-nano", name: "Jetson Nano class CPU (4× Cortex-A57 1.43 GHz, 4 GB)", cores: 4, clockGHz: 1.43,
        perCoreGflops: 1.43 * 8 * 0.55, memoryGBps: 6, ramGB: 4, hardwareUSD: 149,
        source:
            "NVIDIA Jetson Nano developer kit: 4× Cortex-A57 1.43 GHz (8 FP32 FLOP/cycle NEON), 4 GB LPDDR4 25.6 GB/s peak (~6 GB/s attainable from the CPU); GPU not used; list price USD 99–149"
    )
    /// Intel NUC 11 class mini PC: Core i5-1135G7, 4 cores.
    package static let nuc = HardwareProfile(
        id: "nuc", name: "Intel NUC class mini PC (Core i5-1135G7, 16 GB)", cores: 4, clockGHz: 3.0, perCoreGflops: 3.0 * 32 * 0.7,
        memoryGBps: 20, ramGB: 16, hardwareUSD: 600,
        source:
            "Intel NUC 11 Pro: Core i5-1135G7, 4 cores (AVX2 FMA: 32 FP32 FLOP/cycle; ~3.0 GHz all-core), dual-channel DDR4-3200 (~20 GB/s attainable), 16 GB; ~USD 600 configured"
    )

    /// This machine as a target (`validate`'s `local`): its measured one-thread sgemm rate and
    /// copy bandwidth, so the roofline scales the measurement by 1, described by the same
    /// machinery as every other target.
    package static func local(_ host: HostCalibration) -> HardwareProfile {
        HardwareProfile(
            id: "local", name: "this machine (\(host.cpuModel))", cores: Double(host.cores), clockGHz: 0,
            perCoreGflops: host.sgemmGflops1, memoryGBps: host.memoryGBps * Double(host.cores), ramGB: 0, hardwareUSD: 0,
            source: "measured here: sgemm with one thread and copy bandwidth (HostCalibration)")
    }

    /// Every built-in profile.
    package static let all: [HardwareProfile] =
        [aciHost, d3v2, d4sv3, f8sv2, d4asv5, pb6s, raspberryPi4, jetsonNano, nuc] + managedInstances.filter { $0 != f8sv2 }

    /// The AKS node sizes.
    package static let aksNodes: [HardwareProfile] = [d3v2, d4sv3, f8sv2]
    /// The edge devices.
    package static let edgeDevices: [HardwareProfile] = [raspberryPi4, jetsonNano, nuc]

    /// The profile with `id`.
    package static func named(_ id: String) throws(TargetError) -> HardwareProfile {
        guard let p = all.first(where: { $0.id.lowercased() == id.lowercased() }) else {
            throw TargetError("unknown hardware '\(id)'; known: \(all.map(\.id).joined(separator: ", "))")
        }
        return p
    }
}

/// An error in a target's configuration or inputs.
package struct TargetError: Error, Sendable, CustomStringConvertible, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
