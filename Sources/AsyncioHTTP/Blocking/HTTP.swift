// HTTP: blocking requests for threads (the seeds' `requests.get`), each on its own private loop.
import Asyncio
import HTTPTypes

/// Blocking HTTP calls, as Python's `requests`: each runs a private event loop on the calling
/// thread, sends the request with a one-off `ClientSession`, reads the whole body and returns
/// the response (its `body`, `bodyText`, `text()` and `json()` work without a loop afterwards).
/// Meant for threads: `asyncio.toThread { try HTTP.get(url) }`, `loop.runInExecutor(nil) { ... }`.
/// Calling it on a thread whose loop is running throws (as `asyncio.run` does).
///
/// As `requests` does not touch asyncio, neither does a call here show through: its loop runs on
/// the real clock whatever the event loop policy, and its one task is named "HTTP.request", so
/// the program's own tasks keep their default names (Task-1, Task-2, ...).
public enum HTTP {
    /// Any method (requests' `requests.request`).
    public static func request(
        _ method: String, _ url: String, params: [(String, String)] = [], headers: HTTPFields = [:],
        data: sending RequestBody? = nil, json: (any Encodable & Sendable)? = nil, auth: BasicAuth? = nil,
        allowRedirects: Bool = true, timeout: ClientTimeout = ClientTimeout(), ssl: SSLContext? = nil,
        verifySSL: Bool = true
    ) throws -> ClientResponse {
        try Runner(loopFactory: { try EventLoop() }).run(name: "HTTP.request") {
            try await ClientSession.with(timeout: timeout) { session in
                let response = try await session.request(
                    method, url, params: params, headers: headers, data: data, json: json, auth: auth,
                    allowRedirects: allowRedirects, ssl: ssl, verifySSL: verifySSL)
                _ = try await response.read()
                return response
            }
        }
    }

    /// GET (requests' `requests.get`).
    public static func get(_ url: String, params: [(String, String)] = [], headers: HTTPFields = [:],
                           timeout: ClientTimeout = ClientTimeout(), ssl: SSLContext? = nil) throws -> ClientResponse {
        try request("GET", url, params: params, headers: headers, timeout: timeout, ssl: ssl)
    }

    /// HEAD.
    public static func head(_ url: String, headers: HTTPFields = [:], timeout: ClientTimeout = ClientTimeout()) throws -> ClientResponse {
        try request("HEAD", url, headers: headers, allowRedirects: false, timeout: timeout)
    }

    /// POST with `data` or `json`.
    public static func post(_ url: String, headers: HTTPFields = [:], data: sending RequestBody? = nil,
                            json: (any Encodable & Sendable)? = nil, timeout: ClientTimeout = ClientTimeout()) throws -> ClientResponse {
        try request("POST", url, headers: headers, data: data, json: json, timeout: timeout)
    }

    /// PUT with `data` or `json`.
    public static func put(_ url: String, headers: HTTPFields = [:], data: sending RequestBody? = nil,
                           json: (any Encodable & Sendable)? = nil, timeout: ClientTimeout = ClientTimeout()) throws -> ClientResponse {
        try request("PUT", url, headers: headers, data: data, json: json, timeout: timeout)
    }

    /// DELETE.
    public static func delete(_ url: String, headers: HTTPFields = [:], timeout: ClientTimeout = ClientTimeout()) throws -> ClientResponse {
        try request("DELETE", url, headers: headers, timeout: timeout)
    }
}
