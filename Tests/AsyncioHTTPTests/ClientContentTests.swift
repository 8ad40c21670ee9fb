// A response body's stream as aiohttp reads it: readany and iterAny return everything that has
// arrived, not limit-sized pieces, and chunks keep their order and bytes.
import Asyncio
@testable import AsyncioHTTP
import AsyncioTestSupport
import Testing

@Suite struct ClientContentTests {
    @Test func readanyReturnsEverythingThatArrived() throws {
        try onLoop { _ in
            let reader = StreamReader(limit: 64 * 1024)
            let content = ClientResponseContent(reader: reader, deadline: nil, sockRead: nil)
            let first = pattern(200_000)
            reader.feedData(first)
            // aiohttp's readany: the whole buffer (here three times the limit), in one piece.
            #expect(try await content.readany() == first)
            reader.feedData([1, 2, 3])
            reader.feedData([4, 5])
            #expect(try await content.read(1) == [1])
            #expect(try await content.readany() == [2, 3, 4, 5])
            reader.feedData(Array(first.prefix(10)))
            reader.feedEOF()
            var chunks: [[UInt8]] = []
            for try await chunk in content.iterAny() { chunks.append(chunk) }
            #expect(chunks == [Array(first.prefix(10))])
            #expect(content.atEOF())
        }
    }
}
