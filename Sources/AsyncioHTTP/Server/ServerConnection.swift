// ServerConnection: one server connection: parses requests, answers them in order (pipelining).
//
// Ownership (who holds whom strongly, and where each cycle is broken):
// - the transport holds this protocol until the connection is lost, and this protocol holds
//   the transport until then (`connectionLost` drops it: breaks transport <-> protocol);
// - this protocol holds its queued requests and the task answering them; the task holds this
//   protocol until it ends, which it does once the connection is closed or lost (breaks
//   protocol <-> task); requests hold the connection weakly;
// - the HTTPServer holds its live connections until each is lost, and the connections hold
//   the server weakly.
import Asyncio
import HTTPTypes

/// The server side of one HTTP/1.1 connection. Owned by the loop thread.
final class ServerConnection: ConnectionProtocol, @unchecked Sendable {
    let app: Application
    let loop: EventLoop
    weak var server: HTTPServer?
    private(set) var transport: (any Transport)?
    private let parser = HTTPParser(.request)
    private var remote: SocketAddress?
    private var pending: [Request] = []
    /// The request whose body is arriving now.
    private var receiving: StreamReader?
    private var waiter: Future<Void>?
    private var task: LoopTask<Void>?
    private var parseError: BadHttpMessage?
    private var peerClosed = false
    private(set) var lost = false
    /// Set by a graceful shutdown, or a response that said "Connection: close".
    private var closeRequested = false
    /// True while a handler runs (a shutdown waits for it).
    private(set) var busy = false
    private var writingPaused = false
    private var drainWaiter: Future<Void>?
    private var readingPausedForQueue = false
    private var idleTimer: TimerHandle?
    private var closedWaiters: [Future<Void>] = []
    /// Requests read ahead before the answers catch up (then reading pauses).
    static let pipelineDepth = 16

    init(app: Application, loop: EventLoop, server: HTTPServer) {
        self.app = app
        self.loop = loop
        self.server = server
    }

    // MARK: Protocol callbacks

    func connectionMade(_ transport: any Transport) {
        self.transport = transport
        remote = transport.getExtraInfo("peername") as? SocketAddress
        // Named, unlike aiohttp's handler task, so serving does not use up the default names
        // (Task-N) of the program's own tasks.
        task = try? loop.createTask(name: "HTTP connection") { [self] in await self.run() }
    }

    func dataReceived(_ data: [UInt8]) {
        do {
            try parser.feed(data) { event in handle(event) }
        } catch let error as BadHttpMessage {
            failParse(error)
        } catch {
            failParse(BadHttpMessage("\(error)"))
        }
    }

    func eofReceived() -> Bool {
        do {
            try parser.feedEOF { event in handle(event) }
        } catch {
            receiving?.setException(error)
            receiving = nil
        }
        peerClosed = true
        wake()
        return true   // keep writing: the answers to what was asked still go out
    }

    func connectionLost(_ error: (any Error)?) {
        lost = true
        transport = nil
        idleTimer?.cancel()
        idleTimer = nil
        receiving?.setException(error ?? ConnectionResetError())
        receiving = nil
        for request in pending { request.content.setException(ConnectionResetError()) }
        pending = []
        if let drainWaiter, !drainWaiter.done() { try? drainWaiter.setResult(()) }
        drainWaiter = nil
        wake()
        for waiter in closedWaiters where !waiter.done() { try? waiter.setResult(()) }
        closedWaiters = []
        server?.connectionEnded(self)
    }

    func pauseWriting() { writingPaused = true }

    func resumeWriting() {
        writingPaused = false
        if let drainWaiter, !drainWaiter.done() { try? drainWaiter.setResult(()) }
        drainWaiter = nil
    }

    private func handle(_ event: HTTPParserEvent) {
        switch event {
        case .head(let head):
            let reader = StreamReader(limit: 64 * 1024)
            reader.setTransport(transport)
            pending.append(Request(head: head, content: reader, remote: remote, clientMaxSize: app.clientMaxSize, connection: self))
            receiving = reader
            if pending.count >= Self.pipelineDepth, !readingPausedForQueue {
                readingPausedForQueue = true
                transport?.pauseReading()
            }
            wake()
        case .body(let bytes):
            receiving?.feedData(Array(bytes))
        case .end:
            receiving?.feedEOF()
            receiving?.setTransport(nil)
            receiving = nil
        }
    }

    private func failParse(_ error: BadHttpMessage) {
        parseError = error
        receiving?.setException(error)
        receiving = nil
        transport?.pauseReading()
        wake()
    }

