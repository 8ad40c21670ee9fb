// The inspector page's HTML, style and script, in one document with nothing fetched from elsewhere.

enum PageHTML {
    /// The whole page, with `status` (the inspector's status JSON) drawn as soon as it loads, so
    /// a page saved or printed at load shows it. Its script then opens `events` (relative to the
    /// page's path, so the token carries) and draws each status it receives; ids and `data-` attributes
    /// name what it shows, for readers and for the tests that read its DOM.
    static func page(status: String) -> String {
        // In a script element only "</" could end it early; JSON has "<" only inside strings,
        // where the inspector writes it \u003c already (this is for any other JSON).
        let embedded = String(decoding: status.utf8.flatMap { $0 == UInt8(ascii: "<") ? Array(#"\u003c"#.utf8) : [$0] }, as: UTF8.self)
        return head + "<script id=\"initial-status\" type=\"application/json\">" + embedded + "</script>\n" + script
    }

    /// The document up to its script.
    private static let head = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>asyncio inspector</title>
    <style>
      :root { --ink: #1d2430; --muted: #667085; --line: #e4e7ec; --card: #f8f9fb; --accent: #2f6fde;
              --ok: #1f8a4c; --warn: #c27a00; --bad: #c8322f; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
      header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; border-bottom: 1px solid var(--line); }
      header h1 { font-size: 18px; margin: 0; }
      header .meta { color: var(--muted); }
      main { padding: 16px 24px; }
      .loop { margin-bottom: 28px; }
      .loop h2 { font-size: 16px; margin: 0 0 10px; }
      .banner { padding: 8px 12px; border-radius: 6px; margin-bottom: 10px; font-weight: 600; }
      .banner.blocked { background: #fdecea; color: var(--bad); border: 1px solid #f5c2bf; }
      .banner.stopped { background: var(--card); color: var(--muted); border: 1px solid var(--line); }
      .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 12px; }
      .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
      .card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
      .card .label { color: var(--muted); font-size: 12px; }
      .row { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
      .panel { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin-bottom: 12px; }
      .panel h3 { font-size: 13px; margin: 0 0 6px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
      svg text { font-size: 10px; fill: var(--muted); }
      ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 18px; }
      ul.tree { padding-left: 0; }
      ul.tree li { position: relative; padding: 2px 0; }
      ul.tree ul li::before { content: ""; position: absolute; left: -12px; top: 0; height: 13px; width: 9px;
                              border-left: 1px solid #c9ced6; border-bottom: 1px solid #c9ced6; }
      .name { font-weight: 600; }
      .state { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 9px; margin: 0 6px; }
      .state.waiting { background: #e8f0fe; color: var(--accent); }
      .state.ready { background: #e6f4ea; color: var(--ok); }
      .state.cancelling { background: #fff4e0; color: var(--warn); }
      .wait { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12px; }
      .age { color: var(--muted); margin-left: 6px; font-variant-numeric: tabular-nums; }
      table { border-collapse: collapse; width: 100%; }
      th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
      th { color: var(--muted); font-weight: 600; font-size: 12px; }
      td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
      pre { margin: 4px 0 0; font-size: 11px; white-space: pre-wrap; }
      .muted { color: var(--muted); }
      footer { padding: 8px 24px; color: var(--muted); border-top: 1px solid var(--line); font-size: 12px; }
    </style>
    </head>
    <body>
    <header>
      <h1>asyncio inspector</h1>
      <span class="meta" id="process">connecting…</span>
    </header>
    <main id="loops"><p class="muted">Waiting for the first status…</p></main>
    <footer>Updated <span id="updated">never</span> · <span id="updates">0</span> updates · <span id="connection">connecting</span></footer>

    """#

    /// The script, and the document's end.
    private static let script = #"""
    <script>
    "use strict";
    let updates = 0;
    const $ = (tag, attributes = {}, ...children) => {
      const node = document.createElement(tag);
      for (const [key, value] of Object.entries(attributes)) {
        if (key === "class") node.className = value; else node.setAttribute(key, value);
      }
      for (const child of children) node.append(child);
      return node;
    };
    const seconds = (value) => value < 1 ? (value * 1000).toFixed(value < 0.01 ? 2 : 0) + " ms"
      : value < 120 ? value.toFixed(1) + " s" : value < 7200 ? (value / 60).toFixed(1) + " min" : (value / 3600).toFixed(1) + " h";

    function card(label, value, id) {
      return $("div", { class: "card", id }, $("div", { class: "value" }, String(value)), $("div", { class: "label" }, label));
    }

    // Lag: (seconds ago, seconds late) pairs of the last five minutes, drawn as a line.
    function lagChart(loop) {
      const width = 560, height = 130, left = 44, bottom = 18, above = 8, window = 300;
      const points = loop.lag.map(([ago, late]) => [ago, late * 1000]);
      if (loop.lag_pending !== null) points.push([0, loop.lag_pending * 1000]);
      const top = Math.max(10, ...points.map((p) => p[1])) * 1.1;
      const x = (ago) => left + (width - left) * (1 - Math.min(ago, window) / window);
      const y = (ms) => above + (height - bottom - above) * (1 - ms / top);
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", width); svg.setAttribute("height", height); svg.setAttribute("id", "lag-chart");
      const add = (tag, attributes, text) => {
        const node = document.createElementNS(ns, tag);
        for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
        if (text !== undefined) node.textContent = text;
        svg.append(node);
      };
      for (const fraction of [0, 0.5, 1]) {
        add("line", { x1: left, x2: width, y1: y(top * fraction), y2: y(top * fraction), stroke: "#e4e7ec" });
        add("text", { x: 2, y: y(top * fraction) + 3 }, (top * fraction).toFixed(top < 20 ? 1 : 0) + " ms");
      }
      for (const ago of [300, 240, 180, 120, 60, 0]) {
        add("text", { x: x(ago), y: height - 4, "text-anchor": ago === 300 ? "start" : ago ? "middle" : "end" }, ago ? "-" + ago / 60 + " min" : "now");
      }
      if (points.length) {
        const sorted = points.sort((a, b) => b[0] - a[0]);
        add("polyline", { points: sorted.map(([ago, ms]) => x(ago).toFixed(1) + "," + y(ms).toFixed(1)).join(" "),
                          fill: "none", stroke: "#2f6fde", "stroke-width": 1.5 });
      }
      return svg;
    }

    // The task tree: a task's children are the tasks that it awaits (their awaited_by names it).
    function taskTree(tasks) {
      const byId = new Map(tasks.map((task) => [task.id, task]));
      const children = new Map();
      for (const task of tasks) {
        for (const awaiter of task.awaited_by) {
          if (!children.has(awaiter)) children.set(awaiter, []);
          children.get(awaiter).push(task);
        }
      }
      const roots = tasks.filter((task) => !task.awaited_by.some((id) => byId.has(id)));
      const shown = new Set();
      const node = (task, path) => {
        const wait = task.stack.length > 1 ? task.stack[0] : null;
        const where = wait && wait.file ? " at " + wait.file + ":" + wait.line : "";
        const item = $("li", { class: "task", "data-name": task.name, "data-state": task.state, "data-id": task.id },
          $("span", { class: "name" }, task.name),
          $("span", { class: "state " + task.state }, task.state),
          $("span", { class: "wait" }, wait ? wait.function + where : "created at " + task.stack[0].file + ":" + task.stack[0].line),
          $("span", { class: "age" }, task.age === null ? "" : seconds(task.age)));
        shown.add(task.id);
        const kids = (children.get(task.id) || []).filter((kid) => !path.has(kid.id));
        if (kids.length) {
          const list = $("ul");
          for (const kid of kids) list.append(node(kid, new Set([...path, kid.id])));
          item.append(list);
        }
        return item;
      };
      const tree = $("ul", { class: "tree", id: "task-tree" });
      for (const root of roots) tree.append(node(root, new Set([root.id])));
      for (const task of tasks) if (!shown.has(task.id)) tree.append(node(task, new Set([task.id])));   // in a cycle only
      return tree;
    }

    function watchdogTable(reports) {
      if (!reports.length) return $("p", { class: "muted", id: "watchdog-none" }, "No stalls reported (the watchdog runs when loop.watchdog(threshold:) or debug mode turned it on).");
      const table = $("table", { id: "watchdog" },
        $("tr", {}, $("th", {}, "Blocked for"), $("th", {}, "Task"), $("th", {}, "Created at"), $("th", {}, "Last awaited"), $("th", {}, "Stack")));
      for (const report of reports.slice().reverse()) {
        const stack = $("details", {}, $("summary", {}, report.stack[0] || "no stack"), $("pre", {}, report.stack.join("\n")));
        table.append($("tr", { class: "stall", "data-task": report.task || "" },
          $("td", { class: "num" }, seconds(report.duration) + (report.ongoing ? " so far" : "")),
          $("td", {}, report.task || "a callback"), $("td", { class: "wait" }, report.origin || ""),
          $("td", { class: "wait" }, report.last_await || ""), $("td", {}, stack)));
      }
      return table;
    }

    function draw(status) {
      document.getElementById("process").textContent =
        "process " + status.pid + " · " + status.loops.length + (status.loops.length === 1 ? " loop" : " loops") +
        " · " + status.descriptors + " open descriptors" + (status.cancel ? " · cancel allowed" : "");
      const loops = $("main", { id: "loops" });
      if (!status.loops.length) loops.append($("p", { class: "muted" }, "No loop is inspected: call loop.startInspector() or set ASYNCIO_INSPECT=1."));
      status.loops.forEach((loop, index) => {
        const snapshot = loop.snapshot || { tid: 0, ready: 0, registered: 0, watchdog: [], tasks: [] };
        const section = $("section", { class: "loop", "data-running": String(loop.running), "data-blocked": String(loop.blocked_for !== null) },
          $("h2", {}, "Loop " + (index + 1) + (snapshot.tid ? " · thread " + snapshot.tid : "")));
        if (loop.blocked_for !== null) {
          section.append($("div", { class: "banner blocked", id: "blocked" },
            "Blocked for " + seconds(loop.blocked_for) + ": its thread has not come back to the loop. Showing the snapshot from " +
            seconds(loop.snapshot_age || 0) + " ago."));
        } else if (!loop.running) {
          section.append($("div", { class: "banner stopped" }, "Not running."));
        }
        const recent = loop.lag.filter(([ago]) => ago <= 60).map(([, late]) => late);
        section.append($("div", { class: "cards" },
          card("tasks", snapshot.tasks.length, "tasks-count"), card("ready queue", snapshot.ready, "ready-depth"),
          card("descriptors watched", snapshot.registered, "registered"),
          card("lag now", loop.lag.length || loop.lag_pending !== null ? seconds(loop.lag_pending ?? loop.lag[loop.lag.length - 1][1]) : "–", "lag-now"),
          card("max lag, 1 min", recent.length ? seconds(Math.max(...recent)) : "–", "lag-max"),
          card("stalls", snapshot.watchdog.length, "stalls")));
        section.append($("div", { class: "row" },
          $("div", { class: "panel" }, $("h3", {}, "Lag, last 5 minutes"), lagChart(loop)),
          $("div", { class: "panel", style: "flex: 1; min-width: 420px" }, $("h3", {}, "Tasks"), taskTree(snapshot.tasks))));
        section.append($("div", { class: "panel" }, $("h3", {}, "Watchdog reports"), watchdogTable(snapshot.watchdog)));
        loops.append(section);
      });
      document.getElementById("loops").replaceWith(loops);
      updates += 1;
      document.getElementById("updates").textContent = String(updates);
      document.getElementById("updated").textContent = new Date().toLocaleTimeString();
    }

    draw(JSON.parse(document.getElementById("initial-status").textContent));
    const events = new EventSource(location.pathname.replace(/\/?$/, "/") + "events");   // "/TOKEN" works too
    events.onopen = () => { document.getElementById("connection").textContent = "live"; };
    events.onerror = () => { document.getElementById("connection").textContent = "reconnecting…"; };
    events.onmessage = (event) => draw(JSON.parse(event.data));
    </script>
    </body>
    </html>
    """#
}
