import Benchmark
import Simulation

/// Engine speed: one M/M/8 run at ρ = 0.9 with 1,000,000 customers (2,000,000 events) per
/// iteration. Events per second = 2,000,000 / wall time; the malloc count shows that
/// allocation does not grow with the number of events (storage is reused).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 20
    )
    for customers in [100_000, 1_000_000] {
        Benchmark("M/M/8 rho 0.9, \(customers) customers") { benchmark in
            for _ in benchmark.scaledIterations {
                let r = try QueueingExperiment(
                    servers: 8, arrivals: .poisson(rate: 7.2), service: .exponential(rate: 1), customers: customers, seed: 1
                ).run()
                blackHole(r.meanWaitS)
            }
        }
    }
}
