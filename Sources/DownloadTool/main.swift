// download: the concurrent downloader on one event loop (aria2c's and `curl --parallel`'s job).
import ArgumentParser
import Asyncio
import AsyncioDownload
import CAsyncio
import AsyncioHTTP
import FoundationEssentials
import Glibc

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download many URLs at once on one event loop, with retries, resume and checksums.",
        discussion: """
            URLs come from the arguments and from -i FILE: one per line, optionally followed by a tab \
            and the output name, and a tab and sha256=HEX; '#' starts a comment line. Files are written \
            to NAME.part and renamed when whole; an existing name is never overwritten (NAME.1.EXT). \
            Exit status: 0 all succeeded, 1 some failed, 2 usage error, 130 interrupted (Ctrl-C; \
            resume with -c).
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case sync, threads, async
    }

    @Argument(help: "URLs to download.")
    var urls: [String] = []

    @Option(name: .customShort("i"), help: ArgumentHelp("Read URLs from FILE ('-' for standard input).", valueName: "FILE"))
    var inputFile: String?

    @Option(name: .customShort("o"), help: ArgumentHelp("Save into DIR.", valueName: "DIR"))
    var output = "."

    @Option(name: .customShort("j"), help: "Downloads at once.")
    var jobs = 8

    @Option(help: "Downloads at once per host (0: no limit but -j).")
    var perHost = 0

    @Option(help: ArgumentHelp("Requests started per second per host, e.g. 5/s or 0.5.", valueName: "N/s"))
    var rate: String?

    @Option(help: ArgumentHelp("Total bandwidth cap, e.g. 500K, 10M (bytes per second).", valueName: "SPEED"))
    var maxSpeed: String?

    @Flag(name: [.customShort("c"), .customLong("continue")], help: "Resume .part files; skip files already there.")
    var resume = false

    @Option(help: "Retries of a transient failure (connect errors, timeouts, cut bodies, 408/429/5xx).")
    var retries = 5

    @Option(help: "Seconds to connect.")
    var connectTimeout = 30.0

    @Option(help: "Seconds of silence while reading before the attempt fails.")
    var readTimeout = 60.0

    @Option(help: ArgumentHelp("Trust the CA certificates in FILE for HTTPS (PEM).", valueName: "FILE"))
    var cacert: String?

    @Flag(help: "Do not verify HTTPS certificates.")
    var insecure = false

    @Flag(name: .shortAndLong, help: "Print nothing but failures (on standard error).")
    var quiet = false

    @Option(help: "sync: one after another with blocking HTTP.get; threads: each in a thread; async: the loop.")
    var mode: Mode = .async

    @Flag(help: "Run the list all three ways (into DIR/sync, DIR/threads, DIR/async) and print the seed's 同步耗时 / 异步耗时 lines.")
    var compare = false

    mutating func validate() throws {
        if urls.isEmpty && inputFile == nil { throw ValidationError("no URLs: give them as arguments or with -i FILE") }
        if jobs < 1 { throw ValidationError("-j must be at least 1") }
        if perHost < 0 { throw ValidationError("--per-host must be 0 or more") }
        if retries < 0 { throw ValidationError("--retries must be 0 or more") }
        if let rate, Self.parseRate(rate) == nil { throw ValidationError("--rate: not a rate: \(rate) (use N or N/s)") }
        if let maxSpeed, Self.parseSpeed(maxSpeed) == nil { throw ValidationError("--max-speed: not a speed: \(maxSpeed) (use N, NK, NM or NG)") }
    }

    static func parseRate(_ text: String) -> Double? {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let value = Double(number), value > 0 else { return nil }
        return value
    }

    static func parseSpeed(_ text: String) -> Double? {
        let multipliers: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024]
        var number = text.uppercased()
        if number.hasSuffix("B") { number.removeLast() }
        var factor = 1.0
        if let last = number.last, let multiplier = multipliers[last] {
            factor = multiplier
            number.removeLast()
        }
        guard let value = Double(number), value > 0 else { return nil }
        return value * factor
    }

    /// The items from the arguments and the input list, in that order.
    func items() throws -> [DownloadItem] {
        var items = urls.map { DownloadItem(url: $0) }
        if let inputFile {
            let text: String
            if inputFile == "-" {
                var lines: [String] = []
                while let line = readLine(strippingNewline: false) { lines.append(line) }
                text = lines.joined()
            } else {
                guard let data = FileManager.default.contents(atPath: inputFile) else {
                    throw ValidationError("-i: cannot read \(inputFile)")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            do {
                items += try DownloadItem.parseList(text)
            } catch let error as InputListError {
                throw ValidationError("-i \(inputFile): \(error)")
            }
        }
        if items.isEmpty { throw ValidationError("no URLs in \(inputFile ?? "the arguments")") }
        return items
    }

    func options(directory: String) throws -> DownloadOptions {
        var ssl: SSLContext?
        if let cacert {
            let context = try SSLContext(.client)
            do {
                try context.loadVerifyLocations(cafile: cacert)
            } catch {
                throw ValidationError("--cacert: \(error)")
            }
            ssl = context
        }
        return DownloadOptions(
            directory: directory, jobs: jobs, perHost: perHost, requestRate: rate.flatMap(Self.parseRate),
            maxBytesPerSecond: maxSpeed.flatMap(Self.parseSpeed), resume: resume, retry: RetryPolicy(retries: retries),
            connectTimeout: connectTimeout, readTimeout: readTimeout, ssl: ssl, verifyTLS: !insecure)
    }

    /// Runs the command; returns the exit status.
    func execute() throws -> Int32 {
        let items = try items()
        if compare {
            let sync = try BlockingModes.sync(items, directory: output + "/sync")
            let threads = try asyncio.run { try await BlockingModes.threads(items, directory: output + "/threads") }
            let options = try options(directory: output + "/async")
            let loop = try asyncio.run { try await Downloader(options: options).run(items) }   // Ctrl-C: KeyboardInterrupt
            print("同步耗时:", sync.seconds, "(sync: one after another, blocking HTTP.get)")
            print("异步耗时:", threads.seconds, "(threads: asyncio.toThread { HTTP.get })")
            print("异步耗时:", loop.seconds, "(async: one loop, -j \(jobs))")
            return [sync, threads, loop].map(\.exitCode).max() ?? 0
        }
        let style = ProgressDisplay.style(quiet: quiet)
        let report: Downloader.Report
        switch mode {
        case .sync:
            let lines = LinePrinter(style: style)
            report = try BlockingModes.sync(items, directory: output) { lines.print($1) }
        case .threads:
            let lines = LinePrinter(style: style)
            report = try asyncio.run { try await BlockingModes.threads(items, directory: output) { lines.print($1) } }
        case .async:
            let options = try options(directory: output)
            report = try asyncio.run {
                let display = ProgressDisplay(style: style, count: items.count, loop: try asyncio.getRunningLoop())
                let downloader = Downloader(options: options, observer: display)
                defer { display.close() }
                do {
                    return try await downloader.run(items)
                } catch is CancelledError {
                    // Ctrl-C: the summary is still wanted, and the exit status says 130.
                    guard let report = downloader.lastReport else { throw CancelledError() }
                    return report
                }
            }
        }
        if style != .quiet || report.exitCode != 0 {
            Output.standardOutput.write(report.summary())
        }
        return report.exitCode
    }
}

/// Results of the blocking modes as lines (they have no live display).
final class LinePrinter: Sendable {
    let style: ProgressDisplay.Style
    init(style: ProgressDisplay.Style) { self.style = style }
    func print(_ result: DownloadResult) {
        switch result.outcome {
        case .ok where style != .quiet: Swift.print("ok      \(result.name ?? "")  \(Human.bytes(Double(result.received)))")
        case .failed(let why): Output.standardError.write("failed  \(result.item.url): \(why)\n")
        default: break
        }
    }
}

// Each read of a body is a fresh buffer of up to 256 KiB, freed once written. By default glibc
// maps buffers that large on their own and unmaps them when freed (or gives the freed top of
// its heap back), so every buffer page-faults in again, zeroed: 266,000 page faults and 45% of
// the time for 1 GiB. From the heap, kept: 1,300 faults.
_ = casyncio_set_malloc_thresholds(1 << 20, 64 << 20)

// Usage errors exit with 2 (ArgumentParser's own default is 64).
let command: DownloadCommand
do {
    command = try DownloadCommand.parse()
} catch {
    if DownloadCommand.exitCode(for: error) == .success {           // --help
        print(DownloadCommand.fullMessage(for: error))
        exit(0)
    }
    Output.standardError.write(DownloadCommand.fullMessage(for: error) + "\n")
    exit(2)
}
do {
    exit(try command.execute())
} catch let error as ValidationError {
    Output.standardError.write("download: \(error)\n")
    exit(2)
} catch is KeyboardInterrupt {
    exit(130)
} catch {
    Output.standardError.write("download: \(error)\n")
    exit(1)
}
