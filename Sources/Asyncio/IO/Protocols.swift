// asyncio's protocols: the callbacks a transport calls on the loop thread.

/// What every protocol gets from its transport (asyncio.BaseProtocol). Called on the loop thread.
/// A callback may throw: the error goes to the loop's exception handler and the connection is
/// closed (asyncio's "Fatal error: protocol.data_received() call failed."); the loop goes on.
public protocol BaseProtocol: AnyObject {
    /// The connection is up; `transport` is how to write and close.
    func connectionMade(_ transport: any Transport) throws
    /// The connection is gone: nil for a normal close or EOF, else the error (e.g. a peer reset).
    func connectionLost(_ error: (any Error)?) throws
    /// The transport's write buffer went over its high-water mark: stop writing for now.
    func pauseWriting() throws
    /// The write buffer drained below its low-water mark: writing may go on.
    func resumeWriting() throws
}

extension BaseProtocol {
    public func connectionMade(_ transport: any Transport) {}
    public func connectionLost(_ error: (any Error)?) {}
    public func pauseWriting() {}
    public func resumeWriting() {}
}

/// A protocol for stream connections (asyncio.Protocol; `Protocol` cannot be a Swift type name).
public protocol ConnectionProtocol: BaseProtocol {
    /// Bytes arrived.
    func dataReceived(_ data: [UInt8]) throws
    /// The peer closed its side. Return true to keep the connection half open (this side can
    /// still write); false (the default) closes the transport.
    func eofReceived() throws -> Bool
}

extension ConnectionProtocol {
    public func eofReceived() -> Bool { false }
}

/// A stream protocol that receives into its own memory (asyncio.BufferedProtocol): the transport
/// asks for a buffer, reads into it, and says how many bytes arrived. No copy per read.
public protocol BufferedProtocol: BaseProtocol {
    /// A buffer to read into, of any size (at least 1 byte); `sizeHint` is what the transport
    /// would like. It must stay valid until `bufferUpdated` returns.
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer
    /// `count` bytes were written at the start of the last buffer.
    func bufferUpdated(_ count: Int) throws
    /// As `ConnectionProtocol.eofReceived`.
    func eofReceived() throws -> Bool
}

extension BufferedProtocol {
    public func eofReceived() -> Bool { false }
}

/// The transport side of a connection (asyncio.Transport), used from the loop thread.
public protocol Transport: AnyObject {
    /// Queues `data` for sending; never blocks. Throws after `writeEOF()`.
    func write(_ data: [UInt8]) throws
    /// Queues several buffers.
    func writelines(_ chunks: [[UInt8]]) throws
    /// Closes the sending side once the buffer is sent (half close). A TLS transport throws:
    /// TLS has no half close (Python's NotImplementedError "SSL doesn't support half-closes").
    func writeEOF() throws
    /// True when `writeEOF` is supported.
    func canWriteEOF() -> Bool
    /// Closes after the buffer is sent; `connectionLost(nil)` follows.
    func close()
    /// Closes at once, dropping the buffer; `connectionLost(nil)` follows.
    func abort()
    /// True once `close` or `abort` was called (or the connection was lost).
    func isClosing() -> Bool
    /// Stops calling `dataReceived` until `resumeReading`.
    func pauseReading()
    /// Goes on calling `dataReceived`.
    func resumeReading()
    /// True while reading is not paused.
    func isReading() -> Bool
    /// Bytes queued and not sent yet.
    func getWriteBufferSize() -> Int
    /// Sets the flow-control marks (asyncio: high 64 KiB, low = high / 4).
    func setWriteBufferLimits(high: Int?, low: Int?)
    /// Extra information: "peername", "sockname", "socket" (the descriptor); over TLS also
    /// "sslcontext", "ssl_object", "peercert", "cipher".
    func getExtraInfo(_ name: String) -> Any?
}

extension Transport {
    public func writelines(_ chunks: [[UInt8]]) throws { try write(chunks.flatMap { $0 }) }
}
