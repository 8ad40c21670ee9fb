// ProgressDisplay: what a person sees: live bars on a terminal, one line per file on a pipe, the summary.
import Asyncio
import FoundationEssentials
import Glibc

/// Sizes and rates as people read them: "512 B", "1.5 KiB", "3.2 MiB", "1.0 GiB".
public enum Human {
    /// `count` bytes in binary units: "512 B", "1.5 KiB".
    public static func bytes(_ count: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = count
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : "\(fixed(value, digits: 1)) \(units[unit])"
    }

    /// A duration: "2.50 s", "12.3 s", "5m03s", "1h05m".
    public static func seconds(_ value: Double) -> String {
        if value < 10 { return "\(fixed(value, digits: 2)) s" }
        if value < 60 { return "\(fixed(value, digits: 1)) s" }
        let whole = Int(value)
        return whole < 3600 ? "\(whole / 60)m\(padded(whole % 60, 2, with: "0"))s" : "\(whole / 3600)h\(padded(whole / 60 % 60, 2, with: "0"))m"
    }

    /// `value` (not negative) rounded to `digits` decimals, as `%.Nf` prints it.
    static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((max(value, 0) * Double(scale)).rounded())
        return "\(scaled / scale).\(padded(scaled % scale, digits, with: "0"))"
    }

    /// `text` padded on the left to `width` with `pad` (`%0Nd`, `%Nd`).
    static func padded(_ number: Int, _ width: Int, with pad: Character) -> String {
        let text = String(number)
        return String(repeating: pad, count: max(width - text.count, 0)) + text
    }
}

/// Writes text to a descriptor at once (no buffering: the display and the summary interleave
/// with nothing else).
public struct Output: Sendable {
    /// The file descriptor it writes to.
    public let descriptor: Int32
    /// Makes an output to `descriptor`.
    public init(descriptor: Int32) { self.descriptor = descriptor }
    /// Writes `text` as UTF-8, all of it.
    public func write(_ text: String) { _ = writeAll(descriptor, Array(text.utf8)) }
    /// Standard output (descriptor 1).
    public static let standardOutput = Output(descriptor: 1)
    /// Standard error (descriptor 2).
    public static let standardError = Output(descriptor: 2)
}

/// Shows a run as it goes. `terminal`: a live line per active download (name, bar, bytes, rate,
/// ETA) and a total line, redrawn at most 10 times a second in place; finished files scroll up
/// above them. Otherwise (a pipe or a file) one plain line per finished file, no control
/// characters. `quiet`: only failures, on standard error. Owned by the loop thread.
///
/// Ownership: the display holds its loop; the loop's redraw timer holds the display weakly,
/// and `close()` cancels it.
public final class ProgressDisplay: DownloadObserver, @unchecked Sendable {
    /// How a `ProgressDisplay` shows a run.
    public enum Style: Sendable {
        /// Live lines redrawn in place, for a terminal.
        case terminal
        /// One plain line per finished file, for a pipe or a file.
        case lines
        /// Only failures, on standard error.
        case quiet
    }

    private struct Active {
        var name: String
        var size: Int
        var total: Int?
        let startSize: Int
        let started: Double
        var note: String?
    }

    private let style: Style
    private let out: Output
    private let err = Output(descriptor: 2)
    private let count: Int
    private let width: Int
    private var active: [Int: Active] = [:]
    private var order: [Int] = []
    private var finishedCount = 0
    private var failedCount = 0
    private var totalReceived = 0
    private var drawnLines = 0
    private var redraw: TimerHandle?
    private var dirty = false
    private let loop: EventLoop
    private let start: Double

    /// `count`: the number of items in the run. `descriptor`: where to draw (standard output).
    public init(style: Style, count: Int, loop: EventLoop, descriptor: Int32 = 1) {
        self.style = style
        self.count = count
        self.loop = loop
        out = Output(descriptor: descriptor)
        start = loop.time()
        var size = winsize()
        width = ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 20 ? Int(size.ws_col) : 80
    }

    /// The style for standard output: terminal when it is one, else lines (or quiet).
    public static func style(quiet: Bool, descriptor: Int32 = 1) -> Style {
        quiet ? .quiet : (isatty(descriptor) == 1 ? .terminal : .lines)
    }

    public func started(_ id: Int, name: String, size: Int, total: Int?) {
        guard style == .terminal else { return }
        if active[id] == nil { order.append(id) }
        active[id] = Active(name: name, size: size, total: total, startSize: size, started: loop.time(), note: nil)
        changed()
    }

    public func progressed(_ id: Int, size: Int) {
        guard var entry = active[id] else { return }
        totalReceived += max(0, size - entry.size)
        entry.size = size
        entry.note = nil
        active[id] = entry
        changed()
    }

