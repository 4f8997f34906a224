import COpenBLAS
import Foundation

/// Thin, allocation-free access to OpenBLAS.
package enum BLAS {
    /// Sets the number of OpenBLAS threads (clamped to at least 1).
    package static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The number of threads OpenBLAS will use.
    package static var threads: Int { Int(openblas_get_num_threads()) }

    /// OpenBLAS's build and kernel description, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`.
    package static var configuration: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c).trimmingCharacters(in: .whitespaces)
    }

    /// The core type OpenBLAS selected at run time (e.g. `Haswell`, `SkylakeX`).
    package static var coreName: String {
        guard let c = openblas_get_corename() else { return "unknown" }
        return String(cString: c)
    }

    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, row-major.
    ///
    /// - Parameters:
    ///   - transA: use `Aᵀ` (`A` stored `k×m`).
    ///   - transB: use `Bᵀ` (`B` stored `n×k`).
    @inline(__always)
    package static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 1 {
            // A row vector times op(B): a matrix–vector product. OpenBLAS's sgemm would pack
            // all of B first (for a batch-1 dense layer that copy costs as much as the product);
            // sgemv streams B once. y = op(B)ᵀ·a, with a's elements `lda` apart when transposed.
            cblas_sgemv(
                CblasRowMajor, transB ? CblasNoTrans : CblasTrans, blasint(transB ? n : k), blasint(transB ? k : n), alpha, b,
                blasint(ldb), a, blasint(transA ? lda : 1), beta, c, 1)
            return
        }
        if n == 1 {
            // op(A) times a column vector: y = op(A)·b, with b's elements `ldb` apart unless
            // transposed and y's elements `ldc` apart.
            cblas_sgemv(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, blasint(transA ? k : m), blasint(transA ? m : k), alpha, a,
                blasint(lda), b, blasint(transB ? 1 : ldb), beta, c, blasint(ldc))
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
