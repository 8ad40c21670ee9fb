// The descriptors a loop's transports, servers and processes own: opened into and closed through the loop.
import Glibc

/// What a descriptor the library opened on a loop is for (shown by leak checks).
package enum DescriptorKind: String, Sendable {
    case connection, listener, accepted, datagram, pipe, pidfd, signalPipe
}

extension EventLoop {
    /// Records that the library opened `fd` on this loop; `closeDescriptor` ends the record.
    /// Every descriptor a transport, server, process or signal pipe owns goes through here, so
    /// the loop can tell which are still open (leak accounting) and close them in `close()`.
    func adoptDescriptor(_ fd: Int32, _ kind: DescriptorKind) {
        descriptors[fd] = kind
    }

    /// A new non-blocking, close-on-exec socket that this loop owns.
    func openSocket(_ family: Int32, _ type: Int32, _ kind: DescriptorKind) throws -> Int32 {
        let fd = socket(family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw OSError(code: errno) }
        adoptDescriptor(fd, kind)
        return fd
    }

    /// Closes a descriptor the library owns on this loop and forgets it.
    func closeDescriptor(_ fd: Int32) {
        descriptors[fd] = nil
        Glibc.close(fd)
    }

    /// The descriptors the library opened on this loop and has not closed yet, by number.
    /// After every transport, server and process of the loop ended, this is empty.
    package var openDescriptors: [Int32: DescriptorKind] { descriptors }

    /// Work on other threads this loop waits to hear back from (`runInExecutor`, `toThread`):
    /// until it reports back, that thread holds the loop (leak checks wait for it).
    package var pendingThreadWork: Int { threadWorkPending }

    /// `close()`: a descriptor still open belongs to a transport or server nobody closed; once
    /// the loop is closed nothing can run it, so it is closed here (asyncio's transports close
    /// their sockets when they are collected). Debug mode names each one.
    func closeLeftoverDescriptors() {
        for (fd, kind) in descriptors.sorted(by: { $0.key < $1.key }) {
            if debug { logger.warning("unclosed \(kind.rawValue) descriptor \(fd) closed with the loop") }
            closeDescriptor(fd)
        }
    }
}
