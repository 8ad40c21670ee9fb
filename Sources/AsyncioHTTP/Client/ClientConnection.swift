// ClientConnection: the protocol of one client connection; parses responses into their bodies.
//
// Ownership (who holds whom strongly, and where each cycle is broken):
// - the transport holds this protocol until the connection is lost; this protocol holds the
//   transport until then too (`connectionLost` drops it: breaks the transport <-> protocol cycle);
// - the connector holds idle connections; a request holds its connection from acquire until
//   the exchange ends (`endExchange`), which hands it back to the connector or closes it;
// - the connection holds the connector weakly (to hand itself back), and the current
//   response's body reader strongly until the message ends (then only the response holds it);
// - a ClientResponse holds its connection until the exchange ends; its body reader holds the
//   transport weakly (flow control), detached at the end of the message.
import Asyncio

/// The head of a response as the request waits for it, or why it will not come.
typealias HeadResult = Result<(HTTPMessageHead, StreamReader), any Error>

/// One HTTP/1.1 connection of the client (aiohttp's ResponseHandler). Owned by the loop thread.
final class ClientConnection: ConnectionProtocol, @unchecked Sendable {
    let key: ConnectionKey
    let loop: EventLoop
    weak var connector: TCPConnector?
    private(set) var transport: (any Transport)?
    private let parser = HTTPParser(.response)
    /// The limit of each response's body reader (aiohttp's `read_bufsize`, 64 KiB).
    let readLimit: Int
    /// Loop time the connection went idle (for keep-alive expiry).
    var idleSince = 0.0
    private(set) var closed = false
    /// True while the connection can carry another request (not closed or closing).
    var usable: Bool { !closed && transport?.isClosing() == false }

    // The exchange in progress.
    private(set) var exchangeActive = false
    /// Counts exchanges, so that a response ends only its own.
    private(set) var exchangeID = 0
    private var headWaiter: Future<HeadResult>?
    private var continueWaiter: Future<Bool>?
    private var content: StreamReader?
    private var decoder: ZlibDecoder?
    private var interim = false
    private var keepAlive = true
    private var decompress = true
    private var drainWaiter: Future<Void>?
    private var writingPaused = false
    private var closeWaiters: [Future<Void>] = []
    /// The array `dataReceived` is parsing (the parser's body slices index into it).
    private var received: [UInt8] = []

    init(key: ConnectionKey, loop: EventLoop, readLimit: Int) {
        self.key = key
        self.loop = loop
        self.readLimit = readLimit
    }

    // MARK: The exchange

    /// Starts a request/response exchange: returns the future of the response's head.
    func beginExchange(responseToHead: Bool, decompress: Bool, expectContinue: Bool) -> Future<HeadResult> {
        exchangeActive = true
        exchangeID += 1
        keepAlive = true
        self.decompress = decompress
        parser.responseToHead = responseToHead
        let waiter = loop.createFuture(of: HeadResult.self)
        headWaiter = waiter
        continueWaiter = expectContinue ? loop.createFuture(of: Bool.self) : nil
        return waiter
    }

    /// For `Expect: 100-continue`: true once "100 Continue" came, false if the final response
    /// came first (the body must not be sent).
    var continueFuture: Future<Bool>? { continueWaiter }

    /// Ends the exchange once: hands the connection back to the pool when `reuse` and the
    /// connection is still good, else closes it. Idempotent; with `id`, only that exchange.
    func endExchange(reuse: Bool, id: Int? = nil) {
        guard exchangeActive, id == nil || id == exchangeID else { return }
        exchangeActive = false
        headWaiter = nil
        continueWaiter = nil
        content?.setTransport(nil)
        content = nil
        decoder = nil
        let keep = reuse && keepAlive && usable && parser.isIdle
        if !keep { abortTransport() }
        connector?.release(self, reuse: keep)
    }

    /// Closes the transport at once (no more bytes of this connection are wanted).
    func abortTransport() {
        guard !closed else { return }
        transport?.abort()
    }

    /// Closes the transport gracefully (an idle connection: TLS sends close_notify).
    func closeTransport() {
        guard !closed else { return }
        transport?.close()
    }

    /// Writes request bytes.
    func write(_ bytes: [UInt8]) throws {
        guard let transport, !closed else { throw ServerDisconnectedError() }
        try transport.write(bytes)
    }

