import Foundation
import Inference
import Simulation
import Testing

@testable import Regression

/// Values from SciPy (`Reference/mannwhitney_reference.py`, the script beside this file).
@Suite("Regression statistics against SciPy")
struct StatisticsTests {
    static func rounded6(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }
    static let shiftedY: [Double] = (0..<40).map { (i: Int) -> Double in rounded6(1.0 + Double(i) / 39) }
    static let shiftedX: [Double] = (0..<40).map { (i: Int) -> Double in rounded6(1.0 + Double(i) / 39 + 0.15) }

    @Test(
        "Mann–Whitney U, one-sided, asymptotic with continuity correction",
        arguments: [
            MWCase(
                x: [10.2, 11.5, 9.8, 12.1, 10.9, 11.8, 12.5, 10.1], y: [9.1, 9.9, 10.0, 9.5, 8.8, 9.7, 10.3, 9.2, 9.6], u: 67.0,
                p: 0.0016684702536990444),
            MWCase(x: [3, 4, 4, 5, 6, 6, 6, 7], y: [2, 3, 3, 4, 4, 5, 5, 6], u: 46.5, p: 0.06660888427756888),
            MWCase(x: [5, 5, 5, 5, 5, 5], y: [5, 5, 5, 5, 5, 5, 5], u: 21.0, p: 1.0),
            MWCase(x: shiftedX, y: shiftedY, u: 1005.0, p: 0.024545402354819),
        ])
    func mannWhitney(_ c: MWCase) {
        let r = MannWhitneyU(c.x, c.y)
        #expect(r.u == c.u)
        #expect(abs(r.pGreater - c.p) <= 1e-9 * max(1, c.p), "p \(r.pGreater) vs SciPy \(c.p)")
    }

    struct MWCase: Sendable {
        var x: [Double]
        var y: [Double]
        var u: Double
        var p: Double
    }

    @Test func bootstrapOfTheMedianRatio() {
        let b = MedianRatioBootstrap(Self.shiftedX, Self.shiftedY)
        // Point estimate: the plain ratio of medians (NumPy: 1.0999999999999999 for the medians 1.65 / 1.5).
        #expect(abs(b.ratio - 1.65 / 1.5) < 1e-12)
        #expect(b.lower < b.ratio && b.ratio < b.upper)
        #expect(b == MedianRatioBootstrap(Self.shiftedX, Self.shiftedY), "deterministic for its seed")
        let same = MedianRatioBootstrap([2, 2, 2, 2], [2, 2, 2, 2])
        #expect(same.lower == 1 && same.upper == 1)
    }

    func result(_ samples: [Double], model: String = "m", gflops: Double = 100, cpu: String = "cpu") -> BenchmarkResult {
        BenchmarkResult(
            modelKey: model, model: model, batch: 1, threads: 2, samplesMs: samples, stopReason: "test", warmup: 3, windows: [],
            calibration: .init(sgemmGflops: gflops, memoryGBps: 10),
            environment: .init(cpuModel: cpu, cores: 2, openblas: "x", toolVersion: "t", gitCommit: nil, date: "d"), simulated: nil)
    }

