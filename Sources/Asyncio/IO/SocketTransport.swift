// SocketTransport: a stream socket driven by the loop's selector (asyncio's _SelectorSocketTransport).
import Glibc

/// The transport of a connected stream socket, or of a pipe end (`isSocket` false: read/write
/// instead of recv/send; a write-only pipe is not read). Owned by the loop thread.
final class SocketTransport: Transport, @unchecked Sendable {
    static let maxRead = 256 * 1024
    /// Reads at least this large switch the next read to `readDirect`.
    static let directReadThreshold = 32 * 1024

    private let loop: EventLoop
    let fd: Int32
    private var protocolObject: (any BaseProtocol)?
    /// The protocol as the kind it is (looked up once, not per read).
    private var streamProtocol: (any ConnectionProtocol)?
    private var bufferedProtocol: (any BufferedProtocol)?
    private var buffer: [UInt8] = []
    private var bufferOffset = 0
    private var closing = false
    private var eofRequested = false
    private var readingPaused = false
    private var writingPaused = false
    private var lost = false
    private var highWater = 64 * 1024
    private var lowWater = 16 * 1024
    private var lastReadSize = 0
    private let peer: SocketAddress?
    /// The server that accepted the connection, told when it ends.
    weak var server: Server?

    private let isSocket: Bool
    /// True for a socket (not a pipe end): what `startTLS` can upgrade.
    var isSocketTransport: Bool { isSocket }
    private let reads: Bool

    /// `made`, when given, is resolved once `connectionMade` has run: what `createConnection`
    /// waits for, so it never returns a transport whose protocol has not been told yet, in
    /// whatever order the loop runs its ready callbacks.
    init(loop: EventLoop, fd: Int32, protocolObject: any BaseProtocol, peer: SocketAddress?,
         isSocket: Bool = true, reads: Bool = true, made: Future<Void>? = nil) {
        self.loop = loop
        self.fd = fd
        self.protocolObject = protocolObject
        streamProtocol = protocolObject as? any ConnectionProtocol
        bufferedProtocol = protocolObject as? any BufferedProtocol
        self.peer = peer
        self.isSocket = isSocket
        self.reads = reads
        loop.scheduleInternal { [self] in
            do { try self.protocolObject?.connectionMade(self) } catch { callbackFailed(error, "connection_made") }
            if let made, !made.done() { try? made.setResult(()) }
            if reads && !closing && !readingPaused { _ = try? loop.addReader(fd) { [self] in readReady() } }
            // A write-only pipe is watched for its reader going away (epoll reports an error on
            // the write end), as asyncio's write pipe transport does: it then closes by itself.
            if !reads && !closing { _ = try? loop.addReader(fd) { [self] in pipeReaderGone() } }
        }
    }

    private func receive(_ raw: UnsafeMutableRawBufferPointer) -> Int {
        isSocket ? recv(fd, raw.baseAddress, raw.count, 0) : Glibc.read(fd, raw.baseAddress, raw.count)
    }

    private func transmit(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        isSocket ? send(fd, pointer, count, Int32(MSG_NOSIGNAL)) : Glibc.write(fd, pointer, count)
    }

    // MARK: Reading

    private func readReady() {
        if closing { return }
        if let bufferedProtocol {
            let buffer = bufferedProtocol.getBuffer(Self.maxRead)
            guard buffer.count > 0 else {
                fatalError(TransportError.emptyBuffer)
                return
            }
            let count = receive(buffer)
            let error = errno
            if count > 0 {
                do { try bufferedProtocol.bufferUpdated(count) } catch { callbackFailed(error, "buffer_updated") }
            } else if count == 0 {
                do { eofArrived(try bufferedProtocol.eofReceived()) } catch { callbackFailed(error, "eof_received") }
            } else if error != EAGAIN && error != EWOULDBLOCK && error != EINTR {
                fatalError(OSError(code: error))
            }
            return
        }
        let (count, error, data) = lastReadSize >= Self.directReadThreshold ? receiveSized() : receiveSmall()
        lastReadSize = count
        if count < 0 {
            if error == EAGAIN || error == EWOULDBLOCK || error == EINTR { return }
            fatalError(OSError(code: error))
            return
        }
        if count == 0 {
            do { eofArrived(try streamProtocol?.eofReceived() ?? false) } catch { callbackFailed(error, "eof_received") }
            return
        }
        do { try streamProtocol?.dataReceived(data) } catch { callbackFailed(error, "data_received") }
    }

