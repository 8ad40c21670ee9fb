// DownloadItem: one URL to fetch, with an optional output name and SHA-256; and the -i list format.

/// One file to download: its URL, the name to save it as (nil: from the server or the URL), and
/// the SHA-256 it must have (nil: not checked).
public struct DownloadItem: Sendable, Equatable {
    /// The URL to fetch.
    public var url: String
    /// The file name to save it as; nil: from the server or the URL.
    public var name: String?
    /// The SHA-256 it must have, as lowercase hex; nil: not checked.
    public var sha256: String?

    /// Makes an item; `sha256` is lowercased.
    public init(url: String, name: String? = nil, sha256: String? = nil) {
        self.url = url
        self.name = name
        self.sha256 = sha256?.lowercased()
    }
}

/// A line of an input list that cannot be read.
public struct InputListError: Error, CustomStringConvertible, Equatable {
    /// The line's number, from 1.
    public let line: Int
    /// What is wrong with it.
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

extension DownloadItem {
    /// Reads an input list (`-i FILE`): one URL per line, then optionally a tab and the output
    /// name, and a tab and `sha256=HEX`; blank lines and lines starting with `#` are skipped.
    ///
    ///     https://example.com/a.iso
    ///     https://example.com/b.iso<TAB>b-renamed.iso<TAB>sha256=9f86d08…
    ///     https://example.com/c.iso<TAB>sha256=2c26b46…
    public static func parseList(_ text: String) throws -> [DownloadItem] {
        var items: [DownloadItem] = []
        for (index, line) in lines(of: text).enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: "\t", omittingEmptySubsequences: false).map { field in
                var piece = field.drop { $0 == " " }
                while piece.last == " " { piece = piece.dropLast() }
                return String(piece)
            }
            var item = DownloadItem(url: fields[0])
            for field in fields.dropFirst() where !field.isEmpty {
                if field.hasPrefix("sha256=") {
                    let hex = String(field.dropFirst(7)).lowercased()
                    guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else {
                        throw InputListError(line: index + 1, message: "sha256= needs 64 hex digits, got \(hex.count) characters")
                    }
                    item.sha256 = hex
                } else if item.name == nil {
                    item.name = field
                } else {
                    throw InputListError(line: index + 1, message: "more than one output name: \(field)")
                }
            }
            items.append(item)
        }
        return items
    }

    /// The lines of `text`, ended by "\n", "\r\n" or "\r" (split on bytes: a list of thousands
    /// of URLs is not worth breaking into Characters).
    private static func lines(of text: String) -> [String] {
        var lines: [String] = []
        let bytes = Array(text.utf8)
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                start = index
            } else {
                index += 1
            }
        }
        lines.append(String(decoding: bytes[start...], as: UTF8.self))
        return lines
    }
}
