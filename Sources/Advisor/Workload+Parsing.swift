import Foundation
import Yams

import struct FPGAEmulation.AccuracyFloor
import struct Inference.ModelSource
import enum Targets.YAMLGuard

// MARK: - Reading YAML and JSON

extension Workload {
    /// Every key the workload file accepts, with nested keys as `parent.child`.
    package static let allowedKeys: [String] = [
        "name", "model", "batch", "payloadBytes", "load", "latency", "environment", "requestsFrom", "connectivity", "privacy",
        "dataMBps", "deployDeadlineMinutes", "existingCluster", "budgetUSDPerMonth", "devices", "devicesInstalled", "network", "seed",
        "inputShapes", "accuracy",
    ]
    static let accuracyKeys = ["minTop1Agreement", "minSqnrDb", "samples"]
    static let loadKeys = ["rps", "peakRps", "pattern", "traceFile", "durationSeconds"]
    static let latencyKeys = ["p50Ms", "p95Ms", "p99Ms"]
    static let networkKeys = ["rttMs", "uplinkMbps"]

    /// Reads a workload file (YAML or JSON, chosen by content: JSON is YAML).
    ///
    /// - Parameter path: the file's path.
    /// - Throws: ``WorkloadError`` naming the file, the key, the value and what is allowed.
    package static func load(path: String) throws(WorkloadError) -> Workload {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkloadError("\(path): cannot read the workload file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WorkloadError("\(path): the workload file is not UTF-8 text")
        }
        var workload = try parse(text, source: path)
        // Relative trace and model files are relative to the workload file.
        let dir = (path as NSString).deletingLastPathComponent
        func besideTheFile(_ file: String) -> String { file.hasPrefix("/") || dir.isEmpty ? file : dir + "/" + file }
        if let trace = workload.load.traceFile { workload.load.traceFile = besideTheFile(trace) }
        if ModelSource.isONNXPath(workload.model) { workload.model = besideTheFile(workload.model) }
        if let samples = workload.accuracySamples { workload.accuracySamples = besideTheFile(samples) }
        return workload
    }

    /// Parses workload text (YAML or JSON) and validates it.
    ///
    /// - Parameters:
    ///   - text: the document.
    ///   - source: a name for messages (the file path).
    package static func parse(_ text: String, source: String = "workload") throws(WorkloadError) -> Workload {
        guard let root = try NodeReader.compose(text, source: source) else {
            throw WorkloadError("\(source): the workload must be a mapping of keys to values (e.g. 'model: resnet50')")
        }
        return try parse(node: root, source: source)
    }

