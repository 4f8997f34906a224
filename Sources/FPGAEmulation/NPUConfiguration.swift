/// The shape and clock of a Brainwave-style neural processing unit (Fowers et al., "A
/// Configurable Cloud-Scale DNN Processor for Real-Time AI", ISCA 2018).
///
/// The matrix-vector unit (MVU) has `tileEngines` tile engines; each holds
/// `nativeDimension` dot-product engines of `lanes` lanes, so it multiplies a
/// `nativeDimension × nativeDimension` weight tile by a vector in `nativeDimension / lanes`
/// cycles, and the MVU does `tileEngines × nativeDimension × lanes` multiply-accumulates per
/// cycle. Multifunction units (MFUs) chained after it apply activations, adds and
/// multiplies elementwise. Weights are pinned in on-chip memory (the matrix register file).
package struct NPUConfiguration: Sendable, Equatable, Codable {
    package var name: String
    package var device: String
    package var tileEngines: Int
    package var nativeDimension: Int
    package var lanes: Int
    package var clockMHz: Double
    /// Cycles from issuing a matrix-vector instruction to its first result (dot-product
    /// adder tree, accumulation across tiles, register-file reads and writes).
    package var pipelineFillCycles: Int
    /// Latency of one MFU operation in a dependent chain, cycles.
    package var mfuOpLatencyCycles: Int
    /// Cycles to dispatch one instruction chain (the NPU is single-threaded: chains issue in order).
    package var dispatchCycles: Int
    /// On-chip weight memory (M20K/MLAB blocks given to the matrix register file), bytes.
    package var onChipWeightBytes: Int
    /// Off-chip DRAM bandwidth used to stream weights that do not fit, bytes per second.
    package var dramBytesPerSecond: Double
    /// The number format of the matrix unit.
    package var defaultFormat: String
    /// Board power, watts.
    package var powerWatts: Double
    /// Where the figures come from and what is assumed.
    package var source: String

    /// Multiply-accumulates per cycle.
    package var macsPerCycle: Int { tileEngines * nativeDimension * lanes }
    /// Peak TFLOPS (2 FLOPs per MAC).
    package var peakTFLOPS: Double { 2 * Double(macsPerCycle) * clockMHz * 1e6 / 1e12 }
    /// Seconds per cycle.
    package var cycleSeconds: Double { 1 / (clockMHz * 1e6) }

    /// Built-in presets.
    package static let presets: [NPUConfiguration] = [
        NPUConfiguration(
            name: "brainwave-s10", device: "Intel Stratix 10 280", tileEngines: 6, nativeDimension: 400, lanes: 40,
            clockMHz: 250, pipelineFillCycles: 24, mfuOpLatencyCycles: 6, dispatchCycles: 8,
            onChipWeightBytes: 29_300_000, dramBytesPerSecond: 34e9, defaultFormat: "ms-fp8", powerWatts: 125,
            source: """
                Fowers et al., ISCA 2018: BW_S10 on Stratix 10 280 with 96,000 MACs (6 tile engines × native \
                dimension 400 × 40 lanes) at 250 MHz, ms-fp8, 125 W, up to 35.9 effective TFLOPS at batch 1 on \
                the largest DeepBench GRU. On-chip memory: Stratix 10 GX 2800 has 11,721 M20K blocks (229 Mbit, \
                ≈29.3 MB). Pipeline-fill, MFU and dispatch latencies are this model's assumptions.
                """),
        NPUConfiguration(
            name: "brainwave-a10", device: "Intel Arria 10 GX 1150 (Azure Standard_PB6s)", tileEngines: 4,
            nativeDimension: 128, lanes: 16, clockMHz: 300, pipelineFillCycles: 20, mfuOpLatencyCycles: 6,
            dispatchCycles: 8, onChipWeightBytes: 8_400_000, dramBytesPerSecond: 34e9, defaultFormat: "ms-fp8",
            powerWatts: 60,
            source: """
                Assumed configuration for the Arria 10 GX 1150 behind Azure's FPGA VMs (no public split): 4 tile \
                engines × native dimension 128 × 16 lanes = 8,192 MACs at 300 MHz (4.9 peak TFLOPS), sized to \
                the device (1,518 DSP blocks packing narrow ms-fp multiplies, plus soft logic). On-chip memory: \
                2,713 M20K blocks (54.3 Mbit) + 12.95 Mbit MLAB ≈ 8.4 MB; 2 × DDR4-2133 ≈ 34 GB/s for weights \
                that do not fit. Azure's service figures (Duarte et al., arXiv 1904.08986): ~10 ms on-premises \
                end to end, 600–700 images/s per FPGA for ResNet-50 at batch 1.
                """),
    ]

    /// The preset called `name`.
    ///
    /// - Throws: ``EmulationError`` listing the presets.
    package static func named(_ name: String) throws(EmulationError) -> NPUConfiguration {
        guard let p = presets.first(where: { $0.name == name.lowercased() }) else {
            throw EmulationError("unknown FPGA preset '\(name)'; presets: \(presets.map(\.name).joined(separator: ", "))")
        }
        return p
    }
}
