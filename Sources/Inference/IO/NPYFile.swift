import Foundation

/// Reading and writing NumPy `.npy` files (format versions 1.0–3.0) holding float32
/// arrays in C order, the field's common exchange format.
///
/// Format: the magic `\x93NUMPY`, a major and minor version byte, the header length
/// (2 bytes little-endian in 1.0, 4 bytes in 2.0/3.0), an ASCII Python dict literal with
/// `descr`, `fortran_order` and `shape`, padded so the data starts 64-byte aligned, then
/// the raw elements. See numpy's `numpy/lib/format.py`.
package enum NPYFile {
    /// Reads a float32 array.
    ///
    /// - Throws: ``InferenceError`` naming the file and the problem (not a .npy file, a
    ///   dtype other than little-endian float32, Fortran order, truncated data).
    package static func read(path: String) throws(InferenceError) -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InferenceError("\(path): cannot read the file (missing or unreadable)")
        }
        return try decode(data, source: path)
    }

    /// Decodes `.npy` bytes.
    package static func decode(_ data: Data, source: String = "array") throws(InferenceError) -> Tensor {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw InferenceError("\(source): not a NumPy .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw InferenceError("\(source): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw InferenceError("\(source): unsupported .npy format version \(major).\(bytes[7]) (supported: 1.0, 2.0, 3.0)")
        }
        guard headerStart + headerLength <= bytes.count,
            let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
        else { throw InferenceError("\(source): truncated or non-text .npy header") }

        guard let descr = field("descr", in: header) else {
            throw InferenceError("\(source): .npy header has no 'descr' (dtype): \(header)")
        }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard dtype == "<f4" || dtype == "|f4" || dtype == "f4" else {
            let names = [
                "<f8": "float64", "<f2": "float16", "<i4": "int32", "<i8": "int64", "|u1": "uint8", ">f4": "big-endian float32",
                "|b1": "bool",
            ]
            throw InferenceError(
                "\(source): array dtype is '\(dtype)'\(names[dtype].map { " (\($0))" } ?? ""); expected little-endian float32 ('<f4'); convert with x.astype(numpy.float32)"
            )
        }
        if let fortran = field("fortran_order", in: header), fortran.contains("True") {
            throw InferenceError("\(source): array is in Fortran order; expected C order (numpy.ascontiguousarray(x))")
        }
        guard let shapeText = field("shape", in: header) else {
            throw InferenceError("\(source): .npy header has no 'shape': \(header)")
        }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else {
                throw InferenceError("\(source): bad shape '\(shapeText.prefix(200))' in .npy header")
            }
            shape.append(d)
            // NumPy's own limit (NPY_MAXDIMS is 64 since NumPy 2.0).
            guard shape.count <= 64 else { throw InferenceError("\(source): the array has more than 64 dimensions (NumPy's limit)") }
        }
        var count = 1
        for d in shape {
            let (m, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, m <= 1 << 34 else { throw InferenceError("\(source): shape \(describe(shape)) is too large") }
            count = m
        }
        let start = headerStart + headerLength
        guard bytes.count - start >= count * 4 else {
            throw InferenceError(
                "\(source): file holds \(bytes.count - start) data bytes, shape \(describe(shape)) needs \(count * 4)")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + count * 4)]))
            }
        }
        return Tensor(shape: shape.isEmpty ? [1] : shape, data: values)
    }

    /// Extracts the text of `'key': value` from a header dict (value up to the next top-level comma).
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " || $0 == ":" }
        var depth = 0
        var out = ""
        while let ch = rest.first {
            if ch == "(" { depth += 1 }
            if ch == ")" {
                depth -= 1
                if depth == 0 {
                    out.append(ch)
                    break
                }
            }
            if ch == "," && depth == 0 { break }
            if ch == "}" && depth == 0 { break }
            out.append(ch)
            rest = rest.dropFirst()
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Encodes a float32 array as `.npy`: version 1.0 (a 16-bit header length), or 2.0 (32-bit)
    /// when the header does not fit 65,535 bytes, as NumPy's `write_array` does.
    package static func encode(_ tensor: Tensor) -> Data {
        let shapeText =
            tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        let dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var prefix = 10
        if 10 + dictionary.utf8.count + 1 + 63 > Int(UInt16.max) {
            version = 2
            prefix = 12
        }
        let unpadded = prefix + dictionary.utf8.count + 1
        let header = dictionary + String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0])
        let length = header.utf8.count
        for k in 0..<(version == 1 ? 2 : 4) { data.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
        data.append(contentsOf: Array(header.utf8))
        tensor.data.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Writes a float32 array atomically (a temporary file renamed into place).
    ///
    /// - Throws: ``InferenceError`` naming the path when it cannot be written.
    package static func write(_ tensor: Tensor, path: String) throws(InferenceError) {
        do {
            try encode(tensor).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw InferenceError("\(path): cannot write the array: \(error.localizedDescription)")
        }
    }
}
