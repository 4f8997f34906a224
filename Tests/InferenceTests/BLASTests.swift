import Testing

@testable import Inference

/// `BLAS.sgemm` routes row vectors (m = 1) and column vectors (n = 1) to sgemv; every
/// transpose combination, leading dimensions wider than the matrix, alpha and beta are checked
/// against a naive double-precision product. Tolerance: 1e-5 relative to the largest |C|.
@Suite("BLAS wrapper")
struct BLASTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var m: Int, n: Int, k: Int, transA: Bool, transB: Bool
        var testDescription: String { "m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB)" }
    }

    static let cases: [Case] = {
        var list: [Case] = []
        for (m, n, k) in [(1, 37, 53), (29, 1, 41), (1, 1, 19), (7, 13, 5)] {
            for ta in [false, true] { for tb in [false, true] { list.append(Case(m: m, n: n, k: k, transA: ta, transB: tb)) } }
        }
        return list
    }()

    @Test(arguments: cases)
    func matchesNaiveProduct(_ c: Case) {
        // Stored shapes (row-major) with 3 extra columns of padding to exercise lda/ldb/ldc.
        let (aRows, aCols) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bCols) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = aCols + 3
        let ldb = bCols + 3
        let ldc = c.n + 3
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
        }
        let a = (0..<(aRows * lda)).map { _ in next() }
        let b = (0..<(bRows * ldb)).map { _ in next() }
        var cMat = (0..<(c.m * ldc)).map { _ in next() }
        let alpha: Float = 0.75
        let beta: Float = 0.5
        var expected = cMat
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s = 0.0
                for p in 0..<c.k {
                    let av = c.transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = c.transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                expected[i * ldc + j] = Float(Double(alpha) * s + Double(beta) * Double(cMat[i * ldc + j]))
            }
        }
        cMat.withUnsafeMutableBufferPointer { cp in
            BLAS.sgemm(
                transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
                c: cp.baseAddress!, ldc: ldc)
        }
        let scale = expected.map { abs($0) }.max()!
        var worst: Float = 0
        for i in 0..<c.m { for j in 0..<c.n { worst = max(worst, abs(cMat[i * ldc + j] - expected[i * ldc + j])) } }
        #expect(worst <= 1e-5 * scale, "\(c.testDescription): max error \(worst)")
        // Padding columns of C are untouched.
        for i in 0..<c.m { for j in c.n..<ldc { #expect(cMat[i * ldc + j] == expected[i * ldc + j]) } }
    }
}