    /// Reads into the loop's shared buffer and copies what came into a new array.
    private func receiveSmall() -> (Int, Int32, [UInt8]) {
        let scratch = loop.readBuffer
        let count = receive(scratch)
        let error = errno
        return (count, error, count > 0 ? Array(UnsafeRawBufferPointer(rebasing: scratch[0..<count])) : [])
    }

    /// After a large read: reads straight into the array handed to the protocol, sized by
    /// FIONREAD. One more syscall and one copy less: large chunks cost more to copy than to ask.
    private func receiveSized() -> (Int, Int32, [UInt8]) {
        var available: Int32 = 0
        if ioctl(fd, UInt(FIONREAD), &available) != 0 || available <= 0 {
            available = Int32(Self.directReadThreshold)
        }
        var count = 0
        var error: Int32 = 0
        let data = [UInt8](unsafeUninitializedCapacity: min(Int(available), Self.maxRead)) { raw, initialized in
            count = receive(UnsafeMutableRawBufferPointer(raw))
            error = errno
            initialized = max(count, 0)
        }
        return (count, error, data)
    }

    /// The read end of a write-only pipe closed (the child exited): lost, with `BrokenPipeError`
    /// if data was still waiting to be written.
    private func pipeReaderGone() {
        forceClose(pending > 0 ? OSError(code: EPIPE) : nil)
    }

    /// The peer closed its side: keep half open if the protocol asked to (sockets only: a pipe
    /// has nothing left after EOF).
    private func eofArrived(_ keepOpen: Bool) {
        if keepOpen && isSocket { loop.removeReader(fd) } else { close() }
    }

    func pauseReading() {
        if closing || readingPaused { return }
        readingPaused = true
        loop.removeReader(fd)
    }

    func resumeReading() {
        if closing || !readingPaused || !reads { return }
        readingPaused = false
        _ = try? loop.addReader(fd) { [self] in readReady() }
    }

    func isReading() -> Bool { !readingPaused && !closing }

    // MARK: Writing

    func write(_ data: [UInt8]) throws {
        if eofRequested { throw TransportError.writeAfterEOF }
        if data.isEmpty || lost { return }
        var rest = data[...]
        if pending == 0 {
            let (sent, error) = data.withUnsafeBytes { raw in
                let result = transmit(raw.baseAddress!, raw.count)
                return (result, errno)
            }
            if sent < 0 {
                if error != EAGAIN && error != EWOULDBLOCK && error != EINTR {
                    fatalError(OSError(code: error))
                    return
                }
            } else {
                rest = rest.dropFirst(sent)
                if rest.isEmpty { return }
            }
            _ = try? loop.addWriter(fd) { [self] in writeReady() }
        }
        buffer.append(contentsOf: rest)
        maybePauseProtocol()
    }

    private var pending: Int { buffer.count - bufferOffset }

