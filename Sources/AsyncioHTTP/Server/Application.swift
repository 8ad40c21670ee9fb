// Application and its router: handlers by method and path, with {name} placeholders (aiohttp.web's shape).

/// A request handler: a request in, a response out (aiohttp's handler coroutine).
public typealias Handler = @Sendable (Request) async throws -> StreamResponse

/// A web application (aiohttp's `web.Application`): its routes. Add routes, then `serve` it.
///
///     let app = Application()
///     app.get("/hello/{name}") { request in Response(text: "hello \(request.matchInfo["name"]!)") }
///     let server = try await app.serve(host: "127.0.0.1", port: 8080)
///
/// Build it before serving; the routes are read-only while it serves.
public final class Application: @unchecked Sendable {
    // Routes are added before serving and only read afterwards (on the loop thread).
    struct Route {
        let method: String?          // nil: any method
        let segments: [Segment]
        let handler: Handler
    }

    enum Segment: Equatable {
        case literal(String)
        case parameter(String)
        case tail(String)            // {name:.*}: the rest of the path
    }

    private(set) var routes: [Route] = []
    /// The most bytes of a request body `read()` collects (aiohttp's `client_max_size`, 1 MiB).
    public var clientMaxSize: Int

    /// Makes an application with no routes.
    public init(clientMaxSize: Int = 1024 * 1024) {
        self.clientMaxSize = clientMaxSize
    }

    /// Adds a route for `method` ("*" for any) and `path`; `{name}` matches one path segment,
    /// `{name:.*}` the rest of the path. Values are in `request.matchInfo`.
    public func route(_ method: String, _ path: String, _ handler: @escaping Handler) {
        let segments: [Segment] = path.split(separator: "/").map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                let inner = part.dropFirst().dropLast()
                if inner.hasSuffix(":.*") { return .tail(String(inner.dropLast(3))) }
                return .parameter(String(inner))
            }
            return .literal(String(part))
        }
        routes.append(Route(method: method == "*" ? nil : method.uppercased(), segments: segments, handler: handler))
    }

    /// GET (HEAD is answered by GET routes too, without the body, as aiohttp).
    public func get(_ path: String, _ handler: @escaping Handler) { route("GET", path, handler) }
    /// Adds a POST route (aiohttp's `router.add_post`).
    public func post(_ path: String, _ handler: @escaping Handler) { route("POST", path, handler) }
    /// Adds a PUT route (aiohttp's `router.add_put`).
    public func put(_ path: String, _ handler: @escaping Handler) { route("PUT", path, handler) }
    /// Adds a PATCH route (aiohttp's `router.add_patch`).
    public func patch(_ path: String, _ handler: @escaping Handler) { route("PATCH", path, handler) }
    /// Adds a DELETE route (aiohttp's `router.add_delete`).
    public func delete(_ path: String, _ handler: @escaping Handler) { route("DELETE", path, handler) }

    /// Serves the files under `directory` at `prefix` (aiohttp's `add_static`), with Range,
    /// ETag and Content-Type by extension; paths that leave the directory are 404.
    public func addStatic(_ prefix: String, directory: String, compress: Bool = false) {
        let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        get(base + "/{filename:.*}") { request in
            let name = request.matchInfo["filename"] ?? ""
            let parts = name.split(separator: "/")
            if parts.isEmpty || parts.contains(where: { $0 == ".." || $0 == "." || $0.hasPrefix(".") }) {
                throw HTTPException(404)
            }
            return FileResponse(path: directory + "/" + parts.joined(separator: "/"), compress: compress)
        }
    }

    /// The handler for `method` and `path` with its match info, or the error status: 404 when
    /// no route has the path, 405 (with the allowed methods) when none has the method.
    func resolve(method: String, path: String) -> Result<(Handler, [String: String]), HTTPException> {
        let parts = path.split(separator: "/").map(String.init)
        var allowed: Set<String> = []
        for route in routes {
            guard let info = Self.match(route.segments, parts) else { continue }
            if route.method == nil || route.method == method || (method == "HEAD" && route.method == "GET") {
                return .success((route.handler, info))
            }
            allowed.insert(route.method!)
        }
        if allowed.isEmpty { return .failure(HTTPException(404)) }
        var error = HTTPException(405)
        error.headers[.allow] = allowed.sorted().joined(separator: ",")
        return .failure(error)
    }

    private static func match(_ segments: [Segment], _ parts: [String]) -> [String: String]? {
        var info: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < parts.count, parts[index] == text else { return nil }
            case .parameter(let name):
                guard index < parts.count, !parts[index].isEmpty else { return nil }
                info[name] = HTTPURL.percentDecode(Substring(parts[index]))
            case .tail(let name):
                info[name] = parts[index...].map { HTTPURL.percentDecode(Substring($0)) }.joined(separator: "/")
                return info
            }
        }
        return segments.count == parts.count ? info : nil
    }
}
