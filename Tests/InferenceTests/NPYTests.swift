import Foundation
import Testing

@testable import Inference

@Suite("NumPy .npy files")
struct NPYTests {
    @Test func roundTrip() throws {
        let t = Tensor(shape: [2, 3, 1], data: [1, -2, 3.5, 0, .pi, -1e-7])
        let back = try NPYFile.decode(NPYFile.encode(t))
        #expect(back == t)
        let v = Tensor(shape: [5], data: [1, 2, 3, 4, 5])
        #expect(try NPYFile.decode(NPYFile.encode(v)) == v)
        // The header is 64-byte aligned as numpy writes it.
        #expect((NPYFile.encode(v).count - 20) % 64 == 0)
    }

    /// Bytes numpy 2.x writes for `np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3))`
    /// (header text per numpy/lib/format.py, version 1.0).
    @Test func readsNumpyHeader() throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        header += String(repeating: " ", count: 128 - 10 - header.count - 1) + "\n"
        var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        for x in [Float](arrayLiteral: 0, 1, 2, 3, 4, 5) { withUnsafeBytes(of: x) { d.append(contentsOf: $0) } }
        let t = try NPYFile.decode(d)
        #expect(t.shape == [2, 3] && t.data == [0, 1, 2, 3, 4, 5])
    }

    @Test func errorsNameTheProblem() throws {
        func header(_ text: String, payload: Int) -> Data {
            var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.utf8.count), 0])
            d.append(contentsOf: Array(text.utf8))
            d.append(Data(count: payload))
            return d
        }
        func message(_ d: Data) -> String {
            do {
                _ = try NPYFile.decode(d, source: "x.npy")
                return ""
            } catch { return error.message }
        }
        #expect(message(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", payload: 16)).contains("float64"))
        #expect(message(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", payload: 16)).contains("Fortran"))
        #expect(message(header("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }\n", payload: 8)).contains("needs 64"))
        #expect(message(Data("hello world".utf8)).contains("not a NumPy"))
        #expect(message(Data()).contains("not a NumPy"))
    }
}
