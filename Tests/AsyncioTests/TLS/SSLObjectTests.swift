// SSLContext and SSLObject without sockets: two ends exchange records in memory.
@testable import Asyncio
import AsyncioTestSupport
import Testing

/// Runs a handshake between two SSL objects, moving records until both are done or one fails.
func handshakeInMemory(_ client: SSLObject, _ server: SSLObject) throws {
    var clientDone = false
    var serverDone = false
    for _ in 0..<20 where !(clientDone && serverDone) {
        if !clientDone { clientDone = try client.doHandshake() }
        client.takeOutgoing().withUnsafeBytes { server.feed($0) }
        if !serverDone { serverDone = try server.doHandshake() }
        server.takeOutgoing().withUnsafeBytes { client.feed($0) }
    }
    if !(clientDone && serverDone) { Issue.record("the handshake did not finish") }
}

@Suite(.enabled(if: TestCertificates.shared != nil)) struct SSLObjectTests {
    let certificates = TestCertificates.shared!

    func serverContext(cert: String? = nil) throws -> SSLContext {
        let context = try SSLContext(.server)
        try context.loadCertChain(certfile: cert ?? certificates.serverCert, keyfile: certificates.serverKey)
        return context
    }

    func clientContext() throws -> SSLContext {
        try SSLContext.createDefaultContext(cafile: certificates.caFile)
    }

    @Test func aVerifiedHandshakeNegotiatesTLS13AndALPNAndShowsThePeerCertificate() throws {
        let server = try serverContext()
        try server.setAlpnProtocols(["h2", "http/1.1"])
        let client = try clientContext()
        try client.setAlpnProtocols(["http/1.1"])
        let clientSide = try SSLObject(context: client, serverSide: false, serverHostname: "localhost")
        let serverSide = try SSLObject(context: server, serverSide: true, serverHostname: nil)
        try handshakeInMemory(clientSide, serverSide)
        #expect(clientSide.version() == "TLSv1.3")
        #expect(clientSide.selectedAlpnProtocol() == "http/1.1")
        #expect(serverSide.selectedAlpnProtocol() == "http/1.1")
        #expect(serverSide.requestedServerName() == "localhost")
        #expect(clientSide.cipher()?.protocolVersion == "TLSv1.3")
        let peer = try #require(clientSide.getpeercert())
        #expect(peer.subject == [[.init(name: "organizationName", value: "asyncio tests")], [.init(name: "commonName", value: "localhost")]])
        #expect(peer.issuer == [[.init(name: "commonName", value: "asyncio test CA")]])
        #expect(peer.subjectAltName == [.init(name: "DNS", value: "localhost"), .init(name: "IP Address", value: "127.0.0.1")])
        #expect(peer.serialNumber == "1001")
        #expect(peer.version == 3)
        #expect(peer.notAfter.hasSuffix(" GMT"))
        #expect(serverSide.getpeercert() == nil)   // no client certificate asked for
    }

    @Test func applicationDataCrossesBothWays() throws {
        let clientSide = try SSLObject(context: clientContext(), serverSide: false, serverHostname: "localhost")
        let serverSide = try SSLObject(context: serverContext(), serverSide: true, serverHostname: nil)
        try handshakeInMemory(clientSide, serverSide)
        _ = try Array("hello".utf8).withUnsafeBytes { try clientSide.write($0) }
        clientSide.takeOutgoing().withUnsafeBytes { serverSide.feed($0) }
        var buffer = [UInt8](repeating: 0, count: 100)
        let outcome = try buffer.withUnsafeMutableBytes { try serverSide.read(into: $0) }
        guard case .bytes(let count) = outcome else { Issue.record("read gave \(outcome)"); return }
        #expect(String(decoding: buffer.prefix(count), as: UTF8.self) == "hello")
        // close_notify: the reader sees the end, not an error.
        _ = try clientSide.shutdown()
        clientSide.takeOutgoing().withUnsafeBytes { serverSide.feed($0) }
        let end = try buffer.withUnsafeMutableBytes { try serverSide.read(into: $0) }
        guard case .closed = end else { Issue.record("read after close_notify gave \(end)"); return }
    }

    func failure(client: SSLContext, server: SSLContext, host: String) throws -> SSLError? {
        let clientSide = try SSLObject(context: client, serverSide: false, serverHostname: host)
        let serverSide = try SSLObject(context: server, serverSide: true, serverHostname: nil)
        do { try handshakeInMemory(clientSide, serverSide) } catch let error as SSLError { return error }
        return nil
    }

    @Test func verificationFailuresReadAsCPythonWordsThem() throws {
        let wrongHost = try #require(try failure(client: clientContext(), server: serverContext(), host: "127.0.0.2") as? SSLCertVerificationError)
        #expect("\(wrongHost)" == "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.2'.")
        let otherName = try #require(try failure(client: clientContext(), server: serverContext(cert: certificates.wrongHostCert), host: "localhost") as? SSLCertVerificationError)
        #expect(otherName.verifyMessage == "Hostname mismatch, certificate is not valid for 'localhost'.")
        let expired = try #require(try failure(client: clientContext(), server: serverContext(cert: certificates.expiredCert), host: "localhost") as? SSLCertVerificationError)
        #expect("\(expired)" == "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired")
        let untrusted = try #require(try failure(client: SSLContext.createDefaultContext(cafile: certificates.otherCAFile), server: serverContext(), host: "localhost") as? SSLCertVerificationError)
        #expect(untrusted.verifyMessage == "unable to get local issuer certificate")
    }

    @Test func contextSettingsFollowPython() throws {
        let client = try SSLContext(.client)
        #expect(client.verifyMode == .required && client.checkHostname)
        #expect(client.minimumVersion == .tlsv1_2)
        #expect(throws: ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")) { try client.setVerifyMode(.none) }
        client.checkHostname = false
        try client.setVerifyMode(.none)
        client.checkHostname = true
        #expect(client.verifyMode == .required)
        let server = try SSLContext(.server)
        #expect(server.verifyMode == .none && !server.checkHostname)
        #expect(throws: SSLError.self) { try server.setCiphers("NOT-A-CIPHER") }
        #expect(throws: OSError(code: 2)) { try server.loadCertChain(certfile: "/nonexistent.pem") }
        #expect(throws: ValueError("cafile, capath and cadata cannot be all omitted")) { try server.loadVerifyLocations() }
        #expect(throws: ValueError("ALPN protocols must be 1 to 255 in length")) { try server.setAlpnProtocols([""]) }
        try server.loadCertChain(certfile: certificates.serverCert, keyfile: certificates.encryptedServerKey, password: certificates.encryptedKeyPassword)
        #expect(throws: SSLError.self) { try server.loadCertChain(certfile: certificates.serverCert, keyfile: certificates.encryptedServerKey, password: "wrong") }
        let pem = try String(contentsOfFile: certificates.caFile, encoding: .utf8)
        try client.loadVerifyLocations(cadata: pem)
    }
}

import Foundation
