// Page weight: what a resident's phone downloads for the first page, measured
// in the browser as it arrives (compressed, as the server sends it), and the
// size of each view module a later page loads.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, launch, open } from './harness.mjs';

const FIRST_PAGE_BUDGET = 150 * 1024; // issue 6: JS and CSS of the first page, compressed
const VIEW_BUDGET = 40 * 1024; // any one view module, compressed

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// firstVisit loads "/" in a fresh profile (nothing cached, no service worker
// yet) and returns every script and stylesheet response with the bytes that
// crossed the network for it (CDP encodedDataLength: headers and compressed
// body) and the request's Accept-Encoding.
async function firstVisit() {
  const context = await launch();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const seen = new Map();
    const acceptEncoding = new Map();
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      const h = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v]));
      acceptEncoding.set(e.requestId, h['accept-encoding']);
    });
    cdp.on('Network.responseReceived', (e) => {
      if (e.type !== 'Script' && e.type !== 'Stylesheet') return;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      seen.set(e.requestId, {
        path: new URL(e.response.url).pathname, type: e.type, encoding: h['content-encoding'] || 'none', status: e.response.status,
      });
    });
    cdp.on('Network.loadingFinished', (e) => {
      const r = seen.get(e.requestId);
      if (r) r.bytes = e.encodedDataLength;
    });
    await cdp.send('Network.enable');
    await open(page, `${server.url}/`);
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => navigator.serviceWorker.ready); // anything the worker makes the page load counts too
    await page.waitForLoadState('networkidle');
    await cdp.detach();
    return [...seen].map(([id, r]) => ({ ...r, acceptEncoding: acceptEncoding.get(id) }));
  } finally {
    await context.close();
  }
}

// compressedSize asks the server for path as a browser would and counts the
// body bytes it sends, before any decompression.
function compressedSize(path, acceptEncoding) {
  return new Promise((resolve, reject) => {
    http.get(`${server.url}${path}`, { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
      let n = 0;
      res.on('data', (d) => { n += d.length; });
      res.on('end', () => resolve({ bytes: n, encoding: res.headers['content-encoding'] || 'none', status: res.statusCode }));
    }).on('error', reject);
  });
}

let measured;

test(`the first page needs at most ${kb(FIRST_PAGE_BUDGET)} of compressed JS and CSS`, async () => {
  measured = await firstVisit();
  const files = measured.filter((r) => r.bytes !== undefined);
  assert.ok(files.some((r) => r.path === '/build/app.css'), 'the stylesheet was measured');
  assert.ok(files.some((r) => r.path === '/app/main.js'), 'the app was measured');
  const total = files.reduce((n, r) => n + r.bytes, 0);
  console.log(`first page ("/"): ${files.length} files, ${total} bytes (${kb(total)}) of JS and CSS over the network, budget ${kb(FIRST_PAGE_BUDGET)}`);
  for (const r of files.sort((a, b) => b.bytes - a.bytes)) {
    console.log(`  ${String(r.bytes).padStart(7)}  ${r.type.padEnd(10)}  ${r.encoding.padEnd(4)}  ${r.path}`);
  }
  for (const r of files) assert.equal(r.status, 200, r.path);
  assert.ok(total <= FIRST_PAGE_BUDGET, `first page JS+CSS is ${kb(total)}, over the ${kb(FIRST_PAGE_BUDGET)} budget`);
});

test('the server compresses what the browser asks for compressed', async () => {
  measured ??= await firstVisit();
  const css = measured.find((r) => r.path === '/build/app.css');
  console.log(`app.css: Accept-Encoding "${css.acceptEncoding}", Content-Encoding ${css.encoding}`);
  assert.match(css.acceptEncoding, /\b(br|gzip)\b/, 'the browser offers brotli or gzip');
  assert.ok(['br', 'gzip'].includes(css.encoding), `app.css came ${css.encoding}`);
  for (const r of measured) assert.ok(['br', 'gzip'].includes(r.encoding), `${r.path} came ${r.encoding}`);
});

test(`no view module is over ${kb(VIEW_BUDGET)} compressed`, async () => {
  const sw = await (await fetch(`${server.url}/sw.js`)).text();
  const views = JSON.parse(sw.match(/const FILES = (\[.*?\]);/)[1]).filter((p) => /^\/app\/views\/[^/]+\.js$/.test(p));
  assert.ok(views.includes('/app/views/start.js'), views.join(' '));
  const acceptEncoding = measured?.find((r) => r.path === '/build/app.css')?.acceptEncoding || 'gzip, deflate, br';
  const sizes = [];
  for (const v of views) sizes.push({ path: v, ...await compressedSize(v, acceptEncoding) });
  sizes.sort((a, b) => b.bytes - a.bytes);
  const all = sizes.reduce((n, s) => n + s.bytes, 0);
  console.log(`view modules: ${sizes.length}, ${kb(all)} compressed in all (each loads only on its own pages)`);
  for (const s of sizes) console.log(`  ${String(s.bytes).padStart(7)}  ${s.encoding.padEnd(4)}  ${s.path}`);
  for (const s of sizes) {
    assert.equal(s.status, 200, s.path);
    assert.ok(s.bytes <= VIEW_BUDGET, `${s.path} is ${kb(s.bytes)} compressed, over ${kb(VIEW_BUDGET)}`);
  }
});
