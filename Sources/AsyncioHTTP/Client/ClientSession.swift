// ClientSession: aiohttp's ClientSession on the loop: requests, redirects, timeouts, the pool.
import Asyncio
import HTTPTypes
#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import FoundationEssentials
import Glibc
#endif

/// A client session (aiohttp's `ClientSession`): default headers and timeouts, and a
/// connection pool shared by its requests. Use it from the loop it was first used on.
///
///     try await ClientSession.with { session in
///         try await session.get("https://example.com/") { response in
///             print(response.status, try await response.text())
///         }
///     }
///
/// Owned by the loop thread.
public final class ClientSession: @unchecked Sendable {
    /// The connection pool its requests use (aiohttp's `connector`).
    public let connector: TCPConnector
    private let ownsConnector: Bool
    /// Headers sent with every request; a request's own headers of the same name replace them.
    public let headers: HTTPFields
    /// The timeouts of a request that does not give its own.
    public let timeout: ClientTimeout
    /// The URL that relative request URLs resolve against (aiohttp's `base_url`).
    public let baseURL: HTTPURL?
    /// True to undo gzip and deflate content codings (aiohttp's `auto_decompress`).
    public let autoDecompress: Bool
    /// True to throw `ClientResponseError` for a status of 400 or above.
    public let raiseForStatus: Bool
    /// The Basic credentials of a request that does not give its own.
    public let auth: BasicAuth?
    /// True once `close()` was called; requests then throw `ClientStateError`.
    public private(set) var closed = false

    /// aiohttp's `ClientSession(base_url=, connector=, headers=, timeout=, auth=,
    /// raise_for_status=, auto_decompress=, connector_owner=)`.
    public init(baseURL: String? = nil, connector: TCPConnector? = nil, headers: HTTPFields = [:],
                timeout: ClientTimeout = ClientTimeout(), auth: BasicAuth? = nil, raiseForStatus: Bool = false,
                autoDecompress: Bool = true, connectorOwner: Bool = true) throws {
        self.baseURL = try baseURL.map { try HTTPURL($0) }
        self.connector = connector ?? TCPConnector()
        ownsConnector = connector == nil || connectorOwner
        self.headers = headers
        self.timeout = timeout
        self.auth = auth
        self.raiseForStatus = raiseForStatus
        self.autoDecompress = autoDecompress
    }

    /// Runs `body` with a new session and closes it afterwards (`async with ClientSession() as s`).
    nonisolated(nonsending) public static func with<T>(
        baseURL: String? = nil, connector: TCPConnector? = nil, headers: HTTPFields = [:],
        timeout: ClientTimeout = ClientTimeout(), auth: BasicAuth? = nil, raiseForStatus: Bool = false,
        _ body: (ClientSession) async throws -> T
    ) async throws -> T {
        let session = try ClientSession(baseURL: baseURL, connector: connector, headers: headers, timeout: timeout,
                                        auth: auth, raiseForStatus: raiseForStatus)
        let value: T
        do {
            value = try await body(session)
        } catch {
            await session.close()
            throw error
        }
        await session.close()
        return value
    }

    /// Closes the session and, if it owns it, the connector, waiting for the idle connections
    /// to close (aiohttp's `await session.close()`).
    nonisolated(nonsending) public func close() async {
        guard !closed else { return }
        closed = true
        if ownsConnector { await connector.close() }
    }

    // MARK: Requests