    /// Deterministic noisy samples: a fixed pseudo-random sequence around `center`.
    func noisy(_ center: Double, count: Int = 100, seed: UInt64) -> [Double] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return center * (1 + 0.04 * (Double(s >> 11) / Double(1 << 53) - 0.5))
        }
    }

    @Test func checkDecisions() throws {
        let base = result(noisy(10, seed: 1))
        // Same distribution: pass.
        #expect(try RegressionCheck.compare(baseline: base, current: result(noisy(10, seed: 2))).regressed == false)
        // 10% slower: significant and above 5%: regression.
        let slow = try RegressionCheck.compare(baseline: base, current: result(noisy(11, seed: 3)))
        #expect(slow.regressed && slow.metrics[0].status == .regression)
        // 3% slower: significant but under the 5% threshold: pass.
        let small = try RegressionCheck.compare(baseline: base, current: result(noisy(10.3, seed: 4)))
        #expect(!small.regressed && (small.metrics[0].pValue ?? 1) < 0.01)
        // Faster: improvement.
        #expect(try RegressionCheck.compare(baseline: base, current: result(noisy(8, seed: 5))).metrics[0].status == .improvement)
        // Normalization: a machine with half the sgemm speed takes twice as long: same work.
        let otherMachine = result(noisy(20, seed: 6), gflops: 50, cpu: "slower cpu")
        #expect(try RegressionCheck.compare(baseline: base, current: otherMachine).regressed)
        #expect(try RegressionCheck.compare(baseline: base, current: otherMachine, normalize: true).regressed == false)
        // Different models are bad input.
        #expect(throws: RegressionInputError.self) {
            try RegressionCheck.compare(baseline: base, current: result(noisy(10, seed: 7), model: "other"))
        }
    }

    @Test func junitAndMarkdown() throws {
        let r = try RegressionCheck.compare(baseline: result(noisy(10, seed: 1)), current: result(noisy(11, seed: 3)))
        let xml = RegressionCheck.junit(r)
        #expect(xml.contains("<failure") && xml.contains("tests=\"1\" failures=\"1\""))
        let md = RegressionCheck.markdown(r)
        #expect(md.contains("regression") && md.contains("| latency (ms) |"))
    }

    @Test func loadingRejectsBadFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = dir.appendingPathComponent("old.json").path
        try #"{"schemaVersion": 0, "samplesMs": [1,2,3]}"#.write(toFile: old, atomically: true, encoding: .utf8)
        #expect(throws: RegressionInputError.self) { try BenchmarkResult.load(path: old) }
        #expect(throws: RegressionInputError.self) { try BenchmarkResult.load(path: dir.appendingPathComponent("none.json").path) }
        let garbage = dir.appendingPathComponent("g.json").path
        try "not json".write(toFile: garbage, atomically: true, encoding: .utf8)
        #expect(throws: RegressionInputError.self) { try BenchmarkResult.load(path: garbage) }
    }
}

/// The direct draw of a resample's median against explicit resampling (n draws, sorted), the
/// textbook bootstrap: the same distribution of resampled medians.
@Suite("Median bootstrap")
struct BootstrapTests {
    /// Explicit resampling, as `MedianRatioBootstrap` did before it drew order statistics.
    static func explicitMedians(_ v: [Double], resamples: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var b = v
        return (0..<resamples).map { _ in
            for k in b.indices { b[k] = v[Int(rng.next() % UInt64(v.count))] }
            return MedianRatioBootstrap.median(sorted: b.sorted())
        }
    }

    @Test(arguments: [101, 100])
    func resampledMediansMatchExplicitResampling(_ n: Int) {
        // Skewed latencies (lognormal-like) with ties, odd and even n.
        var rng = Xoshiro256StarStar(seed: 7)
        let v = (0..<n).map { _ in (Distribution.lognormal(mu: 0, sigma: 0.5).sample(&rng) * 100).rounded() / 10 }.sorted()
        let explicit = Self.explicitMedians(v, resamples: 20000, seed: 3).sorted()
        var r = Xoshiro256StarStar(seed: 11)
        let direct = (0..<20000).map { _ in MedianRatioBootstrap.resampledMedian(v, &r) }.sorted()
        // Quantiles of the two distributions of resampled medians: within the Monte Carlo error
        // of 20,000 draws (a quantile's rank moves by about ±1.5 % at these tails).
        for q in [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975] {
            let i = Int(q * 20000)
            let lo = explicit[max(0, i - 400)]
            let hi = explicit[min(19999, i + 400)]
            #expect(direct[i] >= lo && direct[i] <= hi, "q \(q): direct \(direct[i]), explicit \(explicit[i]) (band \(lo)…\(hi))")
        }
        let meanE = explicit.reduce(0, +) / 20000
        let meanD = direct.reduce(0, +) / 20000
        #expect(abs(meanD - meanE) < 0.02 * meanE)
    }

    /// 300,000 samples each (57 s before, with explicit resampling): a narrow interval around
    /// the ratio of two equal distributions.
    @Test func largeSamples() {
        var rng = Xoshiro256StarStar(seed: 1)
        let x = (0..<300_000).map { _ in 10 + rng.nextUnit() }
        let y = (0..<300_000).map { _ in 10 + rng.nextUnit() }
        let b = MedianRatioBootstrap(x, y)
        #expect(b.lower <= b.ratio && b.ratio <= b.upper && b.upper - b.lower < 0.01 && abs(b.ratio - 1) < 0.005)
    }
}
