// `memtrace diff --format html`: one self-contained page (inline CSS and JS, no network) with a
// differential icicle graph: frame widths are HEAD's (or BASE's) values of the chosen metric,
// colours show the change against BASE (red grew, blue shrank, grey unchanged).
//
// Safety: the only capture-derived content is the JSON inside <script type="application/json">,
// with < > & written as \u003c \u003e \u0026 so no string can close the script element; the
// page puts strings into the DOM with textContent only.
#include "diff_render.h"

#include <unordered_map>

namespace memtrace::report {

namespace {

using nlohmann::json;


std::string scriptSafe(const std::string& jsonText)
{
    std::string out;
    out.reserve(jsonText.size());
    for (char c : jsonText) {
        switch (c) {
        case '<': out += "\\u003c"; break;
        case '>': out += "\\u003e"; break;
        case '&': out += "\\u0026"; break;
        default: out += c;
        }
    }
    return out;
}

// The page's data: one JSON object. Every stack is a row (noise thresholds do not apply: the
// graph needs all of HEAD to be to scale) whose path is a list of indexes into one table of
// distinct frames: with 100000 stacks of 50 frames, frames written out per row made a 590 MB
// page. The rows are written straight out, as a JSON tree they took gigabytes.
std::string pageData(const StackDiff& diff, const FramesOfRow& framesOf)
{
    json data;
    data["base"] = diff.base.name;
    data["head"] = diff.head.name;
    data["baseProgram"] = diff.base.program;
    data["headProgram"] = diff.head.program;
    data["match"] = diffMatchName(diff.options.match);
    data["matchDescription"] = diffMatchDescription(diff.options.match);
    json totals = json::array();
    for (const TotalLine& line : totalLines(diff))
        totals.push_back({line.title, totalValue(line.base, line.unit), totalValue(line.head, line.unit),
                          totalChange(line.base, line.head, line.unit), percentChange(line.base, line.head)});
    data["totals"] = std::move(totals);
    json rules = json::array();
    for (const RuleResult& r : diff.rules) rules.push_back({r.rule.text, ruleObservation(r), r.failed});
    data["rules"] = std::move(rules);

    json frames = json::array();  // [function, location]
    std::unordered_map<std::string, uint32_t> frameIds;  // function '\0' location -> index
    auto frameId = [&](const std::string& function, const std::string& location) {
        auto [it, inserted] = frameIds.try_emplace(function + '\0' + location, static_cast<uint32_t>(frames.size()));
        if (inserted) frames.push_back({function, location});
        return it->second;
    };
    auto metrics = [](std::string& out, const StackMetrics& m) {
        out += '[' + std::to_string(m.peakBytes) + ',' + std::to_string(m.leakedBytes) + ',' + std::to_string(m.allocatedBytes) +
               ',' + std::to_string(m.allocations) + ']';
    };
    std::string rows = "[";
    for (const DiffRow& row : diff.rows) {
        const std::vector<reader::SourceFrame> resolved = framesOf ? framesOf(row) : std::vector<reader::SourceFrame>{};
        const std::vector<reader::SourceFrame>& stack = framesOf ? resolved : row.frames;
        if (rows.size() > 1) rows += ',';
        rows += "{\"b\":";
        metrics(rows, row.base);
        rows += ",\"h\":";
        metrics(rows, row.head);
        rows += ",\"p\":[";
        for (auto it = stack.rbegin(); it != stack.rend(); ++it) {  // outermost first
            std::string location = it->file.empty() ? it->module : it->file + (it->line ? ":" + std::to_string(it->line) : "");
            if (it != stack.rbegin()) rows += ',';
            rows += std::to_string(frameId(it->function, location));
        }
        if (stack.empty()) rows += std::to_string(frameId("(no stack)", ""));
        rows += "]}";
    }
    rows += ']';
    data["frames"] = std::move(frames);
    // The object's text with the rows put in as its last member.
    std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
    text.pop_back();  // the closing brace
    return text + ",\"rows\":" + rows + '}';
}

constexpr const char* kPageHead = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>memtrace diff</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 8px}
table{border-collapse:collapse;margin:8px 0}
td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}
.fail{color:#b00;font-weight:bold}.pass{color:#070}
#controls{margin:12px 0}
#graph{position:relative;width:100%;border:1px solid #ccc;overflow:hidden}
.fr{position:absolute;height:17px;box-sizing:border-box;border:1px solid #fff;overflow:hidden;white-space:nowrap;
 font:11px/15px monospace;padding:0 3px;cursor:pointer}
#info{font:12px monospace;white-space:pre;min-height:5em;background:#f6f6f6;padding:6px;margin-top:8px}
.key{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px}
</style></head><body>
<h1 id="title"></h1>
<div id="sub"></div>
<table id="totals"><thead><tr><th></th><th>base</th><th>head</th><th>change</th><th>%</th></tr></thead><tbody></tbody></table>
<table id="rules"><tbody></tbody></table>
<div id="controls">metric <select id="metric"><option value="0">bytes at peak</option><option value="1">leaked bytes</option>
<option value="2">allocated bytes</option><option value="3">allocations</option></select>
width from <select id="side"><option value="h">head</option><option value="b">base</option></select>
<span class="key" style="background:hsl(0,85%,55%)"></span>grew<span class="key" style="background:hsl(215,85%,55%)"></span>shrank
<span class="key" style="background:#ddd"></span>unchanged &nbsp; click a frame to zoom, the root to zoom out</div>
<div id="graph"></div>
<div id="info"></div>
<script type="application/json" id="diff-data">)PAGE";

