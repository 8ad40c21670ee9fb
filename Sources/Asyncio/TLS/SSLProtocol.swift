// SSLProtocol: the TLS layer between a socket transport and the user's protocol (asyncio's sslproto.SSLProtocol).
//
// Ownership of one TLS connection (who holds whom strongly, and where each cycle is broken):
// - the socket transport holds the SSLProtocol as its protocol until the connection is lost
//   (`finish` drops it); the SSLProtocol holds the socket transport until `connectionLost`
//   (it drops it there): the transport <-> SSL protocol cycle is broken on both sides;
// - the SSLProtocol holds the app protocol and the app transport (`SSLTransport`) until
//   `connectionLost`; the app transport holds the SSLProtocol (what the user keeps), so the
//   SSL protocol <-> app transport cycle is broken when the connection is lost;
// - the handshake and shutdown timers hold the SSLProtocol until they run or are cancelled
//   (both are cancelled in `connectionLost`, and a timer lets its callback go then);
// - the handshake waiter is dropped once woken.

/// Where the TLS session is (asyncio's SSLProtocolState).
enum SSLProtocolState: String {
    case unwrapped = "UNWRAPPED", doHandshake = "DO_HANDSHAKE", wrapped = "WRAPPED"
    case flushing = "FLUSHING", shutdown = "SHUTDOWN"
}

/// What the app protocol has been told (asyncio's AppProtocolState).
enum AppProtocolState {
    case initial, connectionMade, eof, connectionLost
}

/// Drives an `SSLObject` from a socket transport's callbacks and presents the plaintext
/// connection to the app protocol through an `SSLTransport`. Owned by the loop thread.
final class SSLProtocol: BufferedProtocol, @unchecked Sendable {
    /// Largest plaintext read handed to the app at once (asyncio's `max_size`).
    static let maxSize = 256 * 1024
    /// asyncio's FLOW_CONTROL_HIGH_WATER_SSL_READ and _WRITE (KiB).
    static let readHighWater = 256 * 1024
    static let writeHighWater = 512 * 1024
    /// After this many writes to a closed connection, each one logs (asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES).
    static let connectionLostWriteLogThreshold = 5

    let loop: EventLoop
    let sslObject: SSLObject
    private(set) var transport: SocketTransport?
    private(set) var appProtocol: (any BaseProtocol)? {
        didSet {   // its kind, looked up once rather than per read
            streamApp = appProtocol as? any ConnectionProtocol
            bufferedApp = appProtocol as? any BufferedProtocol
        }
    }
    private var streamApp: (any ConnectionProtocol)?
    private var bufferedApp: (any BufferedProtocol)?
    private var appTransportStorage: SSLTransport?
    private var waiter: Future<Void>?
    private let handshakeTimeout: Double
    private let shutdownTimeout: Double
    private var handshakeTimer: TimerHandle?
    private var shutdownTimer: TimerHandle?

    private(set) var state = SSLProtocolState.unwrapped
    private var appState = AppProtocolState.initial
    private var connectionLostCount = 0
    /// True under `startTLS`: the app protocol was connected before the TLS layer came.
    private let appConnectedBefore: Bool
    private var eofArrived = false

    private var writeBacklog: [[UInt8]] = []
    private var writeBacklogHead = 0
    private var writeBacklogBytes = 0
    private var sslWritingPaused = false
    private(set) var appWritingPaused = false
    private(set) var appReadingPaused = false
    private var sslReadingPaused = false
    private(set) var writeHigh = SSLProtocol.writeHighWater
    private(set) var writeLow = SSLProtocol.writeHighWater / 4
    private var readHigh = SSLProtocol.readHighWater
    private var readLow = SSLProtocol.readHighWater / 4

    init(loop: EventLoop, appProtocol: any BaseProtocol, context: SSLContext, waiter: Future<Void>?,
         serverSide: Bool, serverHostname: String?, callConnectionMade: Bool = true,
         handshakeTimeout: Double? = nil, shutdownTimeout: Double? = nil) throws {
        self.handshakeTimeout = try Self.checkedTimeout(handshakeTimeout, "ssl_handshake_timeout", default: 60)
        self.shutdownTimeout = try Self.checkedTimeout(shutdownTimeout, "ssl_shutdown_timeout", default: 30)
        self.loop = loop
        self.appProtocol = appProtocol
        streamApp = appProtocol as? any ConnectionProtocol
        bufferedApp = appProtocol as? any BufferedProtocol
        self.waiter = waiter
        sslObject = try SSLObject(context: context, serverSide: serverSide,
                                  serverHostname: serverSide ? nil : serverHostname)
        appConnectedBefore = !callConnectionMade
        if !callConnectionMade { appState = .connectionMade }
        appTransportStorage = SSLTransport(self)
    }

