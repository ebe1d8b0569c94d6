// Opens a memtrace HTML report in headless Chromium and checks one warning banner: the element
// with id ID exists, its text contains TEXT, and the page loaded without a console error,
// exception, dialog or network request. For captures check_report.mjs cannot take whole, such
// as a program with its own malloc, which has no heap events and so no flamegraph.
// usage: node check_banner.mjs REPORT.html ID TEXT
import { resolve } from 'node:path';
import { checkPageStayedQuiet, openPage, startBrowserTest } from './cdp.mjs';

const [htmlPath, id, text] = [resolve(process.argv[2]), process.argv[3], process.argv[4]];
const { checks, check, browser, url } = await startBrowserTest(htmlPath);
try {
  const { evaluate, problems, requests } = await openPage(browser, url);
  const banner = await evaluate(`new Promise((done) => { const t0 = Date.now(); (function poll() {
      const e = document.getElementById(${JSON.stringify(id)});
      if (e) done(e.innerText); else if (Date.now() - t0 > 30000) done(null); else setTimeout(poll, 20); })(); })`);
  check(banner !== null, `the page shows #${id}`);
  check(banner !== null && banner.includes(text), `#${id} says ${JSON.stringify(text)} (page: ${JSON.stringify(banner)})`);
  await new Promise((r) => setTimeout(r, 200));
  checkPageStayedQuiet(check, { problems, requests }, url);
} catch (e) {
  checks.error(e);
} finally {
  await browser.close();
}
checks.finish(htmlPath);
