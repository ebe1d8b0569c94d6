// memtrace report: shared helpers. Everything from the capture reaches the page through
// textContent or canvas text, never as markup: el() has no way to set innerHTML.
'use strict';
const MT = (window.MT = {});

MT.fmtBytes = function (bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(bytes);
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? v + ' B' : v.toFixed(2) + ' ' + units[u];
};

MT.fmtInt = (n) => Number(n).toLocaleString('en-US');
MT.fmtSeconds = (us) => (Number(us) / 1e6).toFixed(3) + ' s';
MT.fmtShare = (part, total) => (total > 0 ? ((100 * part) / total).toFixed(part === total ? 0 : 2) : '0') + '%';
MT.fmtValue = (v, bytes) => (bytes ? MT.fmtBytes(v) : MT.fmtInt(v));

// el('div', {className: 'x', text: 'y', attrs: {title: 'z'}, on: {click: f}}, [children])
MT.el = function (tag, props, children) {
  const node = document.createElement(tag);
  props = props || {};
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = String(props.text);
  if (props.attrs) for (const k of Object.keys(props.attrs)) node.setAttribute(k, String(props.attrs[k]));
  if (props.on) for (const k of Object.keys(props.on)) node.addEventListener(k, props.on[k]);
  for (const c of children || []) if (c) node.appendChild(c);
  return node;
};

// A stable colour per module: the hue comes from a string hash.
MT.hashString = function (s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
};

MT.moduleColor = function (module, depthShade) {
  if (!module) return 'hsl(0, 0%, ' + (72 + depthShade) + '%)';
  const h = MT.hashString(module);
  return 'hsl(' + (h % 360) + ', ' + (45 + ((h >>> 9) % 25)) + '%, ' + (62 + depthShade) + '%)';
};

// A colour of the page's theme (report.css: light, or dark when the system prefers it), for
// what is drawn on canvases, which CSS does not reach.
MT.themeColor = (name) => getComputedStyle(document.documentElement).getPropertyValue('--mt-' + name).trim();

MT.baseName = (path) => (path ? path.slice(path.lastIndexOf('/') + 1) : '');
