// The TLS layer's errors (Python's ssl.SSLError family), read off OpenSSL's error queue.
import COpenSSL

/// An error of the TLS layer (Python's `ssl.SSLError`). The description is CPython's text
/// without its `(_ssl.c:NNNN)` suffix: `[SSL: WRONG_VERSION_NUMBER] wrong version number`.
///
/// A class, so that `catch let error as SSLError` also catches `SSLCertVerificationError` and
/// `SSLEOFError`, as `except ssl.SSLError` does. Immutable, hence safe to share between threads.
open class SSLError: Error, CustomStringConvertible, @unchecked Sendable {
    /// OpenSSL's library of the error, as CPython names it ("SSL", "X509", "PEM"); nil when the
    /// error did not come from OpenSSL's queue.
    public let library: String?
    /// The reason's mnemonic ("CERTIFICATE_VERIFY_FAILED", "WRONG_VERSION_NUMBER").
    public let reason: String?
    /// Python's `errno` of the error: OpenSSL's `SSL_ERROR_*` kind (1 is `SSL_ERROR_SSL`).
    public let code: Int
    /// The text after the bracket.
    public let message: String

    /// An error of kind `code` with `message`, and OpenSSL's library and reason when known.
    public init(code: Int = 1, library: String? = nil, reason: String? = nil, message: String) {
        self.code = code
        self.library = library
        self.reason = reason
        self.message = message
    }

    open var description: String {
        switch (library, reason) {
        case let (library?, reason?): "[\(library): \(reason)] \(message)"
        case let (nil, reason?): "[\(reason)] \(message)"
        default: message
        }
    }
}

/// The peer's certificate failed verification (Python's `ssl.SSLCertVerificationError`, which is
/// also a ValueError there). `verifyMessage` is OpenSSL's, or CPython's "Hostname mismatch,
/// certificate is not valid for 'name'." for a wrong host.
public final class SSLCertVerificationError: SSLError, @unchecked Sendable {
    /// OpenSSL's `X509_V_ERR_*` code.
    public let verifyCode: Int
    /// What failed, e.g. "self-signed certificate", "certificate has expired".
    public let verifyMessage: String

    init(verifyCode: Int, verifyMessage: String, library: String?, reason: String?) {
        self.verifyCode = verifyCode
        self.verifyMessage = verifyMessage
        super.init(code: 1, library: library, reason: reason, message: "certificate verify failed: \(verifyMessage)")
    }
}

/// The peer closed the connection in the middle of the TLS protocol (Python's `ssl.SSLEOFError`):
/// "EOF occurred in violation of protocol".
public final class SSLEOFError: SSLError, @unchecked Sendable {
    init(library: String? = nil, reason: String? = nil) {
        super.init(code: Int(SSL_ERROR_EOF_CODE), library: library, reason: reason,
                   message: "EOF occurred in violation of protocol")
    }
}

/// Python's `SSL_ERROR_EOF` (8): its own number for a TLS EOF.
let SSL_ERROR_EOF_CODE: Int32 = 8

/// OpenSSL's error queue, read into CPython's shapes.
enum OpenSSLErrors {
    /// CPython's short names of OpenSSL's libraries.
    private static let libraryNames: [Int32: String] = [
        ERR_LIB_SYS: "SYS", ERR_LIB_BN: "BN", ERR_LIB_RSA: "RSA", ERR_LIB_DH: "DH", ERR_LIB_EVP: "EVP",
        ERR_LIB_BUF: "BUF", ERR_LIB_OBJ: "OBJ", ERR_LIB_PEM: "PEM", ERR_LIB_DSA: "DSA", ERR_LIB_X509: "X509",
        ERR_LIB_ASN1: "ASN1", ERR_LIB_CONF: "CONF", ERR_LIB_CRYPTO: "CRYPTO", ERR_LIB_EC: "EC",
        ERR_LIB_SSL: "SSL", ERR_LIB_BIO: "BIO", ERR_LIB_PKCS7: "PKCS7", ERR_LIB_X509V3: "X509V3",
        ERR_LIB_PKCS12: "PKCS12", ERR_LIB_RAND: "RAND", ERR_LIB_DSO: "DSO", ERR_LIB_ENGINE: "ENGINE",
        ERR_LIB_OCSP: "OCSP", ERR_LIB_UI: "UI", ERR_LIB_PROV: "PROV", ERR_LIB_OSSL_DECODER: "DECODER",
        ERR_LIB_OSSL_ENCODER: "ENCODER", ERR_LIB_OSSL_STORE: "STORE",
    ]

    /// The library name and reason mnemonic of a packed error code. OpenSSL's reason strings are
    /// its macro names in lower case with spaces ("wrong version number" for
    /// SSL_R_WRONG_VERSION_NUMBER), so the mnemonic is the string upper-cased back.
    static func names(_ packed: UInt) -> (library: String?, reason: String?, text: String?) {
        let library = libraryNames[asyncio_err_lib(packed)]
        guard let raw = ERR_reason_error_string(packed) else { return (library, nil, nil) }
        let text = String(cString: raw)
        return (library, String(text.uppercased().map { $0 == " " ? "_" : $0 }), text)
    }

    /// The error OpenSSL's queue holds after a failed call that is not about a connection
    /// (loading certificates, setting ciphers); `fallback` when the queue is empty. Clears it.
    static func takeError(fallback: String) -> SSLError {
        defer { ERR_clear_error() }
        let packed = ERR_peek_last_error()
        if packed == 0 { return SSLError(message: fallback) }
        let (library, reason, text) = names(packed)
        return SSLError(code: 1, library: library, reason: reason, message: text ?? fallback)
    }
}

