// Opens a memtrace HTML report in headless Chromium and checks it:
//   - no console error, uncaught exception, failed resource or dialog (alert) while loading
//     and interacting; no network request other than the report file itself
//   - the summary strip equals `memtrace summary --json`
//   - the inverted view: its root equals the same totals, and the heaviest stacks at the peak
//     are paths of it, innermost frame first
//   - for every metric, clicking it makes the flamegraph's root equal the summary total, and
//     what is drawn changes between metrics with different totals
//   - dragging across the memory chart selects a time window: the status says so and the
//     drawing changes; the whole-run window reproduces the totals from the per-stack history
//   - --expect-text S: S appears verbatim as text in the page (leak table) or as a frame name
//   - --max-load-ms N: the page is drawn within N ms
//   - --expect-markers: every marker of the summary is drawn on the memory chart (a vertical
//     line in the marker colour down the plot at its time), and a column away from all
//     markers is not (the control)
//   - --window-must-change: the window's drawing must differ from the whole run's even when
//     its total happens to be equal (use for programs whose memory moves over time)
//   - --dark: the system prefers a dark colour scheme: every check above, and the page is dark
//     (dark background, light text, light chart axes)
//   - --threads: the thread filter: an option per thread group whose text holds the thread's
//     name verbatim (no element in it); for every group, metric and view (call tree,
//     inverted) the root equals the group's `thread_totals` values ("[other threads]": their
//     sums); the groups cover every thread; choosing a thread resets the zoom; "All threads"
//     gives the summary's totals again; a window disables the filter and a thread disables
//     windows; #thread=INDEX opens a thread
//   - --thread-function NAME=FUNCTION (with --threads): with thread NAME selected, FUNCTION has
//     a box (where NAME's total is not 0) and search finds it, and no other given FUNCTION has
//     one, for every metric and view
//   - --other-threads N (with --threads): thread_totals' largest threads are listed one by one,
//     in its order, then one "[other threads]" entry holds exactly the last N (in that order),
//     its option saying "[other threads] (N threads, ..."; the default limits (32 threads,
//     400,000 entries, not capped) and the note saying the 32; #thread=INDEX of the smallest
//     thread opens "[other threads]" with their summed allocated bytes
//   - --capped CAP (with --threads): the same, but the entry cap CAP put the rest there: at least
//     one and fewer than 32 threads listed, "capped", and the note names the cap
//   - --capped-page FILE CAP (with --threads): FILE is the same capture's report with an entry
//     cap of CAP (html_capped_report): opened in the same browser (a second browser would
//     cost seconds), the thread filter checks above with --capped CAP
// usage: node check_report.mjs REPORT.html SUMMARY.json [--expect-text S]... [--max-load-ms N] [--no-drag]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkPageStayedQuiet, openPage, startBrowserTest } from './cdp.mjs';

const args = process.argv.slice(2);
const htmlPath = resolve(args[0]);
const summary = JSON.parse(readFileSync(args[1], 'utf8'));
const expectTexts = [];
let maxLoadMs = 15000;
let drag = true;
let windowMustChange = false;
let expectMarkers = false;
let dark = false;
let threadChecks = false;
let otherThreads = null;
let cappedAt = null;
let cappedPage = null;
const threadFunctions = {};
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--expect-text') expectTexts.push(args[++i]);
  else if (args[i] === '--max-load-ms') maxLoadMs = Number(args[++i]);
  else if (args[i] === '--no-drag') drag = false;
  else if (args[i] === '--window-must-change') windowMustChange = true;
  else if (args[i] === '--expect-markers') expectMarkers = true;
  else if (args[i] === '--dark') dark = true;
  else if (args[i] === '--threads') threadChecks = true;
  else if (args[i] === '--other-threads') otherThreads = Number(args[++i]);
  else if (args[i] === '--capped') cappedAt = Number(args[++i]);
  else if (args[i] === '--capped-page') cappedPage = { path: resolve(args[++i]), cap: Number(args[++i]) };
  else if (args[i] === '--thread-function') {
    const [name, fn] = args[++i].split('=');
    threadFunctions[name] = fn;
  }
}

