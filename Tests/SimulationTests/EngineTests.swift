import Foundation
import Testing

@testable import Simulation

@Suite("Engine parts")
struct EngineTests {
    @Test func eventQueuePopsInTimeOrderAndIsStable() {
        var q = EventQueue<Int>()
        var rng = Xoshiro256StarStar(seed: 3)
        var expected: [(Double, Int)] = []
        for i in 0..<5000 {
            // Coarse times so many are equal.
            let t = Double(Int(rng.nextUnit() * 100))
            q.schedule(i, at: t)
            expected.append((t, i))
        }
        expected.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var got: [(Double, Int)] = []
        while let e = q.pop() { got.append((e.time, e.event)) }
        #expect(got.count == expected.count)
        #expect(zip(got, expected).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 })
        // Interleaved pushes and pops.
        var h = EventQueue<Int>()
        var now = 0.0
        var last = -1.0
        for i in 0..<2000 {
            h.schedule(i, at: now + rng.nextUnit())
            if i % 3 == 0, let e = h.pop() {
                #expect(e.time >= last)
                last = e.time
                now = e.time
            }
        }
    }

    @Test func streamsAreIndependentOfOneAnother() {
        let s = RandomStreams(seed: 9)
        var a1 = s.stream("arrivals")
        var b1 = s.stream("service")
        let first = (0..<5).map { _ in a1.next() }
        _ = (0..<1000).map { _ in b1.next() }
        var a2 = RandomStreams(seed: 9).stream("arrivals")
        #expect((0..<5).map { _ in a2.next() } == first, "drawing from another stream does not shift this one")
        var other = RandomStreams(seed: 10).stream("arrivals")
        #expect(other.next() != first[0])
        var unit = Xoshiro256StarStar(seed: 1)
        for _ in 0..<10_000 {
            let u = unit.nextUnit()
            #expect(u > 0 && u < 1)
        }
    }

    struct DistributionCase: CustomTestStringConvertible, Sendable {
        var distribution: Distribution
        var mean: Double
        var variance: Double
        var testDescription: String { "\(distribution)" }
    }

    /// Sample mean and variance of 400,000 draws against the theoretical values. Tolerance:
    /// 5 standard errors for the mean (σ/√n) and 5% for the variance (for the fourth-moment
    /// heavy lognormal, 15%).
    @Test(
        "distribution moments",
        arguments: [
            DistributionCase(distribution: .exponential(rate: 4), mean: 0.25, variance: 0.0625),
            DistributionCase(distribution: .deterministic(0.3), mean: 0.3, variance: 0),
            DistributionCase(distribution: .uniform(lower: 1, upper: 3), mean: 2, variance: 4.0 / 12),
            DistributionCase(distribution: .lognormal(mu: 0, sigma: 0.5), mean: exp(0.125), variance: (exp(0.25) - 1) * exp(0.25)),
            DistributionCase(distribution: .gamma(shape: 2.5, scale: 0.2), mean: 0.5, variance: 0.1),
            DistributionCase(distribution: .gamma(shape: 0.4, scale: 1), mean: 0.4, variance: 0.4),
            DistributionCase(distribution: .lognormal(mean: 2, cv2: 0.25), mean: 2, variance: 1),
            DistributionCase(distribution: .gamma(mean: 3, cv2: 0.5), mean: 3, variance: 4.5),
        ])
    func moments(_ c: DistributionCase) {
        #expect(abs(c.distribution.mean - c.mean) < 1e-12 * max(1, c.mean))
        #expect(abs(c.distribution.variance - c.variance) < 1e-9 * max(1, c.variance))
        var rng = Xoshiro256StarStar(seed: 77)
        let n = 400_000
        var sum = 0.0
        var sumSq = 0.0
        for _ in 0..<n {
            let x = c.distribution.sample(&rng)
            sum += x
            sumSq += x * x
        }
        let m = sum / Double(n)
        let v = sumSq / Double(n) - m * m
        #expect(abs(m - c.mean) <= 5 * (c.variance / Double(n)).squareRoot() + 1e-9 * c.mean, "mean \(m) vs \(c.mean)")
        var tolerance = 0.05
        if case .lognormal = c.distribution { tolerance = 0.15 }
        #expect(abs(v - c.variance) <= tolerance * c.variance + 1e-9 * c.mean * c.mean, "variance \(v) vs \(c.variance)")
    }

