// `memtrace diff --format html`: one self-contained page (inline CSS and JS, no network) with a
// differential icicle graph: frame widths are HEAD's (or BASE's) values of the chosen metric,
// colours show the change against BASE (red grew, blue shrank, grey unchanged).
//
// Safety: the only capture-derived content is the JSON inside <script type="application/json">,
// with < > & written as \u003c \u003e \u0026 so no string can close the script element; the
// page puts strings into the DOM with textContent only.
#include <array>
#include <unordered_map>

#include "flame_tree.h"
#include "report/diff_render.h"

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

// The graph's frames: [function, location] each, interned by what the match compares (the
// function, or with --match line the function and its location: the first location seen
// stands for the others).
class GraphFrames {
public:
    explicit GraphFrames(bool byLocation) : m_byLocation(byLocation) {}
    uint32_t id(const std::string& function, const std::string& location)
    {
        auto [it, inserted] = m_ids.try_emplace(m_byLocation ? function + '\0' + location : function,
                                                static_cast<uint32_t>(m_frames.size()));
        if (inserted) m_frames.push_back({function, location});
        return it->second;
    }
    // A box of the page's own ("all", "[below cut-off]"): an id of its own, whatever the
    // program's functions are called.
    uint32_t synthetic(const std::string& name)
    {
        m_frames.push_back({name, ""});
        return static_cast<uint32_t>(m_frames.size() - 1);
    }
    json take() { return std::move(m_frames); }

private:
    bool m_byLocation;
    json m_frames = json::array();
    std::unordered_map<std::string, uint32_t> m_ids;
};

using DiffValues = std::array<uint64_t, 8>;  // base's four metrics, then head's (the page's menu order)

DiffValues diffValues(const DiffRow& row)
{
    return {row.base.peakBytes, row.base.leakedBytes, row.base.allocatedBytes, row.base.allocations,
            row.head.peakBytes, row.head.leakedBytes, row.head.allocatedBytes, row.head.allocations};
}

// Every row's path (outermost frame first) and values. Every stack is a row: noise thresholds
// do not apply, the graph needs all of HEAD and BASE to be to scale.
std::vector<html::FlamePath<8>> rowPaths(const StackDiff& diff, const FramesOfRow& framesOf, GraphFrames& frames)
{
    std::vector<html::FlamePath<8>> paths;
    paths.reserve(diff.rows.size());
    for (const DiffRow& row : diff.rows) {
        const std::vector<reader::SourceFrame> resolved = framesOf ? framesOf(row) : std::vector<reader::SourceFrame>{};
        const std::vector<reader::SourceFrame>& stack = framesOf ? resolved : row.frames;
        html::FlamePath<8>& entry = paths.emplace_back();
        entry.values = diffValues(row);
        entry.path.reserve(stack.empty() ? 1 : stack.size());
        for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
            const std::string location =
                it->file.empty() ? it->module : it->file + (it->line ? ":" + std::to_string(it->line) : "");
            entry.path.push_back(frames.id(it->function, location));
        }
        if (stack.empty()) entry.path.push_back(frames.id("(no stack)", ""));
    }
    return paths;
}

// The merged call tree as columns: parent (-1 for the root), frame, and per node its four
// base values then its four head values. Written straight out: at most maxNodes nodes.
std::string treeColumns(const html::FlameTreeOf<8>& tree)
{
    std::string parent = "[", frame = "[", values = "[";
    for (size_t n = 0; n < tree.parent.size(); ++n) {
        if (n > 0) {
            parent += ',';
            frame += ',';
            values += ',';
        }
        parent += tree.parent[n] == tree.kNoParent ? "-1" : std::to_string(tree.parent[n]);
        frame += std::to_string(tree.frame[n]);
        for (size_t v = 0; v < 8; ++v) {
            if (v > 0) values += ',';
            values += std::to_string(tree.total[n][v]);
        }
    }
    return "{\"parent\":" + parent + "],\"frame\":" + frame + "],\"values\":" + values + "]}";
}

// The page's data: one JSON object. The graph is the rows' call tree merged and pruned on
// this side, as the report's flamegraph is (flame_tree.h): with 100000 stacks of 50 frames
// the page held every row's path (18 MB) and the browser built a 3 M-node tree to draw it.
// Small diffs keep every node (cut-off 0).
std::string pageData(const StackDiff& diff, const FramesOfRow& framesOf, size_t maxNodes)
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

    GraphFrames frames(diff.options.match == DiffMatch::Line);
    const std::vector<html::FlamePath<8>> paths = rowPaths(diff, framesOf, frames);
    const uint32_t rootFrame = frames.synthetic("all");
    const uint32_t otherFrame = frames.synthetic("[below cut-off]");
    const html::FlameTreeOf<8> tree = html::buildFlameTree(paths, rootFrame, otherFrame, maxNodes, 0);
    data["frames"] = frames.take();
    data["graph"] = {{"stacks", paths.size()},        {"cutoff", tree.cutoff},         {"full_nodes", tree.fullNodes},
                     {"nodes", tree.parent.size()}, {"folded_nodes", tree.foldedNodes}, {"other_frame", otherFrame}};
    // The object's text with the tree put in as its last member.
    std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
    text.pop_back();  // the closing brace
    return text + ",\"tree\":" + treeColumns(tree) + '}';
}

constexpr const char* kPageHead = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>memtrace diff</title>
<style>
:root{color-scheme:light dark}
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fff}
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
.fr{color:#111}
@media (prefers-color-scheme:dark){body{color:#e9ecef;background:#16181b}td,th{border-bottom-color:#3a3f44}
#graph{border-color:#3a3f44}.fr{border-color:#16181b}#info{background:#1f2226}.fail{color:#ff8787}.pass{color:#8ce99a}}
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
<div id="pruned"></div>
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
  // The call tree, outermost frame at the top; values are inclusive. Nodes come parent first:
  // columns of parents, frames, and four base then four head values per node.
  const byLine = data.match === 'line';
  const t = data.tree, nodes = [];
  for (let i = 0; i < t.parent.length; ++i) {
    const [name, loc] = data.frames[t.frame[i]];
    const v = t.values.slice(8 * i, 8 * i + 8);
    const folded = t.frame[i] === data.graph.other_frame;
    const node = { name: name, loc: loc, b: v.slice(0, 4), h: v.slice(4), kids: new Map(), folded: folded };
    if (t.parent[i] >= 0) {
      node.parent = nodes[t.parent[i]];
      node.parent.kids.set(folded ? '\u0001folded' : byLine ? name + '\u0000' + loc : name, node);
    }
    nodes.push(node);
  }
  const root = nodes[0];
  if (data.graph.cutoff > 0)
    $('pruned').textContent = 'The graph merges ' + data.graph.stacks + ' stacks into ' + data.graph.nodes + ' boxes: frames holding less than ' +
      (100 * data.graph.cutoff).toPrecision(2) + '% of every metric on both sides are folded into [below cut-off] (' + data.graph.folded_nodes + ' call-tree nodes).';
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
      // By name; the folded box last.
      const kids = [...n.kids.values()].sort((a, b) => (a.folded !== b.folded ? (a.folded ? 1 : -1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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

std::string diffHtml(const StackDiff& diff, const FramesOfRow& framesOf, size_t maxGraphNodes)
{
    return std::string(kPageHead) + scriptSafe(pageData(diff, framesOf, maxGraphNodes)) + kPageTail;
}

}  // namespace memtrace::report