const { checks, check, browser, url } = await startBrowserTest(htmlPath);

// expect: { other: N or null, capped: CAP or null } (--other-threads, --capped).
async function checkThreads(evaluate, expect) {
  const rows = summary.thread_totals || [];
  const fields = { peak: 'peak_bytes', leaked: 'leaked_bytes', allocated: 'allocated_bytes', allocations: 'allocations', temporary: 'temporary_allocations' };
  const totals = { peak: 'peak_heap_bytes', leaked: 'leaked_bytes', allocated: 'allocated_bytes', allocations: 'allocations', temporary: 'temporary_allocations' };
  const keys = Object.keys(fields);
  const fns = Object.values(threadFunctions);
  const r = await evaluate(`(() => { const r = window.memtraceReport, th = r.data.threads, sel = document.getElementById('thread');
      const keys = ${JSON.stringify(keys)}, fns = ${JSON.stringify(fns)}, own = ${JSON.stringify(threadFunctions)};
      const root = () => Number(document.getElementById('flame-status').dataset.root);
      const out = { available: th.available, reason: th.reason, groups: [],
                    options: [...sel.options].map((o) => ({ text: o.textContent, elements: o.children.length, value: o.value })) };
      r.setView('callees'); r.setMetric('allocated'); const zoomTo = r.models.callees.children[0][0];
      th.groups.forEach((g, pos) => {
        if (zoomTo !== undefined) r.flamegraph.setZoom(zoomTo);
        sel.value = String(pos); sel.dispatchEvent(new Event('change'));
        const res = { other: !!g.other, index: g.index, members: g.members || [g.index], name: g.name, selected: r.state.thread === pos,
                      zoom: r.flamegraph.zoom, roots: {}, present: {}, search: null };
        for (const view of ['callees', 'callers']) {
          r.setView(view);
          for (const k of keys) {
            r.setMetric(k); res.roots[view + ':' + k] = root();
            const m = r.models[view], v = r.flamegraph.values, present = {};
            for (let n = 0; n < m.size; n++) if (v[n] > 0 && fns.includes(m.fn(n))) present[m.fn(n)] = true;
            res.present[view + ':' + k] = present;
          }
        }
        r.setView('callees'); r.setMetric('allocated');
        if (own[g.name]) { r.setSearch('^' + own[g.name] + '$'); res.search = Number(document.getElementById('search-status').dataset.share); r.setSearch(''); }
        out.groups.push(res);
      });
      if (th.groups.length) {  // a thread and a window exclude each other
        sel.value = '0'; sel.dispatchEvent(new Event('change'));
        r.setWindow(0, 1e12); out.windowWithThread = r.state.window;
        sel.value = ''; sel.dispatchEvent(new Event('change'));
        r.setWindow(0, 1e12); out.disabledInWindow = sel.disabled; r.setWindow(null); out.enabledAfter = !sel.disabled;
      }
      sel.value = ''; sel.dispatchEvent(new Event('change')); out.all = {};
      for (const view of ['callees', 'callers']) { r.setView(view); for (const k of keys) { r.setMetric(k); out.all[view + ':' + k] = root(); } }
      r.setView('callees'); r.setMetric('peak');
      out.limits = { listed_max: th.listed_max, entry_cap: th.entry_cap, capped: th.capped };
      out.note = document.getElementById('thread-note').textContent;
      return out; })()`);
  check(rows.length === 0 || r.available, `the thread filter is available (${r.reason || 'yes'})`);
  check(r.options[0] && r.options[0].text === 'All threads' && r.options.length === r.groups.length + 1, `the thread selector lists "All threads" and ${r.groups.length} groups (${r.options.length} options)`);
  const covered = r.groups.flatMap((g) => g.members).sort((a, b) => a - b);
  check(JSON.stringify(covered) === JSON.stringify(rows.map((t) => t.index).sort((a, b) => a - b)), `the thread groups cover every thread of thread_totals once (${covered.length} of ${rows.length})`);
  r.groups.forEach((g, pos) => {
    const members = rows.filter((t) => g.members.includes(t.index));
    const label = g.other ? `[other threads] (${members.length})` : JSON.stringify(g.name);
    const option = r.options[pos + 1];
    if (!g.other) {
      const row = members[0];
      check(option && option.text.startsWith(row.name) && option.elements === 0, `thread ${label}: its option shows the name as text (${option && JSON.stringify(option.text)})`);
    }
    check(g.selected && g.zoom === 0, `choosing thread ${label} selects it and resets the zoom (zoom ${g.zoom})`);
    for (const view of ['callees', 'callers'])
      for (const k of keys) {
        const want = members.reduce((a, t) => a + t[fields[k]], 0);
        check(g.roots[view + ':' + k] === want, `thread ${label}, ${view}, ${k}: root ${g.roots[view + ':' + k]} = ${want}`);
        if (g.other) continue;
        for (const [name, fn] of Object.entries(threadFunctions)) {
          const has = !!g.present[view + ':' + k][fn];
          if (name === g.name) { if (want > 0) check(has, `thread ${label}, ${view}, ${k}: its own ${fn} has a box`); }
          else check(!has, `thread ${label}, ${view}, ${k}: ${name}'s ${fn} has no box`);
        }
      }
    if (threadFunctions[g.name]) check(g.search > 0, `thread ${label}: search finds ${threadFunctions[g.name]} (share ${g.search})`);
  });
  if (r.groups.length) {
    check(r.windowWithThread === null, 'a time window cannot be selected while a thread is');
    check(r.disabledInWindow && r.enabledAfter, 'the thread selector is disabled while a window is selected, enabled after');
  }
  for (const view of ['callees', 'callers'])
    for (const k of keys) check(r.all[view + ':' + k] === summary[totals[k]], `"All threads", ${view}, ${k}: root ${r.all[view + ':' + k]} = ${summary[totals[k]]}`);
  if (expect.other !== null || expect.capped !== null) checkOtherThreads(rows, r, expect);
}

