// The loop's selector: which callbacks wait on which file descriptor, kept in step with epoll.

/// epoll event bits the loop uses.
enum EpollEvents {
    static let readable: UInt32 = 0x001      // EPOLLIN
    static let writable: UInt32 = 0x004      // EPOLLOUT
    static let error: UInt32 = 0x008         // EPOLLERR
    static let hangUp: UInt32 = 0x010        // EPOLLHUP
}

/// A file descriptor's reader and writer. Owned by the loop thread.
final class FDRegistration {
    var reader: Handle?
    var readerOnce = false
    var writer: Handle?
    var writerOnce = false
    var registered = false

    var events: UInt32 {
        (reader == nil ? 0 : EpollEvents.readable) | (writer == nil ? 0 : EpollEvents.writable)
    }
}

extension EventLoop {
    /// Calls `callback` whenever `fd` is readable, until `removeReader` (asyncio's `add_reader`).
    /// Replaces an earlier reader of the same descriptor.
    @discardableResult
    public func addReader(_ fd: Int32, _ callback: @escaping () throws -> Void) throws -> Handle {
        try checkClosed()
        let handle = Handle(action: .call(callback))
        try setReader(fd, handle, once: false)
        return handle
    }

    /// Calls `callback` whenever `fd` is writable, until `removeWriter` (asyncio's `add_writer`).
    @discardableResult
    public func addWriter(_ fd: Int32, _ callback: @escaping () throws -> Void) throws -> Handle {
        try checkClosed()
        let handle = Handle(action: .call(callback))
        try setWriter(fd, handle, once: false)
        return handle
    }

    /// Stops watching `fd` for reading. Returns true if a reader was registered.
    @discardableResult
    public func removeReader(_ fd: Int32) -> Bool { removeWatcher(fd, writing: false) }

    /// Stops watching `fd` for writing. Returns true if a writer was registered.
    @discardableResult
    public func removeWriter(_ fd: Int32) -> Bool { removeWatcher(fd, writing: true) }

    /// Stops watching `fd` for reading if `handle` is still its reader (a one-shot wait).
    func removeReader(_ fd: Int32, ifHandle handle: Handle) { _ = removeWatcher(fd, writing: false, only: handle) }

    /// Stops watching `fd` for writing if `handle` is still its writer.
    func removeWriter(_ fd: Int32, ifHandle handle: Handle) { _ = removeWatcher(fd, writing: true, only: handle) }

    func setReader(_ fd: Int32, _ handle: Handle, once: Bool) throws { try setWatcher(fd, handle, once: once, writing: false) }

    func setWriter(_ fd: Int32, _ handle: Handle, once: Bool) throws { try setWatcher(fd, handle, once: once, writing: true) }

    /// Installs `handle` as the reader (or writer) of `fd`, replacing the previous one.
    private func setWatcher(_ fd: Int32, _ handle: Handle, once: Bool, writing: Bool) throws {
        let registration = selector[fd] ?? FDRegistration()
        if writing {
            registration.writer?.cancel()
            registration.writer = handle
            registration.writerOnce = once
        } else {
            registration.reader?.cancel()
            registration.reader = handle
            registration.readerOnce = once
        }
        try apply(fd, registration)
    }

    private func removeWatcher(_ fd: Int32, writing: Bool, only expected: Handle? = nil) -> Bool {
        guard let registration = selector[fd], let handle = writing ? registration.writer : registration.reader,
              expected == nil || expected === handle else {
            return false
        }
        handle.cancel()
        if writing { registration.writer = nil } else { registration.reader = nil }
        update(fd, registration)
        return true
    }

    private func apply(_ fd: Int32, _ registration: FDRegistration) throws {
        let status = poller.watch(fd, events: registration.events, registered: registration.registered)
        if status != 0 {
            registration.reader = nil
            registration.writer = nil
            throw OSError(code: status)
        }
        registration.registered = true
        selector[fd] = registration
    }

    /// Brings epoll in line with the registration; forgets descriptors nobody watches.
    func update(_ fd: Int32, _ registration: FDRegistration) {
        let events = registration.events
        if registration.registered {
            _ = poller.watch(fd, events: events, registered: true)
        }
        if events == 0 {
            registration.registered = false
            selector[fd] = nil
        }
    }

    /// epoll said `fd` is ready: queue its reader and/or writer (errors wake both, as asyncio).
    func dispatchIO(_ fd: Int32, _ events: UInt32) {
        guard let registration = selector[fd] else { return }
        let failed = events & (EpollEvents.error | EpollEvents.hangUp) != 0
        var changed = false
        if let reader = registration.reader, events & EpollEvents.readable != 0 || failed {
            ready.push(.handle(reader))
            if registration.readerOnce { registration.reader = nil; changed = true }
        }
        if let writer = registration.writer, events & EpollEvents.writable != 0 || failed {
            ready.push(.handle(writer))
            if registration.writerOnce { registration.writer = nil; changed = true }
        }
        if changed { update(fd, registration) }
    }
}

/// An operating-system error (Python's OSError and its subclasses), with errno's text and, as
/// Python's `filename`, the path it concerns: `[Errno 2] No such file or directory: 'prog'`.
public struct OSError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The errno value.
    public let code: Int32
    /// The text after `[Errno n]` (Python's `strerror`): errno's own unless the library says more,
    /// as asyncio's "Connect call failed ('127.0.0.1', 1)".
    public let strerror: String
    /// The file or program the error is about, if any (Python's `OSError.filename`).
    public let filename: String?
    /// An error for errno `code`; `strerror` defaults to the C library's text for it.
    public init(code: Int32, strerror: String? = nil, filename: String? = nil) {
        self.code = code
        self.strerror = strerror ?? String(cString: Glibc.strerror(code))
        self.filename = filename
    }
    /// Equal when the errno is (and the file): the Swift spelling of `except ConnectionRefusedError:`.
    public static func == (a: OSError, b: OSError) -> Bool { a.code == b.code && a.filename == b.filename }

    /// `[Errno n] text: 'file'`; an error with no errno (code 0, Python's `errno is None`) is its text alone.
    public var description: String {
        (code == 0 ? strerror : "[Errno \(code)] \(strerror)") + (filename.map { ": '\($0)'" } ?? "")
    }
}

import Glibc
