// SSLTransport: the plaintext transport a protocol gets over TLS (asyncio's _SSLProtocolTransport).

/// What the app protocol of a TLS connection writes to and closes. Writes before the handshake
/// completes wait in the TLS layer; `close()` sends close_notify and waits (bounded) for the
/// peer's; `abort()` closes at once. Owned by the loop thread.
///
/// Holds its `SSLProtocol` (see the ownership note in SSLProtocol.swift).
final class SSLTransport: Transport, @unchecked Sendable {
    private let sslProtocol: SSLProtocol
    /// Set by the TLS layer once closing or lost.
    var closed = false

    init(_ sslProtocol: SSLProtocol) { self.sslProtocol = sslProtocol }

    func write(_ data: [UInt8]) throws {
        if data.isEmpty { return }
        sslProtocol.writeAppData(CollectionOfOne(data))
    }

    func writelines(_ chunks: [[UInt8]]) throws { sslProtocol.writeAppData(chunks) }

    func writeEOF() throws { throw TLSHalfCloseError() }

    func canWriteEOF() -> Bool { false }

    func close() {
        if closed { return }
        closed = true
        sslProtocol.startShutdown()
    }

    func abort() {
        closed = true
        sslProtocol.abort(nil)
    }

    /// Closing once this side closed, or when the socket underneath is closing (gh-118950).
    func isClosing() -> Bool { closed || sslProtocol.transport?.isClosing() == true }

    func pauseReading() { sslProtocol.pauseAppReading() }

    func resumeReading() { sslProtocol.resumeAppReading() }

    func isReading() -> Bool { !sslProtocol.appReadingPaused }

    func getWriteBufferSize() -> Int { sslProtocol.writeBufferSize }

    func setWriteBufferLimits(high: Int?, low: Int?) { sslProtocol.setWriteBufferLimits(high: high, low: low) }

    func getExtraInfo(_ name: String) -> Any? { sslProtocol.extraInfo(name) }
}

/// `writeEOF()` on a TLS transport (Python's NotImplementedError "SSL doesn't support half-closes").
public struct TLSHalfCloseError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String { "SSL doesn't support half-closes" }
}
