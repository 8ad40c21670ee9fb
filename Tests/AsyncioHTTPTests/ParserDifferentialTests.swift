// The parser against llhttp (through httptools): Tests/HTTPPeers/differential.py feeds both the
// same mutated messages and fails on any disagreement outside the known ones the README lists.
import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

/// The tool that prints our parser's verdict on each input (built by `swift build`).
private let parserTool = HTTPTestPaths.packageRoot.appendingPathComponent(".build/debug/HTTPParserFuzz").path

@Suite(.enabled(if: HTTPTestPaths.hasPython && FileManager.default.isExecutableFile(atPath: parserTool)),
       .timeLimit(.minutes(2)))
struct ParserDifferentialTests {
    @Test func agreesWithLlhttpOnMutatedMessages() throws {
        let script = HTTPTestPaths.packageRoot.appendingPathComponent("Tests/HTTPPeers/differential.py").path
        try onLoop { _ in
            let (status, output) = try await runPeer(HTTPTestPaths.python, [script, parserTool, "3000"])
            if status != 0 { print(output) }
            #expect(status == 0)
            // The first line says how many inputs were compared (3000 of each kind and the seeds);
            // a run that compared none would prove nothing.
            let compared = Int(output.prefix { $0 != " " }) ?? 0
            #expect(compared >= 6000)
        }
    }
}
