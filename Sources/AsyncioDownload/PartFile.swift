// PartFile: a download in progress, NAME.part with its NAME.part.info, made whole by fsync and rename.
import Asyncio
import CAsyncio
import FoundationEssentials
import Glibc

/// What a `.part` file was fetched from, kept beside it as `NAME.part.info` (JSON) so that `-c`
/// can resume it with `Range` and `If-Range`: the URL and the server's validator of that version.
/// Written when a `.part` is left behind (a failure, a cancel); a process killed outright leaves
/// a `.part` without it, which `-c` then fetches again from the start.
struct PartInfo: Codable, Equatable {
    var url: String
    var etag: String?
    var lastModified: String?
    /// The whole file's size, when the server said.
    var length: Int?

    /// The `If-Range` value: a strong ETag, else Last-Modified; nil when neither (then a resume
    /// would risk gluing two versions together, so it starts over).
    var ifRange: String? {
        if let etag, !etag.hasPrefix("W/") { return etag }
        return lastModified
    }
}

/// The file a download writes: `NAME.part` in the output folder, opened for writing from an
/// offset; `finish` fsyncs it (on a thread, so the loop goes on) and renames it to `NAME`, so a
/// finished name is always a whole file, without replacing a file someone else put there. Owned
/// by the loop thread (sent only with its download's task); the descriptor is closed by
/// `finish` (through its sync batch), `close`, `discard` or deinit.
final class PartFile: @unchecked Sendable {
    let finalPath: String
    var partPath: String { finalPath + ".part" }
    var infoPath: String { finalPath + ".part.info" }
    private var descriptor: Int32 = -1
    /// Bytes in the file now.
    private(set) var size = 0

    /// A `.part` made for a name just claimed: its first `open` creates it with `O_EXCL`.
    private var fresh: Bool

    init(finalPath: String, fresh: Bool = false) {
        self.finalPath = finalPath
        self.fresh = fresh
    }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    /// The info of an existing `.part` fetched from `url`, taking its size as this file's, or
    /// nil when there is none, its info is unreadable, or it came from another URL.
    func adoptExisting(url: String) -> PartInfo? {
        var status = stat()
        guard stat(partPath, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
              let data = FileManager.default.contents(atPath: infoPath),
              let info = try? JSONDecoder().decode(PartInfo.self, from: data), info.url == url else { return nil }
        size = Int(status.st_size)
        self.info = info
        infoOnDisk = true
        return info
    }

    /// What the `.part` is fetched from, written beside it only when the `.part` is kept (by
    /// `close`): a download that finishes never writes it.
    private var info: PartInfo?
    private var infoOnDisk = false

    /// Opens the `.part` to write from `offset` (0: truncated), fetched as `info` says. A fresh
    /// `.part` that exists already fails with EEXIST.
    func open(at offset: Int, info: PartInfo) throws {
        close()
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_EXCL : offset == 0 ? O_TRUNC : 0)
        let fd = Glibc.open(partPath, flags, 0o644)
        if fd < 0 { throw OSError(code: errno, filename: partPath) }
        fresh = false
        descriptor = fd
        if offset > 0 {
            if ftruncate(fd, off_t(offset)) != 0 || lseek(fd, off_t(offset), SEEK_SET) < 0 {
                throw OSError(code: errno, filename: partPath)
            }
        }
        size = offset
        if infoOnDisk && info != self.info { removeInfo() }
        self.info = info
    }

    /// Appends `bytes`.
    func write(_ bytes: ArraySlice<UInt8>) throws {
        let error = writeAll(descriptor, bytes)
        if error != 0 { throw OSError(code: error, filename: partPath) }
        size += bytes.count
    }

    /// fsyncs and closes the `.part` (in `batcher`'s next batch, on a worker thread), then
    /// renames it to the final name and removes the info.
    ///
    /// The descriptor goes to the batch, which closes it after the fsync even when this task is
    /// cancelled while it waits, so nothing is left open; the `.part` then stays for `-c`.
    nonisolated(nonsending) func finish(_ batcher: SyncBatcher) async throws {
        if descriptor < 0 {
            descriptor = Glibc.open(partPath, O_WRONLY | O_CLOEXEC)
            if descriptor < 0 { throw OSError(code: errno, filename: partPath) }
        }
        let fd = descriptor
        descriptor = -1
        let synced = try await batcher.syncAndClose(fd)
        if synced != 0 { throw OSError(code: synced, filename: partPath) }
        try rename()
    }

    /// `finish` on the calling thread (for code that runs on no loop).
    func finishBlocking() throws {
        let fd = descriptor
        descriptor = -1
        let synced = fsync(fd) == 0 ? 0 : errno
        Glibc.close(fd)
        if synced != 0 { throw OSError(code: synced, filename: partPath) }
        try rename()
    }

    /// Puts the `.part` in place, failing with EEXIST rather than replacing a file that
    /// appeared under the final name meanwhile (file systems without RENAME_NOREPLACE: checked
    /// just before).
    private func rename() throws {
        if casyncio_rename_noreplace(partPath, finalPath) != 0 {
            guard errno == EINVAL || errno == ENOSYS else { throw OSError(code: errno, filename: finalPath) }
            if NameClaims.exists(finalPath) { throw OSError(code: EEXIST, filename: finalPath) }
            if Glibc.rename(partPath, finalPath) != 0 { throw OSError(code: errno, filename: finalPath) }
        }
        removeInfo()
        info = nil                                   // nothing is left to keep for `-c`
    }

    private func removeInfo() {
        if infoOnDisk { unlink(infoPath) }
        infoOnDisk = false
    }

    /// Closes the `.part`, keeping it, with its info, for a later `-c`.
    /// (Also after a `finish` cut off by a cancel: the `.part` may be whole, and `-c` will
    /// find that out with its info.)
    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        if let info, !infoOnDisk, NameClaims.exists(partPath), let data = try? JSONEncoder().encode(info),
           (try? data.write(to: URL(fileURLWithPath: infoPath))) != nil {
            infoOnDisk = true
        }
    }

    /// Closes and deletes the `.part` and its info (a checksum mismatch: nothing to resume).
    func discard() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        unlink(partPath)
        removeInfo()
        size = 0
    }

    /// Feeds the bytes already in the `.part` (before a resume) to `digest`.
    func hashExisting(into digest: SHA256) throws { try Self.hash(partPath, upTo: size, into: digest) }

    /// Feeds the first `limit` bytes of the file at `path` (all of it when nil) to `digest`.
    static func hash(_ path: String, upTo limit: Int? = nil, into digest: SHA256) throws {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw OSError(code: errno, filename: path) }
        defer { Glibc.close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var remaining = limit ?? Int.max
        while remaining > 0 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min(remaining, $0.count)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw OSError(code: errno, filename: path) }
            if n == 0 { break }
            digest.update(chunk[..<n])
            remaining -= n
        }
    }
}

/// Writes all of `bytes` to `fd`, going on after EINTR and short writes; 0, or the errno.
func writeAll(_ fd: Int32, _ bytes: some ContiguousBytes) -> Int32 {
    bytes.withUnsafeBytes { buffer in
        var done = 0
        while done < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return 0
    }
}
