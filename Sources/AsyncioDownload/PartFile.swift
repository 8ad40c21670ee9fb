// PartFile: a download in progress, NAME.part with its NAME.part.info, made whole by fsync and rename.
import Asyncio
import Foundation

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
/// finished name is always a whole file. Owned by the loop thread (sent only with its download's
/// task); the descriptor is closed by `finish`, `close`, `discard` or deinit.
final class PartFile: @unchecked Sendable {
    let finalPath: String
    var partPath: String { finalPath + ".part" }
    var infoPath: String { finalPath + ".part.info" }
    private var descriptor: Int32 = -1
    /// Bytes in the file now.
    private(set) var size = 0

    init(finalPath: String) { self.finalPath = finalPath }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    /// The info of an existing `.part` fetched from `url`, taking its size as this file's, or
    /// nil when there is none, its info is unreadable, or it came from another URL.
    func adoptExisting(url: String) -> PartInfo? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: partPath),
              let size = attributes[.size] as? Int,
              let data = FileManager.default.contents(atPath: infoPath),
              let info = try? JSONDecoder().decode(PartInfo.self, from: data), info.url == url else { return nil }
        self.size = size
        self.info = info
        infoOnDisk = true
        return info
    }

    /// What the `.part` is fetched from, written beside it only when the `.part` is kept (by
    /// `close`): a download that finishes never writes it.
    private var info: PartInfo?
    private var infoOnDisk = false

    /// Opens the `.part` to write from `offset` (0: truncated), fetched as `info` says.
    func open(at offset: Int, info: PartInfo) throws {
        close()
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0)
        let fd = Glibc.open(partPath, flags, 0o644)
        if fd < 0 { throw OSError(code: errno, filename: partPath) }
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
    func write(_ bytes: [UInt8]) throws {
        let error = writeAll(descriptor, bytes)
        if error != 0 { throw OSError(code: error, filename: partPath) }
        size += bytes.count
    }

    /// fsyncs and closes the `.part` (on a worker thread), then renames it to the final name and
    /// removes the info.
    ///
    /// The descriptor stays this file's while the worker fsyncs it and is closed here, on the
    /// loop thread, afterwards: a cancel before the worker ran (its job then never runs) leaves
    /// nothing open.
    nonisolated(nonsending) func finish() async throws {
        if descriptor < 0 {
            descriptor = Glibc.open(partPath, O_WRONLY | O_CLOEXEC)
            if descriptor < 0 { throw OSError(code: errno, filename: partPath) }
        }
        let fd = descriptor
        let synced = try await asyncio.toThread { fsync(fd) == 0 ? 0 : errno }
        Glibc.close(fd)
        descriptor = -1
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

    private func rename() throws {
        if Glibc.rename(partPath, finalPath) != 0 { throw OSError(code: errno, filename: finalPath) }
        removeInfo()
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
    func hashExisting(into digest: SHA256) throws {
        guard let handle = FileHandle(forReadingAtPath: partPath) else { throw OSError(code: errno, filename: partPath) }
        defer { try? handle.close() }
        var remaining = size
        while remaining > 0 {
            let chunk = handle.readData(ofLength: min(remaining, 1 << 20))
            if chunk.isEmpty { break }
            digest.update(chunk)
            remaining -= chunk.count
        }
    }
}

/// Writes all of `bytes` to `fd`, going on after EINTR and short writes; 0, or the errno.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
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
