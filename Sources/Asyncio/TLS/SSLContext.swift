// SSLContext: certificates, verification and protocol settings shared by TLS connections (Python's ssl.SSLContext).
import COpenSSL
import Glibc
import Synchronization

/// Settings and certificates for TLS connections (Python's `ssl.SSLContext`), on the system
/// OpenSSL. Make one per role and share it among connections.
///
/// Thread safety: configuration and the making of connections take `lock`, so a context may be
/// shared by loops on several threads; configure it before connections use it, as in Python.
public final class SSLContext: @unchecked Sendable {
    /// Which end of connections the context is for (`ssl.PROTOCOL_TLS_CLIENT` / `_SERVER`).
    public enum Side: Sendable {
        /// A client context (`ssl.PROTOCOL_TLS_CLIENT`).
        case client
        /// A server context (`ssl.PROTOCOL_TLS_SERVER`).
        case server
    }

    /// What the certificates checked are for (`ssl.Purpose`): `.serverAuth` makes a client
    /// context (it authenticates servers), `.clientAuth` a server context.
    public enum Purpose: Sendable {
        /// Authenticating servers, for a client context (`ssl.Purpose.SERVER_AUTH`).
        case serverAuth
        /// Authenticating clients, for a server context (`ssl.Purpose.CLIENT_AUTH`).
        case clientAuth
    }

    /// Whether and how the peer's certificate is checked (`ssl.CERT_NONE/OPTIONAL/REQUIRED`).
    public enum VerifyMode: Sendable, Equatable {
        /// The peer's certificate is not checked (`ssl.CERT_NONE`).
        case none
        /// A certificate the peer sends is checked, but none is required (`ssl.CERT_OPTIONAL`).
        case optional
        /// The peer must send a certificate that verifies (`ssl.CERT_REQUIRED`).
        case required
    }