    /// Waits while the transport's buffer is over its high-water mark (a streamed body).
    nonisolated(nonsending) func drain() async throws {
        if closed { throw ServerDisconnectedError() }
        guard writingPaused else { return }
        let waiter = loop.createFuture(of: Void.self)
        drainWaiter = waiter
        try await waiter.value
        if closed { throw ServerDisconnectedError() }
    }

    // MARK: Protocol callbacks

    func connectionMade(_ transport: any Transport) {
        self.transport = transport
    }

    func dataReceived(_ data: [UInt8]) {
        guard exchangeActive else {
            // Bytes nobody asked for (after a response, or on an idle connection): not HTTP any more.
            abortTransport()
            return
        }
        received = data
        defer { received = [] }
        do {
            try parser.feed(data) { event in try handle(event) }
        } catch {
            fail(error)
        }
        // Bytes after the end of the response (the start of something nobody asked for).
        if !exchangeActive && !parser.isIdle { abortTransport() }
    }

    func eofReceived() -> Bool {
        if exchangeActive {
            do {
                try parser.feedEOF { event in try handle(event) }
            } catch {
                fail(error)
            }
        }
        return false
    }

    /// Waits until the connection is closed (after `closeTransport` or `abortTransport`).
    nonisolated(nonsending) func waitClosed() async throws {
        if closed { return }
        let waiter = loop.createFuture(of: Void.self)
        closeWaiters.append(waiter)
        try await waiter.value
    }

    func connectionLost(_ error: (any Error)?) {
        closed = true
        transport = nil
        for waiter in closeWaiters where !waiter.done() { try? waiter.setResult(()) }
        closeWaiters = []
        if let drainWaiter, !drainWaiter.done() { try? drainWaiter.setResult(()) }
        drainWaiter = nil
        if exchangeActive {
            fail(error.map { ClientOSError($0) } ?? ServerDisconnectedError())
        } else {
            connector?.dropIdle(self)
        }
    }

    func pauseWriting() { writingPaused = true }

    func resumeWriting() {
        writingPaused = false
        if let drainWaiter, !drainWaiter.done() { try? drainWaiter.setResult(()) }
        drainWaiter = nil
    }

    // MARK: Parser events

    private func handle(_ event: HTTPParserEvent) throws {
        switch event {
        case .head(let head):
            if (100..<200).contains(head.status) && head.status != 101 {
                interim = true
                if head.status == 100, let continueWaiter, !continueWaiter.done() { try? continueWaiter.setResult(true) }
                return
            }
            guard let headWaiter, !headWaiter.done() else {
                throw BadHttpMessage("Data received after the response was complete")
            }
            if let continueWaiter, !continueWaiter.done() { try? continueWaiter.setResult(false) }
            keepAlive = head.keepAlive && !head.upgrade
            let reader = StreamReader(limit: readLimit)
            reader.setTransport(transport)
            content = reader
            if decompress, let coding = head.contentEncoding, coding != "identity" {
                decoder = ZlibDecoder(coding: coding)
            }
            try? headWaiter.setResult(.success((head, reader)))
        case .body(let bytes):
            guard let content else { return }
            if let decoder {
                try decoder.decode(bytes) { content.feedData($0) }
            } else if bytes.endIndex == received.count {
                content.feedData(received, from: bytes.startIndex)   // the rest of the array: adopted, not copied
            } else {
                content.feedData(Array(bytes))
            }
        case .end:
            if interim {
                interim = false
                return
            }
            try decoder?.finish()
            let reader = content
            reader?.setTransport(nil)
            reader?.feedEOF()
            if parser.isUpgraded { keepAlive = false }
            endExchange(reuse: true)
        }
    }

    /// The exchange failed: the waiting request or the body reader gets the error (a broken
    /// body as `ClientPayloadError`), and the connection is not used again.
    private func fail(_ error: any Error) {
        keepAlive = false
        if let headWaiter, !headWaiter.done() {
            let reported: any Error = (error as? BadHttpMessage).map { ClientProtocolError(underlying: $0) } ?? error
            try? headWaiter.setResult(.failure(reported))
        } else if let content {
            content.setException(error is ClientPayloadError ? error : ClientPayloadError(underlying: error))
        }
        if let continueWaiter, !continueWaiter.done() { try? continueWaiter.setResult(false) }
        endExchange(reuse: false)
    }
}

/// An OS error on an established connection (aiohttp's `ClientOSError`), e.g. a reset.
public struct ClientOSError: ClientConnectionError {
    /// The OS error the connection failed with.
    public let underlying: any Error
    init(_ underlying: any Error) { self.underlying = underlying }
    public var description: String { "\(underlying)" }
}
