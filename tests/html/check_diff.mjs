// Opens a `memtrace diff --format html` page in headless Chromium and checks it:
//   - no console error, uncaught exception or dialog; no network request besides the page
//   - the differential graph is drawn (frame boxes in #graph)
//   - its root, for every metric and both sides, equals the totals of `memtrace diff --format
//     json` on the same captures (every stack is a row, so the rows add up to the totals)
//   - every stack the JSON lists (its sections) is a path of the graph, holding at least that
//     stack's base and head values (other stacks may share the path); in a pruned graph the
//     path may end in a "[below cut-off]" box, which then holds them
//   - every box holds its children's values
//   - switching the metric and the side redraws
//   - --expect-frame NAME: a box of that function is drawn
//   - --expect-pruned: the graph was pruned (a cut-off above 0, at most 40000 boxes, said on
//     the page); without it, the graph must not be pruned
//   - --match line pages: paths are matched by function and location, as the page merges them
//   - --dark: the system prefers a dark colour scheme: every check above, and the page is dark
//     (dark background, light text) while the frame boxes' labels stay dark on their light fill
// usage: node check_diff.mjs DIFF.html DIFF.json [--expect-frame NAME]... [--expect-pruned] [--dark]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkPageStayedQuiet, openPage, startBrowserTest } from './cdp.mjs';

const args = process.argv.slice(2);
const htmlPath = resolve(args[0]);
const diffJson = JSON.parse(readFileSync(args[1], 'utf8'));
const totals = diffJson.totals;
const expectFrames = [];
let expectPruned = false;
let dark = false;
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--expect-frame') expectFrames.push(args[++i]);
  else if (args[i] === '--expect-pruned') expectPruned = true;
  else if (args[i] === '--dark') dark = true;
}

const { checks, check, browser, url } = await startBrowserTest(htmlPath);
try {
  const { evaluate, problems, requests } = await openPage(browser, url, { colorScheme: dark ? 'dark' : 'light' });
  const boxes = await evaluate(`document.querySelectorAll('#graph .fr').length`);
  check(boxes > 1, `the differential graph is drawn (${boxes} frame boxes)`);

  // Theme: relative luminance of the page's background and text, and of a box's label.
  const theme = await evaluate(`(() => { const lum = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
        return (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255; };
      const body = getComputedStyle(document.body), box = getComputedStyle(document.querySelector('#graph .fr'));
      return { background: lum(body.backgroundColor), text: lum(body.color), label: lum(box.color) }; })()`);
  if (dark) check(theme.background < 0.2 && theme.text > 0.7, `dark scheme: dark background (${theme.background.toFixed(2)}), light text (${theme.text.toFixed(2)})`);
  else check(theme.background > 0.9 && theme.text < 0.3, `light scheme: white background (${theme.background.toFixed(2)}), dark text (${theme.text.toFixed(2)})`);
  check(theme.label < 0.2, `frame labels are dark on their light boxes (${theme.label.toFixed(2)})`);

  // The page's metric menu: bytes at peak, leaked bytes, allocated bytes, allocations.
  const fields = ['peak_heap_bytes', 'leaked_bytes', 'allocated_bytes', 'allocations'];
  const root = await evaluate(`({ b: window.memtraceDiff.root.b, h: window.memtraceDiff.root.h })`);
  fields.forEach((field, m) => {
    check(root.b[m] === totals[field].base, `graph root, base, ${field} = ${totals[field].base} (page: ${root.b[m]})`);
    check(root.h[m] === totals[field].head, `graph root, head, ${field} = ${totals[field].head} (page: ${root.h[m]})`);
  });

  const graph = await evaluate(`({ ...window.memtraceDiff.data.graph, said: document.getElementById('pruned').textContent })`);
  if (expectPruned) {
    check(graph.cutoff > 0 && graph.nodes <= 40000 && graph.nodes < graph.full_nodes,
          `the graph is pruned (cut-off ${graph.cutoff}, ${graph.nodes} of ${graph.full_nodes} nodes)`);
    check(graph.said.includes('[below cut-off]'), `the page says the graph is pruned ("${graph.said}")`);
  } else {
    check(graph.cutoff === 0 && graph.nodes === graph.full_nodes && graph.said === '',
          `the graph is whole (cut-off ${graph.cutoff}, ${graph.nodes} of ${graph.full_nodes} nodes)`);
  }
  const overfull = await evaluate(`(() => {
      let bad = 0;
      (function walk(n) {
        for (let i = 0; i < 4; ++i) {
          let b = 0, h = 0;
          for (const k of n.kids.values()) { b += k.b[i]; h += k.h[i]; }
          if (b > n.b[i] || h > n.h[i]) ++bad;
        }
        for (const k of n.kids.values()) walk(k);
      })(window.memtraceDiff.root);
      return bad; })()`);
  check(overfull === 0, `every box holds its children's values (${overfull} do not)`);

  const sectionStacks = ['regressions', 'improvements', 'new', 'vanished'].flatMap((k) => diffJson[k].stacks);
  check(sectionStacks.length > 0, `the JSON lists stacks to look for (${sectionStacks.length})`);
  // A frame's key among its siblings, as the page makes it: the function, or with --match line
  // the function and its location (file:line, else the module).
  const frameKey = (f) => (diffJson.match === 'line' ? f.function + '\u0000' + (f.file ? f.file + (f.line ? ':' + f.line : '') : f.module) : f.function);
  const pathValues = await evaluate(`${JSON.stringify(sectionStacks.map((st) => st.stack.map(frameKey).reverse()))}.map((names) => {
      let n = window.memtraceDiff.root;
      for (const name of names) {
        const next = n.kids.get(name);
        if (!next) {  // under a "[below cut-off]" box, or not there
          const folded = n.kids.get('\\u0001folded');
          return folded ? { b: folded.b, h: folded.h, folded: true } : null;
        }
        n = next;
      }
      return { b: n.b, h: n.h }; })`);
  const jsonFields = ['peak_bytes', 'leaked_bytes', 'allocated_bytes', 'allocations'];
  sectionStacks.forEach((st, i) => {
    const v = pathValues[i];
    const label = st.stack.length ? st.stack[0].function : '(no stack)';
    check(v !== null, `stack of ${label} is a path of the graph`);
    if (v) check(jsonFields.every((f, m) => v.b[m] >= st.base[f] && v.h[m] >= st.head[f]), `its node holds the stack's values (${JSON.stringify(v)})`);
  });

  const drawing = () => evaluate(`[...document.querySelectorAll('#graph .fr')].map((d) => d.style.width + d.style.background).join('|')`);
  const before = await drawing();
  await evaluate(`(() => { const s = document.getElementById('side'); s.value = 'b'; s.dispatchEvent(new Event('change')); })()`);
  const baseSide = await drawing();
  check(baseSide !== before, 'widths from base instead of head redraw the graph');
  await evaluate(`(() => { const s = document.getElementById('metric'); s.value = '3'; s.dispatchEvent(new Event('change')); })()`);
  check((await drawing()) !== baseSide, 'another metric redraws the graph');

  for (const name of expectFrames) {
    const found = await evaluate(`[...document.querySelectorAll('#graph .fr')].some((d) => d.textContent === ${JSON.stringify(name)})`);
    check(found, `a box of ${name} is drawn`);
  }
  checkPageStayedQuiet(check, { problems, requests }, url);
} catch (e) {
  checks.error(e);
} finally {
  await browser.close();
}
checks.finish(htmlPath);
