// The loop's wait: epoll over an eventfd that other threads write, plus the main dispatch queue.
import CAsyncio
import Glibc

/// epoll readiness for input.
private let epollIn: UInt32 = 0x001

/// Blocks the loop thread until a timeout, a wake-up from another thread, or main-queue work.
/// Owned by the loop thread except `wake()`, which any thread may call.
final class Poller: @unchecked Sendable {
    private static let wakeToken: UInt64 = 0
    private static let mainQueueToken: UInt64 = 1

    let epollFD: Int32
    let wakeFD: Int32
    private var mainQueueFD: Int32 = -1
    private var tokens = [UInt64](repeating: 0, count: 64)
    private var events = [UInt32](repeating: 0, count: 64)

    /// Throws `OSError` when the process is out of descriptors (or memory) for epoll or eventfd.
    init() throws {
        epollFD = casyncio_epoll_create()
        if epollFD < 0 { throw OSError(code: errno) }
        wakeFD = casyncio_eventfd()
        if wakeFD < 0 {
            let error = errno
            Glibc.close(epollFD)
            throw OSError(code: error)
        }
        _ = casyncio_epoll_ctl(epollFD, 1, wakeFD, epollIn, Self.wakeToken)
    }

    /// Watches libdispatch's main queue, so @MainActor work runs while this loop blocks the main thread.
    func watchMainQueue() {
        guard mainQueueFD < 0, casyncio_is_main_thread() == 1 else { return }
        let fd = casyncio_main_queue_handle()
        guard fd >= 0 else { return }
        if casyncio_epoll_ctl(epollFD, 1, fd, epollIn, Self.mainQueueToken) == 0 {
            mainQueueFD = fd
        }
    }

    /// True while main-queue work is watched (the loop polls now and then even when busy).
    var watchesMainQueue: Bool { mainQueueFD >= 0 }

    /// Stops watching the main queue (the descriptor belongs to libdispatch and stays open).
    func unwatchMainQueue() {
        guard mainQueueFD >= 0 else { return }
        _ = casyncio_epoll_ctl(epollFD, 2, mainQueueFD, 0, 0)
        mainQueueFD = -1
    }

    /// The token of a file descriptor's registration (0 and 1 are the poller's own).
    static func token(for fd: Int32) -> UInt64 { UInt64(fd) + 2 }

    /// Registers `fd` for `events` (epoll flags), or changes its events; 0 unregisters it.
    /// Returns 0, or an errno.
    func watch(_ fd: Int32, events: UInt32, registered: Bool) -> Int32 {
        let op: Int32 = events == 0 ? 2 : (registered ? 3 : 1)
        return casyncio_epoll_ctl(epollFD, op, fd, events, Self.token(for: fd)) == 0 ? 0 : errno
    }

    /// Waits up to `timeout` seconds (nil: until woken). Runs main-queue work if it became ready;
    /// reports each ready file descriptor to `onIO` with its epoll events.
    func wait(timeout: Double?, onIO: (Int32, UInt32) -> Void = { _, _ in }) {
        let milliseconds: Int32
        if let timeout {
            milliseconds = timeout <= 0 ? 0 : Int32(min((timeout * 1000).rounded(.up), 86_400_000))
        } else {
            milliseconds = -1
        }
        let count = tokens.withUnsafeMutableBufferPointer { tokenBuffer in
            events.withUnsafeMutableBufferPointer { eventBuffer in
                casyncio_epoll_wait(epollFD, tokenBuffer.baseAddress, eventBuffer.baseAddress, 64, milliseconds)
            }
        }
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            switch tokens[index] {
            case Self.wakeToken:
                casyncio_eventfd_drain(wakeFD)
            case Self.mainQueueToken:
                casyncio_eventfd_drain(mainQueueFD)
                casyncio_drain_main_queue()
            default:
                onIO(Int32(tokens[index] - 2), events[index])
            }
        }
    }

    /// Wakes a blocked `wait` from any thread.
    func wake() { casyncio_eventfd_signal(wakeFD) }

    func close() {
        unwatchMainQueue()
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }
}
