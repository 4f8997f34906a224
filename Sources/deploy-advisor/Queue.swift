import ArgumentParser
import Foundation
import Simulation

extension DeployAdvisor {
    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A queueing what-if: simulate an M/G/c queue and compare with Erlang C / Allen–Cunneen.",
            discussion: """
                Poisson arrivals at --arrival-rate, c servers each at --service-rate, service times with squared
                coefficient of variation --service-cv2 (1 exponential, 0 deterministic, other values gamma).
                With cv2 = 1 the analytic column is exact (Erlang C); otherwise Allen–Cunneen approximates the mean
                wait and no closed form is given for percentiles.
                """)

        @Option(help: "Number of servers c (1-100000).")
        var servers: Int

        @Option(help: "Arrival rate λ, requests per second.")
        var arrivalRate: Double

        @Option(help: "Service rate μ per server, requests per second.")
        var serviceRate: Double

        @Option(help: "Squared coefficient of variation of service times.")
        var serviceCv2: Double = 1

        @Option(help: "Customers to simulate (the first 10% are warm-up).")
        var customers: Int = 1_000_000

        @Option(help: "Random seed.")
        var seed: UInt64 = 1

        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (1...100_000).contains(servers) else { throw ValidationError("--servers must be 1 to 100000, got \(servers)") }
            guard arrivalRate > 0, arrivalRate.isFinite else { throw ValidationError("--arrival-rate must be > 0, got \(arrivalRate)") }
            guard serviceRate > 0, serviceRate.isFinite else { throw ValidationError("--service-rate must be > 0, got \(serviceRate)") }
            guard serviceCv2 >= 0, serviceCv2 <= 100 else { throw ValidationError("--service-cv2 must be 0 to 100, got \(serviceCv2)") }
            guard (200...1_000_000_000).contains(customers) else {
                throw ValidationError("--customers must be 200 to 1000000000, got \(customers)")
            }
            let rho = arrivalRate / (Double(servers) * serviceRate)
            if rho >= 1 {
                let needed = (arrivalRate / serviceRate).rounded(.down) + 1
                let advice =
                    needed <= 100_000
                    ? String(format: "use at least %.0f servers", needed)
                    : String(format: "it needs more than λ/μ = %.4g servers, over the maximum of 100000", arrivalRate / serviceRate)
                throw ValidationError(
                    String(format: "utilization ρ = λ/(cμ) = %.4g ≥ 1: the queue grows without bound; ", rho) + advice)
            }
        }

        struct Figures: Encodable {
            var meanWaitS: Double
            var probWait: Double
            var p50ResponseS: Double?
            var p99ResponseS: Double?
            var meanResponseS: Double
        }

        struct Report: Encodable {
            var servers: Int
            var arrivalRate: Double
            var serviceRate: Double
            var serviceCV2: Double
            var utilization: Double
            var customers: Int
            var seed: UInt64
            var analyticMethod: String
            var simulated: Figures
            var simulatedMeanWaitCI95: [Double]
            var analytic: Figures
            var events: Int
            var eventsPerSecond: Double
        }

        func run() throws {
            let erlang = try ErlangC(servers: servers, arrivalRate: arrivalRate, serviceRate: serviceRate)
            let exact = abs(serviceCv2 - 1) < 1e-12
            let experiment = QueueingExperiment(
                servers: servers, arrivals: .poisson(rate: arrivalRate), service: .withMean(1 / serviceRate, cv2: serviceCv2),
                customers: customers, seed: seed)
            let r = try experiment.run()
            let analytic = Figures(
                meanWaitS: exact ? erlang.meanWait : erlang.allenCunneenMeanWait(arrivalCV2: 1, serviceCV2: serviceCv2),
                probWait: erlang.probabilityOfWaiting,
                p50ResponseS: exact ? erlang.responsePercentile(0.5) : nil,
                p99ResponseS: exact ? erlang.responsePercentile(0.99) : nil,
                meanResponseS: (exact ? erlang.meanWait : erlang.allenCunneenMeanWait(arrivalCV2: 1, serviceCV2: serviceCv2)) + 1
                    / serviceRate)
            let report = Report(
                servers: servers, arrivalRate: arrivalRate, serviceRate: serviceRate, serviceCV2: serviceCv2,
                utilization: erlang.utilization, customers: customers, seed: seed,
                analyticMethod: exact ? "erlang-c (exact for M/M/c)" : "allen-cunneen (approximation; P(wait) from Erlang C)",
                simulated: Figures(
                    meanWaitS: r.meanWaitS, probWait: r.probWait, p50ResponseS: r.p50ResponseS, p99ResponseS: r.p99ResponseS,
                    meanResponseS: r.meanResponseS),
                simulatedMeanWaitCI95: [r.meanWaitCI.mean - r.meanWaitCI.halfWidth, r.meanWaitCI.mean + r.meanWaitCI.halfWidth],
                analytic: analytic, events: r.events, eventsPerSecond: r.eventsPerSecond)
            if output.format == .json {
                try printJSON(report)
                return
            }
            func s(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "—" }
            func pct(_ x: Double) -> String { String(format: "%.4f", x) }
            print(
                String(
                    format: "M/G/%d  λ = %g/s  μ = %g/s  cs² = %g  ρ = %.4f  (%d customers, seed %llu)", servers, arrivalRate, serviceRate,
                    serviceCv2, erlang.utilization, customers, seed))
            print(
                Show.grid(
                    ["", "simulated", "analytic"],
                    [
                        ["mean wait (s)", s(r.meanWaitS) + String(format: " ± %.2g", r.meanWaitCI.halfWidth), s(analytic.meanWaitS)],
                        ["P(wait > 0)", pct(r.probWait), pct(analytic.probWait)],
                        ["mean response (s)", s(r.meanResponseS), s(analytic.meanResponseS)],
                        ["p50 response (s)", s(r.p50ResponseS), s(analytic.p50ResponseS)],
                        ["p99 response (s)", s(r.p99ResponseS), s(analytic.p99ResponseS)],
                    ]))
            print("analytic: \(report.analyticMethod); ± is the 95% batch-means half-width")
            print(String(format: "engine: %d events in %.3f s = %.2f million events/s", r.events, r.wallSeconds, r.eventsPerSecond / 1e6))
        }
    }
}
