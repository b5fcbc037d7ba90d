// Helpers of the assisted-session tests: terminals enrolled through the API,
// a named member of staff, staff signing in on /sign-in, and the resident's
// kiosk session attached to a page of the app (the kiosk terminal's own
// screens are built elsewhere; kiosk-assist.js is what it calls).

import assert from 'node:assert/strict';
import { apiJSON, axe, open, shot } from './harness.mjs';

export const PASSWORD = 'plymouth hoe lighthouse 1844';

// terminal enrols a staff-assisted terminal at a location named name;
// start() starts a kiosk session on it as the terminal does.
export async function terminal(server, supervisor, name, kind = 'library') {
  const { code } = await supervisor('/api/v1/kiosk/enrolments', {
    method: 'POST', body: { location: { kind, name, address: `${name}, Plymouth`, idle_timeout_seconds: 1800 }, profile: 'assisted' },
  });
  const dev = await apiJSON(server.url, '/api/v1/kiosk/devices', { method: 'POST', body: { code } });
  const device = (p, opts = {}) => apiJSON(server.url, p, { ...opts, headers: { Authorization: `Device ${dev.device_token}` } });
  return { ...dev, name, device, start: () => device('/api/v1/kiosk/sessions', { method: 'POST' }) };
}

// staffMember creates a member of staff with a name (residents see it) through
// the admin API, and returns their account.
export async function staffMember(admin, { name, email, teams = ['grounds-maintenance'] }) {
  return admin('/api/v1/admin/users', { method: 'POST', body: { email, name, role: 'staff', teams, password: PASSWORD } });
}

// residentAccount makes a resident with a confirmed email: {email, id}.
export async function residentAccount(server, name = 'Jo Resident') {
  const email = `resident-${Date.now()}@example.com`;
  await apiJSON(server.url, '/api/v1/auth/register', { method: 'POST', body: { name, email, password: PASSWORD } });
  await apiJSON(server.url, '/api/v1/auth/verify', { method: 'POST', body: { email, code: await server.code(email) } });
  const tokens = await apiJSON(server.url, '/api/v1/auth/login', { method: 'POST', body: { email, password: PASSWORD } });
  const me = await apiJSON(server.url, '/api/v1/me', { token: tokens.access_token });
  return { email, id: me.id };
}

// signInStaff signs a member of staff in on the app's own sign-in pages,
// with the keyboard, on their way to the console.
export async function signInStaff(page, base, email) {
  await open(page, `${base}/sign-in?next=%2Fstaff%2Fkiosk`);
  await page.fill('#contact', email);
  await page.press('#contact', 'Enter');
  await page.waitForSelector('#password');
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await page.waitForURL(/\/staff\/kiosk$/);
  await page.waitForSelector('main h2#sessions');
}

// attach starts the kiosk session's token in the page and attaches
// kiosk-assist.js to it, as the kiosk terminal does: with the token itself,
// or (handle) with a handle like the kiosk frame's. The page keeps what it
// heard of the session's end in window.assistEnded.
export async function attach(page, session, { handle = false } = {}) {
  await page.evaluate(async ({ s, handle: asHandle }) => {
    const { startSession } = await import('/app/api.js');
    const { app } = await import('/app/main.js');
    startSession(s);
    window.assistEnded = [];
    const m = await import('/app/kiosk-assist.js');
    if (asHandle) m.attach({ id: s.session_id, adopt: startSession, finish: (reason) => window.assistEnded.push(reason) }, app);
    else m.attach(s, app, { onEnded: (reason) => window.assistEnded.push(reason) });
  }, { s: session, handle });
}

// go moves the app to path, as a link would.
export async function go(page, path) {
  await page.evaluate(async (p) => (await import('/app/main.js')).app.navigate(p), path);
  await page.waitForSelector('main h1');
}

// within waits for fn(arg) to be true in the page, at most ms, and says how
// long it took.
export async function within(page, ms, fn, arg) {
  const t0 = Date.now();
  await page.waitForFunction(fn, arg, { timeout: ms, polling: 50 }).catch(async (e) => {
    const now = await page.evaluate(() => `${location.href}\n${document.querySelector('main')?.innerText}`).catch(() => '?');
    throw new Error(`${e.message}\nwaiting for ${JSON.stringify(arg) || fn}\nthe page shows: ${now.slice(0, 800)}`);
  });
  return Date.now() - t0;
}

// textIn says whether an element at selector shows text (a name kept in
// one piece by Unicode isolates reads without them).
export const textIn = ([sel, text]) => [...document.querySelectorAll(sel)]
  .some((el) => el.textContent.replace(/[\u2068\u2069]/g, '').includes(text));

// plain is text without the isolates around names.
export const plain = (s) => s.replace(/[\u2068\u2069]/g, '');

// checked runs axe and keeps a screenshot (the page waits for what it shows
// first: with an event stream open, the network is never idle).
export async function checked(page, name) {
  assert.deepEqual(await axe(page), [], `axe on ${name}`);
  await shot(page, name);
}

// errors collects the page's script errors.
export function watch(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