    /// Parses and validates a workload given as a YAML mapping node (a workload file's root, or
    /// a fleet file's entry with its overrides applied).
    package static func parse(node root: Node, source: String) throws(WorkloadError) -> Workload {
        guard let mapping = root.mapping else {
            throw WorkloadError("\(source): the workload must be a mapping of keys to values (e.g. 'model: resnet50')")
        }
        let reader = NodeReader(source: source)
        let top = try reader.mapping(mapping, path: "", allowed: allowedKeys)
        guard let modelNode = top["model"] else {
            throw WorkloadError("\(source): key 'model' is required (a built-in model name or a path to an .onnx file)")
        }
        var w = Workload(model: try reader.string(modelNode, "model"))
        if let n = top["name"] { w.name = try reader.string(n, "name") }
        if let n = top["batch"] { w.batch = try reader.int(n, "batch") }
        if let n = top["payloadBytes"] { w.payloadBytes = try reader.int(n, "payloadBytes") }
        if let n = top["load"] {
            guard let m = n.mapping else { throw reader.typeError(n, "load", "a mapping (rps, peakRps, pattern, …)") }
            let load = try reader.mapping(m, path: "load.", allowed: loadKeys)
            if let v = load["rps"] { w.load.rps = try reader.double(v, "load.rps") }
            if let v = load["peakRps"] { w.load.peakRps = try reader.double(v, "load.peakRps") }
            if let v = load["pattern"] { w.load.pattern = try reader.choice(v, "load.pattern") }
            if let v = load["traceFile"] { w.load.traceFile = try reader.string(v, "load.traceFile") }
            if let v = load["durationSeconds"] { w.load.durationSeconds = try reader.double(v, "load.durationSeconds") }
        }
        if let n = top["accuracy"] {
            guard let m = n.mapping else { throw reader.typeError(n, "accuracy", "a mapping such as { minTop1Agreement: 0.99 }") }
            let acc = try reader.mapping(m, path: "accuracy.", allowed: accuracyKeys)
            var floor = AccuracyFloor()
            if let v = acc["minTop1Agreement"] { floor.minTop1Agreement = try reader.double(v, "accuracy.minTop1Agreement") }
            if let v = acc["minSqnrDb"] { floor.minSqnrDb = try reader.double(v, "accuracy.minSqnrDb") }
            if let v = acc["samples"] { w.accuracySamples = try reader.string(v, "accuracy.samples") }
            if floor.minTop1Agreement != nil || floor.minSqnrDb != nil { w.accuracy = floor }
        }
        if let n = top["latency"] {
            guard let m = n.mapping else { throw reader.typeError(n, "latency", "a mapping such as { p99Ms: 50 }") }
            let lat = try reader.mapping(m, path: "latency.", allowed: latencyKeys)
            if let v = lat["p50Ms"] { w.latency.p50Ms = try reader.double(v, "latency.p50Ms") }
            if let v = lat["p95Ms"] { w.latency.p95Ms = try reader.double(v, "latency.p95Ms") }
            if let v = lat["p99Ms"] { w.latency.p99Ms = try reader.double(v, "latency.p99Ms") }
        }
        if let n = top["environment"] { w.environment = try reader.choice(n, "environment") }
        if let n = top["requestsFrom"] { w.requestsFrom = try reader.choice(n, "requestsFrom") }
        if let n = top["connectivity"] { w.connectivity = try reader.choice(n, "connectivity") }
        if let n = top["privacy"] { w.privacy = try reader.choice(n, "privacy") }
        if let n = top["dataMBps"] { w.dataMBps = try reader.double(n, "dataMBps") }
        if let n = top["deployDeadlineMinutes"] {
            w.deployDeadlineMinutes = try reader.double(n, "deployDeadlineMinutes")
        }
        if let n = top["existingCluster"] { w.existingCluster = try reader.bool(n, "existingCluster") }
        if let n = top["budgetUSDPerMonth"] { w.budgetUSDPerMonth = try reader.double(n, "budgetUSDPerMonth") }
        if let n = top["devices"] { w.devices = try reader.int(n, "devices") }
        if let n = top["devicesInstalled"] { w.devicesInstalled = try reader.bool(n, "devicesInstalled") }
        if let n = top["inputShapes"] {
            let allowed = "a mapping from input name to its full shape, e.g. { images: [1, 3, 640, 640] }"
            guard let m = n.mapping else { throw reader.typeError(n, "inputShapes", allowed) }
            for (k, v) in m {
                guard let name = k.scalar?.string, !name.isEmpty else { throw reader.typeError(k, "inputShapes", allowed) }
                guard let seq = v.sequence, !seq.isEmpty else { throw reader.typeError(v, "inputShapes.\(name)", allowed) }
                var dims: [Int] = []
                for d in seq {
                    let x = try reader.int(d, "inputShapes.\(name)")
                    guard x > 0, x <= 1 << 30 else {
                        throw WorkloadError(
                            "\(reader.location(d)): key 'inputShapes.\(name)': value \(x) is not allowed; allowed: sizes from 1 to 2^30")
                    }
                    dims.append(x)
                }
                guard w.inputShapes[name] == nil else {
                    throw WorkloadError("\(reader.location(k)): key 'inputShapes.\(name)' appears twice")
                }
                w.inputShapes[name] = dims
            }
        }
        if let n = top["network"] {
            guard let m = n.mapping else { throw reader.typeError(n, "network", "a mapping such as { rttMs: 40, uplinkMbps: 20 }") }
            let net = try reader.mapping(m, path: "network.", allowed: networkKeys)
            if let v = net["rttMs"] { w.network.rttMs = try reader.double(v, "network.rttMs") }
            if let v = net["uplinkMbps"] { w.network.uplinkMbps = try reader.double(v, "network.uplinkMbps") }
        }
        if let n = top["seed"] {
            let s = try reader.int(n, "seed")
            guard s >= 0 else { throw WorkloadError("\(source): key 'seed': value \(s) is out of range; allowed: an integer ≥ 0") }
            w.seed = UInt64(s)
        }
        try w.validate(source: source)
        return w
    }
}

