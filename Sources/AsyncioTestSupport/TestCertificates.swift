// Certificates made at test time with the openssl command: a CA, a server certificate for
// localhost and 127.0.0.1, an expired one, one for another host, a client certificate.
import Foundation

/// A folder of PEM files made once per test process by `openssl` (EC P-256 keys, 30 days).
public struct TestCertificates: Sendable {
    public let folder: String
    public var caFile: String { "\(folder)/ca.pem" }
    public var serverCert: String { "\(folder)/server.pem" }
    public var serverKey: String { "\(folder)/server.key" }
    public var expiredCert: String { "\(folder)/expired.pem" }
    public var wrongHostCert: String { "\(folder)/wronghost.pem" }
    public var clientCert: String { "\(folder)/client.pem" }
    public var clientKey: String { "\(folder)/client.key" }
    /// A second CA that signed nothing of ours (an untrusted issuer for the client).
    public var otherCAFile: String { "\(folder)/other-ca.pem" }
    /// The server key encrypted with `encryptedKeyPassword`.
    public var encryptedServerKey: String { "\(folder)/server-encrypted.key" }
    public let encryptedKeyPassword = "s3cret"

    /// Made on first use; nil when the openssl command is missing or fails.
    public static let shared: TestCertificates? = make()

    private static func make() -> TestCertificates? {
        let folder = NSTemporaryDirectory() + "asyncio-tls-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        let ca = "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        let script = """
        set -e
        cd '\(folder)'
        openssl req -x509 \(ec) -keyout ca.key -out ca.pem -days 30 -subj '/CN=asyncio test CA' \(ca)
        openssl req -x509 \(ec) -keyout other-ca.key -out other-ca.pem -days 30 -subj '/CN=another CA' \(ca)
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' > server.ext
        printf 'subjectAltName=DNS:elsewhere.example\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' > wronghost.ext
        printf 'basicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=clientAuth\\n' > client.ext
        openssl req \(ec) -keyout server.key -out server.csr -subj '/O=asyncio tests/CN=localhost'
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 4097 -out server.pem -days 30 -extfile server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 4098 -out expired.pem -days -1 -extfile server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 4099 -out wronghost.pem -days 30 -extfile wronghost.ext
        openssl req \(ec) -keyout client.key -out client.csr -subj '/CN=asyncio test client'
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -set_serial 4100 -out client.pem -days 30 -extfile client.ext
        openssl pkey -in server.key -out server-encrypted.key -aes256 -passout pass:s3cret
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? TestCertificates(folder: folder) : nil
    }
}
