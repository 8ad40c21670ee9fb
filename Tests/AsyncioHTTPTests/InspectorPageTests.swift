// The inspector's live page: in headless Chromium against a child's known task tree (at load,
// updating, a blocked loop and its stall), and in process against curl (token, loopback, leaks).
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation
import Testing

@Suite(.serialized) struct InspectorPageTests {
    /// Where the tests keep the pictures they take.
    static let artifacts = HTTPTestPaths.packageRoot.appendingPathComponent(".build/test-artifacts").path

    /// Starts InspectTarget with its page (and a 0.1 s watchdog) and returns it with the page's URL.
    private func startTarget() throws -> (PeerProcess, String) {
        let target = try #require(productExecutable("InspectTarget"), "build the products first (swift build)")
        let peer = try PeerProcess("ASYNCIO_INSPECT=1", [target.path, "page"], standardInput: true)
        let line = try peer.waitForLine(timeout: 20) { $0.hasPrefix("page ") }
        _ = try peer.waitForLine(timeout: 20) { $0.hasPrefix("ready ") }
        let url = String(line.dropFirst(5))
        // The inspector takes its first snapshot as the page starts; wait until it is in.
        for _ in 0..<100 {
            if try curl(url + "status.json").contains("\"name\": \"control\"") { break }
            usleep(50_000)
        }
        return (peer, url)
    }

    /// The body curl gets from `url` (empty when it gets none).
    private func curl(_ url: String) throws -> String {
        try runToEnd("curl", ["-s", "--max-time", "5", url]).output
    }

    private func quit(_ peer: PeerProcess) {
        peer.send("quit\n")
        _ = peer.stop(grace: 5)
    }

    /// The line the driver printed after condition `number`, which holds the page's DOM.
    private func dom(_ driver: PeerProcess, _ number: Int, timeout: Double = 30) throws -> String {
        let line = try driver.waitForLine(timeout: timeout) { $0.hasPrefix("dom \(number): ") }
        let output = try driver.waitForLine(timeout: 1) { $0.hasPrefix("=== ") && $0.hasSuffix(" \(number)") }
        #expect(output == "=== met \(number)", "the page never showed condition \(number): \(line.prefix(6000))")
        return line
    }

    /// The task item of `name` in a DOM dump: `<li class="task" data-name="NAME" …>` up to its
    /// first nested list or its end.
    private func taskItem(_ name: String, in dom: String) -> String? {
        guard let start = dom.range(of: "<li class=\"task\" data-name=\"\(name)\"") else { return nil }
        let rest = dom[start.lowerBound...]
        let end = [rest.range(of: "<ul>"), rest.range(of: "</li>")].compactMap { $0?.lowerBound }.min() ?? rest.endIndex
        return String(rest[..<end])
    }

    /// What the child's tree must show: each task waiting, on what, and where.
    private func expectTree(_ dom: String) {
        let expected = [
            ("Task-1", "asyncio.taskGroup() at InspectTarget/main.swift:48"),
            ("album", "asyncio.taskGroup() at InspectTarget/main.swift:18"),
            ("song-1", "asyncio.sleep() at InspectTarget/main.swift:19"),
            ("song-2", "asyncio.sleep() at InspectTarget/main.swift:20"),
            ("fetch", "asyncio.gather() at InspectTarget/main.swift:25"),
            ("Task-3", "Queue.get() at InspectTarget/main.swift:25"),
            ("control", "asyncio.toThread() at InspectTarget/main.swift:30"),
        ]
        for (name, wait) in expected {
            let item = taskItem(name, in: dom)
            #expect(item?.contains("data-state=\"waiting\"") == true, "\(name): \(item ?? "not on the page")")
            #expect(item?.contains("<span class=\"wait\">\(wait)</span>") == true, "\(name): \(item ?? "not on the page")")
            #expect(item?.contains(#/<span class="age">\d+(\.\d+)? (ms|s)</span>/#) == true, "\(name) has no age: \(item ?? "")")
        }
        // song-1 and song-2 are album's children, nested in its item.
        if let album = dom.range(of: "data-name=\"album\""), let fetch = dom.range(of: "data-name=\"fetch\"") {
            let inside = dom[album.upperBound..<fetch.lowerBound]
            #expect(inside.contains("data-name=\"song-1\"") && inside.contains("data-name=\"song-2\""))
        } else {
            Issue.record("album or fetch missing from the page")
        }
        #expect(dom.contains(#/<div class="card" id="tasks-count"><div class="value">8</div>/#))
        #expect(dom.contains(#/open descriptors/#))
    }

