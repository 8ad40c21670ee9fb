// SHA256: an incremental SHA-256 on the system OpenSSL's EVP interface, for `sha256=` checks.
import COpenSSL
import FoundationEssentials
import Glibc

/// An incremental SHA-256 digest (Python's `hashlib.sha256()`): `update` with each chunk, then
/// `hexdigest()`. Owned by one thread at a time.
public final class SHA256: @unchecked Sendable {
    // The EVP context is used only by the thread that owns this object.
    private let context: OpaquePointer

    /// Starts an empty digest.
    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }

    /// The digest of everything added, as 64 lowercase hex digits (the digest then starts over).
    public func hexdigest() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &digest, &length)
        _ = EVP_DigestInit_ex(context, EVP_sha256(), nil)
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.prefix(Int(length)).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }
}
