import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Independent batches spread over the machine's cores.
///
/// Only batches whose parts share nothing are split: the fixed-base products (`FixedBaseTable.multiply(_ jobs:)`),
/// the Straus sums in step (`WindowTables.multiply(_ jobs:)`) and the tables of multiples
/// (`affineMultiplesVartime`). How a batch is cut depends only on its size and the worker
/// count, never on a secret, and every part wipes its own secret intermediates.
///
/// The worker count is the number of online processors, or `VRING_THREADS` when set (1 turns
/// splitting off: the figures in docs/PERFORMANCE.md name which they used).
package enum Parallel {
    package static let threads: Int = {
        if let text = getenv("VRING_THREADS"), let n = Int(String(cString: text)), n >= 1 { return min(n, 64) }
        return max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 64))
    }()

    /// `body(0) … body(count − 1)` in order, the calls run concurrently when there are several
    /// workers. `body` must not touch shared mutable state.
    package static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        if count <= 1 || threads == 1 { return (0..<count).map(body) }
        return withoutActuallyEscaping(body) { body in
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                // Each call writes its own slot; `concurrentPerform` returns after all of them.
                nonisolated(unsafe) let base = buffer.baseAddress!, work = body
                DispatchQueue.concurrentPerform(iterations: count) { i in (base + i).initialize(to: work(i)) }
                initialized = count
            }
        }
    }

    /// 0..<n cut into at most `threads` contiguous ranges of at least `minimum` each (one range
    /// when n < 2·minimum or there is one worker).
    package static func parts(_ n: Int, minimum: Int) -> [Range<Int>] {
        let k = max(1, min(threads, n / max(minimum, 1)))
        return (0..<k).map { i in (n * i / k)..<(n * (i + 1) / k) }
    }
}
