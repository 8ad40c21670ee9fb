// The inspector's live page: the loops' task trees, lag, ready queue, descriptors and stalls in a browser.
import Asyncio
import Glibc
import HTTPTypes

/// A web page on loopback that shows what the inspector sees and updates itself each second
/// (server-sent events): every inspected loop's task tree with each task's state, wait target
/// and age, the loop's lag over the last five minutes as a chart, its ready-queue depth, the
/// descriptors it watches and the process has open, whether it is blocked and for how long,
/// and the watchdog's reports.
///
/// The page is served by an `Application` on a loop of its own, on a thread of its own, so it
/// goes on updating while an inspected loop is blocked. It shows the loops that called
/// `EventLoop.startInspector(allowCancel:)` (or all, with `ASYNCIO_INSPECT=1`); start it with
/// `EventLoop.startInspectorPage(host:port:interval:)`. Read-only. It listens on loopback only, and its
/// paths start with a random token (the `url` has it), because any local user can open a
/// loopback port: a request without the token gets 404.
///
/// Ownership: the page's thread owns its loop and server; this object holds only what `stop()`
/// needs (the loop, and an event to set), guarded by `state`'s lock. Nothing in the inspected
/// loops refers to the page.
public final class InspectorPage: Sendable {
    /// The address it listens on.
    public let host: String
    /// The port it listens on.
    public let port: Int
    /// The page's address, token included (`http://127.0.0.1:PORT/TOKEN/`).
    public var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/\(token)/" }
    /// The random first segment of every path.
    let token: String
    private let state: PageThreadState

    private init(host: String, port: Int, token: String, state: PageThreadState) {
        self.host = host
        self.port = port
        self.token = token
        self.state = state
    }

    /// Starts the page on `host`:`port` (0: a free port), sending an update each `interval`
    /// seconds, and returns once it listens. `localhost` means `127.0.0.1` (one address, so one
    /// port). Throws `ValueError` for a host that is not loopback (`127.0.0.1`, `::1`,
    /// `localhost`) or an interval that is not a positive number of seconds, and `OSError` when
    /// the port cannot be had.
    public static func start(host: String = "127.0.0.1", port: Int = 0, interval: Double = 1) throws -> InspectorPage {
        guard ["127.0.0.1", "::1", "localhost"].contains(host) else {
            throw ValueError("the inspector's page serves loopback only (127.0.0.1, ::1 or localhost), not '\(host)'")
        }
        guard interval > 0, interval.isFinite else {
            throw ValueError("the inspector's page needs an interval of more than 0 seconds, not \(interval)")
        }
        let host = host == "localhost" ? "127.0.0.1" : host
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in
            let word = String(generator.next() as UInt32, radix: 16)
            return String(repeating: "0", count: 8 - word.count) + word
        }.joined()
        let state = PageThreadState()
        guard startDetachedThread({ state.run(host: host, port: port, token: token, interval: interval) }) else {
            throw OSError(code: EAGAIN, strerror: "cannot start the inspector page's thread")
        }
        let bound = try state.waitUntilListening()
        return InspectorPage(host: host, port: bound, token: token, state: state)
    }

    /// Stops the server and its thread, closing its connections; returns when they are gone
    /// (or after `timeout` seconds).
    public func stop(timeout: Double = 5) { state.stop(timeout: timeout) }

    deinit { state.stop(timeout: 5) }
}

extension EventLoop {
    /// Shows this loop to the inspector (`startInspector(allowCancel:)`) and starts the live
    /// page (`InspectorPage.start(host:port:interval:)`), which sends an update each `interval`
    /// seconds; open its `url` in a browser.
    public func startInspectorPage(host: String = "127.0.0.1", port: Int = 0, interval: Double = 1) throws -> InspectorPage {
        try startInspector()
        return try InspectorPage.start(host: host, port: port, interval: interval)
    }
}

/// The page's thread and what `start` and `stop` hand over with it. Every stored `var` is
/// guarded by `condition`'s lock.
private final class PageThreadState: @unchecked Sendable {
    private let condition = ThreadCondition()
    private var listening: Result<Int, any Error>?
    private var loop: EventLoop?
    private var stopEvent: Event?
    private var stopRequested = false
    private var finished = false

    /// The thread's body: a loop serving the page until `stop`.
    func run(host: String, port: Int, token: String, interval: Double) {
        do {
            try asyncio.run {
                let loop = try asyncio.getRunningLoop()
                loop.stopInspector()   // the page's own loop is not one of those it shows
                let event = Event()   // set by stop(): the event streams end, then the server
                let server = try await PageRoutes.application(token: token, interval: interval, stop: event).serve(host: host, port: port)
                let stopNow = self.condition.locked {
                    self.listening = .success(server.port)
                    self.loop = loop
                    self.stopEvent = event
                    self.condition.broadcast()
                    return self.stopRequested
                }
                if !stopNow { try await event.wait() }
                await server.shutdown(timeout: 1)
            }
        } catch {
            condition.locked { if listening == nil { listening = .failure(error) } }
        }
        condition.locked {
            loop = nil
            stopEvent = nil
            finished = true
            condition.broadcast()
        }
    }

    func waitUntilListening() throws -> Int {
        let result = condition.locked {
            _ = condition.wait(timeout: nil) { listening != nil }
            return listening!
        }
        return try result.get()
    }

    func stop(timeout: Double) {
        let (loop, event) = condition.locked {
            stopRequested = true
            return (self.loop, stopEvent)
        }
        if let loop, let event {
            _ = try? loop.callSoonThreadsafe { event.set() }
        }
        condition.locked { _ = condition.wait(timeout: timeout) { finished } }
    }
}

/// The page's routes: `/TOKEN/` (the page), `/TOKEN/events` (server-sent events, one status a
/// `interval`, until the client goes or `stop` is set), `/TOKEN/status.json` (one status).
enum PageRoutes {
    static func application(token: String, interval: Double, stop: Event) -> Application {
        let app = Application()
        app.get("/\(token)/") { _ in
            Response(text: PageHTML.page(status: Inspector.status()), headers: [.cacheControl: "no-store"], contentType: "text/html; charset=utf-8")
        }
        app.get("/\(token)/status.json") { _ in
            Response(text: Inspector.status(), headers: [.cacheControl: "no-store"], contentType: "application/json")
        }
        app.get("/\(token)/events") { request in
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
            if request.method == "HEAD" { return Response(text: "", headers: headers, contentType: "text/event-stream") }   // no stream to wait on
            let response = StreamResponse(headers: headers)
            try await response.prepare(request)
            while !stop.isSet() {
                var status = Inspector.status()
                if status.hasSuffix("\n") { status.removeLast() }   // one line: one `data:` field
                do {
                    try await response.write(Array("data: \(status)\n\n".utf8))
                } catch is ConnectionResetError {
                    return response   // the browser went away: nothing to report
                }
                do {   // the interval, or less when stopped
                    try await asyncio.waitFor(timeout: interval) { try await stop.wait() }
                } catch is TimeoutError {}
            }
            return response   // ended by the server: the stream's last chunk goes out
        }
        return app
    }
}
