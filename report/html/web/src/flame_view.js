// The flamegraph's data: the pruned call tree from the report (parents before children), and
// the values each view draws, either a whole-run metric (precomputed per node) or a time
// window computed here from the per-stack history buckets (memray's temporal flamegraph):
//
//   peak        the stacks' live bytes when the heap was highest inside the window
//   leaked      bytes allocated inside the window and still live at its end
//   allocated   bytes allocated inside the window
//   allocations number of allocations inside the window
//
// Stacks not followed one by one over time are summed into the "[other stacks]" box.
// The same for the inverted tree (data.caller_tree, innermost frame first): a series lands in
// it at series.caller_node.
//
// One thread's values (the thread filter): data.threads.groups[i][treeKey] lists the nodes
// its blocks reach with their values per metric (subtree totals, like the tree's own).
'use strict';

MT.FlameModel = class {
  constructor(data, tree = data.tree, nodeKey = 'node', treeKey = 'tree') {
    const frames = data.frames;
    this.treeData = tree;
    this.nodeKey = nodeKey;
    this.treeKey = treeKey;
    this.modules = data.modules;
    this.frames = frames;
    this.parent = tree.parent.slice();
    this.frame = tree.frame.slice();
    const specials = new Set(['[below cut-off]', '[no stack]', '[other stacks]', 'all']);
    // The extra node for the stacks that have no history of their own.
    this.otherStacks = this.parent.length;
    this.parent.push(0);
    this.frame.push(-1);
    this.size = this.parent.length;
    this.children = Array.from({ length: this.size }, () => []);
    for (let n = 1; n < this.size; n++) this.children[this.parent[n]].push(n);
    const name = (n) => this.fn(n);
    for (const list of this.children) list.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : a - b));
    this.isSpecial = (n) => this.frame[n] === -1 || (frames.mod[this.frame[n]] === 0 && specials.has(frames.fn[this.frame[n]]));
  }

  fn(n) {
    return this.frame[n] === -1 ? '[other stacks]' : this.frames.fn[this.frame[n]];
  }
  module(n) {
    return this.frame[n] === -1 ? '' : this.modules[this.frames.mod[this.frame[n]]] || '';
  }
  location(n) {
    return this.frame[n] === -1 ? '' : this.frames.loc[this.frame[n]];
  }
  special(n) {
    return this.isSpecial(n);
  }

  // Whole-run values of metric index m.
  metricValues(m) {
    const out = new Float64Array(this.size);
    const column = this.treeData.values[m];
    for (let n = 0; n < column.length; n++) out[n] = column[n];
    return out;
  }

  // Values of metric index m counting only one thread group's blocks ("all": the thread is
  // the only one that allocated).
  threadValues(group, m) {
    if (group.all) return this.metricValues(m);
    const out = new Float64Array(this.size);
    const list = group[this.treeKey];
    const column = list.values[m];
    for (let i = 0; i < list.node.length; i++) out[list.node[i]] = column[i];
    return out;
  }

  // Adds each series' leaf value to its node, then sums children into parents (children
  // always have larger indexes than their parents; the extra node is last).
  accumulate(perSeries, series) {
    const out = new Float64Array(this.size);
    for (let s = 0; s < series.length; s++) {
      const node = series[s][this.nodeKey] >= 0 ? series[s][this.nodeKey] : this.otherStacks;
      out[node] += perSeries[s];
    }
    for (let n = this.size - 1; n > 0; n--) out[this.parent[n]] += out[n];
    return out;
  }
};

MT.windowMetrics = ['peak', 'leaked', 'allocated', 'allocations'];

// Buckets [a, b] (inclusive) of the history covering times [startUs, endUs].
MT.bucketRange = function (history, startUs, endUs) {
  const last = history.buckets - 1;
  const a = Math.min(last, Math.max(0, Math.floor(startUs / history.bucket_us)));
  const b = Math.min(last, Math.max(a, Math.floor(endUs / history.bucket_us)));
  return [a, b];
};

// Per-series values of a window; also returns the bucket where the heap peaked in it.
MT.windowSeriesValues = function (history, metric, a, b) {
  const series = history.series;
  const out = new Float64Array(series.length);
  let peakBucket = a;
  for (let k = a; k <= b; k++) if (history.heap_max[k] > history.heap_max[peakBucket]) peakBucket = k;
  const counts = new Float64Array(series.length);
  for (let s = 0; s < series.length; s++) {
    const S = series[s];
    if (metric === 'peak') {
      out[s] = S.peak[peakBucket];
    }
    const life = S.life;
    for (let i = 0; i < life.length; i += 4) {
      const alloc = life[i];
      if (alloc < a || alloc > b) continue;
      const release = life[i + 1];
      counts[s] += life[i + 3];
      if (metric === 'leaked' && release > b) out[s] += life[i + 2];
      else if (metric === 'allocated') out[s] += life[i + 2];
      else if (metric === 'allocations') out[s] += life[i + 3];
    }
  }
  return { values: out, counts: counts, peakBucket: peakBucket };
};
