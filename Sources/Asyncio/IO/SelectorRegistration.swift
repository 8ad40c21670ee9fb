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

/// An operating-system error (Python's OSError and its subclasses), with errno's text.
public struct OSError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The errno value.
    public let code: Int32
    public init(code: Int32) { self.code = code }
    public var description: String { "[Errno \(code)] \(String(cString: strerror(code)))" }
}

import Glibc
