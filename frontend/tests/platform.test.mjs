// The app as a platform: installable, opens offline, keeps one service worker
// until the app changes, shows push messages, and is served with a strict
// Content Security Policy that the app itself never trips.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, open, shot, apiJSON } from './harness.mjs';

let server; let context; let en; let cy;
before(async () => {
  server = await startServer();
  context = await launch();
  en = (await apiJSON(server.url, '/api/v1/locales/en')).messages;
  cy = (await apiJSON(server.url, '/api/v1/locales/cy')).messages;
});
after(async () => { await context?.close(); await server?.stop(); });

// activated waits until the page is controlled by a worker in the
// "activated" state (controllerchange fires while it is still activating).
async function activated(page) {
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
    const w = reg.active;
    if (w.state !== 'activated') {
      await new Promise((r) => w.addEventListener('statechange', () => { if (w.state === 'activated') r(); }));
    }
  });
}

// A page of the app with its worker running.
async function appPage(path = '/') {
  const page = await context.newPage();
  await open(page, server.url + path);
  await activated(page);
  return page;
}

// workerScript is /sw.js as served: the files it precaches and its version.
async function workerScript() {
  const text = await (await fetch(`${server.url}/sw.js`)).text();
  return {
    text,
    files: JSON.parse(text.match(/const FILES = (\[.*?\]);/)[1]),
    version: JSON.parse(text.match(/const VERSION = (".*?");/)[1]),
    langs: [...text.match(/const LANGS = \[(.*?)\];/)[1].matchAll(/'([a-z]+)'/g)].map((m) => m[1]),
  };
}

// pngSize reads width and height from a PNG's IHDR chunk.
function pngSize(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG');
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('the app is installable: no installability errors, and a complete manifest with real 192 and 512 px icons', async () => {
  const page = await appPage('/');
  const cdp = await context.newCDPSession(page);
  try {
    let errors;
    for (let i = 0; i < 50; i++) { // the browser checks the worker's fetch handler once it runs
      ({ installabilityErrors: errors } = await cdp.send('Page.getInstallabilityErrors'));
      if (errors.length === 0) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(errors, [], 'Page.getInstallabilityErrors');

    const got = await cdp.send('Page.getAppManifest');
    assert.equal(got.url, `${server.url}/manifest.webmanifest`);
    assert.deepEqual(got.errors, [], 'manifest parse errors');
    const m = JSON.parse(got.data);
    assert.equal(m.name, en.WebAppName);
    assert.equal(m.short_name, en.WebAppShortName);
    assert.ok(m.short_name.length <= 12, 'a short name fits under a home-screen icon');
    assert.equal(m.start_url, '/');
    assert.equal(m.scope, '/');
    assert.equal(m.display, 'standalone');
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(m.background_color, /^#[0-9a-f]{6}$/i);
    assert.equal(await page.getAttribute('meta[name="theme-color"]', 'content'), m.theme_color, 'the page and the manifest agree on the theme colour');

    for (const size of [192, 512]) {
      for (const purpose of ['any', 'maskable']) {
        const icon = m.icons.find((i) => i.sizes === `${size}x${size}` && i.purpose.split(' ').includes(purpose));
        assert.ok(icon, `a ${size} px icon for purpose ${purpose}`);
        assert.equal(icon.type, 'image/png');
        const res = await fetch(new URL(icon.src, server.url));
        assert.equal(res.status, 200, icon.src);
        assert.equal(res.headers.get('content-type'), 'image/png', icon.src);
        assert.deepEqual(pngSize(Buffer.from(await res.arrayBuffer())), { width: size, height: size }, icon.src);
      }
    }
  } finally {
    await cdp.detach();
  }

  // The installed app is named in the resident's language, Arabic right to left.
  const ar = await (await fetch(`${server.url}/manifest.webmanifest`, { headers: { 'Accept-Language': 'ar' } })).json();
  assert.equal(ar.lang, 'ar');
  assert.equal(ar.dir, 'rtl');
  assert.equal(ar.name, (await apiJSON(server.url, '/api/v1/locales/ar')).messages.WebAppName);
  await page.close();
});

test('the worker stays the same while the app does not change, and precaches every file the home page loads', async () => {
  const sw = await workerScript();
  const page = await context.newPage();
  const loaded = new Set();
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin === server.url && ['script', 'stylesheet', 'image', 'font', 'manifest'].includes(req.resourceType())) {
      loaded.add(url.pathname);
    }
  });
  await open(page, `${server.url}/`);
  await activated(page);
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForLoadState('networkidle');

  assert.ok(loaded.has('/app/main.js') && loaded.has('/build/app.css') && loaded.has('/app/views/start.js'), [...loaded].join(' '));
  for (const p of loaded) {
    assert.ok(sw.files.includes(p) || p === '/manifest.webmanifest', `${p} is loaded by the home page but not precached`);
  }
  // The worker keeps the app's words for every language the app offers.
  const offered = await page.evaluate(async () => (await import('/app/i18n.js')).LANGUAGES.map((l) => l.code));
  assert.deepEqual(sw.langs, offered);

  const state = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const first = reg.active;
    await reg.update();
    return {
      same: reg.active === first,
      installing: reg.installing !== null,
      waiting: reg.waiting !== null,
      script: reg.active.scriptURL,
      caches: (await caches.keys()).filter((k) => k.startsWith('fd-shell-')),
    };
  });
  assert.deepEqual(state, {
    same: true, installing: false, waiting: false, script: `${server.url}/sw.js`, caches: [`fd-shell-${sw.version}`],
  });
  // The server stamps the same worker every time: byte for byte, same ETag.
  const again = await fetch(`${server.url}/sw.js`);
  assert.equal(await again.text(), sw.text);
  assert.equal(again.headers.get('cache-control'), 'no-cache');
  await page.close();
});

