import NIOCore
import NIOPosix

/// Network-bound commands (`serve`, `load`) run Swift Concurrency's jobs on SwiftNIO's event
/// loop threads instead of a separate cooperative pool. Otherwise every request crosses threads
/// twice (the event loop hands the bytes to a task on the pool; the task hands the response
/// back), and on a 2-core machine each crossing is a futex wake-up and a context switch.
package enum EventLoopExecutor {
    /// Installs NIO's singleton event loop group as the global executor. Call it once, from the
    /// main thread, before the first `await`. Returns false where the runtime has no hook for it
    /// (the process then keeps the default pool; behaviour is the same, only slower).
    @discardableResult
    package static func install() -> Bool {
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