    /// Sends a request and returns the response once its head arrived (aiohttp's `request`).
    /// Read the body, or `release()` the response, to give the connection back.
    nonisolated(nonsending) public func request(
        _ method: String, _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:],
        data: RequestBody? = nil, json: (any Encodable)? = nil, auth: BasicAuth? = nil,
        allowRedirects: Bool = true, maxRedirects: Int = 10, timeout: ClientTimeout? = nil,
        ssl: SSLContext? = nil, verifySSL: Bool = true, expect100: Bool = false, raiseForStatus: Bool? = nil
    ) async throws -> ClientResponse {
        if closed { throw ClientStateError("Session is closed") }
        if data != nil && json != nil { throw ValueError("data and json parameters can not be used at the same time") }
        var target = try baseURL.map { try $0.resolving(url) } ?? HTTPURL(url)
        target = target.addingQuery(params)
        var body = data
        if let json {
            body = .bytes(Array(try JSONEncoder().encode(json)), contentType: "application/json")
        }
        let timeout = timeout ?? self.timeout
        let loop = try asyncio.getRunningLoop()
        let deadline = timeout.total.map { loop.time() + $0 }
        let request = PreparedRequest(method: method.uppercased(), url: target, headers: mergedHeaders(headers),
                                      body: body, auth: auth ?? self.auth, expect100: expect100)
        let response = try await asyncio.timeoutAt(deadline) {
            try await self.follow(request, allowRedirects: allowRedirects, maxRedirects: maxRedirects,
                                  timeout: timeout, deadline: deadline, ssl: ssl, verifySSL: verifySSL)
        }
        if raiseForStatus ?? self.raiseForStatus { try response.raiseForStatus() }
        return response
    }

    /// `request`, then `body` with the response, which is released afterwards (`async with
    /// session.request(...) as resp`).
    nonisolated(nonsending) public func request<T>(
        _ method: String, _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:],
        data: RequestBody? = nil, json: (any Encodable)? = nil, auth: BasicAuth? = nil,
        allowRedirects: Bool = true, maxRedirects: Int = 10, timeout: ClientTimeout? = nil,
        ssl: SSLContext? = nil, verifySSL: Bool = true, expect100: Bool = false, raiseForStatus: Bool? = nil,
        _ body: (ClientResponse) async throws -> T
    ) async throws -> T {
        let response = try await request(method, url, params: params, headers: headers, data: data, json: json, auth: auth,
                                         allowRedirects: allowRedirects, maxRedirects: maxRedirects, timeout: timeout,
                                         ssl: ssl, verifySSL: verifySSL, expect100: expect100, raiseForStatus: raiseForStatus)
        defer { response.release() }
        return try await body(response)
    }

    private func mergedHeaders(_ extra: HTTPFields) -> HTTPFields {
        guard !headers.isEmpty else { return extra }
        var merged = headers
        for field in extra { merged[field.name] = nil }
        for field in extra { merged.append(field) }
        return merged
    }

    /// Sends `request`, following redirects as aiohttp: 301/302 turn POST into GET, 303 turns
    /// everything but HEAD into GET (dropping the body), 307/308 keep method and body; a
    /// redirect to another origin drops Authorization.
    private nonisolated(nonsending) func follow(
        _ first: PreparedRequest, allowRedirects: Bool, maxRedirects: Int, timeout: ClientTimeout,
        deadline: Double?, ssl: SSLContext?, verifySSL: Bool
    ) async throws -> ClientResponse {
        var request = first
        var history: [ClientResponse] = []
        while true {
            let response = try await send(request, timeout: timeout, deadline: deadline, ssl: ssl, verifySSL: verifySSL)
            guard allowRedirects, [301, 302, 303, 307, 308].contains(response.status),
                  let location = response.headers[.location] ?? response.headers[HTTPField.Name("URI")!] else {
                response.history = history
                return response
            }
            history.append(response)
            if history.count > maxRedirects {
                response.release()
                throw TooManyRedirects(requestInfo: response.requestInfo, history: history)
            }
            response.release()
            let next: HTTPURL
            do {
                next = try request.url.resolving(location)
            } catch {
                throw InvalidURL(location, reason: "redirect to a URL that is not http(s)")
            }
            if (response.status == 303 && request.method != "HEAD") || ([301, 302].contains(response.status) && request.method == "POST") {
                request.method = "GET"
                request.body = nil
                request.headers[.contentType] = nil
            }
            if next.origin != request.url.origin {
                request.headers[.authorization] = nil
                request.auth = nil
            }
            request.url = next
            if case .stream = request.body?.storage {
                // A streamed body cannot be sent twice.
                throw ClientStateError("Cannot follow a \(response.status) redirect with a streamed body")
            }
        }
    }

    /// One request on one connection; retried once on a fresh connection if a reused one turns
    /// out to be closed by the server before any response (an idempotent method only).
    private nonisolated(nonsending) func send(
        _ request: PreparedRequest, timeout: ClientTimeout, deadline: Double?, ssl: SSLContext?, verifySSL: Bool
    ) async throws -> ClientResponse {
        let key = ConnectionKey(scheme: request.url.scheme, host: request.url.host, port: request.url.port)
        var attempt = 0
        while true {
            attempt += 1
            let connection = try await asyncio.timeout(timeout.connect) {
                try await connector.acquire(key, sslOverride: ssl, verify: verifySSL, sockConnect: timeout.sockConnect)
            }
            let reused = connection.exchangeID > 0
            do {
                return try await exchange(request, on: connection, timeout: timeout, deadline: deadline)
            } catch let error as ServerDisconnectedError where reused && attempt == 1 && request.isIdempotent {
                _ = error
                continue
            }
        }
    }

    private nonisolated(nonsending) func exchange(
        _ request: PreparedRequest, on connection: ClientConnection, timeout: ClientTimeout, deadline: Double?
    ) async throws -> ClientResponse {
        let headWaiter = connection.beginExchange(responseToHead: request.method == "HEAD", decompress: autoDecompress,
                                                  expectContinue: request.expect100 && request.body != nil)
        let id = connection.exchangeID
        do {
            let fixed = request.body?.fixedBytes
            var bytes = request.serializedHead(acceptEncoding: autoDecompress)
            if let fixed, !request.expect100 { bytes += fixed }
            try connection.write(bytes)
            if let body = request.body {
                var send = true
                if let continueFuture = connection.continueFuture {
                    send = try await continueFuture.value
                }
                if send {
                    switch body.storage {
                    case .bytes(let bytes):
                        if request.expect100 { try connection.write(bytes) }
                    case .stream(let produce):
                        try await produce { chunk in
                            try connection.write(Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10])
                            try await connection.drain()
                        }
                        try connection.write(Array("0\r\n\r\n".utf8))
                    }
                }
            }
            let result = try await readBounded(timeout.sockRead) { try await headWaiter.value }
            let (head, reader) = try result.get()
            let info = RequestInfo(url: request.url, method: request.method, headers: request.headers)
            return ClientResponse(head: head, reader: reader, request: info, connection: connection,
                                  exchangeID: id, deadline: deadline, sockRead: timeout.sockRead)
        } catch {
            connection.endExchange(reuse: false, id: id)
            throw error
        }
    }

    /// Awaits `body` for at most `sockRead` seconds (`ServerTimeoutError` after).
    private nonisolated(nonsending) func readBounded<T>(_ sockRead: Double?, _ body: () async throws -> T) async throws -> T {
        guard let sockRead else { return try await body() }
        do {
            return try await asyncio.timeout(sockRead) { try await body() }
        } catch is TimeoutError {
            throw ServerTimeoutError("Timeout on reading data from socket")
        }
    }

    // MARK: Method shorthands

    /// GET (aiohttp's `session.get`).
    nonisolated(nonsending) public func get(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], allowRedirects: Bool = true,
        timeout: ClientTimeout? = nil, ssl: SSLContext? = nil
    ) async throws -> ClientResponse {
        try await request("GET", url, params: params, headers: headers, allowRedirects: allowRedirects, timeout: timeout, ssl: ssl)
    }

    /// GET, then `body` with the response, released afterwards.
    nonisolated(nonsending) public func get<T>(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], allowRedirects: Bool = true,
        timeout: ClientTimeout? = nil, ssl: SSLContext? = nil, _ body: (ClientResponse) async throws -> T
    ) async throws -> T {
        try await request("GET", url, params: params, headers: headers, allowRedirects: allowRedirects,
                          timeout: timeout, ssl: ssl, body)
    }

    /// HEAD (no redirects followed unless asked, as aiohttp).
    nonisolated(nonsending) public func head(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], allowRedirects: Bool = false,
        timeout: ClientTimeout? = nil
    ) async throws -> ClientResponse {
        try await request("HEAD", url, params: params, headers: headers, allowRedirects: allowRedirects, timeout: timeout)
    }

    /// POST with `data` or `json`.
    nonisolated(nonsending) public func post(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], data: RequestBody? = nil,
        json: (any Encodable)? = nil, timeout: ClientTimeout? = nil, expect100: Bool = false
    ) async throws -> ClientResponse {
        try await request("POST", url, params: params, headers: headers, data: data, json: json, timeout: timeout, expect100: expect100)
    }

    /// PUT with `data` or `json`.
    nonisolated(nonsending) public func put(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], data: RequestBody? = nil,
        json: (any Encodable)? = nil, timeout: ClientTimeout? = nil, expect100: Bool = false
    ) async throws -> ClientResponse {
        try await request("PUT", url, params: params, headers: headers, data: data, json: json, timeout: timeout, expect100: expect100)
    }

    /// PATCH with `data` or `json`.
    nonisolated(nonsending) public func patch(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], data: RequestBody? = nil,
        json: (any Encodable)? = nil, timeout: ClientTimeout? = nil
    ) async throws -> ClientResponse {
        try await request("PATCH", url, params: params, headers: headers, data: data, json: json, timeout: timeout)
    }

    /// DELETE.
    nonisolated(nonsending) public func delete(
        _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:], timeout: ClientTimeout? = nil
    ) async throws -> ClientResponse {
        try await request("DELETE", url, params: params, headers: headers, timeout: timeout)
    }

    /// OPTIONS.
    nonisolated(nonsending) public func options(
        _ url: String, headers: HTTPFields = [:], timeout: ClientTimeout? = nil
    ) async throws -> ClientResponse {
        try await request("OPTIONS", url, headers: headers, timeout: timeout)
    }
}

