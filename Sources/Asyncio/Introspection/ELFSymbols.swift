// Function names from an ELF file's symbol table, for the watchdog's stacks (Swift's are not exported).
import Glibc

/// The function symbols of one ELF binary's `.symtab` (and `.dynsym`), sorted by address, read
/// through a private read-only mapping of the file. `dladdr` knows only exported symbols, and
/// most Swift functions are not; this knows every one the binary was not stripped of.
/// Used by the watchdog's thread only.
final class ELFSymbols {
    private var starts: [UInt] = []
    private var ends: [UInt] = []
    /// Where each name starts in the mapped file (names are made only when asked for).
    private var nameOffsets: [Int] = []
    private var mapping: UnsafeRawBufferPointer?
    /// True for a position-dependent executable, whose symbols hold absolute addresses.
    private(set) var absolute = false

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 64 else { return nil }
        let size = Int(info.st_size)
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        mapping = bytes
        func read<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T? {
            guard offset >= 0, offset + MemoryLayout<T>.size <= size else { return nil }
            return bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        }
        // ELF64, little-endian only (x86-64, arm64 Linux).
        guard bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46, bytes[4] == 2, bytes[5] == 1,
              let type = read(0x10, as: UInt16.self), let sectionTable = read(0x28, as: UInt64.self),
              let entrySize = read(0x3A, as: UInt16.self), let count = read(0x3C, as: UInt16.self) else { return nil }
        absolute = type == 2   // ET_EXEC
        var symbols: [(UInt, UInt, Int)] = []
        for index in 0..<Int(count) {
            let header = Int(sectionTable) + index * Int(entrySize)
            guard let kind = read(header + 4, as: UInt32.self), kind == 2 || kind == 11,   // SYMTAB, DYNSYM
                  let offset = read(header + 24, as: UInt64.self), let length = read(header + 32, as: UInt64.self),
                  let link = read(header + 40, as: UInt32.self) else { continue }
            let stringsHeader = Int(sectionTable) + Int(link) * Int(entrySize)
            guard let strings = read(stringsHeader + 24, as: UInt64.self),
                  let stringsSize = read(stringsHeader + 32, as: UInt64.self) else { continue }
            var symbol = Int(offset)
            while symbol + 24 <= Int(offset + length) {
                defer { symbol += 24 }
                guard let nameOffset = read(symbol, as: UInt32.self), let infoByte = read(symbol + 4, as: UInt8.self),
                      infoByte & 0xf == 2,   // STT_FUNC
                      let value = read(symbol + 8, as: UInt64.self), value != 0,
                      let extent = read(symbol + 16, as: UInt64.self), UInt64(nameOffset) < stringsSize else { continue }
                let start = Int(strings) + Int(nameOffset)
                guard start < size else { continue }
                symbols.append((UInt(value), UInt(value + max(extent, 1)), start))
            }
        }
        symbols.sort { $0.0 < $1.0 }
        starts = symbols.map(\.0)
        ends = symbols.map(\.1)
        nameOffsets = symbols.map(\.2)
    }

    deinit {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count) }
    }

    /// The function containing `address` (as the file's symbols count addresses), if any.
    func name(containing address: UInt) -> String? {
        var low = 0, high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address < ends[low - 1], let mapping else { return nil }
        let start = nameOffsets[low - 1]
        let end = mapping[start...].firstIndex(of: 0) ?? mapping.count
        return String(decoding: mapping[start..<end], as: UTF8.self)
    }
}