// An expression that waits until the page has drawn its flamegraph, then gives `value`.
const whenDrawn = (value) => `new Promise((done) => { const t0 = Date.now(); (function poll() {
    const r = window.memtraceReport; if (r && r.flamegraph.lastDraw.boxes > 0) done(${value});
    else if (Date.now() - t0 > 60000) done(null); else setTimeout(poll, 20); })(); })`;

// #thread=INDEX opens that thread (the largest listed one, allocated bytes); with
// --other-threads/--capped (expect), the smallest thread opens "[other threads]".
async function checkThreadLinks(pageUrl, expect) {
  const rows = summary.thread_totals;
  const opens = [rows[rows.length > 1 ? 1 : 0]];
  if (expect.other !== null || expect.capped !== null) opens.push(rows[rows.length - 1]);
  for (const row of opens) {
    const page = await openPage(browser, pageUrl + '#metric=allocated&thread=' + row.index, { colorScheme: dark ? 'dark' : 'light' });
    const opened = await page.evaluate(whenDrawn(`(() => { const r = window.memtraceReport;
        const g = r.state.thread === null ? null : r.data.threads.groups[r.state.thread];
        return { index: g && (g.other ? g.members : [g.index]), other: !!(g && g.other), select: document.getElementById('thread').value,
                 position: r.state.thread, groups: r.data.threads.groups.length,
                 root: Number(document.getElementById('flame-status').dataset.root) }; })()`));
    check(opened.index && opened.index.includes(row.index), `#thread=${row.index} opens thread ${JSON.stringify(row.name)} (${JSON.stringify(opened.index)}, select ${opened.select})`);
    if (opened.index && opened.index.length === 1)
      check(opened.root === row.allocated_bytes, `#thread=${row.index}&metric=allocated: root ${opened.root} = its allocated_bytes ${row.allocated_bytes}`);
    if (row !== opens[0]) {
      const merged = rows.filter((t) => opened.index && opened.index.includes(t.index));
      const want = merged.reduce((a, t) => a + t.allocated_bytes, 0);
      check(opened.other && opened.position === opened.groups - 1 && opened.select === String(opened.position),
            `#thread=${row.index} (the smallest thread) opens "[other threads]" (position ${opened.position} of ${opened.groups}, select ${opened.select})`);
      check(opened.root === want, `#thread=${row.index}&metric=allocated: root ${opened.root} = the ${merged.length} merged threads' allocated_bytes ${want}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    checkPageStayedQuiet(check, page, pageUrl);
  }
}

// --other-threads / --capped: which threads have an entry of their own, which share one.
function checkOtherThreads(rows, r, expect) {
  const listed = r.groups.filter((g) => !g.other).length;
  const merged = rows.slice(listed).map((t) => t.index);
  const names = (list) => JSON.stringify(list.map((t) => t.name));
  if (expect.other !== null) check(merged.length === expect.other, `${expect.other} threads are in "[other threads]" (${merged.length}: ${names(rows.slice(listed))})`);
  else check(listed >= 1 && listed < Math.min(32, rows.length), `the cap lists some threads but not all (${listed} of ${rows.length})`);
  check(JSON.stringify(r.groups.slice(0, listed).map((g) => g.index)) === JSON.stringify(rows.slice(0, listed).map((t) => t.index)),
        `the ${listed} listed threads are thread_totals' largest, largest first (${names(rows.slice(0, listed))})`);
  const other = r.groups[listed];
  check(r.groups.length === listed + 1 && other && other.other, `one "[other threads]" entry, last (${r.groups.length} groups)`);
  if (!other) return;
  check(JSON.stringify(other.members) === JSON.stringify(merged), `"[other threads]" holds exactly the rest, largest first (${JSON.stringify(other.members)} = ${JSON.stringify(merged)})`);
  // Its option names the count and their allocated bytes (format.js's fmtBytes, written out).
  const sum = rows.slice(listed).reduce((a, t) => a + t.allocated_bytes, 0);
  let scaled = sum, unit = 0;
  while (scaled >= 1024 && unit < 4) { scaled /= 1024; unit++; }
  const bytes = unit === 0 ? `${sum} B` : `${scaled.toFixed(2)} ${['B', 'KiB', 'MiB', 'GiB', 'TiB'][unit]}`;
  const text = r.options[listed + 1].text;
  check(text === `[other threads] (${merged.length} threads, ${bytes})` && r.options[listed + 1].value === String(listed),
        `its option: ${JSON.stringify(text)} (${sum} B)`);
  check(r.limits.listed_max === 32, `32 threads listed at most (${r.limits.listed_max})`);
  if (expect.capped === null) {
    check(r.limits.capped === false && r.limits.entry_cap === 400000, `not capped, the cap is 400,000 entries (${JSON.stringify(r.limits)})`);
    check(r.note === 'Threads past the largest 32 are in "[other threads]".', `the note says why: ${JSON.stringify(r.note)}`);
  } else {
    check(r.limits.capped === true && r.limits.entry_cap === expect.capped, `capped at ${expect.capped} entries (${JSON.stringify(r.limits)})`);
    check(r.note === `Threads past ${expect.capped.toLocaleString('en-US')} data entries are in "[other threads]".`, `the note says why: ${JSON.stringify(r.note)}`);
  }
}

try {
  const started = Date.now();
  const { evaluate, send: s, problems, requests } = await openPage(browser, url, { colorScheme: dark ? 'dark' : 'light' });
  const ready = await evaluate(`new Promise((done) => { const t0 = Date.now(); (function poll() {
      if (window.memtraceReport && window.memtraceReport.flamegraph.lastDraw.boxes > 0) done(true);
      else if (Date.now() - t0 > 60000) done(false); else setTimeout(poll, 20); })(); })`);
  const loadMs = Date.now() - started;
  check(ready, 'the page builds and draws the flamegraph');
  check(loadMs <= maxLoadMs, `drawn in ${loadMs} ms (limit ${maxLoadMs} ms)`);

  // Theme: relative luminance of the page's background and text, and of the axes uPlot draws.
  const theme = await evaluate(`(() => { const lum = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
        return (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255; };
      const body = getComputedStyle(document.body); const u = window.memtraceReport.charts.charts[0];
      const probe = document.createElement('canvas').getContext('2d'); probe.fillStyle = String(u.axes[0].stroke(u, 0));
      const hex = probe.fillStyle;  // any CSS colour, normalised to #rrggbb (or rgba(...))
      const axis = hex.startsWith('#') ? lum('rgb(' + [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',') + ')') : lum(hex);
      return { background: lum(body.backgroundColor), text: lum(body.color), axis, axisDrawn: hex }; })()`);
  if (dark) {
    check(theme.background < 0.2 && theme.text > 0.7, `dark scheme: dark background (${theme.background.toFixed(2)}), light text (${theme.text.toFixed(2)})`);
    check(theme.axis > 0.6, `dark scheme: light chart axes (${theme.axis.toFixed(2)}, drawn with ${theme.axisDrawn})`);
  } else {
    check(theme.background > 0.9 && theme.text < 0.3, `light scheme: white background (${theme.background.toFixed(2)}), dark text (${theme.text.toFixed(2)})`);
  }

  // Summary strip.
  const cards = await evaluate(`Object.fromEntries([...document.querySelectorAll('#summary [data-field]')].map((c) => [c.dataset.field, [c.dataset.value, c.innerText]]))`);
  for (const field of ['program', 'duration_s', 'peak_heap_bytes', 'peak_rss_bytes', 'allocations', 'leaked_bytes']) {
    const card = cards[field];
    const want = summary[field];
    const got = card && (typeof want === 'number' ? Number(card[0]) : card[0]);
    check(card && got === want, `summary strip ${field} = ${JSON.stringify(want)} (page: ${card && card[0]})`);
    if (card && typeof want === 'number' && field.endsWith('_bytes'))
      check(card[1].includes(want.toLocaleString('en-US') + ' B'), `summary strip ${field} shows the exact count ${want.toLocaleString('en-US')} B`);
  }

  // Metrics: click each; the root equals its summary total.
  const metricFields = { peak: 'peak_heap_bytes', leaked: 'leaked_bytes', allocated: 'allocated_bytes', allocations: 'allocations', temporary: 'temporary_allocations' };
  const drawn = {};
  for (const [key, field] of Object.entries(metricFields)) {
    const r = await evaluate(`(() => { document.getElementById('metric-${key}').click(); const fg = window.memtraceReport.flamegraph;
        return { root: Number(document.getElementById('flame-status').dataset.root), metric: window.memtraceReport.state.metric,
                 signature: fg.lastDraw.signature, pixels: document.getElementById('flamegraph').toDataURL().length + ':' + fg.lastDraw.boxes }; })()`);
    check(r.metric === key, `clicking metric ${key} selects it`);
    check(r.root === summary[field], `flamegraph root for ${key} = ${summary[field]} (${field}); page: ${r.root}`);
    drawn[key] = r;
  }
  const keys = Object.keys(metricFields);
  for (let i = 0; i < keys.length; i++)
    for (let j = i + 1; j < keys.length; j++) {
      const a = drawn[keys[i]], b = drawn[keys[j]];
      if (a.root !== b.root)
        check(a.signature !== b.signature, `switching ${keys[i]} -> ${keys[j]} changes what is drawn`);
    }

  // Whole-run window from the history equals the totals.
  const whole = await evaluate(`(() => { const r = window.memtraceReport; r.setWindow(0, ${Math.ceil(summary.duration_s * 1e6) + 1}); const out = {};
      for (const k of ['peak', 'leaked', 'allocated', 'allocations']) { r.setMetric(k); out[k] = Number(document.getElementById('flame-status').dataset.root); }
      r.setWindow(null); r.setMetric('peak'); return out; })()`);
  for (const k of ['peak', 'leaked', 'allocated', 'allocations'])
    check(whole[k] === summary[metricFields[k]], `whole-run window ${k} from the bucket history = ${summary[metricFields[k]]} (page: ${whole[k]})`);

  // The inverted view (caller tree): the same totals at its root, whole run and whole-run
  // window; each of the heaviest stacks at the peak is a path from its root, innermost frame
  // first (or runs into a "[below cut-off]" box), holding at least that stack's bytes.
  const peakStacks = (summary.top_peak_stacks || []).filter((t) => t.stack.length > 0).slice(0, 5).map((t) => ({ bytes: t.bytes, names: t.stack.map((f) => f.function) }));
  const inverted = await evaluate(`(() => { const r = window.memtraceReport; const out = { roots: {}, windows: {} };
      r.setView('callers'); out.view = r.state.view;
      for (const k of ${JSON.stringify(keys)}) { r.setMetric(k); out.roots[k] = Number(document.getElementById('flame-status').dataset.root); }
      r.setMetric('allocated'); const wholeRun = Array.from(r.flamegraph.values);
      r.setWindow(0, ${Math.ceil(summary.duration_s * 1e6) + 1});
      for (const k of ['peak', 'leaked', 'allocated', 'allocations']) { r.setMetric(k); out.windows[k] = Number(document.getElementById('flame-status').dataset.root); }
      // Every stack followed over time (all but the "[other stacks]" series): then the whole-run
      // window puts each box's allocated bytes exactly where the whole run has them.
      out.allFollowed = r.data.history.series.length - 1 === r.data.stacks;
      r.setMetric('allocated'); out.sameBoxes = Array.from(r.flamegraph.values).every((x, n) => x === wholeRun[n]);
      r.setWindow(null); r.setMetric('peak');
      const m = r.models.callers, v = r.flamegraph.values;
      out.paths = ${JSON.stringify(peakStacks)}.map((st) => {
        let best = -1;
        (function walk(n, i) {
          if (i === st.names.length) { best = Math.max(best, v[n]); return; }
          for (const c of m.children[n]) {
            if (m.fn(c) === st.names[i]) walk(c, i + 1);
            else if (m.fn(c) === '[below cut-off]') best = Math.max(best, v[c]);
          }
        })(0, 0);
        return best; });
      r.setView('callees'); return out; })()`);
  check(inverted.view === 'callers', 'the inverted view can be selected');
  for (const [key, field] of Object.entries(metricFields))
    check(inverted.roots[key] === summary[field], `inverted root for ${key} = ${summary[field]} (page: ${inverted.roots[key]})`);
  for (const k of ['peak', 'leaked', 'allocated', 'allocations'])
    check(inverted.windows[k] === summary[metricFields[k]], `inverted whole-run window ${k} = ${summary[metricFields[k]]} (page: ${inverted.windows[k]})`);
  if (inverted.allFollowed) check(inverted.sameBoxes, 'inverted whole-run window: every box holds its whole-run allocated bytes');
  peakStacks.forEach((st, i) =>
    check(inverted.paths[i] >= st.bytes, `heaviest stack ${i + 1} at the peak (${st.names[0]}, ${st.bytes} B) is a path of the inverted view holding it (${inverted.paths[i]})`));

  if (drag) {
    for (const k of ['allocated', 'peak']) {
      const before = await evaluate(`(() => { document.getElementById('clear-window').click(); window.memtraceReport.setMetric('${k}'); return { signature: window.memtraceReport.flamegraph.lastDraw.signature, root: Number(document.getElementById('flame-status').dataset.root) }; })()`);
      const box = await evaluate(`(() => { const r = document.querySelector('.mt-memory-chart .u-over').getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })()`);
      const y = box.y + box.h / 2;
      await s('Runtime.evaluate', { expression: `document.querySelector('.mt-memory-chart').scrollIntoView()` });
      const box2 = await evaluate(`(() => { const r = document.querySelector('.mt-memory-chart .u-over').getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })()`);
      const yy = box2.y + box2.h / 2;
      const x0 = box2.x + box2.w * 0.05, x1 = box2.x + box2.w * 0.45;
      await s('Input.dispatchMouseEvent', { type: 'mouseMoved', x: x0, y: yy });
      await s('Input.dispatchMouseEvent', { type: 'mousePressed', x: x0, y: yy, button: 'left', clickCount: 1 });
      for (let i = 1; i <= 10; i++) await s('Input.dispatchMouseEvent', { type: 'mouseMoved', x: x0 + ((x1 - x0) * i) / 10, y: yy, button: 'left', buttons: 1 });
      await s('Input.dispatchMouseEvent', { type: 'mouseReleased', x: x1, y: yy, button: 'left', clickCount: 1 });
      void y;
      const after = await evaluate(`(() => ({ window: window.memtraceReport.state.window, signature: window.memtraceReport.flamegraph.lastDraw.signature,
          root: Number(document.getElementById('flame-status').dataset.root),
          status: document.getElementById('flame-status').textContent, label: document.getElementById('window-label').textContent }))()`);
      check(after.window !== null, `dragging across the memory chart selects a window (${k}): ${after.label}`);
      check(after.status.startsWith('Window '), `the flamegraph says it shows the window: ${after.status.slice(0, 90)}`);
      if (windowMustChange || after.root !== before.root)
        check(after.signature !== before.signature, `selecting a window changes what is drawn (${k}: total ${before.root} -> ${after.root})`);
    }
    await evaluate(`document.getElementById('clear-window').click()`);
  }

  // Allocation sizes: one row per bucket of summary --json's size_histogram, same counts.
  const sizeRows = await evaluate(`[...document.querySelectorAll('#sizes tbody tr')].map((tr) => [Number(tr.dataset.allocations), Number(tr.dataset.bytes), tr.cells[0].textContent, tr.cells[1].textContent])`);
  const histogram = summary.size_histogram || [];
  check(sizeRows.length === histogram.length, `the size table has a row per histogram bucket (${sizeRows.length} of ${histogram.length})`);
  check(histogram.every((r, i) => sizeRows[i] && sizeRows[i][0] === r.allocations && sizeRows[i][1] === r.bytes && sizeRows[i][3] === r.allocations.toLocaleString('en-US')),
        'each size row shows its bucket\'s allocations and bytes');
  if (!summary.soak) {
    const total = sizeRows.reduce((a, r) => a + r[0], 0);
    check(total === summary.allocations, `the size rows add up to the allocations (${total} of ${summary.allocations})`);
  }

  // Search box.
  const search = await evaluate(`(() => { const box = document.getElementById('search'); box.value = 'main'; box.dispatchEvent(new Event('input'));
      return document.getElementById('search-status').textContent; })()`);
  check(/matching frame/.test(search) || summary.allocations === 0, `the search box reports matches: ${search}`);

  for (const text of expectTexts) {
    const found = await evaluate(`(() => { const t = ${JSON.stringify(text)}; const m = window.memtraceReport.flamegraph.tree;
        const names = []; for (let n = 0; n < m.size; n++) names.push(m.fn(n), m.module(n));
        return { inText: document.body.innerText.includes(t), inFrames: names.includes(t) || names.some((x) => x.includes(t)) }; })()`);
    check(found.inText || found.inFrames, `shown verbatim as text: ${JSON.stringify(text)} (page text: ${found.inText}, frame names: ${found.inFrames})`);
  }
  if (expectMarkers) {
    check((summary.markers || []).length > 0, `the capture has markers to draw (${(summary.markers || []).length})`);
    // Share of the plot's height, in the canvas column nearest x, drawn in the marker colour
    // #5f3dc4 (anti-aliased: the best of the two columns around x). One readback of the plot.
    const drawn = await evaluate(`(() => { const u = window.memtraceReport.charts.charts[0]; u.redraw(false, true);
        const left = Math.floor(u.bbox.left), top = Math.round(u.bbox.top), w = Math.ceil(u.bbox.width) + 1, h = Math.round(u.bbox.height);
        const img = u.ctx.getImageData(left, top, w, h).data;
        const share = (x) => { let best = 0; for (const cx of [Math.floor(x), Math.ceil(x)]) {
            if (cx < left || cx >= left + w) continue; let n = 0;
            for (let row = 0; row < h; row++) { const i = 4 * (row * w + cx - left);
              n += img[i + 3] > 40 && Math.abs(img[i] - 95) < 40 && Math.abs(img[i + 1] - 61) < 40 && Math.abs(img[i + 2] - 196) < 40; }
            best = Math.max(best, n / h); } return best; };
        const xs = window.memtraceReport.data.summary.markers.map((m) => u.valToPos(m.time_s, 'x', true));
        let control = u.bbox.left + u.bbox.width / 2;
        for (let c = u.bbox.left + 2; c < u.bbox.left + u.bbox.width; c += 7) if (xs.every((x) => Math.abs(x - c) > 12)) { control = c; break; }
        return { markers: xs.map(share), control: share(control) }; })()`);
    drawn.markers.forEach((share, i) =>
      check(share >= 0.5, `marker ${JSON.stringify(summary.markers[i].label)} is drawn as a line (${(share * 100).toFixed(0)}% of the plot height)`));
    check(drawn.control < 0.1, `no marker line where there is no marker (${(drawn.control * 100).toFixed(0)}%)`);
  }
  if (threadChecks) await checkThreads(evaluate, { other: otherThreads, capped: cappedAt });

  const structure = await evaluate(`({ scripts: document.querySelectorAll('script').length, imgs: document.querySelectorAll('img').length,
      bolds: document.querySelectorAll('#app b, #app i').length, alerted: !!window.__alerted })`);
  check(structure.scripts === 2 && structure.imgs === 0 && structure.bolds === 0, `no markup from the capture became elements (${JSON.stringify(structure)})`);

  await new Promise((r) => setTimeout(r, 200));
  checkPageStayedQuiet(check, { problems, requests }, url);

  if (threadChecks) await checkThreadLinks(url, { other: otherThreads, capped: cappedAt });
  if (threadChecks && cappedPage) {
    const capped = { other: null, capped: cappedPage.cap };
    const cappedUrl = pathToFileURL(cappedPage.path).href;
    console.log(`-- ${cappedPage.path}: the same capture, thread filter capped at ${cappedPage.cap} entries`);
    const page = await openPage(browser, cappedUrl, { colorScheme: dark ? 'dark' : 'light' });
    check(await page.evaluate(whenDrawn('true')) === true, `${cappedPage.path}: the page builds and draws the flamegraph`);
    await checkThreads(page.evaluate, capped);
    await new Promise((r) => setTimeout(r, 200));
    checkPageStayedQuiet(check, page, cappedUrl);
    await checkThreadLinks(cappedUrl, capped);
  }
} catch (e) {
  checks.error(e);
} finally {
  await browser.close();
}
checks.finish(htmlPath);