/// Host, which swift-http-types keeps out of `HTTPField.Name` (it is `HTTPRequest.authority`).
let hostField = HTTPField.Name("Host")!

/// A request ready to send (and to resend after a redirect).
struct PreparedRequest {
    var method: String
    var url: HTTPURL
    var headers: HTTPFields
    var body: RequestBody?
    var auth: BasicAuth?
    let expect100: Bool

    var isIdempotent: Bool { ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"].contains(method) }

    /// The request line and headers, with aiohttp's defaults where the caller set none: Host,
    /// Accept, Accept-Encoding, User-Agent, Authorization, Content-Type and the body's framing.
    func serializedHead(acceptEncoding: Bool) -> [UInt8] {
        var head = HeadBytes()
        func add(_ text: String) { head.add(text) }
        /// True when the caller did not set `name` (no lookup at all without headers).
        func unset(_ name: HTTPField.Name) -> Bool { headers.isEmpty || headers[name] == nil }
        add(method); add(" "); add(url.path)
        if let query = url.query { add("?"); add(query) }
        add(" HTTP/1.1\r\n")
        if unset(hostField) { add("Host: "); add(url.authority); add("\r\n") }
        if unset(.accept) { add("Accept: */*\r\n") }
        if acceptEncoding && unset(.acceptEncoding) { add("Accept-Encoding: gzip, deflate\r\n") }
        if unset(.userAgent) { add("User-Agent: swift-asyncio/AsyncioHTTP\r\n") }
        if unset(.authorization) {
            if let auth { add("Authorization: \(auth.encoded)\r\n") } else if let user = url.user {
                add("Authorization: \(BasicAuth(user, url.password ?? "").encoded)\r\n")
            }
        }
        if let body {
            if unset(.contentType), let type = body.contentType { add("Content-Type: \(type)\r\n") }
            if let bytes = body.fixedBytes {
                if unset(.contentLength) { add("Content-Length: \(bytes.count)\r\n") }
            } else if unset(.transferEncoding) {
                add("Transfer-Encoding: chunked\r\n")
            }
            if expect100 { add("Expect: 100-continue\r\n") }
        } else if ["POST", "PUT", "PATCH"].contains(method) && unset(.contentLength) {
            add("Content-Length: 0\r\n")
        }
        head.add(headers)
        add("\r\n")
        return head.bytes
    }
}
