// TerminalColumns: how many terminal columns text takes (CJK and emoji two, combining marks none).

/// The columns a terminal gives text, as `wcwidth` counts them: East Asian wide and fullwidth
/// characters and emoji take two, combining marks and other zero-width scalars none, the rest
/// one. The live display pads and cuts names by this (a seed's file names are Chinese).
enum TerminalColumns {
    static func width(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + width($1) }
    }

    /// A Character's columns: its first scalar's, or two for an emoji presentation.
    static func width(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.contains(where: { $0.properties.isEmojiPresentation }) { return 2 }
        return width(first)
    }

    static func width(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return wide.contains { $0.contains(value) } ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks.
    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// `text` cut to at most `columns` columns (whole Characters only).
    static func prefix(_ text: String, columns: Int) -> String {
        var used = 0
        var out = ""
        for character in text {
            let next = width(character)
            if used + next > columns { break }
            used += next
            out.append(character)
        }
        return out
    }

    /// `text` in exactly `columns` columns: cut with "…" when longer, padded with spaces.
    static func fitted(_ text: String, columns: Int) -> String {
        let used = width(text)
        if used <= columns { return text + String(repeating: " ", count: columns - used) }
        let cut = prefix(text, columns: columns - 1)
        return cut + "…" + String(repeating: " ", count: columns - 1 - width(cut))
    }
}
