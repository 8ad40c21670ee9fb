// The Hummingbird peer of the HTTP benchmark: the same hello-world answer on one NIO event loop.
// Listens on 127.0.0.1 with a free port, prints "ready PORT", and answers until killed.
import Hummingbird
import NIOCore
import NIOPosix

let router = Router()
router.get("/") { _, _ in "Hello, World!" }
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
    onServerRunning: { channel in
        print("ready \(channel.localAddress!.port!)")
        fflush(nil)
    },
    eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: 1))
)
try await app.runService()
