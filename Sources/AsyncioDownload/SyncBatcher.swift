// SyncBatcher: group commit for finished downloads, many fsyncs per hand-off to a worker thread.
import Asyncio
import Glibc

/// fsyncs finished `.part` files off the loop, as a database commits a group: the files
/// finished while one batch is on a worker thread go together in the next, so a thousand
/// small files cost a few hand-offs to the pool, not a thousand.
///
/// Ownership: a caller of `syncAndClose` gives its descriptor up; the batch that takes it
/// fsyncs and closes it on the worker thread whatever happens to the caller (a cancelled
/// caller stops waiting, the batch still runs, so nothing is left open; one cancelled before
/// its batch left closes its descriptor itself). The batcher belongs
/// to its downloader; a running batch is held by the loop's executor future and holds the
/// batcher until it has resolved its waiters. Loop thread only, but for the descriptors a
/// batch carries to its worker.
final class SyncBatcher: @unchecked Sendable {
    private var waiting: [(fd: Int32, done: Future<Int32>)] = []
    /// The loop whose batch is on a worker now, if any (a batch of a loop that was closed
    /// meanwhile never reports back, so another loop does not wait for it).
    private weak var runningOn: EventLoop?
    /// Batches sent to a worker so far (the tests check that files go together).
    private(set) var batches = 0

    /// fsyncs and closes `fd` and returns 0 or fsync's errno. A caller cancelled while its
    /// descriptor waits for the next batch closes it at once; once its batch has left, the
    /// batch fsyncs and closes it.
    nonisolated(nonsending) func syncAndClose(_ fd: Int32) async throws -> Int32 {
        let loop = try asyncio.getRunningLoop()
        let done = loop.createFuture(of: Int32.self)
        waiting.append((fd, done))
        if runningOn !== loop { start(loop) }
        do {
            return try await done.value
        } catch {
            // Cancelled before its batch left: closed here (a kept `.part` needs no fsync).
            if let index = waiting.firstIndex(where: { $0.done === done }) {
                close(waiting[index].fd)
                waiting.remove(at: index)
            }
            throw error
        }
    }

    /// Sends what waits to a worker; when the pool is gone (the loop is shutting down), the
    /// fsyncs run here.
    private func start(_ loop: EventLoop) {
        let batch = waiting
        waiting = []
        let descriptors = batch.map(\.fd)
        let work: @Sendable () -> [Int32] = { descriptors.map(Self.syncAndClose) }
        guard let future = try? loop.runInExecutor(nil, work) else {
            Self.resolve(batch, work())
            return
        }
        runningOn = loop
        batches += 1
        future.addDoneCallback { [self] finished in
            runningOn = nil
            Self.resolve(batch, (try? finished.result()) ?? Array(repeating: EIO, count: batch.count))
            if !waiting.isEmpty { start(loop) }
        }
    }

    private static func resolve(_ batch: [(fd: Int32, done: Future<Int32>)], _ results: [Int32]) {
        for (waiter, result) in zip(batch, results) where !waiter.done.done() {
            try? waiter.done.setResult(result)
        }
    }

    private static func syncAndClose(_ fd: Int32) -> Int32 {
        let result = fsync(fd) == 0 ? 0 : errno
        close(fd)
        return result
    }
}