    public func retrying(_ id: Int, _ item: DownloadItem, reason: String, delay: Double) {
        if var entry = active[id] {
            entry.note = "retry in \(Human.seconds(delay)): \(reason)"
            active[id] = entry
        }
        if style == .lines { out.write("retry   \(item.url) in \(Human.seconds(delay)): \(reason)\n") }
        changed()
    }

    /// Prints the finished file's line (failures only when quiet) and redraws.
    public func finished(_ id: Int, _ result: DownloadResult) {
        finishedCount += 1
        if active.removeValue(forKey: id) != nil { order.removeAll { $0 == id } }
        if style == .quiet, result.outcome == .ok { return }
        let line: String
        switch result.outcome {
        case .ok: line = "ok      \(result.name ?? "")  \(Human.bytes(Double(result.received)))"
        case .skipped(let why): line = "skipped \(result.name ?? result.item.url): \(why)"
        case .failed(let why):
            failedCount += 1
            line = "failed  \(result.item.url): \(why)"
        case .interrupted: line = "stopped \(result.name ?? result.item.url)"
        }
        switch style {
        case .quiet:
            if case .failed = result.outcome { err.write(line + "\n") }
        case .lines:
            out.write(line + "\n")
        case .terminal:
            erase()
            out.write(line + "\n")
            draw()
        }
    }

    /// Stops redrawing and clears the live lines (before the summary).
    public func close() {
        redraw?.cancel()
        redraw = nil
        if style == .terminal { erase() }
    }

    private func changed() {
        guard style == .terminal else { return }
        dirty = true
        if redraw == nil {
            draw()
            redraw = try? loop.callLater(0.1) { [weak self] in self?.tick() }
        }
    }

    private func tick() {
        redraw = nil
        if dirty { changed() }
    }

    private func erase() {
        if drawnLines > 0 { out.write("\u{1B}[\(drawnLines)F\u{1B}[J") }
        drawnLines = 0
    }

    private func draw() {
        dirty = false
        erase()
        let now = loop.time()
        var text = ""
        for id in order {
            guard let entry = active[id] else { continue }
            text += fit(liveLine(entry, now)) + "\n"
        }
        let elapsed = max(now - start, 0.001)
        text += fit("[\(finishedCount)/\(count)] \(Human.bytes(Double(totalReceived))) in \(Human.seconds(elapsed)), "
                    + "\(Human.bytes(Double(totalReceived) / elapsed))/s, \(active.count) active"
                    + (failedCount > 0 ? ", \(failedCount) failed" : "")) + "\n"
        drawnLines = order.count + 1
        out.write(text)
    }

    private func liveLine(_ entry: Active, _ now: Double) -> String {
        let elapsed = max(now - entry.started, 0.001)
        let rate = Double(entry.size - entry.startSize) / elapsed
        let name = TerminalColumns.fitted(entry.name, columns: 24)
        if let note = entry.note { return "\(name) \(note)" }
        guard let total = entry.total, total > 0 else {
            return "\(name) \(Human.bytes(Double(entry.size)))  \(Human.bytes(rate))/s"
        }
        let fraction = min(Double(entry.size) / Double(total), 1)
        let barWidth = 20
        let filled = Int(fraction * Double(barWidth))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
        let eta = rate > 0 ? Human.seconds(Double(total - entry.size) / rate) : "?"
        return "\(name) [\(bar)] \(Human.padded(Int(fraction * 100), 3, with: " "))% "
            + "\(Human.bytes(Double(entry.size)))/\(Human.bytes(Double(total)))  \(Human.bytes(rate))/s  ETA \(eta)"
    }

    private func fit(_ line: String) -> String {
        TerminalColumns.width(line) < width ? line : TerminalColumns.prefix(line, columns: width - 1)
    }
}

extension Downloader.Report {
    /// The end-of-run summary: counts, bytes, time, average rate, then each failure with its reason.
    public func summary() -> String {
        var ok = 0, failed = 0, skipped = 0, stopped = 0, bytes = 0
        var failures: [String] = []
        for result in results {
            bytes += result.received
            switch result.outcome {
            case .ok: ok += 1
            case .skipped: skipped += 1
            case .failed(let why):
                failed += 1
                failures.append("  \(result.item.url): \(why)")
            case .interrupted: stopped += 1
            }
        }
        var text = "\(ok) ok, \(failed) failed, \(skipped) skipped"
        if stopped > 0 { text += ", \(stopped) stopped (resume with -c)" }
        text += "; \(Human.bytes(Double(bytes))) in \(Human.seconds(seconds)), \(Human.bytes(Double(bytes) / max(seconds, 0.001)))/s\n"
        if !failures.isEmpty { text += "failed:\n" + failures.joined(separator: "\n") + "\n" }
        return text
    }

    /// The exit status: 130 after an interrupt, 1 when some download failed, else 0.
    public var exitCode: Int32 {
        if interrupted { return 130 }
        return results.contains { if case .failed = $0.outcome { return true } else { return false } } ? 1 : 0
    }
}
