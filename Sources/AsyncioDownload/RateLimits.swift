// RateLimits: per-host request rates and a total bandwidth cap, both waiting on the loop's clock.
import Asyncio

/// Spaces the starts of requests to each host at least `1/rate` seconds apart (`--rate N/s`):
/// a burst of waiting downloads leaves at the rate, in the order they asked. Owned by the loop thread.
final class HostRateLimiter: @unchecked Sendable {
    private let interval: Double
    /// When the next request to each host may start (loop time).
    private var nextStart: [String: Double] = [:]

    /// `rate` requests per second per host; nil or 0 means no limit.
    init(rate: Double?) { interval = rate.map { $0 > 0 ? 1 / $0 : 0 } ?? 0 }

    /// Waits until a request to `host` may start, and books that slot. A cancelled wait keeps
    /// its slot booked (the next caller waits one interval more, never less: the rate holds).
    nonisolated(nonsending) func wait(host: String) async throws {
        guard interval > 0 else { return }
        let loop = try asyncio.getRunningLoop()
        let now = loop.time()
        let start = max(now, nextStart[host] ?? now)
        nextStart[host] = start + interval
        if start > now { try await asyncio.sleep(start - now) }
    }
}

/// A token bucket over all downloads' bytes (`--max-speed`): after each received chunk a
/// download waits until the bytes fit the rate. The bucket holds at most a quarter second of
/// bytes, so the rate holds over any second. Owned by the loop thread.
final class BandwidthLimiter: @unchecked Sendable {
    private let bytesPerSecond: Double
    private var available: Double
    private var updated: Double?

    /// nil or 0: no cap.
    init(bytesPerSecond: Double?) {
        self.bytesPerSecond = bytesPerSecond ?? 0
        available = self.bytesPerSecond / 4
    }

    var isLimited: Bool { bytesPerSecond > 0 }

    /// Takes `count` bytes from the bucket, waiting while it is in debt.
    nonisolated(nonsending) func consume(_ count: Int) async throws {
        guard bytesPerSecond > 0 else { return }
        let loop = try asyncio.getRunningLoop()
        refill(loop.time())
        available -= Double(count)
        if available < 0 {
            try await asyncio.sleep(-available / bytesPerSecond)
            refill(loop.time())
        }
    }

    private func refill(_ now: Double) {
        if let updated { available = min(available + (now - updated) * bytesPerSecond, bytesPerSecond / 4) }
        updated = now
    }
}