constexpr const char* kPageTail = R"PAGE(</script>
<script>
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('diff-data').textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  $('title').textContent = 'memtrace diff: ' + data.base + ' \u2192 ' + data.head;
  $('sub').textContent = (data.baseProgram || '?') + ' \u2192 ' + (data.headProgram || '?') + '; stacks matched by ' + data.matchDescription + ' (--match ' + data.match + ')';
  for (const t of data.totals) { const tr = el('tr'); for (const c of t) tr.appendChild(el('td', c)); $('totals').tBodies[0].appendChild(tr); }
  for (const r of data.rules) {
    const tr = el('tr'); tr.appendChild(el('td', r[0])); tr.appendChild(el('td', r[1]));
    tr.appendChild(el('td', r[2] ? 'FAILED' : 'passed', r[2] ? 'fail' : 'pass')); $('rules').tBodies[0].appendChild(tr);
  }
  // The tree of frames, outermost at the top; values are inclusive.
  const byLine = data.match === 'line';
  const root = { name: 'all', loc: '', b: [0, 0, 0, 0], h: [0, 0, 0, 0], kids: new Map() };
  for (const row of data.rows) {
    let node = root;
    const add = (n) => { for (let i = 0; i < 4; ++i) { n.b[i] += row.b[i]; n.h[i] += row.h[i]; } };
    add(root);
    for (const id of row.p) {
      const [name, loc] = data.frames[id];
      const key = byLine ? name + '\u0000' + loc : name;
      let kid = node.kids.get(key);
      if (!kid) { kid = { name: name, loc: loc, b: [0, 0, 0, 0], h: [0, 0, 0, 0], kids: new Map(), parent: node }; node.kids.set(key, kid); }
      add(kid); node = kid;
    }
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  const fmt = (v, m) => {
    if (m === 3) return String(v);
    let a = Math.abs(v), u = 0; while (a >= 1024 && u < 4) { a /= 1024; ++u; }
    return (v < 0 ? '-' : '') + (u ? a.toFixed(2) : String(a)) + ' ' + units[u];
  };
  const signed = (v, m) => (v > 0 ? '+' : '') + fmt(v, m);
  let zoom = root;
  function render() {
    const m = Number($('metric').value), side = $('side').value, graph = $('graph');
    graph.textContent = '';
    const width = graph.clientWidth || 1000, rowH = 17;
    let maxAbs = 0;
    (function scan(n) { maxAbs = Math.max(maxAbs, Math.abs(n.h[m] - n.b[m])); for (const k of n.kids.values()) scan(k); })(zoom);
    let depth = 0;
    function draw(n, x, w, level) {
      if (w < 1) return;
      depth = Math.max(depth, level + 1);
      const d = n.h[m] - n.b[m], t = maxAbs ? Math.abs(d) / maxAbs : 0;
      const div = el('div', n.name, 'fr');
      div.style.left = x + 'px'; div.style.width = w + 'px'; div.style.top = (level * rowH) + 'px';
      div.style.background = d > 0 ? 'hsl(0,85%,' + (92 - 40 * t) + '%)' : d < 0 ? 'hsl(215,85%,' + (92 - 40 * t) + '%)' : '#ddd';
      div.addEventListener('mouseenter', () => {
        const pct = n.b[m] ? ' (' + (d >= 0 ? '+' : '') + (100 * d / n.b[m]).toFixed(2) + '%)' : (n.h[m] ? ' (new)' : '');
        $('info').textContent = n.name + (n.loc ? '\n' + n.loc : '') + '\nbase ' + fmt(n.b[m], m) + '   head ' + fmt(n.h[m], m) +
          '   change ' + signed(d, m) + pct;
      });
      div.addEventListener('click', () => { zoom = (n === zoom && n.parent) ? n.parent : n; render(); });
      graph.appendChild(div);
      const total = n[side][m];
      if (!total) return;
      let cx = x;
      const kids = [...n.kids.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const k of kids) { const kw = w * k[side][m] / total; draw(k, cx, kw, level + 1); cx += kw; }
    }
    draw(zoom, 0, width, 0);
    graph.style.height = (depth * rowH + 2) + 'px';
  }
  window.memtraceDiff = { data: data, root: root };  // for tests
  $('metric').addEventListener('change', render);
  $('side').addEventListener('change', render);
  window.addEventListener('resize', render);
  render();
})();
</script>
</body></html>
)PAGE";

}  // namespace

std::string diffHtml(const StackDiff& diff, const FramesOfRow& framesOf)
{
    return std::string(kPageHead) + scriptSafe(pageData(diff, framesOf)) + kPageTail;
}

}  // namespace memtrace::report
