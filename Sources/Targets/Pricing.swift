import Foundation
import Yams

/// One price with where it comes from.
package struct Price: Sendable, Codable, Equatable {
    package var usd: Double
    /// The date the price was read, `YYYY-MM-DD`.
    package var asOf: String
    package var source: String
    /// True when no public price exists and the figure is this tool's estimate.
    package var estimate: Bool

    package init(usd: Double, asOf: String, source: String, estimate: Bool = false) {
        self.usd = usd
        self.asOf = asOf
        self.source = source
        self.estimate = estimate
    }
}

/// The prices the cost model uses; defaults below, every one overridable from a YAML file
/// (`--pricing FILE`, same keys as ``Pricing/defaultYAML``).
package struct Pricing: Sendable, Codable, Equatable {
    /// ACI Linux, per vCPU-second.
    package var aciVcpuSecond: Price
    /// ACI Linux, per GB-second of memory.
    package var aciGbSecond: Price
    /// AKS node VM prices per hour, by size.
    package var aksNodeHour: [String: Price]
    /// AKS control plane per hour (free tier).
    package var aksControlPlaneHour: Price
    /// Managed online endpoint instances per hour, by instance type: Azure ML adds no charge of
    /// its own, an instance is billed as its VM.
    package var managedInstanceHour: [String: Price]
    /// IoT Hub S1, per unit-month.
    package var iotHubUnitMonth: Price
    /// Edge device hardware, by device id (amortized over ``edgeAmortizationMonths``).
    package var edgeDevice: [String: Price]
    package var edgeAmortizationMonths: Double
    /// Standard_PB6s FPGA VM per hour.
    package var fpgaVmHour: Price

    static let managedSource =
        "Azure Machine Learning pricing: managed online endpoints bill the instance type's VM per hour (no Azure ML surcharge); Azure VM pricing, Linux pay-as-you-go, East US (approximate)"

    /// Hours in a month for monthly figures (730 = 8760 / 12, Azure's convention).
    package static let hoursPerMonth = 730.0

    package static let defaults = Pricing(
        aciVcpuSecond: Price(usd: 0.0000135, asOf: "2024-05-01", source: "Azure Container Instances pricing, Linux, per vCPU-second"),
        aciGbSecond: Price(usd: 0.0000015, asOf: "2024-05-01", source: "Azure Container Instances pricing, Linux, per GB-second"),
        aksNodeHour: [
            "Standard_D3_v2": Price(usd: 0.229, asOf: "2024-05-01", source: "Azure VM pricing, Linux pay-as-you-go, East US (approximate)"),
            "Standard_D4s_v3": Price(usd: 0.192, asOf: "2024-05-01", source: "Azure VM pricing, Linux pay-as-you-go, East US"),
            "Standard_F8s_v2": Price(
                usd: 0.338, asOf: "2024-05-01", source: "Azure VM pricing, Linux pay-as-you-go, East US (approximate)"),
        ],
        aksControlPlaneHour: Price(usd: 0, asOf: "2024-05-01", source: "AKS free tier: the control plane is not billed"),
        managedInstanceHour: [
            "Standard_DS2_v2": Price(usd: 0.146, asOf: "2024-05-01", source: managedSource),
            "Standard_DS3_v2": Price(usd: 0.293, asOf: "2024-05-01", source: managedSource),
            "Standard_DS4_v2": Price(usd: 0.585, asOf: "2024-05-01", source: managedSource),
            "Standard_F2s_v2": Price(usd: 0.0846, asOf: "2024-05-01", source: managedSource),
            "Standard_F4s_v2": Price(usd: 0.169, asOf: "2024-05-01", source: managedSource),
            "Standard_F8s_v2": Price(usd: 0.338, asOf: "2024-05-01", source: managedSource),
            "Standard_F16s_v2": Price(usd: 0.677, asOf: "2024-05-01", source: managedSource),
        ],
        iotHubUnitMonth: Price(usd: 25, asOf: "2024-05-01", source: "Azure IoT Hub S1, per unit per month (400,000 messages/day)"),
        edgeDevice: [
            "rpi4": Price(
                usd: 75, asOf: "2024-05-01", source: "Raspberry Pi 4 Model B 4 GB list price plus power supply and card (approximate)"),
            "jetson-nano": Price(usd: 149, asOf: "2024-05-01", source: "NVIDIA Jetson Nano developer kit list price (approximate)"),
            "nuc": Price(usd: 600, asOf: "2024-05-01", source: "Intel NUC 11 Pro i5 configured with 16 GB and SSD (approximate)"),
        ],
        edgeAmortizationMonths: 36,
        fpgaVmHour: Price(
            usd: 1.65, asOf: "2024-05-01",
            source: "no public price found for Standard_PB6s; estimate from comparable 6-vCPU accelerator VM sizes", estimate: true))

    /// The defaults as YAML (what `--pricing` files look like).
    package static var defaultYAML: String {
        (try? YAMLEncoder().encode(defaults)) ?? ""
    }

    /// Reads a pricing file: any key left out keeps its default.
    ///
    /// - Throws: ``TargetError`` naming the file and the problem.
    package static func load(path: String) throws(TargetError) -> Pricing {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TargetError("\(path): cannot read the pricing file")
        }
        if let problem = YAMLGuard.aliasProblem(in: text, source: path) { throw TargetError(problem) }
        // Merge the file over the defaults so partial files work.
        do {
            guard let override = try Yams.load(yaml: text) as? [String: Any] else {
                throw TargetError("\(path): the pricing file must be a mapping (see `deploy-advisor pricing` for the keys)")
            }
            guard var base = try Yams.load(yaml: defaultYAML) as? [String: Any] else { return defaults }
            let known = Set(base.keys)
            for (k, v) in override {
                guard known.contains(k) else {
                    throw TargetError("\(path): unknown key '\(k)'; allowed: \(known.sorted().joined(separator: ", "))")
                }
                if var inner = base[k] as? [String: Any], let o = v as? [String: Any] {
                    for (ik, iv) in o { inner[ik] = merge(inner[ik], iv) }
                    base[k] = inner
                } else {
                    base[k] = v
                }
            }
            let merged = try Yams.dump(object: base)
            return try YAMLDecoder().decode(Pricing.self, from: merged)
        } catch let e as TargetError {
            throw e
        } catch {
            throw TargetError("\(path): not a valid pricing file: \(error)")
        }
    }

    private static func merge(_ a: Any?, _ b: Any) -> Any {
        if var am = a as? [String: Any], let bm = b as? [String: Any] {
            for (k, v) in bm { am[k] = merge(am[k], v) }
            return am
        }
        return b
    }
}

/// Money and counts in tables and sentences: fixed decimals with thousands grouped ("12,045.00").
package enum Grouped {
    /// An amount of money as every sentence and table prints it: "USD 3,613.50".
    package static func usd(_ x: Double) -> String { "USD " + fixed(x) }

    package static func fixed(_ x: Double, _ decimals: Int = 2) -> String {
        guard x.isFinite else { return "—" }
        let text = String(format: "%.\(decimals)f", abs(x))
        let parts = text.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var groups: [String] = []
        while whole.count > 3 {
            groups.insert(String(whole.suffix(3)), at: 0)
            whole.removeLast(3)
        }
        groups.insert(whole, at: 0)
        return (x < 0 ? "-" : "") + groups.joined(separator: ",") + (parts.count > 1 ? "." + parts[1] : "")
    }
}
