// Helpers of the account and settings tests: residents made through the
// API, a fake back office that checks Tell Us Once webhooks as the protocol
// defines them, keyboard steps, and axe in English and Arabic.

import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { apiJSON, axe, open, shot } from './harness.mjs';

export const PASSWORD = 'lantern orchard ninety';
let serial = 0;

// newEmail is an address no other test uses (codes per address are limited).
export function newEmail(tag) {
  serial += 1;
  return `${tag}-${process.pid}-${serial}@example.com`;
}

// resident creates a confirmed account through the API.
export async function resident(server, { name = 'Ada Lovelace', email = newEmail('res'), password = PASSWORD, language = 'en' } = {}) {
  await apiJSON(server.url, '/api/v1/auth/register', { method: 'POST', body: { name, email, password, language } });
  await apiJSON(server.url, '/api/v1/auth/verify', { method: 'POST', body: { email, code: await server.code(email) } });
  return { name, email, password };
}

// asResident is a fetch for the API as that resident (a session of its own).
export async function asResident(server, { email, password }) {
  const { access_token: token } = await apiJSON(server.url, '/api/v1/auth/login', { method: 'POST', body: { email, password } });
  return (p, opts = {}) => apiJSON(server.url, p, { ...opts, token });
}

// signInQuickly signs the browser in without the sign-in pages (they have
// tests of their own): the API sets the refresh cookie, and the app resumes
// the session on the next page it opens.
export async function signInQuickly(page, server, { email, password }, path = '/account') {
  await open(page, `${server.url}/`);
  const status = await page.evaluate(async (body) => {
    const res = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    localStorage.setItem('fd.session', '1');
    return res.status;
  }, { email, password });
  assert.equal(status, 200);
  await open(page, server.url + path);
}

// ready waits until the app shows the page at path (a string or RegExp)
// with the heading h1 (likewise): a link or button moves the URL before the
// page is drawn.
export async function ready(page, path, h1) {
  await page.waitForURL((u) => (path instanceof RegExp ? path.test(u.pathname) : u.pathname === path));
  const want = h1 instanceof RegExp ? { source: h1.source } : { text: h1 };
  await page.waitForFunction(({ source, text }) => {
    const got = document.querySelector('main h1')?.textContent.trim();
    return got !== undefined && (source ? new RegExp(source).test(got) : got === text);
  }, want);
}

// setLang turns the app to a language in place, as the header's language
// links do, without saving it on the account.
export async function setLang(page, code) {
  await page.evaluate(async (c) => {
    const [{ use }, { app }] = await Promise.all([import('/app/i18n.js'), import('/app/main.js')]);
    await use(c);
    app.refreshFrame();
    await app.navigate(location.pathname + location.search, { replace: true });
  }, code);
  await page.waitForSelector(`html[lang="${code}"] main h1`);
}

// a11y is harness.axe, without injecting axe-core again while the page still
// holds it (moving between the app's pages keeps it): the injection, not the
// check, is most of harness.axe's time.
export async function a11y(page) {
  if (!(await page.evaluate(() => 'axe' in globalThis))) return axe(page);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

// audit expects no axe violations on the page in English and in Arabic,
// keeping a screenshot of each.
export async function audit(page, name) {
  assert.deepEqual(await a11y(page), [], `axe: ${name} in English`);
  await shot(page, `${name}-en`);
  await setLang(page, 'ar');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.deepEqual(await a11y(page), [], `axe: ${name} in Arabic`);
  await shot(page, `${name}-ar`);
  await setLang(page, 'en');
}

// errorSummary is the text of the page's error summary, once it has focus.
export async function errorSummary(page) {
  await page.waitForSelector('.govuk-error-summary:focus');
  assert.match(await page.title(), /^Error: |^Gwall: |^Błąd: |^خطأ: /);
  return page.textContent('.govuk-error-summary');
}

// tabTo presses Tab until the focused element matches {selector} or has
// {text}, and fails if it never does.
export async function tabTo(page, what, { max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate(({ selector, text }) => {
      const el = document.activeElement;
      if (!el || el === document.body) return false;
      return selector ? el.matches(selector) : el.textContent.trim() === text;
    }, what);
    if (hit) return;
  }
  throw new Error(`Tab never reached ${JSON.stringify(what)}`);
}

// backOffice is a council system receiving Tell Us Once webhooks. It checks
// each as the protocol defines: Frontdoor-Signature "t=<unix>,v1=<hex
// HMAC-SHA256 of "<t>.<raw body>" keyed with the connector's secret>", a
// recent t, and Idempotency-Key "<change id>:<connector key>". failFirst
// answers a path's first delivery with 500 and Retry-After.
export async function backOffice() {
  const secrets = new Map(); // path -> secret
  const failFirst = new Map(); // path -> Retry-After seconds
  const received = []; // {path, key, body, valid, status}
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8'));
      const valid = verify(secrets.get(req.url), req.headers['frontdoor-signature'], raw)
        && req.headers['idempotency-key'] === `${body.change_id}:${req.url.slice(1)}`;
      const fail = valid && failFirst.has(req.url) && !received.some((r) => r.path === req.url);
      const status = !valid ? 401 : fail ? 500 : 204;
      received.push({ path: req.url, key: req.headers['idempotency-key'], body, valid, status });
      res.writeHead(status, fail ? { 'Retry-After': String(failFirst.get(req.url)) } : {});
      res.end();
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${srv.address().port}`;
  return {
    secrets, failFirst, received,
    url: (key) => `${base}/${key}`,
    close: () => new Promise((resolve) => { srv.closeAllConnections(); srv.close(resolve); }),
  };
}

function verify(secret, header, raw) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
  if (!secret || !m || Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const want = createHmac('sha256', secret).update(`${m[1]}.`).update(raw).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

// connector registers a back-office service (as an admin) whose webhook
// is the fake back office's /<key>.
export async function connector(admin, office, key, names, fields = ['address', 'name', 'contact']) {
  const c = await admin('/api/v1/admin/connectors', {
    method: 'POST', headers: { 'Idempotency-Key': `${key}-${Date.now()}` },
    body: { key, names, url: office.url(key), fields },
  });
  office.secrets.set(`/${key}`, c.secret);
  return c;
}

// ukDate is today (plus days) in the UK as [year, month, day] strings.
export function ukDate(days = 0) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() + days * 864e5)).split('-');
}

// fillDate types [year, month, day] into a GOV.UK date input.
export async function fillDate(page, id, [y, m, d]) {
  await page.fill(`#${id}`, d);
  await page.fill(`#${id}-month`, m);
  await page.fill(`#${id}-year`, y);
}
