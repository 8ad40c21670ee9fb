// Schedule fuzzing (as trio does): a seeded permutation of each iteration's ready batch, off by default.
import Glibc
import Synchronization

/// Permutes the items that are ready at the start of an iteration, with a seeded generator, so
/// tests meet the orders that real I/O timing would produce one day. asyncio promises FIFO order
/// for `callSoon`, so this is a testing tool only: it finds code that relies on an order nobody
/// promised (a wake-up before a callback, one task before another). Off by default: the loop then
/// pays one nil check per iteration.
///
/// Turned on for every loop of a process by the environment variable `ASYNCIO_SCHEDULE_SEED`
/// (a number); loop number `n` of the process uses seed + n, so a run with the same seed and the
/// same tests (`--no-parallel`) permutes the same way again. The seed is printed once to standard
/// error when fuzzing starts.
package struct ScheduleFuzzer {
    private var state: UInt64
    /// The seed this loop's generator started from.
    package let seed: UInt64

    package init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// splitmix64: small, fast, and the same sequence on every platform.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher-Yates over the first `count` items of the ready queue.
    mutating func shuffle(_ queue: ReadyQueue, count: Int) {
        if count < 2 { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            if i != j { queue.swapAt(i, j) }
        }
    }

    /// The fuzzer of a new loop: nil unless `ASYNCIO_SCHEDULE_SEED` is set.
    static func forNewLoop() -> ScheduleFuzzer? {
        guard let base = environmentSeed else { return nil }
        return ScheduleFuzzer(seed: base &+ loopCounter.wrappingAdd(1, ordering: .relaxed).oldValue)
    }

    private static let loopCounter = Atomic<UInt64>(0)

    /// The seed given by `ASYNCIO_SCHEDULE_SEED`, if any.
    package static let environmentSeed: UInt64? = {
        guard let text = getenv("ASYNCIO_SCHEDULE_SEED").map({ String(cString: $0) }), let seed = UInt64(text) else {
            return nil
        }
        let line = Array("asyncio: schedule fuzzing on, ASYNCIO_SCHEDULE_SEED=\(seed)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        return seed
    }()
}