    private static func checkedTimeout(_ value: Double?, _ name: String, default fallback: Double) throws -> Double {
        guard let value else { return fallback }
        if !(value > 0) { throw ValueError("\(name) should be a positive number, got \(value)") }
        return value
    }

    /// The transport the app protocol writes to; nil once the connection is lost.
    var appTransport: SSLTransport? { appTransportStorage }

    /// Extra information of the TLS layer first, then of the socket transport.
    func extraInfo(_ name: String) -> Any? {
        switch name {
        case "sslcontext": return sslObject.context
        case "ssl_object" where state != .unwrapped || appState != .initial: return sslObject
        case "peercert": return sslObject.getpeercert()
        case "cipher": return sslObject.cipher()
        case "compression": return nil
        default: return transport?.getExtraInfo(name)
        }
    }

    // MARK: The socket transport's callbacks

    func connectionMade(_ transport: any Transport) {
        self.transport = transport as? SocketTransport
        startHandshake()
    }

    func connectionLost(_ error: (any Error)?) {
        writeBacklog = []
        writeBacklogHead = 0
        writeBacklogBytes = 0
        _ = sslObject.takeOutgoing()
        connectionLostCount += 1
        appTransportStorage?.closed = true
        // An app protocol that was connected before (startTLS) hears of the end even when the
        // handshake did not finish: it holds its writer until then (asyncio relies on its GC).
        if state != .doHandshake || appConnectedBefore, appState == .connectionMade || appState == .eof, let app = appProtocol {
            appState = .connectionLost
            loop.scheduleInternal { try app.connectionLost(error) }
        }
        state = .unwrapped
        transport = nil
        appTransportStorage = nil
        appProtocol = nil
        wakeWaiter(error)
        shutdownTimer?.cancel()
        shutdownTimer = nil
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }

    /// Records arrive in the loop's shared read buffer; OpenSSL copies them into its own
    /// incoming buffer before anything else reads into it.
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { loop.readBuffer }

