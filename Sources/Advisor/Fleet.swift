import Foundation
import Yams

import struct Inference.ModelSource
import struct Targets.TargetConfigurations
import enum Targets.YAMLGuard

/// A fleet: many workloads planned together by `deploy-advisor sweep`, in shards that run
/// anywhere (a Kubernetes Indexed Job, a CI matrix), and combined by `deploy-advisor merge`.
///
/// The file:
///
///     name: image-services              # optional (default: the file's name)
///     defaults: { seed: 1 }             # optional: workload keys every workload starts from
///     weights: { cost: 0.4 }            # optional: preference weights (or "fit=…,cost=…")
///     config: [aks.cpu_cores=2]         # optional: target settings, as --config takes them
///     grid:                             # optional: every workload × every combination
///       p99Ms: [100, 200]               #   the p99 SLO, ms
///       loadScale: [0.5, 1, 2]          #   rps and peakRps multiplied
///       weights: [{ cost: 0.6 }, "fit=1"]
///     workloads:
///       - reports/production-aks/workload.yaml        # a workload file (its `name` is required)
///       - { file: base.yaml, name: tagger-eu, latency: { p99Ms: 80 } }   # a file with overrides
///       - { name: ocr, model: ocr.onnx, load: { rps: 5 } }              # inline
///
/// An entry takes the keys of a workload file plus `file`, `weights` and `config`; its keys
/// override the file's, which override `defaults` (nested mappings key by key). Relative paths
/// in a workload file are relative to that file; elsewhere to the fleet file.
package struct Fleet: Sendable {
    package var name: String
    /// The fleet file's path, for messages.
    package var source: String
    /// Relative paths in ``members``' workloads are relative to this folder.
    package var baseDirectory: String
    /// Every workload × grid combination, in file order.
    package var members: [FleetMember]
    /// Identifies the fleet's inputs: every member's name and input hash, the tool version and the mode.
    package var hash: String
    /// Answers from profiles and analytics only (`--quick`).
    package var quick: Bool
    /// Whether shards are balanced counting the models' measurement (see ``assumingMeasured()``).
    package var balancedWithMeasurement = true

    package static let topKeys = ["name", "defaults", "grid", "weights", "config", "workloads"]
    package static let entryKeys = ["file", "weights", "config"]
    package static let gridKeys = ["p99Ms", "loadScale", "weights"]
    /// Keys whose values are mappings merged key by key (the others are replaced whole).
    static let nestedKeys: Set<String> = ["load", "latency", "network", "accuracy"]
    /// The most members one fleet may expand to (workloads × grid).
    package static let maxMembers = 100_000

    /// Reads and expands a fleet file; checks every workload (and loads its model) so that a
    /// bad entry is reported before any work starts.
    ///
    /// - Parameters:
    ///   - path: the fleet file.
    ///   - quick: whether the sweep answers from profiles (part of every input hash).
    ///   - prices: the bytes of the pricing file the sweep uses (nil: the built-in prices);
    ///     part of every input hash, since the plans' costs and ranks depend on them.
    package static func load(path: String, quick: Bool, prices: Data? = nil) throws(WorkloadError) -> Fleet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkloadError("\(path): cannot read the fleet file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw WorkloadError("\(path): the fleet file is not UTF-8 text") }
        return try parse(text, source: path, baseDirectory: (path as NSString).deletingLastPathComponent, quick: quick, prices: prices)
    }

    /// Parses fleet text; `baseDirectory` is where its relative paths start.
    package static func parse(
        _ text: String, source: String, baseDirectory: String, quick: Bool, prices: Data? = nil
    ) throws(WorkloadError) -> Fleet {
        guard let mapping = try NodeReader.compose(text, source: source)?.mapping else {
            throw WorkloadError("\(source): the fleet file must be a mapping with a 'workloads' list")
        }
        let reader = NodeReader(source: source)
        let top = try reader.mapping(mapping, path: "", allowed: topKeys)
        let fleetName =
            try top["name"].map { n throws(WorkloadError) in try reader.string(n, "name") }
            ?? ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        var defaults = Node.Mapping([])
        if let d = top["defaults"] {
            guard let m = d.mapping else { throw reader.typeError(d, "defaults", "a mapping of workload keys") }
            _ = try reader.mapping(m, path: "defaults.", allowed: Workload.allowedKeys.filter { $0 != "name" })
            defaults = m
        }
        let weights = try top["weights"].map { n throws(WorkloadError) in try Self.weights(n, "weights", reader) } ?? PreferenceWeights()
        let config = try top["config"].map { n throws(WorkloadError) in try Self.settings(n, "config", reader) } ?? []
        let grid = try top["grid"].map { n throws(WorkloadError) in try Grid(n, reader) } ?? Grid()
        guard let list = top["workloads"] else { throw WorkloadError("\(source): key 'workloads' is required (a list of workloads)") }
        guard let entries = list.sequence, !entries.isEmpty else {
            throw reader.typeError(list, "workloads", "a non-empty list of workload files or mappings")
        }
        guard entries.count * grid.combinations <= maxMembers else {
            throw WorkloadError(
                "\(source): \(entries.count) workloads × \(grid.combinations) grid combinations is more than \(maxMembers) members; split the fleet"
            )
        }
        var members: [FleetMember] = []
        var models = ModelCache()
        var seenNames: [String: Int] = [:]
        var seenDirectories: [String: String] = [:]
        for (index, entry) in entries.enumerated() {
            let base = try Self.entry(
                entry, index: index, defaults: defaults, weights: weights, config: config, reader: reader, baseDirectory: baseDirectory)
            if let earlier = seenNames[base.name] {
                throw WorkloadError(
                    "\(reader.location(entry)): workload name '\(base.name)' is used twice (workloads \(earlier + 1) and \(index + 1)); names must be unique"
                )
            }
            seenNames[base.name] = index
            for variant in grid.variants(of: base) {
                let directory = FleetMember.directoryName(variant.name)
                if let other = seenDirectories[directory] {
                    throw WorkloadError("\(source): workloads '\(other)' and '\(variant.name)' would share the folder '\(directory)'")
                }
                seenDirectories[directory] = variant.name
                var member = variant
                member.directory = directory
                let memberSource = "\(source): workload '\(variant.name)'"
                do {
                    try member.workload.validate(source: memberSource)
                    var c = TargetConfigurations()
                    try c.apply(member.settings)
                } catch let e as WorkloadError {
                    throw e
                } catch {
                    throw WorkloadError("\(memberSource): \(error)")
                }
                let model = try models.model(member.workload, baseDirectory: baseDirectory, source: memberSource)
                member.modelKey = model.key
                member.estimatedSeconds = FleetCost.workloadSeconds(member.workload, quick: quick)
                member.calibrationSeconds = quick ? 0 : FleetCost.calibrationSeconds(macs: model.macs, batch: member.workload.batch)
                member.inputHash = try member.inputHashing(
                    modelKey: model.key, baseDirectory: baseDirectory, quick: quick, prices: prices.map(ContentHash.data) ?? "built-in")
                members.append(member)
            }
        }
        var h = "fleet-v1|\(Study.toolVersion)|quick=\(quick)"
        for m in members { h += "|\(m.name)=\(m.inputHash)" }
        return Fleet(
            name: fleetName, source: source, baseDirectory: baseDirectory, members: members, hash: ContentHash.string(h), quick: quick)
    }

    /// One entry of `workloads`: its workload (defaults ← file ← entry), weights and settings.
    static func entry(
        _ entry: Node, index: Int, defaults: Node.Mapping, weights: PreferenceWeights, config: [String], reader: NodeReader,
        baseDirectory: String
    ) throws(WorkloadError) -> FleetMember {
        let label = "workloads[\(index)]"
        var own = Node.Mapping([])
        var file: String?
        if let path = entry.scalar?.string, !path.isEmpty {
            file = path
        } else if let m = entry.mapping {
            let keys = try reader.mapping(m, path: "\(label).", allowed: Workload.allowedKeys + entryKeys)
            if let f = keys["file"] { file = try reader.string(f, "\(label).file") }
            own = Node.Mapping(m.filter { pair in !entryKeys.contains(pair.key.scalar?.string ?? "") })
        } else {
            throw reader.typeError(entry, label, "a workload file's path or a mapping of workload keys")
        }
        var merged = defaults
        if let file {
            let full = Self.resolve(file, in: baseDirectory)
            guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else {
                throw WorkloadError("\(reader.location(entry)): key '\(label).file': cannot read the workload file '\(full)'")
            }
            guard let m = try NodeReader.compose(text, source: full)?.mapping else {
                throw WorkloadError("\(full): the workload must be a mapping of keys to values (e.g. 'model: resnet50')")
            }
            merged = Self.merge(merged, Self.relocated(m, by: (file as NSString).deletingLastPathComponent))
        }
        merged = Self.merge(merged, own)
        let source = "\(reader.source) \(label)\(file.map { " (\($0))" } ?? "")"
        guard merged.contains(where: { $0.key.scalar?.string == "name" }) else {
            throw WorkloadError(
                "\(reader.location(entry)): \(label) has no name; give it 'name:' (a fleet's workloads need unique names)")
        }
        let workload = try Workload.parse(node: .mapping(merged), source: source)
        try FleetMember.checkName(workload.name, at: reader.location(entry))
        var member = FleetMember(name: workload.name, workload: workload, weights: weights, settings: config)
        if let m = entry.mapping {
            for (k, v) in m {
                switch k.scalar?.string {
                case "weights": member.weights = try Self.weights(v, "\(label).weights", reader)
                case "config": member.settings += try Self.settings(v, "\(label).config", reader)
                default: break
                }
            }
        }
        return member
    }

    /// `over`'s keys replace `base`'s; the nested mappings (load, latency, …) merge key by key.
    static func merge(_ base: Node.Mapping, _ over: Node.Mapping) -> Node.Mapping {
        var pairs: [(Node, Node)] = []
        let overByKey = Dictionary(over.map { ($0.key.scalar?.string ?? "", $0.value) }, uniquingKeysWith: { a, _ in a })
        var used: Set<String> = []
        for (k, v) in base {
            let key = k.scalar?.string ?? ""
            guard let o = overByKey[key] else {
                pairs.append((k, v))
                continue
            }
            used.insert(key)
            if nestedKeys.contains(key), let bm = v.mapping, let om = o.mapping {
                pairs.append((k, .mapping(merge(bm, om))))
            } else {
                pairs.append((k, o))
            }
        }
        for (k, v) in over where !used.contains(k.scalar?.string ?? "") { pairs.append((k, v)) }
        return Node.Mapping(pairs)
    }

    /// A workload file's relative paths (model files, trace, samples) restated from `folder`,
    /// the file's folder relative to the fleet file.
    static func relocated(_ m: Node.Mapping, by folder: String) -> Node.Mapping {
        guard !folder.isEmpty else { return m }
        func moved(_ n: Node) -> Node {
            guard let s = n.scalar?.string, !s.isEmpty, !s.hasPrefix("/") else { return n }
            return Node(folder + "/" + s, .init(.str), .doubleQuoted)
        }
        func inside(_ n: Node, _ key: String) -> Node {
            guard let m = n.mapping else { return n }
            return .mapping(Node.Mapping(m.map { ($0.key, $0.key.scalar?.string == key ? moved($0.value) : $0.value) }))
        }
        return Node.Mapping(
            m.map { pair -> (Node, Node) in
                switch pair.key.scalar?.string {
                case "model" where ModelSource.isONNXPath(pair.value.scalar?.string ?? ""): (pair.key, moved(pair.value))
                case "load": (pair.key, inside(pair.value, "traceFile"))
                case "accuracy": (pair.key, inside(pair.value, "samples"))
                default: (pair.key, pair.value)
                }
            })
    }

    /// `path` against the fleet file's folder (absolute paths as they are).
    package static func resolve(_ path: String, in baseDirectory: String) -> String {
        path.hasPrefix("/") || baseDirectory.isEmpty ? path : baseDirectory + "/" + path
    }

    static func weights(_ n: Node, _ key: String, _ reader: NodeReader) throws(WorkloadError) -> PreferenceWeights {
        if let m = n.mapping {
            let keys = try reader.mapping(m, path: key + ".", allowed: ["fit", "cost", "latency", "deploy"])
            var w = PreferenceWeights()
            for (name, v) in keys {
                let x = try reader.double(v, "\(key).\(name)")
                guard x >= 0 else {
                    throw WorkloadError("\(reader.location(v)): key '\(key).\(name)': value \(x) is out of range; allowed: a number ≥ 0")
                }
                switch name {
                case "fit": w.fit = x
                case "cost": w.cost = x
                case "latency": w.latency = x
                default: w.deploy = x
                }
            }
            return w
        }
        let text = try reader.string(n, key)
        do {
            return try PreferenceWeights(parsing: text)
        } catch {
            throw WorkloadError("\(reader.location(n)): key '\(key)': \(error.message.replacingOccurrences(of: "--weights: ", with: ""))")
        }
    }

    static func settings(_ n: Node, _ key: String, _ reader: NodeReader) throws(WorkloadError) -> [String] {
        guard let seq = n.sequence else { throw reader.typeError(n, key, "a list of target settings such as [aks.cpu_cores=2]") }
        var out: [String] = []
        for item in seq { out.append(try reader.string(item, key)) }
        return out
    }

    /// The grid: each axis a list of values; every workload runs at every combination.
    struct Grid {
        var p99Ms: [Double] = []
        var loadScale: [Double] = []
        var weights: [PreferenceWeights] = []

        init() {}

        init(_ n: Node, _ reader: NodeReader) throws(WorkloadError) {
            guard let m = n.mapping else { throw reader.typeError(n, "grid", "a mapping such as { p99Ms: [100, 200], loadScale: [1, 2] }") }
            let keys = try reader.mapping(m, path: "grid.", allowed: Fleet.gridKeys)
            func list(_ key: String) throws(WorkloadError) -> [Node] {
                guard let v = keys[key] else { return [] }
                guard let seq = v.sequence, !seq.isEmpty else { throw reader.typeError(v, "grid.\(key)", "a non-empty list") }
                return Array(seq)
            }
            for v in try list("p99Ms") {
                let x = try reader.double(v, "grid.p99Ms")
                guard x > 0 else {
                    throw WorkloadError("\(reader.location(v)): key 'grid.p99Ms': value \(x) is out of range; allowed: > 0")
                }
                p99Ms.append(x)
            }
            for v in try list("loadScale") {
                let x = try reader.double(v, "grid.loadScale")
                guard x > 0, x <= 1e6 else {
                    throw WorkloadError(
                        "\(reader.location(v)): key 'grid.loadScale': value \(x) is out of range; allowed: > 0 and ≤ 1000000")
                }
                loadScale.append(x)
            }
            for v in try list("weights") { weights.append(try Fleet.weights(v, "grid.weights", reader)) }
        }

        var combinations: Int { max(1, p99Ms.count) * max(1, loadScale.count) * max(1, weights.count) }

        /// `base` at every combination, named `name[p99Ms=100,loadScale=2,weights=1]` (only
        /// the grid's axes; weights by their 1-based position in the list).
        func variants(of base: FleetMember) -> [FleetMember] {
            let slos: [Double?] = p99Ms.isEmpty ? [nil] : p99Ms
            let scales: [Double?] = loadScale.isEmpty ? [nil] : loadScale
            let ws: [(Int, PreferenceWeights)?] = weights.isEmpty ? [nil] : weights.enumerated().map { ($0.offset + 1, $0.element) }
            var out: [FleetMember] = []
            for slo in slos {
                for scale in scales {
                    for w in ws {
                        var m = base
                        var tags: [String] = []
                        if let slo {
                            m.workload.latency.p99Ms = slo
                            tags.append("p99Ms=\(Self.number(slo))")
                        }
                        if let scale {
                            m.workload.load.rps *= scale
                            m.workload.load.peakRps = m.workload.load.peakRps.map { $0 * scale }
                            tags.append("loadScale=\(Self.number(scale))")
                        }
                        if let w {
                            m.weights = w.1
                            tags.append("weights=\(w.0)")
                        }
                        if !tags.isEmpty {
                            m.name = base.name + "[" + tags.joined(separator: ",") + "]"
                            m.workload.name = m.name
                        }
                        out.append(m)
                    }
                }
            }
            return out
        }

        static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
    }

    /// Each distinct model loaded once while a fleet is read (its cache key and work size).
    struct ModelCache {
        var known: [String: (key: String, macs: Int)] = [:]

        mutating func model(_ w: Workload, baseDirectory: String, source: String) throws(WorkloadError) -> (key: String, macs: Int) {
            let spec = ModelSource.isONNXPath(w.model) ? Fleet.resolve(w.model, in: baseDirectory) : w.model
            let id = spec + "|" + w.inputShapes.keys.sorted().map { "\($0)=\(w.inputShapes[$0]!)" }.joined(separator: ",")
            if let k = known[id] { return k }
            do {
                let m = try ModelSource.load(spec, inputShapes: w.modelInputShapes)
                let entry = (key: m.cacheKey, macs: try m.architecture.profile().macs)
                known[id] = entry
                return entry
            } catch {
                throw WorkloadError("\(source): key 'model': \(error)")
            }
        }
    }
}

