// A canvas flamegraph (or icicle) renderer for trees of tens of thousands of nodes: only boxes
// at least half a pixel wide are laid out and drawn, names are drawn with fillText (never as
// markup), and hit-testing uses the rows of boxes drawn last.
//
//   const fg = new MT.Flamegraph(canvas, tooltip, tree);  // tree: see FlameModel in flame_view.js
//   fg.setValues(values, {bytes, counts, total, describe}); fg.render();
'use strict';

MT.Flamegraph = class {
  constructor(canvas, tooltip, tree) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.tree = tree;
    this.rowHeight = 18;
    this.zoom = 0;
    this.icicle = false;
    this.search = null;
    this.values = null;
    this.info = {};
    this.rows = [];
    this.lastDraw = { boxes: 0, signature: 0 };
    this.onZoom = null;
    this.font = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => (this.tooltip.style.display = 'none'));
    canvas.addEventListener('click', (e) => {
      const hit = this.hitTest(e);
      if (hit !== null) this.setZoom(hit);
    });
    window.addEventListener('resize', () => this.render());
  }

  setValues(values, info) {
    this.values = values;
    this.info = info;
    if (this.values[this.zoom] <= 0) this.zoom = 0;
  }

  // Another tree over the same frames (the inverted view): zoom resets; values follow.
  setTree(tree) {
    this.tree = tree;
    this.zoom = 0;
  }

  setZoom(node) {
    this.zoom = node;
    this.render();
    if (this.onZoom) this.onZoom(node);
  }

  setIcicle(on) {
    this.icicle = on;
    this.render();
  }

  setSearch(matcher) {
    this.search = matcher;
    this.render();
  }

  // Sum of the values of matching nodes that have no matching ancestor (no double counting).
  searchShare() {
    if (!this.search) return null;
    const t = this.tree;
    const v = this.values;
    let sum = 0;
    let frames = 0;
    const stack = [0];
    while (stack.length) {
      const n = stack.pop();
      if (v[n] <= 0) continue;
      if (n !== 0 && this.search(t.fn(n))) {
        sum += v[n];
        frames++;
        continue;
      }
      for (const c of t.children[n]) stack.push(c);
    }
    // Frames below a matched one are counted once, in their matched ancestor.
    return { value: sum, frames: frames };
  }

  layoutWidth() {
    return Math.max(300, this.canvas.parentElement.clientWidth);
  }

  render() {
    const t = this.tree;
    const v = this.values;
    if (!v) return;
    const width = this.layoutWidth();
    const ancestors = [];
    for (let n = this.zoom; n !== -1; n = t.parent[n]) ancestors.unshift(n);
    const zoomValue = v[this.zoom];
    const minWidth = 0.5;
    // Layout: rows of [x, w, node].
    const rows = [];
    for (let d = 0; d < ancestors.length; d++) rows.push([[0, width, ancestors[d]]]);
    const base = ancestors.length - 1;
    const todo = [[this.zoom, 0, base]];
    while (todo.length) {
      const [n, x, depth] = todo.pop();
      let cx = x;
      for (const c of t.children[n]) {
        const value = v[c];
        if (value <= 0) continue;
        const w = (value / zoomValue) * width;
        if (w >= minWidth) {
          const d = depth + 1;
          if (!rows[d]) rows[d] = [];
          rows[d].push([cx, w, c]);
          todo.push([c, cx, d]);
        }
        cx += w;
      }
    }
    this.rows = rows;

    const dpr = window.devicePixelRatio || 1;
    const height = Math.max(1, rows.length) * this.rowHeight;
    this.canvas.style.width = width + 'px';
    this.canvas.style.height = height + 'px';
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = this.font;
    ctx.textBaseline = 'middle';
    const charWidth = ctx.measureText('mmmmmmmmmm').width / 10;
    let boxes = 0;
    let signature = Math.round(v[this.zoom]) | 0;  // the root's label shows the total
    for (let d = 0; d < rows.length; d++) {
      const y = this.rowY(d, rows.length);
      for (const [x, w, n] of rows[d]) {
        boxes++;
        signature = (Math.imul(signature, 31) + n * 7 + Math.round(w * 16)) | 0;
        const faded = d < base;
        const matched = this.search && n !== 0 && this.search(t.fn(n));
        ctx.fillStyle = matched ? '#e64980' : t.special(n) ? '#ced4da' : MT.moduleColor(t.module(n), (d % 3) * 3);
        ctx.globalAlpha = faded ? 0.6 : 1;
        ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), this.rowHeight - 1);
        ctx.globalAlpha = 1;
        if (w > charWidth * 3 + 6) {
          const name = n === 0 ? 'all: ' + MT.fmtValue(v[0], this.info.bytes) : t.fn(n);
          const fit = Math.floor((w - 6) / charWidth);
          ctx.fillStyle = '#111';
          ctx.fillText(name.length > fit ? name.slice(0, Math.max(0, fit - 1)) + '\u2026' : name, x + 3, y + this.rowHeight / 2);
        }
      }
    }
    this.lastDraw = { boxes: boxes, signature: signature, rows: rows.length, zoom: this.zoom };
  }

  rowY(depth, count) {
    return this.icicle ? depth * this.rowHeight : (count - 1 - depth) * this.rowHeight;
  }

  hitTest(e) {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const count = this.rows.length;
    let depth = Math.floor(y / this.rowHeight);
    if (!this.icicle) depth = count - 1 - depth;
    const row = this.rows[depth];
    if (!row) return null;
    for (const [bx, bw, n] of row) if (x >= bx && x < bx + bw) return n;
    return null;
  }

  hover(e) {
    const n = this.hitTest(e);
    const tip = this.tooltip;
    if (n === null) {
      tip.style.display = 'none';
      return;
    }
    const t = this.tree;
    const v = this.values;
    const info = this.info;
    const lines = [n === 0 ? 'all' : t.fn(n)];
    const loc = t.location(n);
    if (loc) lines.push(loc);
    if (t.module(n)) lines.push('module: ' + t.module(n));
    lines.push(info.label + ': ' + MT.fmtValue(v[n], info.bytes) + (info.bytes ? ' (' + MT.fmtInt(v[n]) + ' B)' : ''));
    lines.push('share: ' + MT.fmtShare(v[n], v[0]) + ' of all' + (this.zoom !== 0 ? ', ' + MT.fmtShare(v[n], v[this.zoom]) + ' of the zoomed frame' : ''));
    if (info.counts) lines.push(info.countLabel + ': ' + MT.fmtInt(info.counts[n]));
    if (t.special(n) && t.fn(n) === '[below cut-off]') lines.push('frames each under the cut-off, folded together');
    tip.replaceChildren(...lines.map((l, i) => MT.el('div', { text: l, className: i === 0 ? 'mt-tip-name' : '' })));
    tip.style.display = 'block';
    const pad = 14;
    const maxX = window.innerWidth - tip.offsetWidth - 8;
    tip.style.left = Math.min(e.clientX + pad, maxX) + 'px';
    tip.style.top = e.clientY + pad + 'px';
  }
};