    @Test func empiricalInterpolatesBetweenOrderStatistics() {
        let e = EmpiricalDistribution(samples: [3, 1, 2, 4])!
        #expect(e.sorted == [1, 2, 3, 4])
        #expect(e.quantile(0) == 1 && e.quantile(1) == 4)
        #expect(abs(e.quantile(0.5) - 2.5) < 1e-12)
        // A uniform mixture on [1,4]: mean 2.5; variance of U(1,4) is 9/12.
        #expect(abs(e.mean - 2.5) < 1e-12)
        #expect(abs(e.variance - 0.75) < 1e-12)
        var rng = Xoshiro256StarStar(seed: 5)
        let d = Distribution.empirical(e)
        let n = 200_000
        let m = (0..<n).reduce(0.0) { acc, _ in acc + d.sample(&rng) } / Double(n)
        #expect(abs(m - 2.5) < 5 * (0.75 / Double(n)).squareRoot())
        #expect(EmpiricalDistribution(samples: []) == nil)
        #expect(EmpiricalDistribution(samples: [1, -1]) == nil)
    }

    /// One of n servers that each take their own share: 1/n of a Poisson-type rate, every n-th
    /// arrival of a constant stream or a trace.
    @Test func aServersShareOfTheArrivals() {
        #expect(ArrivalPattern.poisson(rate: 40).share(of: 4) == .poisson(rate: 10))
        #expect(ArrivalPattern.constant(rate: 9).share(of: 3) == .constant(rate: 3))
        #expect(
            ArrivalPattern.diurnal(meanRate: 10, peakRate: 30, periodSeconds: 60).share(of: 2)
                == .diurnal(meanRate: 5, peakRate: 15, periodSeconds: 60))
        #expect(
            ArrivalPattern.schedule([RatePhase(start: 0, rate: 8), RatePhase(start: 5, rate: 16)]).share(of: 8)
                == .schedule([RatePhase(start: 0, rate: 1), RatePhase(start: 5, rate: 2)]))
        #expect(ArrivalPattern.trace([0, 1, 2, 3, 4, 5, 6]).share(of: 3) == .trace([0, 3, 6]))
        #expect(ArrivalPattern.poisson(rate: 5).share(of: 1) == .poisson(rate: 5))
    }

    @Test func arrivalProcesses() {
        // Poisson: count in [0, T] has mean and variance λT.
        var p = ArrivalGenerator(.poisson(rate: 50), rng: Xoshiro256StarStar(seed: 1))
        var n = 0
        while let t = p.next(), t < 2000 { n += 1 }
        #expect(abs(Double(n) - 100_000) < 5 * 100_000.0.squareRoot())
        // Constant: exact spacing.
        var c = ArrivalGenerator(.constant(rate: 4), rng: Xoshiro256StarStar(seed: 1))
        #expect((0..<4).map { _ in c.next()! } == [0.25, 0.5, 0.75, 1.0])
        // Schedule: 10/s for 1000 s, then 40/s for 1000 s.
        var s = ArrivalGenerator(
            .schedule([RatePhase(start: 0, rate: 10), RatePhase(start: 1000, rate: 40)]), rng: Xoshiro256StarStar(seed: 2))
        var first = 0
        var second = 0
        while let t = s.next(), t < 2000 { if t < 1000 { first += 1 } else { second += 1 } }
        #expect(abs(Double(first) - 10_000) < 5 * 100 && abs(Double(second) - 40_000) < 5 * 200)
        // Diurnal: mean rate over whole periods; the peak half has more arrivals than the trough half.
        let pattern = ArrivalPattern.diurnal(meanRate: 20, peakRate: 35, periodSeconds: 100)
        var d = ArrivalGenerator(pattern, rng: Xoshiro256StarStar(seed: 3))
        var total = 0
        var middle = 0
        while let t = d.next(), t < 10_000 {
            total += 1
            let phase = t.truncatingRemainder(dividingBy: 100)
            if phase >= 25 && phase < 75 { middle += 1 }
        }
        #expect(abs(Double(total) - 200_000) < 5 * 200_000.0.squareRoot())
        // ∫ over the middle half of (20 − 15 cos) = 20·50 + 15·100/π per period.
        let expectedMiddle = (20 * 50 + 15 * 100 / Double.pi) * 100
        #expect(abs(Double(middle) - expectedMiddle) < 5 * expectedMiddle.squareRoot())
        #expect(abs(pattern.meanRate(over: 100) - 20) < 0.01)
        // Trace replay.
        var r = ArrivalGenerator(.trace([0.5, 0.5, 2]), rng: Xoshiro256StarStar(seed: 1))
        #expect([r.next(), r.next(), r.next(), r.next()] == [0.5, 0.5, 2, nil])
    }

    @Test func traceFiles() throws {
        #expect(try ArrivalTrace.parse("time_s\n0.1\n0.2,extra\n\n# comment\n0.2\n") == [0.1, 0.2, 0.2])
        func message(_ text: String) -> String {
            do {
                _ = try ArrivalTrace.parse(text, source: "t.csv")
                return ""
            } catch { return error.message }
        }
        #expect(message("0.1\n0.05\n").contains("t.csv:2"))
        #expect(message("0.1\nabc\n").contains("t.csv:2") && message("0.1\nabc\n").contains("'abc'"))
        #expect(message("-1\n").contains("≥ 0"))
        #expect(message("header\n").contains("no timestamps"))
        #expect(throws: SimulationError.self) { try ArrivalTrace.load(path: "/nonexistent/trace.csv") }
    }

    @Test func connectivity() {
        let always = ConnectivityTimeline(.alwaysUp, horizon: 100, rng: Xoshiro256StarStar(seed: 1))
        #expect(always.isUp(at: 50) && always.downFraction == 0)
        let never = ConnectivityTimeline(.alwaysDown, horizon: 100, rng: Xoshiro256StarStar(seed: 1))
        #expect(!never.isUp(at: 0) && never.nextUp(atOrAfter: 5) == .infinity)
        // Alternating renewal: long-run down fraction = down / (up + down) = 60 / 660.
        let flaky = ConnectivityTimeline(
            .intermittent(meanUpSeconds: 600, meanDownSeconds: 60), horizon: 5_000_000, rng: Xoshiro256StarStar(seed: 4))
        #expect(abs(flaky.downFraction - 60.0 / 660) < 0.01)
        let o = flaky.outages[3]
        #expect(!flaky.isUp(at: (o.start + o.end) / 2) && flaky.isUp(at: o.end) && flaky.nextUp(atOrAfter: o.start) == o.end)
        var rng = Xoshiro256StarStar(seed: 1)
        let net = NetworkDelay(baseSeconds: 0.04, bitsPerSecond: 20e6)
        #expect(abs(net.delay(bytes: 150_000, &rng) - (0.04 + 0.06)) < 1e-12)
    }

    @Test func stationAdmissionWaitLimitAndScaling() {
        var s = Station(Station.Configuration(servers: 1, concurrencyPerServer: 2, queueCapacity: 1, maxWaitSeconds: 0.5))
        s.arrive(id: 0, at: 0)
        #expect(s.started.count == 1)
        s.arrive(id: 1, at: 0.1)
        #expect(s.started.count == 1, "second concurrent slot")
        s.arrive(id: 2, at: 0.2)
        #expect(s.started.isEmpty && s.rejected.isEmpty && s.queueLength == 1)
        s.arrive(id: 3, at: 0.3)
        #expect(s.rejected.first?.reason == .queueFull)
        // Request 2 has waited past 0.5 s by t = 0.9: rejected at 0.7.
        s.complete(server: 0, at: 0.9)
        #expect(s.started.isEmpty)
        #expect(s.rejected.first?.id == 2 && s.rejected.first?.at == 0.7 && s.rejected.first?.reason == .waitExceeded)
        // Scaling: a starting server takes queued work when ready.
        var t = Station(Station.Configuration(servers: 1))
        t.arrive(id: 0, at: 0)
        t.arrive(id: 1, at: 0)
        let extra = t.addStartingServer()
        #expect(t.activeServers == 2 && t.readyServers == 1 && t.startingServers == 1)
        t.serverReady(extra, at: 1)
        #expect(t.started.first?.id == 1 && t.started.first?.waitSeconds == 1)
        let removed = t.removeServer()
        #expect(removed, "the busy server retires")
        #expect(t.readyServers == 1)
        t.complete(server: 0, at: 2)
        t.complete(server: extra, at: 2)
        #expect(t.inService == 0 && t.activeServers == 1)
        let removedLast = t.removeServer()
        #expect(!removedLast, "the last server stays")
    }

    @Test func latencyRecorderPercentiles() {
        var r = LatencyRecorder()
        for i in 1...10_000 { r.record(Double(i) * 1e-4) }  // 0.1 ms … 1 s uniformly
        #expect(abs(r.percentile(50) - 0.5) < 0.5 * 1e-3 + 1e-4)
        #expect(abs(r.percentile(99) - 0.99) < 0.99 * 1e-3 + 1e-4)
        #expect(abs(r.mean - 0.50005) < 1e-9)
        #expect(abs(r.fraction(atOrBelow: 0.25) - 0.25) < 0.002)
        var w = TimeWeightedAverage(initial: 0, at: 0)
        w.update(2, at: 1)
        w.update(0, at: 3)
        #expect(abs(w.average(until: 4) - 1) < 1e-12)
    }
}