/// One workload of a fleet at one grid combination.
package struct FleetMember: Sendable {
    /// Unique in the fleet: the entry's name, with the grid combination in brackets.
    package var name: String
    /// The member's folder under a sweep's `workloads/` (its name with other characters as `_`).
    package var directory = ""
    /// Relative paths in it are relative to the fleet file's folder.
    package var workload: Workload
    package var weights: PreferenceWeights
    /// Target settings (`aks.cpu_cores=2`), applied in order.
    package var settings: [String]
    /// The model's calibration cache key.
    package var modelKey = ""
    /// Identifies everything the member's answer depends on (see ``inputHashing``).
    package var inputHash = ""
    /// Estimated seconds to plan it once its model is measured, and to measure its model.
    package var estimatedSeconds = 0.0
    package var calibrationSeconds = 0.0

    init(name: String, workload: Workload, weights: PreferenceWeights, settings: [String]) {
        self.name = name
        self.workload = workload
        self.weights = weights
        self.settings = settings
    }

    /// Letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters.
    static func checkName(_ name: String, at location: String) throws(WorkloadError) {
        let ok =
            name.count <= 100 && name.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
        guard ok else {
            throw WorkloadError(
                "\(location): workload name '\(name)' is not allowed; allowed: up to 100 letters, digits, '.', '_' and '-', starting with a letter or digit"
            )
        }
    }

    static func directoryName(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") ? $0 : "_" })
    }

    /// The workload with its paths resolved against the fleet file's folder.
    package func resolvedWorkload(baseDirectory: String) -> Workload {
        var w = workload
        if ModelSource.isONNXPath(w.model) { w.model = Fleet.resolve(w.model, in: baseDirectory) }
        w.load.traceFile = w.load.traceFile.map { Fleet.resolve($0, in: baseDirectory) }
        w.accuracySamples = w.accuracySamples.map { Fleet.resolve($0, in: baseDirectory) }
        return w
    }

    /// The hash of the workload as written (JSON, sorted keys), the weights, the settings, the
    /// mode, the prices, the tool version and the contents of the files it names (the model through its
    /// cache key, which hashes an ONNX file's bytes; the trace; the accuracy samples).
    func inputHashing(modelKey: String, baseDirectory: String, quick: Bool, prices: String) throws(WorkloadError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = "member-v1|\(Study.toolVersion)|quick=\(quick)|prices=\(prices)|model=\(modelKey)"
        do {
            text += "|" + String(decoding: try encoder.encode(workload), as: UTF8.self)
            text += "|" + String(decoding: try encoder.encode(weights), as: UTF8.self)
        } catch {
            throw WorkloadError("workload '\(name)': cannot be encoded: \(error)")
        }
        text += "|settings=" + settings.joined(separator: ";")
        var files: [String] = []
        if let t = workload.load.traceFile { files.append(Fleet.resolve(t, in: baseDirectory)) }
        if !quick, let dir = workload.accuracySamples.map({ Fleet.resolve($0, in: baseDirectory) }) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".npy") }.sorted()
            files += names.map { dir + "/" + $0 }
        }
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                throw WorkloadError("workload '\(name)': cannot read '\(f)'")
            }
            text += "|\((f as NSString).lastPathComponent)=\(ContentHash.data(data))"
        }
        return ContentHash.string(text)
    }
}

/// FNV-1a, 64 bits, as hexadecimal: a fingerprint for change detection (not a security hash).
package enum ContentHash {
    package static func data(_ d: Data) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        d.withUnsafeBytes { raw in
            for b in raw.bindMemory(to: UInt8.self) {
                h ^= UInt64(b)
                h = h &* 0x0000_0100_0000_01B3
            }
        }
        return String(format: "%016llx", h)
    }

    package static func string(_ s: String) -> String { data(Data(s.utf8)) }
}
