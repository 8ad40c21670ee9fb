// Counts allocations through ordo-one's malloc-interposer when it is preloaded (mallocs.sh does).
import Glibc

/// The interposer's counters, found with `dlsym` so that a timing run (nothing preloaded) links no
/// allocator of its own and pays nothing for counting.
public struct MallocCounter: Sendable {
    private typealias Toggle = @convention(c) () -> Void
    private typealias Stats = @convention(c) (
        UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?,
        UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?
    ) -> Void
    private let enable: Toggle, disable: Toggle, reset: Toggle, stats: Stats

    /// The counter, or nil when the interposer's library is not loaded into this process.
    public static let preloaded: MallocCounter? = {
        func symbol<T>(_ name: String, as _: T.Type) -> T? {
            guard let raw = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }  // RTLD_DEFAULT
            return unsafeBitCast(raw, to: T.self)
        }
        guard let enable = symbol("malloc_interposer_enable", as: Toggle.self),
              let disable = symbol("malloc_interposer_disable", as: Toggle.self),
              let reset = symbol("malloc_interposer_reset", as: Toggle.self),
              let stats = symbol("malloc_interposer_get_stats", as: Stats.self) else { return nil }
        return MallocCounter(enable: enable, disable: disable, reset: reset, stats: stats)
    }()

    /// The number of allocation calls (malloc, calloc, realloc, posix_memalign, ...) on any thread
    /// while `body` ran.
    public func count(_ body: () throws -> Void) rethrows -> Int64 {
        reset()
        enable()
        defer { disable() }
        try body()
        disable()
        var mallocs: Int64 = 0, bytes: Int64 = 0, small: Int64 = 0, large: Int64 = 0, frees: Int64 = 0, freed: Int64 = 0
        stats(&mallocs, &bytes, &small, &large, &frees, &freed)
        return mallocs
    }

    /// Allocations per operation in the steady state: `body(n)` once to warm every cache, then
    /// the difference between `body(2n)` and `body(n)`, so the fixed cost of a run (a loop, its
    /// selector, first-use metadata) cancels out.
    public func perOperation(n: Int, _ body: (Int) throws -> Void) rethrows -> Double {
        try body(n)
        let once = try count { try body(n) }
        let twice = try count { try body(2 * n) }
        return Double(twice - once) / Double(n)
    }
}