    private func wake() {
        if let waiter, !waiter.done() { try? waiter.setResult(()) }
        waiter = nil
    }

    // MARK: Writing (for responses)

    func write(_ bytes: [UInt8]) throws {
        guard let transport, !lost else { throw ConnectionResetError() }
        try transport.write(bytes)
    }

    nonisolated(nonsending) func drain() async throws {
        if lost { throw ConnectionResetError() }
        guard writingPaused else { return }
        let waiter = loop.createFuture(of: Void.self)
        drainWaiter = waiter
        try await waiter.value
        if lost { throw ConnectionResetError() }
    }

    /// Whether the connection stays open after the response to `request`.
    func keepsAlive(after request: Request) -> Bool {
        request.keepAlive && !closeRequested && parseError == nil && !(server?.shuttingDown ?? false)
    }

    /// The response said "Connection: close".
    func closeAfterResponse() { closeRequested = true }

    /// Asks the connection to close once the response in progress is sent (graceful shutdown).
    func closeWhenIdle() {
        closeRequested = true
        if !busy && pending.isEmpty { transport?.close() }
        wake()
    }

    /// Closes at once, cancelling the handler if one runs.
    func abort() {
        transport?.abort()
        task?.cancel()
    }

    nonisolated(nonsending) func waitClosed() async throws {
        if lost { return }
        let waiter = loop.createFuture(of: Void.self)
        closedWaiters.append(waiter)
        try await waiter.value
    }

    // MARK: Answering

    /// The next request in order; nil when the connection is done.
    nonisolated(nonsending) private func nextRequest() async -> Request? {
        while true {
            if lost { return nil }
            if !pending.isEmpty {
                let request = pending.removeFirst()
                if readingPausedForQueue && pending.count < Self.pipelineDepth / 2 {
                    readingPausedForQueue = false
                    transport?.resumeReading()
                }
                return request
            }
            if peerClosed || parseError != nil || closeRequested { return nil }
            let future = loop.createFuture(of: Void.self)
            waiter = future
            let timeout = server?.keepaliveTimeout ?? 75
            idleTimer = try? loop.callLater(timeout) { [weak self] in
                self?.closeRequested = true
                self?.wake()
            }
            do { try await future.value } catch { return nil }
            idleTimer?.cancel()
            idleTimer = nil
        }
    }

    nonisolated(nonsending) private func run() async {
        while let request = await nextRequest() {
            busy = true
            let keepGoing = await answer(request)
            busy = false
            if !keepGoing || lost { break }
            if !keepsAlive(after: request) { break }
        }
        if let parseError, !lost {
            // aiohttp's answer to a request that does not parse.
            let text = "400, message:\n  \(parseError.message)"
            let head = "HTTP/1.1 \(parseError.code) \(ReasonPhrase.of(parseError.code))\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n"
            try? write(Array((head + text).utf8))
        }
        transport?.close()
        task = nil
    }

    /// Runs the handler for `request` and sends its response; false when the connection cannot
    /// go on (the response failed halfway, or the body was left unread and is large).
    nonisolated(nonsending) private func answer(_ request: Request) async -> Bool {
        if request.headers[.expect]?.lowercased() == "100-continue" && request.minorVersion == 1 {
            try? write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        var response: StreamResponse
        switch app.resolve(method: request.method, path: request.path) {
        case .success(let (handler, info)):
            request.matchInfo = info
            do {
                response = try await handler(request)
            } catch let error as HTTPException {
                response = Response(text: error.text, status: error.status, headers: error.headers)
            } catch is CancelledError {
                return false
            } catch {
                loop.callExceptionHandler(ExceptionContext(message: "Error handling request", error: error))
                response = Response(text: "500 Internal Server Error\n\nServer got itself in trouble", status: 500)
            }
        case .failure(let error):
            response = Response(text: error.text, status: error.status, headers: error.headers)
        }
        do {
            if response.prepared {
                try await response.writeEOF()
            } else {
                do {
                    try await response.send(to: request)
                } catch let error as HTTPException where !response.prepared {
                    try await Response(text: error.text, status: error.status, headers: error.headers).send(to: request)
                }
            }
        } catch {
            return false
        }
        // The rest of the request body, unread by the handler: skipped if small, else the
        // connection closes (aiohttp reads and drops it too).
        if !request.content.atEOF() {
            do {
                var skipped = 0
                while skipped <= 1024 * 1024 {
                    let chunk = try await request.content.read(64 * 1024)
                    if chunk.isEmpty { break }
                    skipped += chunk.count
                }
                if !request.content.atEOF() { return false }
            } catch {
                return false
            }
        }
        return true
    }
}
