// The memory-over-time charts (uPlot): heap / RSS / mmap lines with the peak marked, and the
// largest stacks' live bytes stacked below. Dragging across either chart selects a time window
// and calls onSelect(startUs, endUs); onSelect(null) when the selection is cleared.
'use strict';

MT.TimeCharts = class {
  constructor(container, data, onSelect) {
    this.data = data;
    this.onSelect = onSelect;
    this.charts = [];
    // Both charts span the whole capture.
    this.endS = Math.max(data.summary.duration_s, 1e-6);
    const width = Math.max(400, container.clientWidth - 8);
    this.memoryChart = this.makeMemoryChart(container, width);
    this.stackChart = this.makeStackChart(container, width);
    window.addEventListener('resize', () => {
      const w = Math.max(400, container.clientWidth - 8);
      for (const c of this.charts) c.setSize({ width: w, height: c.height });
    });
  }

  commonOptions(width, height) {
    const self = this;
    return {
      width: width,
      height: height,
      scales: { x: { time: false, range: (u, min, max) => [0, Math.max(max, self.endS)] } },
      cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: 'memtrace' } },
      legend: { live: true },
      hooks: {
        setSelect: [
          function (u) {
            if (u.select.width < 2) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            self.showSelection(a, b, u);
            self.onSelect(Math.max(0, a * 1e6), Math.max(0, b * 1e6));
          },
        ],
      },
    };
  }

  // Mirrors a selection on every chart (uPlot draws it only where the drag happened).
  showSelection(a, b, source) {
    for (const c of this.charts) {
      if (c === source) continue;
      const left = c.valToPos(a, 'x');
      c.setSelect({ left: left, width: c.valToPos(b, 'x') - left, top: 0, height: c.bbox.height / devicePixelRatio }, false);
    }
  }

  clearSelection() {
    for (const c of this.charts) c.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
  }

  // Seconds with as many decimals as the tick spacing needs; bytes scaled.
  axes() {
    const seconds = (u, vals, axis, space, incr) => {
      const digits = Math.min(6, Math.max(0, Math.ceil(-Math.log10(incr || 1))));
      return vals.map((v) => v.toFixed(digits));
    };
    const stroke = MT.themeColor('axis');
    const lines = { stroke: MT.themeColor('grid'), width: 1 };
    return [
      { label: 'seconds', values: seconds, stroke, grid: lines, ticks: lines },
      { size: 80, values: (u, vals) => vals.map((v) => MT.fmtBytes(v)), stroke, grid: lines, ticks: lines },
    ];
  }

  makeMemoryChart(container, width) {
    const tl = this.data.timeline;
    const summary = this.data.summary;
    const t = tl.t.map((us) => us / 1e6);
    const bytesValue = (u, v) => (v == null ? '–' : MT.fmtBytes(v));
    const opts = this.commonOptions(width, 260);
    opts.series = [
      { label: 'time (s)', value: (u, v) => (v == null ? '–' : v.toFixed(3) + ' s') },
      { label: 'heap in use', stroke: '#d9480f', width: 1.5, fill: 'rgba(217,72,15,0.08)', value: bytesValue },
      { label: 'RSS', stroke: '#1c7ed6', width: 1.5, spanGaps: true, value: bytesValue },
      { label: "mmap'd", stroke: '#2b8a3e', width: 1.5, value: bytesValue },
    ];
    opts.axes = this.axes();
    const peakT = summary.peak_heap_time_s;
    const peakBytes = summary.peak_heap_bytes;
    opts.hooks.draw = [
      function (u) {
        if (!peakBytes) return;
        const ctx = u.ctx;
        const x = u.valToPos(peakT, 'x', true);
        const y = u.valToPos(peakBytes, 'y', true);
        ctx.save();
        ctx.strokeStyle = '#c92a2a';
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#c92a2a';
        ctx.beginPath();
        ctx.arc(x, y, 4 * devicePixelRatio, 0, 2 * Math.PI);
        ctx.fill();
        ctx.font = 12 * devicePixelRatio + 'px sans-serif';
        const label = 'peak ' + MT.fmtBytes(peakBytes) + ' at ' + peakT.toFixed(3) + ' s';
        const tw = ctx.measureText(label).width;
        let tx = x + 6 + tw > u.bbox.left + u.bbox.width ? x - 6 - tw : x + 6;
        tx = Math.max(u.bbox.left + 2, tx);
        ctx.fillText(label, tx, u.bbox.top + 14 * devicePixelRatio);
        ctx.restore();
      },
    ];
    // Markers (memtrace_mark, `memtrace ctl PID mark`): a vertical line and the label.
    const markers = summary.markers || [];
    const paused = summary.paused || [];
    const endS = this.endS;
    opts.hooks.draw.push(function (u) {
      if (!markers.length && !paused.length) return;
      const ctx = u.ctx;
      ctx.save();
      // Paused stretches (nothing allocated was recorded): shaded, labelled.
      for (const p of paused) {
        const x0 = u.valToPos(p.from_s, 'x', true);
        const x1 = u.valToPos(p.to_s == null ? endS : p.to_s, 'x', true);
        ctx.fillStyle = 'rgba(134,142,150,0.18)';
        ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
        ctx.fillStyle = MT.themeColor('muted');
        ctx.font = 11 * devicePixelRatio + 'px sans-serif';
        ctx.fillText('paused', x0 + 3, u.bbox.top + u.bbox.height - 6 * devicePixelRatio);
      }
      ctx.font = 11 * devicePixelRatio + 'px sans-serif';
      markers.forEach((m, i) => {
        // On a pixel's centre: a 1-pixel line at a fractional x is smeared over two columns,
        // each half as dark (and the browser test, which reads the canvas back, found the
        // marker faint in 2 runs of 16 on a loaded machine).
        const x = Math.round(u.valToPos(m.time_s, 'x', true)) + 0.5;
        ctx.strokeStyle = '#5f3dc4';
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = '#5f3dc4';
        const tw = ctx.measureText(m.label).width;
        const tx = x + 4 + tw > u.bbox.left + u.bbox.width ? x - 4 - tw : x + 4;
        ctx.fillText(m.label, Math.max(u.bbox.left + 2, tx), u.bbox.top + (30 + 13 * (i % 4)) * devicePixelRatio);
      });
      ctx.restore();
    });
    const chart = new uPlot(opts, [t, tl.heap, tl.rss, tl.mmap], container);
    chart.root.classList.add('mt-memory-chart');
    this.charts.push(chart);
    return chart;
  }

  // Top stacks by their largest live bytes, stacked (drawn as cumulative areas, largest sum
  // first; the legend shows each stack's own value).
  makeStackChart(container, width) {
    const h = this.data.history;
    const series = h.series.filter((s) => s.node >= 0);
    const top = series
      .map((s) => ({ s: s, max: Math.max(0, ...s.live) }))
      .filter((x) => x.max > 0)
      .sort((a, b) => b.max - a.max)
      .slice(0, 10)
      .map((x) => x.s);
    if (top.length === 0) return null;
    const n = h.buckets;
    const x = [];
    for (let b = 0; b < n; b++) x.push(((b + 1) * h.bucket_us) / 1e6);
    const raw = top.map((s) => s.live);
    const cumulative = [];
    let running = new Array(n).fill(0);
    for (const r of raw) {
      running = running.map((v, i) => v + r[i]);
      cumulative.push(running);
    }
    const opts = this.commonOptions(width, 220);
    opts.title = 'Live bytes of the ' + top.length + ' largest stacks (stacked, end of each of ' + n + ' time buckets)';
    opts.series = [{ label: 'time (s)', value: (u, v) => (v == null ? '–' : v.toFixed(3) + ' s') }];
    const order = [];
    for (let i = top.length - 1; i >= 0; i--) order.push(i);
    for (const i of order) {
      const color = 'hsl(' + ((i * 47) % 360) + ', 60%, 55%)';
      opts.series.push({
        label: (i + 1) + '. ' + top[i].label,
        stroke: color,
        fill: color,
        width: 1,
        value: (u, v, si, idx) => (idx == null ? '–' : MT.fmtBytes(raw[i][idx])),
      });
    }
    opts.axes = this.axes();
    const chart = new uPlot(opts, [x].concat(order.map((i) => cumulative[i])), container);
    chart.root.classList.add('mt-stack-chart');
    this.charts.push(chart);
    return chart;
  }
};
