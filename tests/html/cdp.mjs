// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 = to the
// browser, fd 4 = from it; messages are JSON ended by a NUL byte). No npm packages: the tests
// only need node and Debian's chromium.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function findChromium() {
  for (const p of [process.env.MEMTRACE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

export class Browser {
  static async launch(executable) {
    const profile = mkdtempSync(join(tmpdir(), 'memtrace-chromium-'));
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--hide-scrollbars', '--window-size=1300,1000',
      '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
    ];
    const proc = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const b = new Browser(proc, profile);
    b.stderr = () => stderr;
    return b;
  }

  constructor(proc, profile) {
    this.proc = proc;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.exited = false;
    let buffer = Buffer.alloc(0);
    proc.stdio[4].on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let end;
      while ((end = buffer.indexOf(0)) >= 0) {
        const msg = JSON.parse(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + 1);
        if (msg.id && this.pending.has(msg.id)) {
          const { resolve, reject } = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) reject(new Error(JSON.stringify(msg.error)));
          else resolve(msg.result);
        } else if (msg.method) {
          for (const l of this.listeners) l(msg);
        }
      }
    });
    proc.once('exit', () => {
      this.exited = true;
      for (const { reject } of this.pending.values()) reject(new Error('chromium exited'));
    });
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
    });
  }

  on(listener) {
    this.listeners.push(listener);
  }

  waitFor(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for ' + what)), timeoutMs);
      this.on((msg) => {
        if (predicate(msg)) {
          clearTimeout(timer);
          resolve(msg);
        }
      });
    });
  }

  async close() {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
    } catch (e) {
      /* already gone */
    }
    if (!this.exited) {
      const gone = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGKILL');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    }
    try {
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      /* a leftover profile in /tmp is harmless */
    }
  }
}

// Opens `url` in a new tab of `browser` and waits for its load event. Collects what a page must
// not do - console errors and warnings, uncaught exceptions, dialogs (dismissed) - in
// `problems`, and every request's URL in `requests`. evaluate(expression) returns the
// expression's value (promises awaited) and throws on an exception; send(method, params) sends
// a DevTools command to the page. options.colorScheme ('dark' or 'light') emulates the system's
// preferred colour scheme.
export async function openPage(browser, url, options = {}) {
  const problems = [];
  const requests = [];
  let session;
  browser.on((msg) => {
    if (msg.sessionId !== session) return;
    const p = msg.params || {};
    if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'assert', 'warning'].includes(p.type))
      problems.push('console.' + p.type + ': ' + (p.args || []).map((a) => a.value ?? a.description).join(' '));
    if (msg.method === 'Runtime.exceptionThrown') problems.push('exception: ' + JSON.stringify(p.exceptionDetails).slice(0, 500));
    if (msg.method === 'Log.entryAdded' && ['error', 'warning'].includes(p.entry.level)) problems.push('log: ' + p.entry.text);
    if (msg.method === 'Network.requestWillBeSent') requests.push(p.request.url);
    if (msg.method === 'Page.javascriptDialogOpening') {
      problems.push('dialog opened: ' + p.message);
      browser.send('Page.handleJavaScriptDialog', { accept: false }, session).catch(() => {});
    }
  });
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
  ({ sessionId: session } = await browser.send('Target.attachToTarget', { targetId, flatten: true }));
  const s = (method, params) => browser.send(method, params, session);
  for (const domain of ['Runtime', 'Log', 'Network', 'Page']) await s(domain + '.enable');
  if (options.colorScheme)
    await s('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: options.colorScheme }] });
  const evaluate = async (expression) => {
    const r = await s('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('evaluate failed: ' + expression + ': ' + JSON.stringify(r.exceptionDetails).slice(0, 400));
    return r.result.value;
  };
  const loaded = browser.waitFor((m) => m.sessionId === session && m.method === 'Page.loadEventFired', 120000, 'load');
  await s('Page.navigate', { url });
  await loaded;
  return { evaluate, send: s, problems, requests };
}

// What every page must not have done while it was checked: request anything but itself, log
// an error or warning, throw, or open a dialog (openPage collected these).
export function checkPageStayedQuiet(check, page, url) {
  const foreign = page.requests.filter((u) => u !== url);
  check(foreign.length === 0, `no network requests besides the page itself (${foreign.length}: ${foreign.slice(0, 3).join(', ')})`);
  check(page.problems.length === 0, `no console errors, exceptions or dialogs (${page.problems.length}: ${page.problems.slice(0, 5).join(' | ')})`);
}

// Chromium's path; without it the browser tests fail loudly rather than pass.
export function requireChromium() {
  const chromium = findChromium();
  if (!chromium) {
    console.error('FAIL: chromium not found (install Debian package "chromium"; scripts/setup.sh does). The HTML tests cannot pass without it.');
    process.exit(1);
  }
  return chromium;
}

// A browser test's checks: each printed as it is made ("ok" or "FAIL"); finish() exits 1 if any failed.
export class Checks {
  constructor() {
    this.failures = [];
  }
  check(ok, what) {
    if (!ok) this.failures.push(what);
    console.log((ok ? 'ok   ' : 'FAIL ') + what);
  }
  error(e) {
    this.failures.push(String(e.stack || e));
    console.log('FAIL ' + (e.stack || e));
  }
  finish(path) {
    if (this.failures.length) {
      console.log(`${this.failures.length} check(s) failed for ${path}`);
      process.exit(1);
    }
    console.log('all checks passed for ' + path);
  }
}

// What every browser test starts with: its checks, Chromium (required) launched, and the
// page's file URL.
export async function startBrowserTest(htmlPath) {
  const checks = new Checks();
  const browser = await Browser.launch(requireChromium());
  return { checks, check: (ok, what) => checks.check(ok, what), browser, url: pathToFileURL(htmlPath).href };
}
