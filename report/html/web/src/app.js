// memtrace report: builds the page from the JSON in #memtrace-data and wires the views.
// window.memtraceReport exposes the state for the browser tests (tests/html/).
'use strict';

(function () {
  const el = MT.el;
  const data = JSON.parse(document.getElementById('memtrace-data').textContent);
  const s = data.summary;
  const app = document.getElementById('app');
  const metrics = data.metrics;
  // thread: null = all threads, else a position in data.threads.groups.
  const state = { metric: data.initial_metric, window: null, search: '', view: 'callees', thread: null };

  document.title = 'memtrace: ' + (MT.baseName(s.program) || data.capture);

  // ---- header and summary strip ----
  app.appendChild(
    el('header', { className: 'mt-header' }, [
      el('h1', { text: 'memtrace report' }),
      el('div', { className: 'mt-program', text: (s.command_line && s.command_line.length ? s.command_line.join(' ') : s.program) || '(unknown program)' }),
      el('div', { className: 'mt-capture', text: data.capture + (s.pid != null ? ' \u00b7 pid ' + s.pid : '') }),
    ])
  );
  if (s.sample_rate_bytes) {
    app.appendChild(el('div', { className: 'mt-warning', attrs: { id: 'sampled-note' }, text: 'Heap numbers are estimated (sampled 1 in ' + MT.fmtInt(s.sample_rate_bytes) + ' bytes).' }));
  }
  if (s.foreign_malloc) {
    app.appendChild(el('div', { className: 'mt-warning', attrs: { id: 'foreign-malloc-note' }, text: 'The program\u2019s malloc is its own (' + s.foreign_malloc + '): its allocations are not recorded, only its mmap, munmap and mremap calls.' }));
  }
  if (s.truncated) {
    app.appendChild(el('div', { className: 'mt-warning', text: 'The capture is ' + (s.corrupt ? 'corrupt' : 'truncated') + ': events up to ' + s.duration_s + ' s were read' + (s.stop_reason ? ' (' + s.stop_reason + ')' : '') + '.' }));
  }
  const card = (label, field, value, human, detail) =>
    el('div', { className: 'mt-card', attrs: { 'data-field': field, 'data-value': value } }, [
      el('div', { className: 'mt-card-label', text: label }),
      el('div', { className: 'mt-card-value', text: human }),
      el('div', { className: 'mt-card-detail', text: detail }),
    ]);
  app.appendChild(
    el('section', { className: 'mt-summary', attrs: { id: 'summary' } }, [
      card('program', 'program', s.program, MT.baseName(s.program) || '\u2013', s.program),
      card('duration', 'duration_s', s.duration_s, s.duration_s.toFixed(3) + ' s', s.threads + ' thread' + (s.threads === 1 ? '' : 's')),
      card('peak heap', 'peak_heap_bytes', s.peak_heap_bytes, MT.fmtBytes(s.peak_heap_bytes), MT.fmtInt(s.peak_heap_bytes) + ' B at ' + s.peak_heap_time_s.toFixed(3) + ' s'),
      card('peak RSS', 'peak_rss_bytes', s.peak_rss_bytes, MT.fmtBytes(s.peak_rss_bytes), MT.fmtInt(s.peak_rss_bytes) + ' B at ' + s.peak_rss_time_s.toFixed(3) + ' s'),
      card('allocations', 'allocations', s.allocations, MT.fmtInt(s.allocations), MT.fmtBytes(s.allocated_bytes) + ' (' + MT.fmtInt(s.allocated_bytes) + ' B) in total'),
      card('leaked', 'leaked_bytes', s.leaked_bytes, MT.fmtBytes(s.leaked_bytes), MT.fmtInt(s.leaked_bytes) + ' B in ' + MT.fmtInt(s.leaked_blocks) + ' blocks'),
    ])
  );

  // ---- memory over time ----
  const windowLabel = el('span', { className: 'mt-window-label', attrs: { id: 'window-label' }, text: 'Drag across a chart to select a time window.' });
  const clearButton = el('button', { text: 'Whole run', attrs: { id: 'clear-window', type: 'button' } });
  const chartBox = el('div', { className: 'mt-charts', attrs: { id: 'charts' } });
  app.appendChild(el('section', { className: 'mt-section' }, [el('h2', { text: 'Memory over time' }), el('div', { className: 'mt-toolbar' }, [windowLabel, clearButton]), chartBox]));

  // ---- flamegraph ----
  // Two trees over the same frames: the call tree (outermost frame at the root) and the
  // inverted one (the functions that allocated at the root, their callers above them).
  const models = { callees: new MT.FlameModel(data), callers: new MT.FlameModel(data, data.caller_tree, 'caller_node', 'caller_tree') };
  let model = models.callees;
  const metricInputs = {};
  const metricBox = el('fieldset', { className: 'mt-metrics', attrs: { id: 'metric' } }, [el('legend', { text: 'Metric' })]);
  for (const m of metrics) {
    const input = el('input', { attrs: { type: 'radio', name: 'metric', value: m.key, id: 'metric-' + m.key } });
    input.checked = m.key === state.metric;
    input.addEventListener('change', () => {
      if (input.checked) setMetric(m.key);
    });
    metricInputs[m.key] = input;
    metricBox.appendChild(el('label', { attrs: { for: 'metric-' + m.key } }, [input, document.createTextNode(' ' + m.label)]));
  }
  const orientation = el('select', { attrs: { id: 'orientation' } }, [el('option', { text: 'Flame (root at the bottom)', attrs: { value: 'flame' } }), el('option', { text: 'Icicle (root at the top)', attrs: { value: 'icicle' } })]);
  const viewSelect = el('select', { attrs: { id: 'view' } }, [el('option', { text: 'Call tree (outermost frame at the root)', attrs: { value: 'callees' } }), el('option', { text: 'Inverted (allocating functions at the root)', attrs: { value: 'callers' } })]);
  const searchBox = el('input', { attrs: { id: 'search', type: 'search', placeholder: 'Search functions (regex)', size: 30 } });
  const resetZoom = el('button', { text: 'Reset zoom', attrs: { id: 'reset-zoom', type: 'button' } });
  // Thread filter (docs/REPORT.md): names come from the capture, so options get them as text.
  const threads = data.threads || { available: false, groups: [] };
  const threadLabel = (g) => {
    if (g.other) return '[other threads] (' + g.members.length + ' threads, ' + MT.fmtBytes(g.totals[2]) + ')';
    return (g.name || '(unnamed)') + (g.tid != null ? ' (tid ' + g.tid + ')' : '') + ', ' + MT.fmtBytes(g.totals[2]);
  };
  const threadSelect = el('select', { attrs: { id: 'thread' } }, [el('option', { text: 'All threads', attrs: { value: '' } })].concat(
    threads.groups.map((g, i) => el('option', { text: threadLabel(g), attrs: { value: String(i), 'data-index': g.other ? '' : String(g.index) } }))));
  threadSelect.disabled = !threads.available;
  const threadNote = el('div', { className: 'mt-status', attrs: { id: 'thread-note' } });
  const threadBox = el('label', { className: 'mt-thread' }, [document.createTextNode('Thread '), threadSelect]);
  const status = el('div', { className: 'mt-status', attrs: { id: 'flame-status' } });
  const searchStatus = el('div', { className: 'mt-status', attrs: { id: 'search-status' } });
  const canvas = el('canvas', { attrs: { id: 'flamegraph' } });
  const tooltip = el('div', { className: 'mt-tooltip', attrs: { id: 'tooltip' } });
  const moduleLegend = el('div', { className: 'mt-modules' });
  app.appendChild(
    el('section', { className: 'mt-section' }, [
      el('h2', { text: 'Flamegraph' }),
      el('div', { className: 'mt-toolbar mt-flame-controls' }, [metricBox, threadBox]),
      el('div', { className: 'mt-toolbar' }, [viewSelect, orientation, searchBox, resetZoom]),
      threadNote,
      status,
      searchStatus,
      el('div', { className: 'mt-flame-box' }, [canvas]),
      moduleLegend,
      tooltip,
    ])
  );
  const fg = new MT.Flamegraph(canvas, tooltip, model);
  orientation.addEventListener('change', () => fg.setIcicle(orientation.value === 'icicle'));
  viewSelect.addEventListener('change', () => setView(viewSelect.value));
  threadSelect.addEventListener('change', () => setThread(threadSelect.value === '' ? null : Number(threadSelect.value)));
  resetZoom.addEventListener('click', () => fg.setZoom(0));
  searchBox.addEventListener('input', () => setSearch(searchBox.value));

  // Modules that own the most frames, with their colour.
  const moduleFrames = new Map();
  for (let n = 1; n < model.size; n++) {
    const m = model.module(n);
    if (m) moduleFrames.set(m, (moduleFrames.get(m) || 0) + 1);
  }
  for (const [m] of [...moduleFrames].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    const swatch = el('span', { className: 'mt-swatch' });
    swatch.style.background = MT.moduleColor(m, 0);
    moduleLegend.appendChild(el('span', { className: 'mt-module', attrs: { title: m } }, [swatch, document.createTextNode(MT.baseName(m))]));
  }

  function metricInfo(key) {
    return metrics.find((m) => m.key === key);
  }

  function draw() {
    const m = metricInfo(state.metric);
    const index = metrics.indexOf(m);
    let values;
    let counts = null;
    let label = m.label;
    let text;
    if (state.window) {
      const h = data.history;
      const [a, b] = MT.bucketRange(h, state.window[0], state.window[1]);
      const r = MT.windowSeriesValues(h, m.key, a, b);
      values = model.accumulate(r.values, h.series);
      counts = model.accumulate(r.counts, h.series);
      const from = ((a * h.bucket_us) / 1e6).toFixed(3);
      const to = (((b + 1) * h.bucket_us) / 1e6).toFixed(3);
      const what = {
        peak: 'bytes live when the heap was highest inside the window (' + MT.fmtBytes(h.heap_max[r.peakBucket]) + ' around ' + ((r.peakBucket * h.bucket_us) / 1e6).toFixed(3) + ' s)',
        leaked: 'bytes allocated inside the window and still live at its end',
        allocated: 'bytes allocated inside the window',
        allocations: 'allocations made inside the window',
      }[m.key];
      label = 'window ' + m.key;
      text = 'Window ' + from + '\u2013' + to + ' s: ' + what + '. Total ' + MT.fmtValue(values[0], m.bytes) + '.';
      windowLabel.textContent = 'Window ' + from + '\u2013' + to + ' s selected (' + (b - a + 1) + ' of ' + h.buckets + ' buckets).';
    } else if (state.thread !== null) {
      const g = threads.groups[state.thread];
      values = model.threadValues(g, index);
      counts = model.threadValues(g, metrics.findIndex((x) => x.key === 'allocations'));
      text = m.label + ', whole run, thread ' + threadLabel(g) + ' only: ' + MT.fmtValue(values[0], m.bytes) + (m.bytes ? ' (' + MT.fmtInt(values[0]) + ' B)' : '') + '.';
      windowLabel.textContent = 'Thread selected: time windows cover all threads, choose "All threads" to select one.';
    } else {
      values = model.metricValues(index);
      counts = model.metricValues(metrics.findIndex((x) => x.key === 'allocations'));
      text = m.label + ', whole run: ' + MT.fmtValue(values[0], m.bytes) + (m.bytes ? ' (' + MT.fmtInt(values[0]) + ' B)' : '') + '.';
      windowLabel.textContent = 'Whole run. Drag across a chart to select a time window.';
    }
    updateThreadNote();
    const tree = model.treeData;
    const cut = tree.cutoff;
    status.textContent = text + (state.view === 'callers' ? ' Inverted: the functions that allocated at the root, their callers above them.' : '') + ' Frames under ' + (cut * 100).toFixed(cut < 0.001 ? 3 : 2) + '% of every metric are folded into "[below cut-off]" (' + MT.fmtInt(tree.folded_nodes) + ' of ' + MT.fmtInt(tree.full_nodes) + ' tree nodes folded).';
    status.setAttribute('data-root', values[0]);
    fg.setValues(values, { bytes: m.bytes, label: label, counts: counts, countLabel: state.window ? 'allocations in the window' : 'allocations' });
    fg.render();
    updateSearch();
  }

  function setMetric(key) {
    state.metric = key;
    if (metricInputs[key]) metricInputs[key].checked = true;
    draw();
  }

  function setView(view) {
    state.view = models[view] ? view : 'callees';
    viewSelect.value = state.view;
    model = models[state.view];
    fg.setTree(model);
    draw();
  }

  // Time windows are per stack, not per thread: a window and a thread are never combined.
  function setWindow(startUs, endUs) {
    if (startUs !== null && state.thread !== null) {
      charts.clearSelection();
      windowLabel.textContent = 'Time windows cover all threads: choose "All threads" to select one.';
      return;
    }
    state.window = startUs === null ? null : [startUs, endUs];
    threadSelect.disabled = !threads.available || state.window !== null;
    for (const m of metrics) metricInputs[m.key].disabled = state.window !== null && !MT.windowMetrics.includes(m.key);
    if (state.window && !MT.windowMetrics.includes(state.metric)) setMetric('peak');
    else draw();
  }

  // pos: a position in data.threads.groups, or null for all threads. Zoom goes back to the root.
  function setThread(pos) {
    if (pos !== null && (!threads.available || state.window !== null || !threads.groups[pos])) pos = null;
    state.thread = pos;
    threadSelect.value = pos === null ? '' : String(pos);
    fg.zoom = 0;
    draw();
  }

  function updateThreadNote() {
    const notes = [];
    if (!threads.available) notes.push('No thread filter: ' + (threads.reason || 'no per-thread data') + '.');
    else if (state.window !== null) notes.push('The thread filter is off while a time window is selected (windows cover all threads); "Whole run" turns it back on.');
    if (threads.capped) notes.push('Threads past ' + MT.fmtInt(threads.entry_cap) + ' data entries are in "[other threads]".');
    else if (threads.groups.some((g) => g.other)) notes.push('Threads past the largest ' + threads.listed_max + ' are in "[other threads]".');
    if (state.thread !== null) notes.push('The flamegraph counts only the blocks this thread allocated; the summary above is the whole process.');
    threadNote.textContent = notes.join(' ');
  }

  function setSearch(text) {
    state.search = text;
    let matcher = null;
    if (text) {
      let re;
      try {
        re = new RegExp(text, 'i');
      } catch (e) {
        const lower = text.toLowerCase();
        re = { test: (s) => s.toLowerCase().includes(lower) };
      }
      matcher = (name) => re.test(name);
    }
    fg.setSearch(matcher);
    updateSearch();
  }

  function updateSearch() {
    if (!fg.values) return;
    const r = fg.searchShare();
    const m = metricInfo(state.metric);
    searchStatus.textContent = r ? r.frames + ' matching frame' + (r.frames === 1 ? ' holds ' : 's hold ') + MT.fmtValue(r.value, m.bytes) + ' = ' + MT.fmtShare(r.value, fg.values[0]) + ' of the total' : '';
    searchStatus.setAttribute('data-share', r ? r.value / (fg.values[0] || 1) : '');
  }

  const charts = new MT.TimeCharts(chartBox, data, (a, b) => setWindow(a, b));
  clearButton.addEventListener('click', () => {
    charts.clearSelection();
    setWindow(null);
  });

  // ---- allocation sizes (summary --json's size_histogram: power-of-two buckets) ----
  const sizes = s.size_histogram || [];
  if (sizes.length) {
    const most = Math.max(...sizes.map((r) => r.allocations));
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
    const bound = (r) => {  // bucket bounds are powers of two: 16 B, 2 KiB, ...; the last is 2^64 - 1
      if (r.max_bytes >= 2 ** 63) return '\u2264 16 EiB';
      let v = r.max_bytes, u = 0;
      while (v >= 1024 && v % 1024 === 0 && u < 6) { v /= 1024; ++u; }
      return '\u2264 ' + v + ' ' + units[u];
    };
    const rows = sizes.map((r) => {
      const bar = el('div', { className: 'mt-size-bar' });
      bar.style.width = (most ? (100 * r.allocations) / most : 0) + '%';
      if (r.allocations) bar.style.minWidth = '1px';
      return el('tr', { attrs: { 'data-allocations': r.allocations, 'data-bytes': r.bytes } }, [
        el('td', { className: 'mt-num', text: bound(r), attrs: { title: MT.fmtInt(r.min_bytes) + ' to ' + MT.fmtInt(r.max_bytes) + ' B' } }),
        el('td', { className: 'mt-num', text: MT.fmtInt(r.allocations) }),
        el('td', { className: 'mt-size-cell' }, [bar]),
        el('td', { className: 'mt-num', text: MT.fmtBytes(r.bytes), attrs: { title: MT.fmtInt(r.bytes) + ' B' } }),
      ]);
    });
    const sizeTable = el('table', { className: 'mt-leaks mt-sizes', attrs: { id: 'sizes' } }, [
      el('thead', {}, [el('tr', {}, ['size', 'allocations', '', 'bytes'].map((h) => el('th', { text: h })))]),
      el('tbody', {}, rows),
    ]);
    app.appendChild(el('section', { className: 'mt-section' }, [el('h2', { text: 'Allocation sizes' }), el('div', { className: 'mt-status', text: 'Allocations by requested size; each row holds the sizes above the previous row\'s bound.' }), sizeTable]));
  }

  // ---- leaks ----
  const leaks = data.leaks;
  const table = el('table', { className: 'mt-leaks', attrs: { id: 'leaks' } }, [
    el('thead', {}, [el('tr', {}, ['bytes', 'blocks', 'allocator', 'stack (innermost first)'].map((h) => el('th', { text: h })))]),
  ]);
  const body = el('tbody');
  for (const g of leaks.groups) {
    const frames = g.stack.length ? g.stack : [['[no stack]', '', '']];
    const frameLine = (f) => el('div', { className: 'mt-frame' }, [el('span', { className: 'mt-fn', text: f[0] }), el('span', { className: 'mt-loc', text: f[1] ? '  ' + f[1] : '' }), el('span', { className: 'mt-mod', text: f[2] ? '  ' + MT.baseName(f[2]) : '' })]);
    const shown = frames.slice(0, 6).map(frameLine);
    const stackCell = el('td', {}, shown);
    if (frames.length > 6) stackCell.appendChild(el('details', {}, [el('summary', { text: (frames.length - 6) + ' more frames' })].concat(frames.slice(6).map(frameLine))));
    body.appendChild(el('tr', {}, [el('td', { className: 'mt-num', text: MT.fmtBytes(g.bytes), attrs: { title: MT.fmtInt(g.bytes) + ' B' } }), el('td', { className: 'mt-num', text: MT.fmtInt(g.blocks) }), el('td', { text: g.kinds.join(', ') }), stackCell]));
  }
  table.appendChild(body);
  app.appendChild(
    el('section', { className: 'mt-section' }, [
      el('h2', { text: 'Leaks' }),
      el('div', { className: 'mt-status', text: leaks.total_groups === 0 ? 'No leaks: every block was freed.' : MT.fmtBytes(s.leaked_bytes) + ' in ' + MT.fmtInt(s.leaked_blocks) + ' blocks, ' + MT.fmtInt(leaks.total_groups) + ' distinct stacks' + (leaks.groups.length < leaks.total_groups ? ' (largest ' + leaks.groups.length + ' shown)' : '') + '.' }),
      leaks.groups.length ? table : null,
    ])
  );
  app.appendChild(el('footer', { className: 'mt-footer', text: 'memtrace ' + (s.version || '') + ' \u00b7 ' + MT.fmtInt(data.stacks) + ' stacks \u00b7 uPlot (MIT) for the charts' }));

  // A link can open a view: #metric=allocated&window=0.1-0.3 (seconds)&search=regex&icicle&inverted
  const params = new URLSearchParams(location.hash.slice(1));
  if (metricInputs[params.get('metric')]) {
    state.metric = params.get('metric');
    metricInputs[state.metric].checked = true;
  }
  if (params.has('inverted')) {
    state.view = 'callers';
    viewSelect.value = 'callers';
    model = models.callers;
    fg.setTree(model);
  }
  if (params.has('icicle')) {
    orientation.value = 'icicle';
    fg.icicle = true;
  }
  const win = /^([0-9.]+)-([0-9.]+)$/.exec(params.get('window') || '');
  const threadParam = params.get('thread');
  if (threadParam !== null && /^[0-9]+$/.test(threadParam) && threads.available) {
    // #thread=INDEX (the capture's thread index): its own entry, or "[other threads]" holding it.
    const t = Number(threadParam);
    const pos = threads.groups.findIndex((g) => (g.other ? g.members.includes(t) : g.index === t));
    if (pos >= 0) {
      state.thread = pos;
      threadSelect.value = String(pos);
    }
  }
  if (win && Number(win[2]) > Number(win[1]) && state.thread === null) {
    requestAnimationFrame(() => charts.showSelection(Number(win[1]), Number(win[2]), null));
    setWindow(Number(win[1]) * 1e6, Number(win[2]) * 1e6);
  } else {
    draw();
  }
  if (params.get('search')) {
    searchBox.value = params.get('search');
    setSearch(searchBox.value);
  }
  window.memtraceReport = { data: data, state: state, flamegraph: fg, charts: charts, models: models, setMetric: setMetric, setWindow: setWindow, setSearch: setSearch, setView: setView, setThread: setThread };
})();