test('push messages become notifications that open a page of this app and nowhere else', async () => {
  await context.grantPermissions(['notifications'], { origin: server.url });
  const page = await appPage('/');
  const cdp = await context.newCDPSession(page);
  const pushes = [
    { data: { title: 'Your request was updated', body: 'Grass and hedge cutting: in progress', url: '/cases/ABC-DEF-GHJ', tag: 'case-x' }, url: '/cases/ABC-DEF-GHJ' },
    { data: { title: 'Elsewhere', body: 'b', url: 'https://evil.example/', tag: 'evil-1' }, url: '/' },
    { data: { title: 'Elsewhere', body: 'b', url: '//evil.example/x', tag: 'evil-2' }, url: '/' },
    { data: { title: 'Elsewhere', body: 'b', url: 'javascript:alert(1)', tag: 'evil-3' }, url: '/' },
    { data: { title: 'Elsewhere', body: 'b', url: '/\\evil.example/', tag: 'evil-4' }, url: '/' },
    { data: { title: 'Here', body: 'b', url: '/track?ref=ABC-DEF-GHJ', tag: 'here' }, url: '/track?ref=ABC-DEF-GHJ' },
    // The server sends whole addresses on its own origin (emails need them).
    { data: { title: 'Whole', body: 'b', url: `${server.url}/account/changes/c1`, tag: 'whole' }, url: '/account/changes/c1' },
  ];
  try {
    const registered = new Promise((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const r = registrations.find((x) => x.scopeURL === `${server.url}/` && !x.isDeleted);
        if (r) resolve(r);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const { registrationId } = await registered;
    // A push delivered while the worker is still starting can be lost (as
    // a real push service would retry it): touch the worker first, and send
    // again what has not shown within two seconds. Same tag, same notification.
    const [worker] = context.serviceWorkers();
    await worker?.evaluate(() => self.registration.active.state);
    for (const p of pushes) {
      for (let attempt = 0; attempt < 3; attempt++) {
        await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify(p.data) });
        const seen = await page.evaluate(async (tag) => {
          const reg = await navigator.serviceWorker.ready;
          for (let i = 0; i < 40; i++) {
            if ((await reg.getNotifications({ tag })).length) return true;
            await new Promise((r) => setTimeout(r, 50));
          }
          return false;
        }, p.data.tag);
        if (seen) break;
      }
    }
    const shown = await page.evaluate(async (tags) => {
      const reg = await navigator.serviceWorker.ready;
      for (let i = 0; i < 100; i++) {
        const all = await reg.getNotifications();
        if (tags.every((t) => all.some((n) => n.tag === t))) {
          return all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url, icon: n.icon }));
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return (await reg.getNotifications()).map((n) => n.tag);
    }, pushes.map((p) => p.data.tag));
    for (const p of pushes) {
      const n = shown.find((x) => x.tag === p.data.tag);
      assert.ok(n, `notification ${p.data.tag} shown (got ${JSON.stringify(shown)})`);
      assert.equal(n.title, p.data.title);
      assert.equal(n.body, p.data.body);
      assert.equal(n.url, p.url, `a push naming ${p.data.url} opens ${p.url}`);
      assert.equal(n.icon, `${server.url}/icons/icon-192.png`);
    }
  } finally {
    await cdp.send('ServiceWorker.disable').catch(() => {});
    await cdp.detach();
  }
  await page.close();
});