    /// TLS protocol versions (`ssl.TLSVersion`).
    public enum TLSVersion: Int32, Sendable, Comparable {
        /// The lowest version OpenSSL supports (`ssl.TLSVersion.MINIMUM_SUPPORTED`).
        case minimumSupported = -2
        /// The highest version OpenSSL supports (`ssl.TLSVersion.MAXIMUM_SUPPORTED`).
        case maximumSupported = -1
        /// TLS 1.0.
        case tlsv1 = 0x0301
        /// TLS 1.1.
        case tlsv1_1 = 0x0302
        /// TLS 1.2.
        case tlsv1_2 = 0x0303
        /// TLS 1.3.
        case tlsv1_3 = 0x0304
        public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rawValue < b.rawValue }
    }

    /// CPython's default cipher string for TLS 1.2 and below.
    static let defaultCiphers = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

    let lock = Mutex(())
    /// The `SSL_CTX`, freed with the context.
    let pointer: OpaquePointer
    /// The role.
    public let side: Side
    private var verify: VerifyMode
    private var hostnameCheck: Bool
    /// ALPN protocols in wire format (length-prefixed), in malloc'd memory OpenSSL reads from.
    private(set) var alpnWire: UnsafeMutableBufferPointer<UInt8>?
    /// Lists replaced by `setAlpnProtocols`: kept until the context goes, since a handshake on
    /// another loop may be reading one (OpenSSL's callback does not take `lock`).
    private var retiredAlpnWires: [UnsafeMutableBufferPointer<UInt8>] = []

    /// A context for `side`, with Python's defaults: TLS 1.2 at least, no compression, no
    /// renegotiation, CPython's cipher list; a client checks certificates and host names (load
    /// CA certificates before use: `createDefaultContext` loads the system's).
    public init(_ side: Side) throws {
        guard let pointer = SSL_CTX_new(side == .client ? TLS_client_method() : TLS_server_method()) else {
            throw OpenSSLErrors.takeError(fallback: "failed to allocate SSL context")
        }
        self.pointer = pointer
        self.side = side
        verify = side == .client ? .required : .none
        hostnameCheck = side == .client
        SSL_CTX_set_options(pointer, asyncio_ssl_default_options())
        _ = asyncio_ctx_set_mode(pointer, asyncio_ssl_default_modes())
        _ = asyncio_ctx_set_min_proto(pointer, TLS1_2_VERSION)
        guard SSL_CTX_set_cipher_list(pointer, Self.defaultCiphers) == 1 else {
            throw OpenSSLErrors.takeError(fallback: "No cipher can be selected.")   // deinit frees the context
        }
        let sessionContext = Array("asyncio".utf8)
        _ = SSL_CTX_set_session_id_context(pointer, sessionContext, UInt32(sessionContext.count))
        applyVerifyMode()
    }

    deinit {
        SSL_CTX_free(pointer)
        alpnWire?.deallocate()
        for wire in retiredAlpnWires { wire.deallocate() }
    }

    /// A context with the secure defaults for `purpose` (`ssl.create_default_context`): for
    /// `.serverAuth` (a client) the system's CA certificates, or those given, are loaded.
    public static func createDefaultContext(
        purpose: Purpose = .serverAuth, cafile: String? = nil, capath: String? = nil, cadata: String? = nil
    ) throws -> SSLContext {
        let context = try SSLContext(purpose == .serverAuth ? .client : .server)
        if cafile != nil || capath != nil || cadata != nil {
            try context.loadVerifyLocations(cafile: cafile, capath: capath, cadata: cadata)
        } else if context.verify != .none {
            context.setDefaultVerifyPaths()
        }
        return context
    }

    // MARK: Verification

    /// How the peer's certificate is checked (`verify_mode`). Change it with `setVerifyMode`.
    public var verifyMode: VerifyMode { lock.withLock { _ in verify } }

    /// Sets `verify_mode`. `.none` while `checkHostname` is on throws, as in Python.
    public func setVerifyMode(_ mode: VerifyMode) throws {
        try lock.withLock { _ in
            if mode == .none && hostnameCheck {
                throw ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
            }
            verify = mode
            applyVerifyMode()
        }
    }

    /// Whether a client checks that the certificate is for the host it connects to
    /// (`check_hostname`). Turning it on with `verifyMode` `.none` makes it `.required`.
    public var checkHostname: Bool {
        get { lock.withLock { _ in hostnameCheck } }
        set {
            lock.withLock { _ in
                hostnameCheck = newValue
                if newValue && verify == .none {
                    verify = .required
                    applyVerifyMode()
                }
            }
        }
    }

    private func applyVerifyMode() {
        let mode: Int32 = switch verify {
        case .none: asyncio_ssl_verify_none()
        case .optional: asyncio_ssl_verify_peer()
        case .required: asyncio_ssl_verify_peer() | asyncio_ssl_verify_fail_if_no_peer_cert()
        }
        SSL_CTX_set_verify(pointer, mode, nil)
    }

    // MARK: Versions, ciphers, ALPN

    /// The lowest TLS version offered or accepted (`minimum_version`).
    public var minimumVersion: TLSVersion {
        get { lock.withLock { _ in Self.version(asyncio_ctx_get_min_proto(pointer), or: .minimumSupported) } }
        set { lock.withLock { _ in _ = asyncio_ctx_set_min_proto(pointer, Self.openSSLVersion(newValue)) } }
    }

    /// The highest TLS version offered or accepted (`maximum_version`).
    public var maximumVersion: TLSVersion {
        get { lock.withLock { _ in Self.version(asyncio_ctx_get_max_proto(pointer), or: .maximumSupported) } }
        set { lock.withLock { _ in _ = asyncio_ctx_set_max_proto(pointer, Self.openSSLVersion(newValue)) } }
    }

    private static func version(_ raw: Int32, or unset: TLSVersion) -> TLSVersion {
        raw == 0 ? unset : TLSVersion(rawValue: raw) ?? unset
    }

    private static func openSSLVersion(_ version: TLSVersion) -> Int32 {
        version == .minimumSupported || version == .maximumSupported ? 0 : version.rawValue
    }

    /// The ciphers for TLS 1.2 and below, in OpenSSL's cipher-list format (`set_ciphers`).
    /// A string that selects none throws `SSLError` "No cipher can be selected.".
    public func setCiphers(_ ciphers: String) throws {
        try lock.withLock { _ in
            if SSL_CTX_set_cipher_list(pointer, ciphers) != 1 {
                ERR_clear_error()
                throw SSLError(message: "No cipher can be selected.")
            }
        }
    }

    /// The application protocols offered (a client) or chosen from (a server), most preferred
    /// first (`set_alpn_protocols`); the result is `SSLObject.selectedAlpnProtocol()`.
    public func setAlpnProtocols(_ protocols: [String]) throws {
        var wire: [UInt8] = []
        for name in protocols {
            let bytes = Array(name.utf8)
            guard (1...255).contains(bytes.count) else { throw ValueError("ALPN protocols must be 1 to 255 in length") }
            wire.append(UInt8(bytes.count))
            wire += bytes
        }
        lock.withLock { _ in
            if let old = alpnWire { retiredAlpnWires.append(old) }
            let stored = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(wire.count, 1))
            _ = stored.initialize(from: wire)
            alpnWire = UnsafeMutableBufferPointer(rebasing: stored[0..<wire.count])
            if side == .client {
                _ = SSL_CTX_set_alpn_protos(pointer, stored.baseAddress, UInt32(wire.count))
            } else {
                SSL_CTX_set_alpn_select_cb(pointer, selectApplicationProtocol, Unmanaged.passUnretained(self).toOpaque())
            }
        }
    }

    // MARK: Certificates

    /// Loads this side's certificate chain and private key (`load_cert_chain`); `keyfile` nil
    /// means the key is in `certfile`; `password` decrypts an encrypted key.
    public func loadCertChain(certfile: String, keyfile: String? = nil, password: String? = nil) throws {
        try Self.requireFile(certfile)
        if let keyfile { try Self.requireFile(keyfile) }
        try lock.withLock { _ in
            ERR_clear_error()
            guard SSL_CTX_use_certificate_chain_file(pointer, certfile) == 1 else {
                throw OpenSSLErrors.takeError(fallback: "PEM lib")
            }
            guard let bio = BIO_new_file(keyfile ?? certfile, "r") else { throw OpenSSLErrors.takeError(fallback: "PEM lib") }
            defer { BIO_free(bio) }
            // With no callback, OpenSSL reads the passphrase from the last argument.
            let key = password.map { password in
                password.withCString { PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: $0)) }
            } ?? PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            guard let key else { throw OpenSSLErrors.takeError(fallback: "PEM lib") }
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(pointer, key) == 1, SSL_CTX_check_private_key(pointer) == 1 else {
                throw OpenSSLErrors.takeError(fallback: "PEM lib")
            }
        }
    }

    /// Trusts the CA certificates in `cafile` (PEM), the hashed directory `capath`, or the PEM
    /// text `cadata` (`load_verify_locations`).
    public func loadVerifyLocations(cafile: String? = nil, capath: String? = nil, cadata: String? = nil) throws {
        if cafile == nil && capath == nil && cadata == nil {
            throw ValueError("cafile, capath and cadata cannot be all omitted")
        }
        if let cafile { try Self.requireFile(cafile) }
        if let capath { try Self.requireFile(capath) }
        try lock.withLock { _ in
            ERR_clear_error()
            if cafile != nil || capath != nil {
                guard SSL_CTX_load_verify_locations(pointer, cafile, capath) == 1 else {
                    throw OpenSSLErrors.takeError(fallback: "PEM lib")
                }
            }
            if let cadata { try addCertificates(pem: cadata) }
        }
    }

    private func addCertificates(pem: String) throws {
        let bytes = Array(pem.utf8)
        let store = SSL_CTX_get_cert_store(pointer)
        var added = 0
        try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { throw OpenSSLErrors.takeError(fallback: "PEM lib") }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                defer { X509_free(certificate) }
                if X509_STORE_add_cert(store, certificate) != 1 { throw OpenSSLErrors.takeError(fallback: "PEM lib") }
                added += 1
            }
        }
        ERR_clear_error()   // the end of the text reads as "no start line"
        if added == 0 { throw SSLError(library: "X509", reason: "NO_CERTIFICATE_OR_CRL_FOUND", message: "no certificate or crl found") }
    }

    /// Trusts the system's CA certificates (`set_default_verify_paths`; Debian's are in
    /// /etc/ssl/certs, from the ca-certificates package).
    public func setDefaultVerifyPaths() {
        lock.withLock { _ in
            _ = SSL_CTX_set_default_verify_paths(pointer)
            ERR_clear_error()
        }
    }

    /// Loads the system's CA certificates (`load_default_certs`).
    public func loadDefaultCerts() { setDefaultVerifyPaths() }

    private static func requireFile(_ path: String) throws {
        if access(path, F_OK) != 0 { throw OSError(code: errno) }
    }

    /// A new TLS connection state for this context.
    func makeSSL() throws -> OpaquePointer {
        try lock.withLock { _ in
            guard let ssl = SSL_new(pointer) else { throw OpenSSLErrors.takeError(fallback: "failed to allocate SSL") }
            return ssl
        }
    }
}

/// The server's ALPN choice: the first of its own protocols that the client offers, as Python
/// does; none in common means no ALPN (the handshake goes on).
private func selectApplicationProtocol(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ outLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let argument, let offered, let out, let outLength else { return SSL_TLSEXT_ERR_NOACK }
    let context = Unmanaged<SSLContext>.fromOpaque(argument).takeUnretainedValue()
    guard let ours = context.alpnWire, let base = ours.baseAddress else { return SSL_TLSEXT_ERR_NOACK }
    var selected: UnsafeMutablePointer<UInt8>?
    let result = SSL_select_next_proto(&selected, outLength, base, UInt32(ours.count), offered, offeredLength)
    guard result == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_NOACK }
    out.pointee = UnsafePointer(selected)
    return SSL_TLSEXT_ERR_OK
}
