// FileNames: the name a download is saved as (URL path, Content-Disposition) and collision-free claims.
import Asyncio
import AsyncioHTTP
import FoundationEssentials
import Glibc

/// Where a download's name comes from, in order: the name the user gave, the server's
/// `Content-Disposition` filename, the last segment of the URL's path, "index.html".
public enum FileNames {
    /// The last non-empty segment of `url`'s path, percent-decoded, or nil.
    public static func fromURL(_ url: String) -> String? {
        // Bytes, not Characters: "://", "?", "#" and "/" are ASCII, so UTF-8 offsets are safe cuts.
        let bytes = Array(url.utf8)
        var start = 0
        if let scheme = bytes.indices.first(where: { $0 + 2 < bytes.count && bytes[$0] == 0x3A && bytes[$0 + 1] == 0x2F && bytes[$0 + 2] == 0x2F }) {
            start = scheme + 3
        }
        let end = bytes[start...].firstIndex { $0 == 0x3F || $0 == 0x23 } ?? bytes.count
        guard let slash = bytes[start..<end].firstIndex(of: 0x2F) else { return nil }
        var segmentEnd = end
        while segmentEnd > slash && bytes[segmentEnd - 1] == 0x2F { segmentEnd -= 1 }
        let segmentStart = (bytes[slash..<segmentEnd].lastIndex(of: 0x2F) ?? slash) + 1
        guard segmentStart < segmentEnd else { return nil }
        let segment = String(decoding: bytes[segmentStart..<segmentEnd], as: UTF8.self)
        return sanitize(bytes[segmentStart..<segmentEnd].contains(0x25) ? HTTPURL.percentDecode(Substring(segment)) : segment)
    }

    /// The `filename*=` (RFC 6266, UTF-8'' form) or `filename=` of a Content-Disposition value.
    public static func fromContentDisposition(_ value: String) -> String? {
        var plain: String?
        for part in value.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingSpaces().lowercased()
            var raw = pair[1].trimmingSpaces()
            if key == "filename*" {
                let pieces = raw.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3, pieces[0].lowercased() == "utf-8" {
                    return sanitize(HTTPURL.percentDecode(pieces[2]))
                }
            } else if key == "filename" {
                if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 {
                    // A quoted-string: a backslash escapes the next character.
                    var unquoted = ""
                    var escaped = false
                    for character in raw.dropFirst().dropLast() {
                        if character == "\\" && !escaped { escaped = true; continue }
                        unquoted.append(character)
                        escaped = false
                    }
                    raw = unquoted
                }
                plain = sanitize(raw)
            }
        }
        return plain
    }

    /// A name safe to create in the output folder: the last path component only (no folders, no
    /// "..", no leading dots or control characters), or nil if nothing is left.
    public static func sanitize(_ name: String) -> String? {
        // The common case, a plain printable ASCII name with no folder and no leading dot,
        // is returned as it is.
        if let first = name.utf8.first, first != 0x2E, first != 0x20,
           name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x2F && $0 != 0x5C }) {
            return name
        }
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        let trimmed = String(cleaned.drop { $0 == "." || $0 == " " })
        return trimmed.isEmpty ? nil : trimmed
    }

    /// `name` with `.N` before its first dot ("a.tar.gz" → "a.1.tar.gz"), or at its end when
    /// it has none ("README" → "README.1").
    static func numbered(_ name: String, _ n: Int) -> String {
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return "\(name).\(n)" }
        return "\(name[..<dot]).\(n)\(name[dot...])"
    }
}

/// The names taken in one output folder, by this run and on disk: a new download never
/// overwrites a file, it gets "name.1.ext", "name.2.ext" … instead. What is on disk is read once
/// (one directory listing, on the first claim); a file made there later by someone else is still
/// never overwritten, because a fresh `.part` is created with `O_EXCL` (`createPart` then takes
/// the next name) and put in place with a rename that does not replace. Owned by the loop thread.
final class NameClaims {
    private let folder: String
    private var claimed: Set<String> = []
    private lazy var onDisk: Set<String> = Self.entries(of: folder)

    init(folder: String) { self.folder = folder }

    /// True when `name`, or a file a download of it writes (its ".part" and ".part.info"), is
    /// taken: claimed in this run, or on disk. A name that is itself another claim's ".part"
    /// ("x.part" while "x" downloads) is taken too.
    func isTaken(_ name: String) -> Bool {
        func taken(_ file: String) -> Bool { claimed.contains(file) || onDisk.contains(file) }
        if taken(name) || taken(name + ".part") || taken(name + ".part.info") { return true }
        for suffix in [".part", ".part.info"] where name.hasSuffix(suffix) && claimed.contains(String(name.dropLast(suffix.count))) {
            return true
        }
        return false
    }

    /// Whether anything is at `path` (a dangling symlink counts: it would be written through).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The names in `folder` (none if it cannot be listed).
    private static func entries(of folder: String) -> Set<String> {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: Set<String> = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.insert(name) }
        }
        return names
    }

    /// Claims `name` if free, else the first free numbered variant; returns what was claimed.
    func claimFree(_ name: String) -> String {
        var candidate = name
        var n = 1
        while isTaken(candidate) {
            candidate = FileNames.numbered(name, n)
            n += 1
        }
        claimed.insert(candidate)
        return candidate
    }

    /// Claims a free name for `wanted` and creates its `.part` (empty, with `O_EXCL`): a name
    /// someone made on disk after the listing is passed over for the next one.
    func createPart(_ wanted: String, info: PartInfo) throws -> (name: String, part: PartFile) {
        while true {
            let name = claimFree(wanted)
            let part = PartFile(finalPath: path(name), fresh: true)
            do {
                try part.open(at: 0, info: info)
                return (name, part)
            } catch let error as OSError where error.code == EEXIST {
                onDisk.insert(name + ".part")
            }
        }
    }

    /// The final names of the `.part` files in the folder that have their info, by the URL they
    /// were fetched from (`-c` finds a `.part` saved under a numbered or Content-Disposition name).
    func leftBehindParts() -> [String: [String]] {
        var found: [String: [String]] = [:]
        for file in onDisk where file.hasSuffix(".part.info") {
            let name = String(file.dropLast(".part.info".count))
            guard onDisk.contains(name + ".part"), let data = FileManager.default.contents(atPath: path(file)),
                  let info = try? JSONDecoder().decode(PartInfo.self, from: data) else { continue }
            found[info.url, default: []].append(name)
        }
        return found.mapValues { $0.sorted() }
    }

    /// True when this run claimed `name`.
    func isClaimed(_ name: String) -> Bool { claimed.contains(name) }

    /// Claims `name` as it is (a resumed `.part`, or a finished file being skipped); false if
    /// this run already claimed it.
    func claimExact(_ name: String) -> Bool { claimed.insert(name).inserted }

    /// Gives a claim back (a download that will use another name).
    func release(_ name: String) { claimed.remove(name) }

    func path(_ name: String) -> String { folder + "/" + name }
}
