// RetryPolicy: which failures are worth another try, and how long to wait (backoff, jitter, Retry-After).
import Asyncio
import AsyncioHTTP
import FoundationEssentials
import Glibc

/// A failure of one attempt, sorted by what to do about it.
public enum AttemptFailure: Error, CustomStringConvertible, Sendable {
    /// Worth another try after a while (`retryAfter`: the server said how long, in seconds).
    case transient(String, retryAfter: Double?)
    /// Another try would fail the same way.
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let reason, _), .permanent(let reason): reason
        }
    }
}

/// Retries with exponential backoff and full jitter on transient failures only: connection
/// errors (but not TLS failures), timeouts, a body cut short, and the statuses 408, 429 and 5xx. A `Retry-After`
/// (seconds or an HTTP date) replaces the backoff, up to `maxDelay`.
public struct RetryPolicy: Sendable {
    /// Tries after the first.
    public var retries: Int
    /// The first backoff, in seconds; each retry doubles it.
    public var baseDelay: Double
    /// The longest wait, backoff or Retry-After.
    public var maxDelay: Double

    /// Makes a policy: 5 retries from half a second, waits of at most a minute, by default.
    public init(retries: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 60) {
        self.retries = retries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Seconds to wait before retry number `retry` (1, 2, …): `Retry-After` when the server
    /// gave one, else a uniformly random time up to `baseDelay * 2^(retry-1)` ("full jitter").
    public func delay(retry: Int, retryAfter: Double?, random: Double) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxDelay) }
        let ceiling = min(baseDelay * pow(2, Double(retry - 1)), maxDelay)
        return ceiling * random
    }

    /// Sorts an error thrown by one attempt.
    public static func classify(_ error: any Error) -> AttemptFailure {
        switch error {
        case let failure as AttemptFailure: return failure
        case let error as ClientConnectorError where error.underlying is SSLError:
            // A certificate that does not verify, or a TLS version or cipher mismatch: the
            // next try meets the same server.
            return .permanent("\(type(of: error)): \(error)")
        case is ClientConnectorError, is ServerDisconnectedError, is ServerTimeoutError, is TimeoutError,
             is ClientPayloadError, is ClientOSError:
            return .transient("\(type(of: error)): \(error)", retryAfter: nil)
        case is InvalidURL:
            return .permanent("invalid URL: \(error)")
        default:
            return .permanent("\(type(of: error)): \(error)")
        }
    }

    /// The failure an HTTP status means, if it is not a success: 408, 429 and 5xx are transient.
    public static func failure(status: Int, reason: String, retryAfter: String?, now: Date = Date()) -> AttemptFailure? {
        if (200..<300).contains(status) { return nil }
        let message = "HTTP \(status) \(reason)"
        if status == 408 || status == 429 || (500..<600).contains(status) {
            return .transient(message, retryAfter: retryAfter.flatMap { parseRetryAfter($0, now: now) })
        }
        return .permanent(message)
    }

    /// `Retry-After` as seconds from `now`: delay-seconds, or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingSpaces()
        if let seconds = Int(trimmed), seconds >= 0 { return Double(seconds) }
        guard let epoch = parseHTTPDate(trimmed) else { return nil }
        return max(Date(timeIntervalSince1970: epoch).timeIntervalSince(now), 0)
    }

    /// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110's preferred HTTP-date) as
    /// seconds since 1970, or nil.
    static func parseHTTPDate(_ text: String) -> Double? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[0].count == 4, fields[0].hasSuffix(","), fields[5] == "GMT",
              let day = Int(fields[1]), let month = months.firstIndex(of: String(fields[2])), let year = Int(fields[3]) else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), (0...23).contains(clock[0]), (0...59).contains(clock[1]),
              (0...60).contains(clock[2]) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(clock[0])
        parts.tm_min = Int32(clock[1])
        parts.tm_sec = Int32(clock[2])
        return Double(timegm(&parts))
    }
}