    @Test(.enabled(if: onPath("chromium") && onPath("curl")), .timeLimit(.minutes(3)))   // Chromium starts slowly beside the parallel run
    func chromiumDumpsThePageWithTheChildsTaskTreeAtLoad() throws {
        let (peer, url) = try startTarget()
        defer { quit(peer) }
        let browser = try PeerProcess("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url])
        _ = try browser.waitForLine(timeout: 60) { $0.contains("</html>") }
        let dom = browser.stop(grace: 10)
        expectTree(dom)
        #expect(dom.contains("data-blocked=\"false\""))
        #expect(dom.contains("id=\"watchdog-none\""))

        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let picture = Self.artifacts + "/inspector-page-at-load.png"
        try? FileManager.default.removeItem(atPath: picture)
        let shooter = try PeerProcess("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                   "--window-size=1280,800", "--screenshot=\(picture)", url])
        _ = shooter.stop(grace: 60)
        try expectPNG(picture)
    }

    @Test(.enabled(if: onPath("chromium") && onPath("python3") && onPath("curl")), .timeLimit(.minutes(2)))
    func thePageUpdatesItselfAndShowsABlockedLoopAndItsStall() throws {
        let (peer, url) = try startTarget()
        defer { quit(peer) }
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let picture = Self.artifacts + "/inspector-page.png"
        try? FileManager.default.removeItem(atPath: picture)
        let script = HTTPTestPaths.packageRoot.appendingPathComponent("Tests/BrowserPeer/drive_page.py").path
        let driver = try PeerProcess("python3", [
            script, url, "--timeout", "20", "--screenshot", picture,
            // 1: three statuses drawn (the one in the page, then two events).
            "--until", "Number(document.getElementById('updates').textContent) >= 3",
            // 2: the loop blocked (the test sends `block` after 1).
            "--until", "document.getElementById('blocked') !== null",
            // 3: back, with the watchdog's report of the stall.
            "--until", "document.querySelector('tr.stall[data-task=\"control\"]') !== null && document.getElementById('blocked') === null",
        ])
        defer { _ = driver.stop(grace: 15) }   // it closes Chromium and removes its profile, then exits

        let live = try dom(driver, 1)
        expectTree(live)
        #expect(live.contains("<span id=\"connection\">live</span>"))
        #expect(live.contains("<polyline"), "no lag line drawn")

        peer.send("block\n")
        let blocked = try dom(driver, 2)
        #expect(blocked.contains(#/Blocked for \d+ ms: its thread has not come back to the loop/#) || blocked.contains(#/Blocked for \d\.\d s/#))
        #expect(blocked.contains("data-blocked=\"true\""))

        let stalled = try dom(driver, 3)
        let row = stalled.range(of: "<tr class=\"stall\" data-task=\"control\">").map { String(stalled[$0.lowerBound...].prefix(3000)) } ?? ""
        #expect(row.contains(#/<td class="num">(1\.\d|2\.\d) s</td>/#), "the stall's final duration: \(row.prefix(600))")
        #expect(row.contains("InspectTarget/main.swift:52"), "the task's creation site: \(row.prefix(600))")
        #expect(row.contains("asyncio.toThread() at InspectTarget/main.swift:30"), "what it last awaited: \(row.prefix(600))")
        #expect(row.contains("nanosleep") && row.contains("InspectTarget.control()"), "the blocking frames in the stack: \(row.prefix(2000))")
        #expect(stalled.contains(#/<div class="card" id="stalls"><div class="value">1</div>/#))

        _ = try driver.waitForLine(timeout: 20) { $0.hasPrefix("=== screenshot ") }
        try expectPNG(picture)
    }

    /// A PNG file of a real picture: the signature, and more than a blank page's bytes.
    private func expectPNG(_ path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(path) is not a PNG")
        #expect(data.count > 20_000, "\(path) has only \(data.count) bytes")
    }

    @Test(.enabled(if: onPath("curl")), .timeLimit(.minutes(1)))
    func curlGetsThePageItsStatusAndEventsOnlyWithTheToken() throws {
        try startTheInspectorsSocket()
        try withLeakChecks { loop, tracker in try loop.runUntilComplete {
            let page = try loop.startInspectorPage(interval: 0.2)
            tracker.track(page, "InspectorPage")
            let sleeper = try asyncio.createTask(name: "page-test-sleeper") { try await asyncio.sleep(3600) }
            // A name that would break out of the page's script if it were not escaped.
            let hostile = "q\"b\\s\u{1}\n</script><script>alert(1)</script>\u{0600}</script><!--"
            let hostileTask = try asyncio.createTask(name: hostile) { try await asyncio.sleep(3600) }
            var shown = false
            for _ in 0..<100 where !shown {   // the inspector asks for a snapshot each second
                try await asyncio.sleep(0.05)
                shown = Inspector.status().contains("page-test-sleeper")
            }
            #expect(shown, "the status never showed the test's task: \(Inspector.status())")

            let (htmlStatus, html) = try await runPeer("curl", ["-sS", "--max-time", "5", page.url])
            #expect(htmlStatus == 0)
            #expect(html.contains("<title>asyncio inspector</title>"))
            #expect(html.contains("<script id=\"initial-status\" type=\"application/json\">{"))
            #expect(html.contains("page-test-sleeper"))
            #expect(!html.contains("</script><script>alert") && !html.contains("<!--"), "a task's name broke into the page")
            let open = "<script id=\"initial-status\" type=\"application/json\">"
            let embedded = try #require(html.range(of: open).flatMap { start in html[start.upperBound...].range(of: "</script>").map { html[start.upperBound..<$0.lowerBound] } })
            let initial = try #require(try JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? [String: Any])
            let names = (initial["loops"] as? [[String: Any]] ?? []).compactMap { ($0["snapshot"] as? [String: Any])?["tasks"] as? [[String: Any]] }
                .joined().compactMap { $0["name"] as? String }
            #expect(names.contains(hostile), "the hostile name did not come back whole: \(names)")

            // HEAD of the events: the headers, and no stream left running.
            let (headStatus, head) = try await runPeer("curl", ["-sSI", "--max-time", "3", page.url + "events"])
            #expect(headStatus == 0 && head.lowercased().contains("content-type: text/event-stream"), "\(headStatus) \(head)")

            let (jsonStatus, json) = try await runPeer("curl", ["-sS", "--max-time", "5", page.url + "status.json"])
            #expect(jsonStatus == 0)
            let status = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(status["pid"] as? Int == Int(getpid()))
            let loops = try #require(status["loops"] as? [[String: Any]])
            let tasks = loops.compactMap { ($0["snapshot"] as? [String: Any])?["tasks"] as? [[String: Any]] }.joined()
            let mine = try #require(tasks.first { $0["name"] as? String == "page-test-sleeper" })
            #expect(mine["state"] as? String == "waiting")
            #expect((mine["age"] as? Double).map { $0 >= 0 && $0 < 60 } == true, "age: \(mine["age"] ?? "none")")

            // Events: one status a `data:` line, each interval, until the client goes.
            let (eventsStatus, events) = try await runPeer("curl", ["-sSN", "--max-time", "1.1", page.url + "events"])
            #expect(eventsStatus == 28, "curl should have been cut off by its time limit")
            let messages = events.split(separator: "\n").filter { $0.hasPrefix("data: ") }
            #expect(messages.count >= 3, "\(messages.count) events in 1.1 s at 0.2 s: \(events.prefix(300))")
            for message in messages {
                #expect((try? JSONSerialization.jsonObject(with: Data(message.dropFirst(6).utf8))) != nil, "not JSON: \(message.prefix(200))")
            }

            // Without the token, or with another, nothing.
            let base = "http://127.0.0.1:\(page.port)/"
            for path in ["", "status.json", "events", String(repeating: "0", count: 32) + "/", String(repeating: "0", count: 32) + "/events"] {
                let (_, code) = try await runPeer("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", base + path])
                #expect(code == "404", "/\(path) answered \(code)")
            }

            // Clients that vanish mid-stream: their connections close at the next write.
            let before = Descriptors.snapshot()
            _ = try await asyncio.gather((0..<6).map { _ in { try await runPeer("curl", ["-sN", "--max-time", "0.5", page.url + "events"]) } })
            if Descriptors.testsRunSerially {
                var left = Descriptors.snapshot().subtracting(before)
                for _ in 0..<60 where !left.isEmpty {
                    try await asyncio.sleep(0.05)
                    left = Descriptors.snapshot().subtracting(before)
                }
                #expect(left.isEmpty, "the page kept the gone clients' connections: \(left.sorted())")
            }

            page.stop()
            let (refused, _) = try await runPeer("curl", ["-s", "--max-time", "5", page.url + "status.json"])
            #expect(refused == 7, "curl should find nothing listening once the page stopped")
            sleeper.cancel()
            hostileTask.cancel()
            loop.stopInspector()
        } }
    }

    /// The inspector's socket and thread stay for the process's life: the leak checks start after them.
    private func startTheInspectorsSocket() throws {
        let warm = try EventLoop()
        try warm.startInspector()
        warm.stopInspector()
        try warm.close()
    }

    @Test(.enabled(if: onPath("curl")), .timeLimit(.minutes(1)))
    func stoppingOrDroppingThePageEndsTheStreamsItServes() throws {
        try startTheInspectorsSocket()
        try withLeakChecks { loop, tracker in try loop.runUntilComplete {
            let page = try InspectorPage.start(interval: 0.2)
            tracker.track(page, "InspectorPage")
            let clients = try (0..<3).map { _ in
                try asyncio.createTask { try await runPeer("curl", ["-sN", "--max-time", "15", page.url + "events"]) }
            }
            try await asyncio.sleep(0.7)   // real time: each client has had its first events
            page.stop()   // ends the streams itself: a stream the server's shutdown had to abort would end cut (curl's 18)
            for client in clients {
                let (status, events) = try await client.value
                #expect(status == 0, "curl's stream should end cleanly with the page, not at its time limit (28) or cut (18): \(status)")
                #expect(events.contains("data: {\"pid\""), "no event reached the client: \(events.prefix(200))")
            }

            // Dropped without stop(): its deinit stops it.
            var port = 0
            do {
                let dropped = try InspectorPage.start()
                tracker.track(dropped, "dropped InspectorPage")
                port = dropped.port
            }
            let (refused, _) = try await runPeer("curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/"])
            #expect(refused == 7, "a dropped page should listen no more")
        } }
    }

    @Test func thePageServesLoopbackOnly() throws {
        for host in ["0.0.0.0", "::", "192.168.1.10", "example.com"] {
            #expect(throws: ValueError("the inspector's page serves loopback only (127.0.0.1, ::1 or localhost), not '\(host)'")) {
                try InspectorPage.start(host: host)
            }
        }
    }
}
