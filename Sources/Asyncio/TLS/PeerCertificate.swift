// PeerCertificate: the fields of a peer's X.509 certificate, as Python's getpeercert() gives them.
import COpenSSL

/// The peer's certificate, with the fields and names of Python's `getpeercert()` dictionary.
/// All fields are empty for a certificate that was not verified (Python's `{}`).
public struct PeerCertificate: Sendable, Equatable {
    /// One attribute of a distinguished name, e.g. ("commonName", "localhost").
    public struct Attribute: Sendable, Equatable {
        /// The attribute's name as Python spells it ("commonName", "DNS").
        public let name: String
        /// The attribute's value ("localhost").
        public let value: String
    }

    /// The subject: relative distinguished names, each a list of attributes.
    public var subject: [[Attribute]] = []
    /// The issuer, in the same form.
    public var issuer: [[Attribute]] = []
    /// The X.509 version (3 for v3).
    public var version: Int = 0
    /// The serial number in upper-case hex.
    public var serialNumber: String = ""
    /// The start of validity, as OpenSSL prints it ("Jan  5 09:34:43 2026 GMT").
    public var notBefore: String = ""
    /// The end of validity, in the same form.
    public var notAfter: String = ""
    /// Subject alternative names: ("DNS", "localhost"), ("IP Address", "127.0.0.1"), ...
    public var subjectAltName: [Attribute] = []

    /// True for the empty value of an unverified certificate.
    public var isEmpty: Bool { subject.isEmpty && issuer.isEmpty && serialNumber.isEmpty }

    init() {}

    init(_ certificate: OpaquePointer) {
        subject = Self.name(X509_get_subject_name(certificate))
        issuer = Self.name(X509_get_issuer_name(certificate))
        version = Int(X509_get_version(certificate)) + 1
        if let serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nil) {
            defer { BN_free(serial) }
            if let hex = BN_bn2hex(serial) {
                serialNumber = String(cString: hex)
                asyncio_openssl_free(hex)
            }
        }
        notBefore = Self.time(X509_get0_notBefore(certificate))
        notAfter = Self.time(X509_get0_notAfter(certificate))
        subjectAltName = Self.alternativeNames(certificate)
    }

    /// A name's entries grouped by RDN, with OpenSSL's long names (Python's shape).
    private static func name(_ name: OpaquePointer?) -> [[Attribute]] {
        guard let name else { return [] }
        var groups: [[Attribute]] = []
        var lastSet: Int32 = -1
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))
            let field = OBJ_nid2ln(nid).map { String(cString: $0) } ?? "\(nid)"
            let attribute = Attribute(name: field, value: text(UnsafePointer(X509_NAME_ENTRY_get_data(entry))))
            let set = X509_NAME_ENTRY_set(entry)
            if set == lastSet, !groups.isEmpty { groups[groups.count - 1].append(attribute) } else { groups.append([attribute]) }
            lastSet = set
        }
        return groups
    }

    private static func text(_ string: UnsafePointer<ASN1_STRING>?) -> String {
        var output: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&output, string)
        guard length >= 0, let output else { return "" }
        defer { asyncio_openssl_free(output) }
        return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
    }

    private static func time(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        guard let time, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard ASN1_TIME_print(bio, time) == 1 else { return "" }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = BIO_read(bio, &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix(Int(max(count, 0))), as: UTF8.self)
    }

    private static func alternativeNames(_ certificate: OpaquePointer) -> [Attribute] {
        guard let names = asyncio_subject_alt_names(certificate) else { return [] }
        defer { GENERAL_NAMES_free(names) }
        var result: [Attribute] = []
        for index in 0..<asyncio_general_names_count(names) {
            guard let string = asyncio_general_name_string(names, index) else { continue }
            let bytes = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(string), count: Int(ASN1_STRING_length(string))))
            switch asyncio_general_name_type(names, index) {
            case GEN_DNS: result.append(Attribute(name: "DNS", value: String(decoding: bytes, as: UTF8.self)))
            case GEN_URI: result.append(Attribute(name: "URI", value: String(decoding: bytes, as: UTF8.self)))
            case GEN_EMAIL: result.append(Attribute(name: "email", value: String(decoding: bytes, as: UTF8.self)))
            case GEN_IPADD: result.append(Attribute(name: "IP Address", value: address(bytes)))
            default: break
            }
        }
        return result
    }

    /// CPython's text of an address: dotted IPv4, or IPv6 as eight upper-case hex groups.
    private static func address(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return "<invalid>" }
        return stride(from: 0, to: 16, by: 2).map { String((Int(bytes[$0]) << 8) | Int(bytes[$0 + 1]), radix: 16, uppercase: true) }
            .joined(separator: ":")
    }
}
