// Putting files in place: fsyncs go to a worker in groups, a cancelled wait leaves nothing open,
// and a name someone else takes meanwhile is never overwritten.
@testable import AsyncioDownload
import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct FinishingTests {
    /// Makes `count` open `.part` files of a few bytes each in `folder`.
    private func parts(_ count: Int, in folder: ScratchFolder) throws -> [PartFile] {
        let claims = NameClaims(folder: folder.path)
        return try (0..<count).map { index in
            let (_, part) = try claims.createPart("f\(index).bin", info: PartInfo(url: "http://h/f\(index).bin"))
            try part.write(Array("file \(index)".utf8)[...])
            return part
        }
    }

    @Test func filesFinishedTogetherShareAFewBatches() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let batcher = SyncBatcher()
        try withLeakChecks { loop, _ in
            let files = try parts(50, in: folder)
            try loop.runUntilComplete {
                try await asyncio.taskGroup { group in
                    for part in files { try group.createTask { try await part.finish(batcher) } }
                }
            }
        }
        #expect(folder.names() == (0..<50).map { "f\($0).bin" }.sorted())
        #expect(folder.contents("f7.bin") == Array("file 7".utf8))
        // The first file goes alone; the 49 that asked while it was on the worker go together.
        #expect(batcher.batches >= 1 && batcher.batches <= 3, "\(batcher.batches) batches")
    }

    @Test func aCancelledWaitLeavesNothingOpenAndThePartInPlace() throws {
        // Two files; the second is cancelled at loop iteration k: before it asked, while it
        // waits behind the first file's batch, while its own batch runs, after.
        for k in 0..<6 {
            let folder = try ScratchFolder()
            defer { folder.remove() }
            let batcher = SyncBatcher()
            try withLeakChecks("cancel at iteration \(k)") { loop, _ in
                let files = try parts(2, in: folder)
                let secondFinished = try loop.runUntilComplete { () async throws -> Bool in
                    let first = try asyncio.createTask { try await files[0].finish(batcher) }
                    let second = try asyncio.createTask { try await files[1].finish(batcher) }
                    for _ in 0..<k { try await asyncio.sleep(0) }
                    second.cancel()
                    try await first.value
                    do { try await second.value; return true } catch is CancelledError { return false }
                }
                try loop.runUntilComplete { try await loop.shutdownDefaultExecutor() }
                let names = folder.names()
                #expect(names.contains("f0.bin") && !names.contains("f0.bin.part"), "\(names)")
                // Either it finished (renamed) or its .part stays to resume; never both, never neither.
                #expect(names.contains("f1.bin") == secondFinished && names.contains("f1.bin.part") != secondFinished, "\(names)")
            }
        }
    }

    @Test func aNameTakenMeanwhileIsNeverOverwritten() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let claims = NameClaims(folder: folder.path)
        _ = claims.isTaken("warm-up")                    // the folder is listed now (empty)
        // A .part someone made after the listing: the next name is taken instead.
        _ = FileManager.default.createFile(atPath: folder.path + "/a.bin.part", contents: Data("theirs".utf8))
        let (name, part) = try claims.createPart("a.bin", info: PartInfo(url: "http://h/a.bin"))
        #expect(name == "a.1.bin")
        try part.write(Array("ours".utf8)[...])
        // The final name appears before the rename: finish fails with EEXIST and leaves it be.
        _ = FileManager.default.createFile(atPath: folder.path + "/a.1.bin", contents: Data("also theirs".utf8))
        #expect(throws: OSError(code: EEXIST, filename: folder.path + "/a.1.bin")) { try part.finishBlocking() }
        #expect(folder.contents("a.1.bin") == Array("also theirs".utf8))
        #expect(folder.contents("a.bin.part") == Array("theirs".utf8))
        #expect(folder.contents("a.1.bin.part") == Array("ours".utf8))
    }
}
