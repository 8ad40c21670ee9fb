// SSLObject: one TLS connection's OpenSSL state, driven through memory BIOs (Python's ssl.SSLObject).
import COpenSSL
import Glibc

/// The TLS state of one connection (Python's `ssl.SSLObject`): OpenSSL reads records from an
/// incoming memory buffer and writes records to an outgoing one; the TLS protocol layer moves
/// bytes between those buffers and the socket. `getExtraInfo("ssl_object")` returns it.
///
/// Owned by the loop thread of its connection: every call comes from there.
public final class SSLObject: @unchecked Sendable {
    let ssl: OpaquePointer
    private let incoming: OpaquePointer
    private let outgoing: OpaquePointer
    /// The context the connection was made with (kept alive: OpenSSL's callbacks read it).
    public let context: SSLContext
    /// True for the server end.
    public let serverSide: Bool
    /// The host name the client asked for (SNI) and checks the certificate against.
    public let serverHostname: String?

    /// What a read gave.
    enum ReadOutcome {
        case bytes(Int)
        /// More records are needed first.
        case wantRead
        /// The peer's close_notify arrived.
        case closed
    }

    init(context: SSLContext, serverSide: Bool, serverHostname: String?) throws {
        self.context = context
        self.serverSide = serverSide
        self.serverHostname = serverHostname
        ssl = try context.makeSSL()
        let incomingBIO = BIO_new(BIO_s_mem()), outgoingBIO = BIO_new(BIO_s_mem())
        guard let incoming = incomingBIO, let outgoing = outgoingBIO else {
            BIO_free(incomingBIO)
            BIO_free(outgoingBIO)
            SSL_free(ssl)
            throw OpenSSLErrors.takeError(fallback: "failed to allocate BIO")
        }
        // An empty incoming buffer means "wait for more", not EOF (until `feedEOF`).
        _ = asyncio_bio_set_mem_eof_return(incoming, -1)
        _ = asyncio_bio_set_mem_eof_return(outgoing, -1)
        self.incoming = incoming
        self.outgoing = outgoing
        SSL_set_bio(ssl, incoming, outgoing)   // the SSL owns both BIOs now
        if serverSide {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverHostname { try configureHost(serverHostname) }
        }
    }

    deinit { SSL_free(ssl) }

    /// SNI for names (not addresses), and the name or address the certificate must match.
    private func configureHost(_ host: String) throws {
        // CPython's own check: OpenSSL would take a leading dot as "any subdomain".
        if host.isEmpty || host.hasPrefix(".") {
            throw ValueError("server_hostname cannot be an empty string or start with a leading dot.")
        }
        let isAddress = SocketAddress.isNumericHost(host)
        if !isAddress && asyncio_set_sni(ssl, host) != 1 { throw OpenSSLErrors.takeError(fallback: "SNI rejected") }
        guard context.checkHostname else { return }
        let parameters = SSL_get0_param(ssl)
        X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        let accepted = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(parameters, host) : X509_VERIFY_PARAM_set1_host(parameters, host, 0)
        if accepted != 1 {
            ERR_clear_error()
            throw ValueError("server_hostname cannot be an empty string or start with a leading dot.")
        }
    }

    // MARK: Moving records

    /// Hands records that came from the peer to OpenSSL.
    func feed(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        _ = BIO_write(incoming, base, Int32(data.count))
    }

    /// The peer closed the TCP stream: no more records will come.
    func feedEOF() { _ = asyncio_bio_set_mem_eof_return(incoming, 0) }

    /// Bytes of records from the peer not yet taken in by OpenSSL.
    var incomingCount: Int { asyncio_bio_pending(incoming) }

    /// Bytes of records waiting to go to the peer.
    var outgoingCount: Int { asyncio_bio_pending(outgoing) }