test('offline, the app opens from the worker: the home page in full, other pages sensibly, and a language never used online', async () => {
  const sw = await workerScript();
  const page = await appPage('/');
  // Answers the app reads are kept per language for offline use.
  await page.evaluate(async () => {
    for (const lang of ['en', 'cy']) await fetch('/api/v1/services', { headers: { 'Accept-Language': lang } });
  });
  await context.setOffline(true);
  try {
    const res = await page.reload();
    assert.ok(res.fromServiceWorker(), '/ came from the service worker');
    await page.waitForSelector('html[data-ready="true"]');
    const banner = page.locator('#offline');
    assert.ok(await banner.isVisible(), 'the offline banner shows');
    assert.equal(await banner.textContent(), en.WebOfflineBanner);
    assert.equal(await page.textContent('main h1'), en.WebStartTitle);
    assert.equal(await page.locator('main h2 a').count(), 3, 'the home page draws all its tasks');
    await shot(page, 'platform-offline-home-en');

    for (const path of ['/services', '/track']) {
      const r = await page.goto(server.url + path);
      assert.ok(r.fromServiceWorker(), `${path} came from the service worker`);
      await page.waitForSelector('html[data-ready="true"]');
      assert.ok(await page.locator('#offline').isVisible(), `the offline banner shows on ${path}`);
      const h1 = (await page.textContent('main h1')).trim();
      assert.ok(h1 && ![en.WebErrorTitle, en.WebNotFoundTitle].includes(h1), `${path} offline shows "${h1}"`);
      if (path === '/track' && sw.files.includes('/app/views/track.js')) {
        assert.notEqual(h1, en.WebOfflineTitle, 'tracking needs no data to draw its form: it draws offline');
      }
      if (h1 === en.WebOfflineTitle) {
        assert.equal((await page.textContent('main p')).trim(), en.WebOfflineBody);
        assert.equal(await page.getAttribute('main a[href="/"]', 'href'), '/', 'the offline page links home');
      }
      const text = await page.evaluate(() => document.body.innerText);
      assert.doesNotMatch(text, /\bWeb[A-Z][A-Za-z]+\b/, `${path}: no message id shows instead of words`);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await shot(page, `platform-offline${path.replace(/\//g, '-')}-en`);
    }

    // Cymraeg was never loaded online; the worker installed its words anyway.
    await page.goto(`${server.url}/`);
    await page.waitForSelector('html[data-ready="true"]');
    await page.focus('a[hreflang="cy"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('html[lang="cy"]');
    assert.equal(await page.textContent('main h1'), cy.WebStartTitle);
    await shot(page, 'platform-offline-home-cy');
    const welshBanner = await page.textContent('#offline');

    // Kept copies are answered in the language asked for, marked as copies;
    // asked in Polish, never kept, the latest copy beats nothing.
    const kept = await page.evaluate(async () => {
      const ask = async (lang, path = '/api/v1/services') => {
        try {
          const r = await fetch(path, { headers: { 'Accept-Language': lang } });
          return { status: r.status, offline: r.headers.get('X-Frontdoor-Offline'), lang: r.headers.get('Content-Language') };
        } catch (e) { return { error: e.name }; }
      };
      return { en: await ask('en'), cy: await ask('cy'), pl: await ask('pl'), other: await ask('en', '/api/v1/services/no-such') };
    });
    for (const l of ['en', 'cy', 'pl']) {
      assert.equal(kept[l].status, 200, l);
      assert.ok(kept[l].offline, `a kept answer carries X-Frontdoor-Offline (${l})`);
    }
    assert.deepEqual([kept.en.lang, kept.cy.lang, kept.pl.lang], ['en', 'cy', 'cy']);
    assert.deepEqual(kept.other, { error: 'TypeError' }, 'what was never kept fails as offline');
    // The banner speaks the language switched to, like the rest of the page.
    assert.equal(welshBanner, cy.WebOfflineBanner, 'the offline banner follows the language switch');
  } finally {
    await context.setOffline(false);
  }
  await page.evaluate(() => localStorage.removeItem('fd.lang'));
  await page.close();
});

test('the shell and its files carry a strict CSP, the shell has no inline script or style, and the app logs no errors', async () => {
  const csp = (h) => Object.fromEntries(h.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  for (const [path, accept] of [['/', 'text/html'], ['/cases/ABC-DEF-GHJ', 'text/html'], ['/app/main.js', '*/*'],
    ['/build/app.css', 'text/css'], ['/sw.js', '*/*'], ['/manifest.webmanifest', '*/*']]) {
    const res = await fetch(server.url + path, { headers: { Accept: accept } });
    assert.equal(res.status, 200, path);
    const policy = res.headers.get('content-security-policy');
    assert.ok(policy, `${path} has a Content-Security-Policy`);
    const d = csp(policy);
    assert.deepEqual(d['script-src'], ["'self'"], `${path} script-src`);
    assert.deepEqual(d['style-src'], ["'self'"], `${path} style-src`);
    assert.deepEqual(d['object-src'], ["'none'"], `${path} object-src`);
    assert.deepEqual(d['frame-ancestors'], ["'none'"], `${path} frame-ancestors`);
    assert.deepEqual(d['base-uri'], ["'none'"], `${path} base-uri`);
    assert.doesNotMatch(policy, /unsafe-(inline|eval)/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
  }

  for (const lang of ['en', 'cy', 'pl', 'ar']) {
    const html = await (await fetch(`${server.url}/`, { headers: { Accept: 'text/html', 'Accept-Language': lang } })).text();
    assert.match(html, new RegExp(`<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"`));
    for (const m of html.matchAll(/<script\b[^>]*>/gi)) assert.match(m[0], /\bsrc="\/[^"]+"/, `inline script in the ${lang} shell: ${m[0]}`);
    assert.doesNotMatch(html, /<style\b/i, `no <style> in the ${lang} shell`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `no style attribute in the ${lang} shell`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `no inline event handler in the ${lang} shell`);
    assert.doesNotMatch(html, /javascript:/i, `no javascript: URL in the ${lang} shell`);
  }

  // A first visit, as a resident makes it: home, the footer's pages, home again.
  const fresh = await launch();
  try {
    const page = await fresh.newPage();
    const problems = [];
    page.on('console', (msg) => { if (['error', 'warning'].includes(msg.type())) problems.push(`${msg.type()}: ${msg.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await open(page, `${server.url}/`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    for (const href of ['/accessibility', '/privacy', '/']) {
      await page.click(`a[href="${href}"]`);
      await page.waitForFunction((p) => location.pathname === p, href);
      await page.waitForSelector('main h1');
    }
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, [], 'no console errors or warnings');
  } finally {
    await fresh.close();
  }
});