    func bufferUpdated(_ count: Int) {
        sslObject.feed(UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count]))
        switch state {
        case .doHandshake: doHandshake()
        case .wrapped: doRead()
        case .flushing: doFlush()
        case .shutdown: doShutdown()
        case .unwrapped: break
        }
    }

    /// The peer closed the TCP stream. TLS has no half-open state: returning false lets the
    /// socket transport close.
    func eofReceived() -> Bool {
        eofArrived = true
        sslObject.feedEOF()
        switch state {
        case .doHandshake:
            onHandshakeComplete(ConnectionResetError(""))
        case .wrapped:
            state = .flushing
            if appReadingPaused { return true }
            doFlush()
        case .flushing:
            doWrite()
            state = .shutdown
            doShutdown()
        case .shutdown:
            doShutdown()
        case .unwrapped:
            break
        }
        return false
    }

    /// The socket's buffer went over its high-water mark: keep records in OpenSSL's buffer.
    func pauseWriting() { sslWritingPaused = true }

    func resumeWriting() {
        sslWritingPaused = false
        processOutgoing()
    }

    // MARK: Handshake

    private func startHandshake() {
        state = .doHandshake
        handshakeTimer = try? loop.callLater(handshakeTimeout) { [self] in checkHandshakeTimeout() }
        doHandshake()
    }

    private func checkHandshakeTimeout() {
        guard state == .doHandshake else { return }
        fatalError(ConnectionAbortedError(
            "SSL handshake is taking longer than \(handshakeTimeout) seconds: aborting the connection"))
    }

    private func doHandshake() {
        do {
            if try sslObject.doHandshake() { onHandshakeComplete(nil) } else { processOutgoing() }
        } catch {
            onHandshakeComplete(error)
        }
    }

    private func onHandshakeComplete(_ failure: (any Error)?) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        if let failure {
            state = .unwrapped
            sendPendingAlert()
            let message = failure is SSLCertVerificationError ? "SSL handshake failed on verifying the certificate" : "SSL handshake failed"
            fatalError(failure, message)
            wakeWaiter(failure)
            return
        }
        state = .wrapped
        if appState == .initial, let app = appProtocol, let appTransport = appTransportStorage {
            appState = .connectionMade
            do { try app.connectionMade(appTransport) } catch {
                fatalError(error, "Fatal error: protocol.connection_made() call failed.")
                return
            }
        }
        wakeWaiter(nil)
        processOutgoing()   // the client's Finished, even if the app paused reading at once
        doRead()
    }

    /// A failed handshake leaves an alert in OpenSSL's outgoing buffer: send it before the
    /// connection goes, so the peer learns why ("tlsv1 alert unknown ca").
    private func sendPendingAlert() {
        let alert = sslObject.takeOutgoing()
        if !alert.isEmpty { try? transport?.write(alert) }
    }

    private func wakeWaiter(_ error: (any Error)?) {
        guard let waiter else { return }
        self.waiter = nil
        if waiter.done() { return }
        if let error {
            try? waiter.setException(error)
            waiter.errorUnretrieved = false
        } else {
            try? waiter.setResult(())
        }
    }

    // MARK: Shutdown

    /// The app closed its transport: flush, send close_notify, wait for the peer's (bounded by
    /// the shutdown timeout), then close the socket.
    func startShutdown() {
        if state == .flushing || state == .shutdown || state == .unwrapped { return }
        appTransportStorage?.closed = true
        if state == .doHandshake {
            abort(nil)
            return
        }
        state = .flushing
        shutdownTimer = try? loop.callLater(shutdownTimeout) { [self] in checkShutdownTimeout() }
        doFlush()
    }

    private func checkShutdownTimeout() {
        guard state == .flushing || state == .shutdown else { return }
        transport?.forceClose(TimeoutError("SSL shutdown timed out"))
    }

    private func doFlush() {
        doRead()
        if state != .flushing { return }   // a close during the read moved on already
        state = .shutdown
        doShutdown()
    }

    private func doShutdown() {
        do {
            // The second call reads a close_notify already in the incoming buffer (Python's unwrap).
            if !eofArrived, try !sslObject.shutdown(), try !sslObject.shutdown() {
                processOutgoing()
                return
            }
            processOutgoing()
            callEOFReceived()
            onShutdownComplete(nil)
        } catch {
            onShutdownComplete(error)
        }
    }

    private func onShutdownComplete(_ failure: (any Error)?) {
        shutdownTimer?.cancel()
        shutdownTimer = nil
        if let failure {
            fatalError(failure)
        } else if let transport {
            loop.scheduleInternal { transport.close() }
        }
    }

    /// Closes at once (the app's `abort()`, or a close during the handshake).
    func abort(_ error: (any Error)?) {
        state = .unwrapped
        transport?.forceClose(error)
    }

    // MARK: Writing

    /// Queues plaintext (encrypted at once when wrapped). Generic so that one write passes
    /// `CollectionOfOne` and allocates no array of chunks.
    func writeAppData<Chunks: Collection<[UInt8]>>(_ chunks: Chunks) {
        if state == .flushing || state == .shutdown || state == .unwrapped {
            if connectionLostCount >= Self.connectionLostWriteLogThreshold {
                loop.logger.warning("SSL connection is closed")
            }
            connectionLostCount += 1
            return
        }
        for chunk in chunks where !chunk.isEmpty {
            writeBacklog.append(chunk)
            writeBacklogBytes += chunk.count
        }
        if state == .wrapped { doWrite() }
    }

    private func doWrite() {
        do {
            while writeBacklogHead < writeBacklog.count {
                let chunk = writeBacklog[writeBacklogHead]
                let taken = try chunk.withUnsafeBytes { try sslObject.write($0) }
                if taken == 0 { break }
                writeBacklogBytes -= taken
                if taken < chunk.count {
                    writeBacklog[writeBacklogHead] = Array(chunk[taken...])
                } else {
                    writeBacklog[writeBacklogHead] = []
                    writeBacklogHead += 1
                }
            }
            if writeBacklogHead == writeBacklog.count {
                writeBacklog.removeAll(keepingCapacity: true)
                writeBacklogHead = 0
            }
        } catch {
            fatalError(error, "Fatal error on SSL protocol")
            return
        }
        processOutgoing()
    }

    /// Sends the records OpenSSL made, unless the socket asked to pause; then tells the app
    /// whether to pause or resume writing.
    private func processOutgoing() {
        if !sslWritingPaused, let transport {
            let records = sslObject.takeOutgoing()
            if !records.isEmpty { try? transport.write(records) }
        }
        controlAppWriting()
    }

    /// Plaintext not yet encrypted plus records not yet handed to the socket.
    var writeBufferSize: Int { sslObject.outgoingCount + writeBacklogBytes }

    func setWriteBufferLimits(high: Int?, low: Int?) {
        let newHigh = high ?? (low.map { $0 * 4 } ?? Self.writeHighWater)
        writeHigh = newHigh
        writeLow = low ?? newHigh / 4
        controlAppWriting()
    }

    private func controlAppWriting() {
        let size = writeBufferSize
        if size >= writeHigh && !appWritingPaused {
            appWritingPaused = true
            do { try appProtocol?.pauseWriting() } catch {
                loop.callExceptionHandler(ExceptionContext(message: "protocol.pause_writing() failed", error: error))
            }
        } else if size <= writeLow && appWritingPaused {
            appWritingPaused = false
            do { try appProtocol?.resumeWriting() } catch {
                loop.callExceptionHandler(ExceptionContext(message: "protocol.resume_writing() failed", error: error))
            }
        }
    }

    // MARK: Reading

    func pauseAppReading() { appReadingPaused = true }

    func resumeAppReading() {
        guard appReadingPaused else { return }
        appReadingPaused = false
        loop.scheduleInternal { [self] in
            switch state {
            case .wrapped: doRead()
            case .flushing: doFlush()
            case .shutdown: doShutdown()
            default: break
            }
        }
    }

    private func doRead() {
        guard state == .wrapped || state == .flushing else { return }
        if !appReadingPaused {
            do {
                if let bufferedApp { try readBuffered(bufferedApp) } else { try readCopied() }
            } catch {
                fatalError(error, "Fatal error on SSL protocol")
                return
            }
            guard state == .wrapped || state == .flushing || state == .shutdown else { return }
            if writeBacklogHead < writeBacklog.count { doWrite() } else { processOutgoing() }
        }
        controlSSLReading()
    }

    /// Decrypts what arrived into one array and hands it over in one `dataReceived`. The array
    /// is sized by the records in the incoming buffer plus one record's worth (OpenSSL may hold
    /// part of a record already); reading goes on until OpenSSL needs more records. A read that
    /// fills `maxSize` hands that over and goes on in the next iteration (asyncio's call_soon).
    private func readCopied() throws {
        let room = min(sslObject.incomingCount + sslObject.pendingBytes() + Self.recordSlack, Self.maxSize)
        var closed = false
        var more = false
        let data = try [UInt8](unsafeUninitializedCapacity: room) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            while initialized < room {   // one record per read
                switch try sslObject.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...])) {
                case .bytes(let count): initialized += count
                case .wantRead: return
                case .closed: closed = true; return
                }
            }
            more = true   // full: there may be more
        }
        if !data.isEmpty, let streamApp { try streamApp.dataReceived(data) }
        if closed {
            callEOFReceived()
            startShutdown()
        } else if more {
            scheduleRead()
        }
    }

    /// One record's plaintext at most, beyond what the incoming buffer holds.
    static let recordSlack = 16 * 1024 + 256

    /// Reads again in the next iteration (what is decrypted or buffered is not lost meanwhile).
    private func scheduleRead() {
        loop.scheduleInternal { [self] in
            if state == .wrapped || state == .flushing { doRead() }
        }
    }

    /// Decrypts straight into the app's own buffer (asyncio's `_do_read__buffered`): fills one
    /// buffer, then one `bufferUpdated`; a full buffer goes on in the next iteration.
    private func readBuffered(_ app: any BufferedProtocol) throws {
        let buffer = app.getBuffer(sslObject.incomingCount + sslObject.pendingBytes())
        if buffer.count == 0 { throw TransportError.emptyBuffer }
        var filled = 0
        var closed = false
        reading: while filled < buffer.count {
            switch try sslObject.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])) {
            case .bytes(let count): filled += count
            case .wantRead: break reading
            case .closed: closed = true; break reading
            }
        }
        if filled > 0 { try app.bufferUpdated(filled) }
        if closed {
            callEOFReceived()
            startShutdown()
        } else if filled == buffer.count {
            scheduleRead()
        }
    }

    private func callEOFReceived() {
        guard appState == .connectionMade else { return }
        appState = .eof
        do {
            let keepOpen: Bool
            if let streamApp {
                keepOpen = try streamApp.eofReceived()
            } else if let bufferedApp {
                keepOpen = try bufferedApp.eofReceived()
            } else {
                keepOpen = false
            }
            if keepOpen { loop.logger.warning("returning true from eof_received() has no effect when using ssl") }
        } catch {
            fatalError(error, "Error calling eof_received()")
        }
    }

    /// Pauses the socket's reading while OpenSSL holds a read buffer's worth of records.
    private func controlSSLReading() {
        let size = sslObject.incomingCount
        if size >= readHigh && !sslReadingPaused {
            sslReadingPaused = true
            transport?.pauseReading()
        } else if size <= readLow && sslReadingPaused {
            sslReadingPaused = false
            transport?.resumeReading()
        }
    }

    // MARK: Errors

    /// Closes the connection with `error`. OS-level errors and TLS errors are the peer's doing
    /// and go to the protocol only (asyncio logs them in debug mode); others also to the loop's
    /// exception handler.
    private func fatalError(_ error: any Error, _ message: String = "Fatal error on transport") {
        transport?.forceClose(error)
        if isConnectionFault(error) {
            if loop.debug { loop.logger.debug("\(message): \(error)") }
        } else if !(error is CancelledError) {
            loop.callExceptionHandler(ExceptionContext(message: message, error: error))
        }
    }
}

/// Errors Python counts as OSError (what a peer or the network causes), which asyncio's
/// transports do not report to the exception handler.
func isConnectionFault(_ error: any Error) -> Bool {
    error is OSError || error is SSLError || error is ConnectionResetError || error is ConnectionAbortedError
        || error is TimeoutError
}