    /// Takes the records waiting to go to the peer.
    func takeOutgoing() -> [UInt8] {
        let count = outgoingCount
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = max(Int(BIO_read(outgoing, buffer.baseAddress, Int32(count))), 0)
        }
    }

    // MARK: TLS operations

    /// Drives the handshake: true once it is complete, false while it needs more records.
    func doHandshake() throws -> Bool {
        clearStaleErrors()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return true }
        if let error = failure(result) { throw error }
        return false
    }

    /// Decrypts application data into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> ReadOutcome {
        clearStaleErrors()
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .bytes(count) }
        if SSL_get_error(ssl, 0) == SSL_ERROR_ZERO_RETURN { return .closed }
        if let error = failure(0) { throw error }
        return .wantRead
    }

    /// Encrypts `data`; returns how much was taken (all of it, or 0 while OpenSSL needs records).
    func write(_ data: UnsafeRawBufferPointer) throws -> Int {
        guard let base = data.baseAddress, data.count > 0 else { return 0 }
        clearStaleErrors()
        var count = 0
        if SSL_write_ex(ssl, base, data.count, &count) == 1 { return count }
        if let error = failure(0) { throw error }
        return 0
    }

    /// Sends close_notify (once) and reports whether the peer's close_notify came too.
    func shutdown() throws -> Bool {
        clearStaleErrors()
        let result = SSL_shutdown(ssl)
        if result == 1 { return true }
        if result == 0 { return false }
        if let error = failure(result) { throw error }
        return false
    }

    /// SSL_get_error reads the thread's error queue, so it must be empty before a call; it
    /// nearly always is (a failure clears it), and looking is cheaper than clearing.
    @inline(__always)
    private func clearStaleErrors() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Decrypted bytes ready to read without more records.
    func pendingBytes() -> Int { Int(SSL_pending(ssl)) }

    /// The error of a failed call, or nil when OpenSSL only needs more records or buffer room.
    private func failure(_ result: Int32) -> SSLError? {
        let kind = SSL_get_error(ssl, result)
        switch kind {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return nil
        case SSL_ERROR_ZERO_RETURN:
            return SSLError(code: Int(kind), message: "TLS/SSL connection has been closed (EOF)")
        case SSL_ERROR_SYSCALL where ERR_peek_last_error() == 0:
            return SSLEOFError()
        default:
            let packed = ERR_peek_last_error()
            defer { ERR_clear_error() }
            let (library, reason, text) = OpenSSLErrors.names(packed)
            if asyncio_err_lib(packed) == ERR_LIB_SSL {
                switch asyncio_err_reason(packed) {
                case SSL_R_CERTIFICATE_VERIFY_FAILED:
                    let code = Int(SSL_get_verify_result(ssl))
                    return SSLCertVerificationError(verifyCode: code, verifyMessage: verifyMessage(code), library: library, reason: reason)
                case SSL_R_UNEXPECTED_EOF_WHILE_READING:
                    return SSLEOFError(library: library, reason: reason)
                default: break
                }
            }
            return SSLError(code: Int(kind), library: library, reason: reason, message: text ?? "unknown error")
        }
    }

    /// OpenSSL's text for a verification failure, CPython's for a wrong host or address.
    private func verifyMessage(_ code: Int) -> String {
        let host = serverHostname ?? ""
        switch Int32(code) {
        case X509_V_ERR_HOSTNAME_MISMATCH: return "Hostname mismatch, certificate is not valid for '\(host)'."
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return "IP address mismatch, certificate is not valid for '\(host)'."
        default: return String(cString: X509_verify_cert_error_string(code))
        }
    }

    // MARK: What was negotiated

    /// The protocol version, e.g. "TLSv1.3" (`SSLObject.version()`); nil before the handshake.
    public func version() -> String? {
        guard SSL_is_init_finished(ssl) == 1, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// The cipher in use (`SSLObject.cipher()`); nil before the handshake.
    public func cipher() -> Cipher? {
        guard let current = SSL_get_current_cipher(ssl) else { return nil }
        return Cipher(name: String(cString: SSL_CIPHER_get_name(current)),
                      protocolVersion: String(cString: SSL_CIPHER_get_version(current)),
                      secretBits: Int(SSL_CIPHER_get_bits(current, nil)))
    }

    /// The application protocol both ends chose by ALPN, if any.
    public func selectedAlpnProtocol() -> String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// On a server: the host name the client asked for by SNI.
    public func requestedServerName() -> String? {
        guard let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else { return nil }
        return String(cString: name)
    }

    /// The peer's certificate (`getpeercert()`): nil when the peer sent none; its fields are
    /// empty when it was not verified (`verifyMode` `.none`), as Python's `{}`.
    public func getpeercert() -> PeerCertificate? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        if context.verifyMode == .none { return PeerCertificate() }
        return PeerCertificate(certificate)
    }

    /// The peer's certificate in DER form (`getpeercert(binary_form=True)`).
    public func getpeercertDER() -> [UInt8]? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(certificate, &output)
        guard length > 0, let output else { return nil }
        defer { asyncio_openssl_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }
}

/// A negotiated cipher (Python's `cipher()` tuple: name, protocol, secret bits).
public struct Cipher: Sendable, Equatable {
    /// OpenSSL's name of the cipher ("TLS_AES_256_GCM_SHA384").
    public let name: String
    /// The protocol version that defined the cipher, as OpenSSL names it ("TLSv1.3").
    public let protocolVersion: String
    /// How many secret bits the cipher uses.
    public let secretBits: Int
}