/// Reads typed scalars from YAML nodes, with errors that name the key and the value.
struct NodeReader {
    let source: String

    /// The document's root node (nil when empty), refusing aliases (see ``YAMLGuard``).
    static func compose(_ text: String, source: String) throws(WorkloadError) -> Node? {
        if let problem = YAMLGuard.aliasProblem(in: text, source: source) { throw WorkloadError(problem) }
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw WorkloadError("\(source): not valid YAML or JSON: \(error)")
        }
    }

    func location(_ node: Node) -> String {
        if let mark = node.mark { return "\(source):\(mark.line)" }
        return source
    }

    func shown(_ node: Node) -> String {
        if let s = node.scalar { return "'\(s.string)'" }
        if node.mapping != nil { return "a mapping" }
        return "a list"
    }

    func typeError(_ node: Node, _ key: String, _ allowed: String) -> WorkloadError {
        WorkloadError("\(location(node)): key '\(key)': value \(shown(node)) has the wrong type; allowed: \(allowed)")
    }

    func mapping(_ m: Node.Mapping, path: String, allowed: [String]) throws(WorkloadError) -> [String: Node] {
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw typeError(k, path + "?", "string keys") }
            guard allowed.contains(key) else {
                throw WorkloadError(
                    "\(location(k)): unknown key '\(path)\(key)'; allowed keys\(path.isEmpty ? "" : " under '\(path.dropLast())'"): \(allowed.joined(separator: ", "))"
                )
            }
            guard out[key] == nil else { throw WorkloadError("\(location(k)): key '\(path)\(key)' appears twice") }
            out[key] = v
        }
        return out
    }

    private func isQuoted(_ node: Node) -> Bool {
        guard let s = node.scalar else { return false }
        return s.style == .singleQuoted || s.style == .doubleQuoted
    }

    func string(_ node: Node, _ key: String) throws(WorkloadError) -> String {
        guard let s = node.scalar, node.tag.description != "tag:yaml.org,2002:null", !s.string.isEmpty || isQuoted(node) else {
            throw typeError(node, key, "a string")
        }
        guard !s.string.isEmpty else { throw WorkloadError("\(location(node)): key '\(key)': value is empty; allowed: a non-empty string") }
        return s.string
    }

    func double(_ node: Node, _ key: String) throws(WorkloadError) -> Double {
        guard !isQuoted(node), let v = node.float, v.isFinite else { throw typeError(node, key, "a number") }
        return v
    }

    func int(_ node: Node, _ key: String) throws(WorkloadError) -> Int {
        guard !isQuoted(node), let v = node.int else { throw typeError(node, key, "an integer") }
        return v
    }

    func bool(_ node: Node, _ key: String) throws(WorkloadError) -> Bool {
        guard !isQuoted(node), let v = node.bool else { throw typeError(node, key, "true or false") }
        return v
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ key: String) throws(WorkloadError) -> T
    where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue).joined(separator: " | ")
        guard let s = node.scalar?.string else { throw typeError(node, key, allowed) }
        guard let v = T(rawValue: s) else {
            throw WorkloadError("\(location(node)): key '\(key)': value '\(s)' is not allowed; allowed: \(allowed)")
        }
        return v
    }
}
