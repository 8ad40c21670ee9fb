// The SwiftNIO peer of the echo benchmark: one event loop thread, echo handler, "ready PORT";
// `NIOEchoServer CERT KEY` serves TLS through NIOSSL (BoringSSL inside swift-nio-ssl).
import NIOCore
import NIOPosix
import NIOSSL
import Glibc

final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

let arguments = CommandLine.arguments
let tls: NIOSSLContext? = arguments.count >= 3
    ? try NIOSSLContext(configuration: .makeServerConfiguration(
        certificateChain: try NIOSSLCertificate.fromPEMFile(arguments[1]).map { .certificate($0) },
        privateKey: .privateKey(try NIOSSLPrivateKey(file: arguments[2], format: .pem))))
    : nil
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(ChannelOptions.backlog, value: 256)
    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
            try channel.pipeline.syncOperations.addHandler(EchoHandler())
        }
    }
let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
print("ready \(channel.localAddress!.port!)")
fflush(nil)
try channel.closeFuture.wait()