    private func writeReady() {
        let (sent, error) = buffer.withUnsafeBytes { raw in
            let result = transmit(raw.baseAddress! + bufferOffset, raw.count - bufferOffset)
            return (result, errno)
        }
        if sent < 0 {
            if error == EAGAIN || error == EWOULDBLOCK || error == EINTR { return }
            loop.removeWriter(fd)
            buffer.removeAll()
            bufferOffset = 0
            fatalError(OSError(code: error))
            return
        }
        bufferOffset += sent
        if bufferOffset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferOffset = 0
        } else if bufferOffset > 64 * 1024 && bufferOffset * 2 > buffer.count {
            buffer.removeFirst(bufferOffset)
            bufferOffset = 0
        }
        maybeResumeProtocol()
        if pending == 0 {
            loop.removeWriter(fd)
            if closing {
                finish(nil)
            } else if eofRequested {
                shutWrite()
            }
        }
    }

    /// Hands the connection to another protocol (asyncio's `set_protocol`; `startTLS` puts the
    /// TLS layer in between). Its callbacks get what arrives from now on.
    func setProtocol(_ newProtocol: any BaseProtocol) {
        if lost { return }
        protocolObject = newProtocol
        streamProtocol = newProtocol as? any ConnectionProtocol
        bufferedProtocol = newProtocol as? any BufferedProtocol
    }

    func writeEOF() {
        if closing || eofRequested { return }
        eofRequested = true
        if pending == 0 { shutWrite() }
    }

    /// Half close: shutdown for a socket; for a pipe, closing it is the only EOF there is.
    private func shutWrite() {
        if isSocket { shutdown(fd, Int32(SHUT_WR)) } else { close() }
    }

    func canWriteEOF() -> Bool { true }

    func getWriteBufferSize() -> Int { pending }

    func setWriteBufferLimits(high: Int?, low: Int?) {
        let newHigh = high ?? (low.map { $0 * 4 } ?? 64 * 1024)
        highWater = newHigh
        lowWater = low ?? newHigh / 4
        maybePauseProtocol()
    }

    private func maybePauseProtocol() {
        if pending <= highWater || writingPaused { return }
        writingPaused = true
        do { try protocolObject?.pauseWriting() } catch { callbackFailed(error, "pause_writing") }
    }

    private func maybeResumeProtocol() {
        if writingPaused && pending <= lowWater {
            writingPaused = false
            do { try protocolObject?.resumeWriting() } catch { callbackFailed(error, "resume_writing") }
        }
    }

    // MARK: Closing

    func close() {
        if closing { return }
        closing = true
        loop.removeReader(fd)
        if pending == 0 {
            loop.removeWriter(fd)
            loop.scheduleInternal { [self] in finish(nil) }
        }
    }

    func abort() { forceClose(nil) }

    func isClosing() -> Bool { closing }

    /// A socket error: the connection is lost with it. OS errors (reset, broken pipe) are the
    /// peer's doing and go to the protocol only; anything else also to the exception handler.
    private func fatalError(_ error: any Error) {
        if !(error is OSError) {
            loop.callExceptionHandler(ExceptionContext(message: "Fatal error on transport", error: error))
        }
        forceClose(error)
    }

    /// Closes at once, dropping the buffer; the protocol's `connectionLost` gets `error`.
    func forceClose(_ error: (any Error)?) {
        if lost { return }
        if pending > 0 {
            buffer.removeAll()
            bufferOffset = 0
            loop.removeWriter(fd)
        }
        if !closing {
            closing = true
            loop.removeReader(fd)
        }
        lost = true
        loop.scheduleInternal { [self] in finish(error) }
    }

    /// Tells the protocol, closes the descriptor, forgets the protocol (breaks the cycle).
    private func finish(_ error: (any Error)?) {
        guard let protocolObject else { return }
        lost = true
        self.protocolObject = nil
        streamProtocol = nil
        bufferedProtocol = nil
        defer {
            loop.removeReader(fd)
            loop.removeWriter(fd)
            loop.closeDescriptor(fd)
            server?.detach(self)
        }
        do { try protocolObject.connectionLost(error) } catch {
            loop.callExceptionHandler(ExceptionContext(message: "Exception in protocol.connection_lost()", error: error))
        }
    }

    /// A protocol callback threw: report it and close the connection, as asyncio does.
    private func callbackFailed(_ error: any Error, _ callback: String) {
        loop.callExceptionHandler(ExceptionContext(message: "Fatal error: protocol.\(callback)() call failed.", error: error))
        forceClose(error)
    }

    func getExtraInfo(_ name: String) -> Any? {
        switch name {
        case "peername": return peer
        case "socket": return fd
        case "sockname": return SocketAddress.local(of: fd)
        default: return nil
        }
    }
}

/// Misuse of a transport (Python raises RuntimeError).
public enum TransportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `write()` after `writeEOF()`.
    case writeAfterEOF
    /// A buffered protocol's `getBuffer()` returned an empty buffer.
    case emptyBuffer
    public var description: String {
        switch self {
        case .writeAfterEOF: "Cannot call write() after write_eof()"
        case .emptyBuffer: "get_buffer() returned an empty buffer"
        }
    }
}
