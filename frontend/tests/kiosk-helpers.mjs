// Helpers of the kiosk tests: a terminal enrolled through the API, each
// screen checked (axe, 44-pixel targets, a screenshot), the tokens the
// terminal sent, and everything a browser keeps for an origin, read back
// to prove a finished session left nothing behind.

import assert from 'node:assert/strict';
import { apiJSON, axe, launch, shot } from './harness.mjs';

export const TERMINAL = { width: 1024, height: 1280 }; // a kiosk's portrait screen
export const LOCATION = {
  kind: 'library', name: 'Central Library', address: '125 Armada Way, Plymouth PL1 1HZ', idle_timeout_seconds: 30, printer: true,
};

// enrolmentCode is a fresh code a supervisor made for the Central Library.
export async function enrolmentCode(server) {
  const supervisor = await server.staff({ email: `kiosk-super-${Date.now()}@council.example`, role: 'supervisor' });
  const { code } = await supervisor('/api/v1/kiosk/enrolments', { method: 'POST', body: { location: LOCATION, profile: 'self-service' } });
  return { code, supervisor };
}

export const terminal = () => launch({ viewport: TERMINAL });

// screen waits for a page whose h1 holds text (or matches a RegExp), then
// checks it: axe, every target at least 44 by 44, and a screenshot.
export async function screen(page, text, name) {
  await page.waitForFunction((w) => {
    const s = document.querySelector('main h1')?.textContent.replace(/\s+/g, ' ').trim();
    return s !== undefined && (w.re ? new RegExp(w.re).test(s) : s.includes(w.s));
  }, text instanceof RegExp ? { re: text.source } : { s: text }, { timeout: 15000 }).catch(async (e) => {
    const now = await page.evaluate(() => `${location.href}\n${document.querySelector('main')?.innerText}`).catch(() => '?');
    throw new Error(`waiting for "${text}": ${e.message}\nthe page shows: ${now.slice(0, 600)}`);
  });
  await page.waitForLoadState('networkidle');
  if (name) {
    assert.deepEqual(await axe(page), [], `axe on ${name}`);
    assert.deepEqual(await smallTargets(page), [], `targets under 44 px on ${name}`);
    await shot(page, name);
  }
}

// smallTargets lists the links, buttons and fields shown smaller than 44 by
// 44 CSS pixels.
export function smallTargets(page) {
  return page.evaluate(() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.govuk-visually-hidden')
        && !el.classList.contains('govuk-skip-link') && (r.width < 44 || r.height < 44);
    })
    .map((el) => {
      const r = el.getBoundingClientRect();
      return `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${r.width.toFixed(1)}x${r.height.toFixed(1)}`;
    }));
}

// look presses a look toggle (large text, high contrast) until it is on.
export async function look(page, label, on = true) {
  const b = page.locator('#kiosk-bar button', { hasText: label });
  if ((await b.getAttribute('aria-pressed')) !== String(on)) await b.click();
  assert.equal(await b.getAttribute('aria-pressed'), String(on));
}

// tokens collects every Bearer token the page sends.
export function tokens(page) {
  const seen = new Set();
  page.on('request', (req) => {
    req.headerValue('authorization').then((v) => { if (v?.startsWith('Bearer ')) seen.add(v.slice(7)); }).catch(() => {});
  });
  return seen;
}

// browserState is everything the origin keeps in the browser: local and
// session storage, every IndexedDB database's records, every cache's
// entries with their bodies, and the cookies.
export async function browserState(page) {
  const state = await page.evaluate(async () => {
    const records = (db, store) => new Promise((resolve, reject) => {
      const req = db.transaction(store).objectStore(store).getAll();
      req.onsuccess = () => resolve(JSON.stringify(req.result));
      req.onerror = () => reject(req.error);
    });
    const databases = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      databases[name] = {};
      for (const store of db.objectStoreNames) databases[name][store] = JSON.parse(await records(db, store));
      db.close();
    }
    const caches_ = {};
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      caches_[name] = [];
      for (const req of await c.keys()) caches_[name].push({ url: new URL(req.url).pathname, body: await (await c.match(req)).text() });
    }
    return {
      local: Object.fromEntries(Object.entries(localStorage)),
      session: Object.fromEntries(Object.entries(sessionStorage)),
      databases,
      caches: caches_,
    };
  });
  state.cookies = await page.context().cookies();
  return state;
}

// assertWiped checks the terminal's browser after a session: only the
// device credential in localStorage, nothing in sessionStorage, no records
// in IndexedDB, no API answer but the app's words in Cache Storage, no
// cookies, and none of secrets (a reference, an email, a token) anywhere.
export async function assertWiped(page, secrets) {
  const state = await browserState(page);
  assert.deepEqual(Object.keys(state.local), ['fd.device'], 'localStorage holds only the device credential');
  assert.match(state.local['fd.device'], /^fdk_/);
  assert.deepEqual(state.session, {}, 'sessionStorage is empty');
  for (const [name, stores] of Object.entries(state.databases)) {
    for (const [store, rows] of Object.entries(stores)) assert.deepEqual(rows, [], `IndexedDB ${name}/${store} is empty`);
  }
  assert.ok(!('fd-api' in state.caches), 'the API cache is gone');
  for (const [name, entries] of Object.entries(state.caches)) {
    for (const e of entries) {
      assert.ok(!e.url.startsWith('/api/') || e.url.startsWith('/api/v1/locales/'), `${name} holds ${e.url}`);
    }
  }
  assert.deepEqual(state.cookies, [], 'no cookies');
  const all = JSON.stringify(state);
  for (const s of secrets) assert.ok(s && !all.includes(s), `"${String(s).slice(0, 12)}…" is still in the browser`);
  return state;
}

// refused says whether the API now refuses token (401).
export async function refused(server, token) {
  try {
    await apiJSON(server.url, '/api/v1/cases', { token });
    return false;
  } catch (e) {
    return e.status === 401;
  }
}
