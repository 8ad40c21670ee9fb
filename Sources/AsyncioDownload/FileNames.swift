// FileNames: the name a download is saved as (URL path, Content-Disposition) and collision-free claims.
import Foundation

/// Where a download's name comes from, in order: the name the user gave, the server's
/// `Content-Disposition` filename, the last segment of the URL's path, "index.html".
public enum FileNames {
    /// The last non-empty segment of `url`'s path, percent-decoded, or nil.
    public static func fromURL(_ url: String) -> String? {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "?" && $0 != "#" }
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let segment = rest[slash...].split(separator: "/").last.map(String.init) ?? ""
        return sanitize(segment.contains("%") ? segment.removingPercentEncoding ?? segment : segment)
    }

    /// The `filename*=` (RFC 6266, UTF-8'' form) or `filename=` of a Content-Disposition value.
    public static func fromContentDisposition(_ value: String) -> String? {
        var plain: String?
        for part in value.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
            var raw = pair[1].trimmingCharacters(in: .whitespaces)
            if key == "filename*" {
                let pieces = raw.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3, pieces[0].lowercased() == "utf-8", let decoded = String(pieces[2]).removingPercentEncoding {
                    return sanitize(decoded)
                }
            } else if key == "filename" {
                if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 {
                    raw = String(raw.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                }
                plain = sanitize(raw)
            }
        }
        return plain
    }

    /// A name safe to create in the output folder: the last path component only (no folders, no
    /// "..", no leading dots or control characters), or nil if nothing is left.
    public static func sanitize(_ name: String) -> String? {
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
/// overwrites a file, it gets "name.1.ext", "name.2.ext" … instead. Owned by the loop thread.
final class NameClaims {
    private let folder: String
    private var claimed: Set<String> = []

    init(folder: String) { self.folder = folder }

    /// True when `name`, or a file a download of it writes (its ".part" and ".part.info"), is
    /// taken: claimed in this run, or on disk. A name that is itself another claim's ".part"
    /// ("x.part" while "x" downloads) is taken too.
    func isTaken(_ name: String) -> Bool {
        for file in [name, name + ".part", name + ".part.info"] where claimed.contains(file) || Self.exists(path(file)) {
            return true
        }
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

    /// Claims `name` as it is (a resumed `.part`, or a finished file being skipped); false if
    /// this run already claimed it.
    func claimExact(_ name: String) -> Bool { claimed.insert(name).inserted }

    /// Gives a claim back (a download that will use another name).
    func release(_ name: String) { claimed.remove(name) }

    func path(_ name: String) -> String { folder + "/" + name }
}
