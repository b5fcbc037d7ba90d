// The kiosk frame (issue 7). On a terminal enrolled in a library or a
// wellbeing hub, every journey of the app runs inside a kiosk session that
// belongs to the person at the screen, and nothing of theirs outlives it.
// main.js loads this module at boot only when the browser holds a device
// credential (localStorage "fd.device": the terminal's, not a person's), so
// the phone app never pays for it.
//
// - The frame on every screen: Finish, "Continue on my phone", large text
//   and high contrast (the header already switches language in one tap).
// - The session: started from the start screen (views/kiosk.js); its token
//   is kept in memory only and renewed through the terminal's credential,
//   as a kiosk session has no refresh cookie.
// - Idle: from the session's idle_at, a warning with a countdown and "I need
//   more time" at least 20 seconds before the end (WCAG 2.2.1).
// - The end (Finish, idle, staff, hand-off, a revoked terminal): the server
//   is told (its answer carries Clear-Site-Data), the app wipes the browser
//   itself as well, and a fresh document opens on the start screen.

import { ApiError, endSession, onSession, setRenewer, signedIn, startSession } from './api.js';
import { lang, t } from './i18n.js';
import { button, h } from './ui.js';

const DEVICE = 'fd.device';
const LIVE = 'fd.kiosk'; // sessionStorage: this tab's session id, so that a reload carries on
const LOOK = 'fd.kiosk.look'; // sessionStorage: large text, high contrast
const LOOKS = ['large-text', 'high-contrast'];
const POLL = 5000;
const POLL_PHONE = 2000; // while a hand-off code is on screen
const TOUCH_EVERY = 5500; // the server takes at most one touch in 5 s
const WARN_MIN = 20000; // WCAG 2.2.1: at least 20 s to ask for more time
const WARN_MAX = 60000;

let app = null;
let device = null; // the terminal's credential, kept in memory across the wipe
let terminal = null; // GET /api/v1/kiosk/device: name, location, profile
let session = null; // {id, token, started, deadline, span, signedIn, channel, guided}
let skew = 0; // the server's clock minus this one's, from the Date header
let ending = null;
let lastPath = null; // the last journey page shown: what "Continue on my phone" continues
let timers = {};
let warning = null;
let assist = null;
const realFetch = window.fetch.bind(window);

export const active = () => !!device;
export const live = () => !!session && !ending;
export const place = () => terminal;
export const isSignedIn = () => !!session?.signedIn;
export const journeyPath = () => lastPath || '/';

// start takes over the frame; main.js awaits it before the first page.
export async function start(theApp) {
  app = theApp;
  device = localStorage.getItem(DEVICE);
  document.documentElement.classList.add('app-kiosk');
  wrapNavigation();
  wrapFetch();
  // A shared screen must never subscribe to someone's notifications
  // (app/push.js then says this browser cannot).
  try { delete window.PushManager; } catch { /* not configurable here */ }
  for (const ev of ['pointerdown', 'keydown', 'input', 'wheel']) document.addEventListener(ev, activity, { capture: true, passive: true });
  document.addEventListener('fd:rendered', rendered);
  // Signing out (the account page's button) ends the kiosk session too.
  onSession((on) => { if (!on && session?.signedIn) finish('finish'); });
  // A page brought back from the back-forward cache after a wipe shows nothing of anyone.
  window.addEventListener('pageshow', (ev) => { if (ev.persisted && !session) location.replace('/kiosk'); });
  window.addEventListener('pagehide', () => { if (device && !localStorage.getItem(DEVICE)) localStorage.setItem(DEVICE, device); });

  let view;
  try {
    view = (await asTerminal('/api/v1/kiosk/device')).data;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return revoked();
    view = null; // offline: the start screen says so when a session cannot start
  }
  terminal = view;
  const mine = sessionStorage.getItem(LIVE);
  const current = view?.session;
  if (current && (current.session_id === mine || current.guided)) {
    await resume(current).catch(() => null);
    readLook(!!session);
  } else if (current) {
    // Left running by a page that closed without finishing: nobody may pick it up.
    await asTerminal(`/api/v1/kiosk/sessions/${current.session_id}/end`, { method: 'POST', body: { reason: 'finish' } }).catch(() => {});
  }
  if (!session) await clearBrowser(); // whatever a crash or a failed wipe left behind
  const here = location.pathname + location.search;
  const to = kioskPath(here);
  if (to !== here) history.replaceState(null, '', to);
  drawBar();
  timers.poll = setTimeout(poll, POLL);
}

// begin starts a session for the person at the screen and opens path.
export async function begin(path) {
  if (!session) {
    const { data, date } = await asTerminal('/api/v1/kiosk/sessions', { method: 'POST' });
    take(data, date);
    saveLook(); // as chosen on the start screen
  }
  return app.navigate(path);
}

async function resume(current) {
  const { data, date } = await asTerminal(`/api/v1/kiosk/sessions/${current.session_id}/token`, { method: 'POST' });
  take(data, date);
  session.guided = current.guided;
}

function take(tokens, date) {
  session = { id: tokens.session_id, started: Date.now(), span: idleSpan() };
  sessionStorage.setItem(LIVE, session.id);
  setRenewer(renew);
  adopt(tokens, date);
  timers.tick = setInterval(tick, 1000);
  drawBar();
  import('./kiosk-assist.js').then((m) => {
    if (!live()) return;
    assist = m;
    m.attach(handle, app);
  }).catch(() => {});
}

// handle is the session as app/kiosk-assist.js sees it. adopt(tokens) takes
// a new token of the session (after a join is confirmed, say).
const handle = {
  get id() { return session?.id; },
  get token() { return session?.token; },
  get signedIn() { return !!session?.signedIn; },
  get channel() { return session?.channel; },
  get guided() { return !!session?.guided; },
  get location() { return terminal?.location; },
  get profile() { return terminal?.profile; },
  adopt: (tokens) => adopt(tokens),
  finish: (reason) => finish(reason),
};

// adopt keeps a token of the session. A resident's token goes to api.js, so
// that the app knows someone is signed in; an anonymous session's stays
// here and goes on the app's API requests (see wrapFetch), so the app still
// asks for contact details as it does for anyone not signed in.
function adopt(tokens, date) {
  if (!session || tokens.session_id !== session.id) return;
  session.token = tokens.access_token;
  session.channel = tokens.channel;
  session.signedIn = !!tokens.signed_in;
  if (tokens.idle_at) deadline(tokens.idle_at, date);
  if (session.signedIn) startSession(tokens);
}

let renewing = null;
function renew() {
  if (!session) return Promise.resolve(null);
  renewing ||= asTerminal(`/api/v1/kiosk/sessions/${session.id}/token`, { method: 'POST' })
    .then(({ data, date }) => { adopt(data, date); return data; })
    .catch(() => null)
    .finally(() => { renewing = null; });
  return renewing;
}

// The terminal's requests, with its credential.
function asTerminal(path, opts) { return send(path, opts, `Device ${device}`); }

// The session's own requests, with its token, renewed once when refused.
async function asSession(path, opts) {
  try {
    return await send(path, opts, `Bearer ${session?.token}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401 || !await renew()) throw e;
    return send(path, opts, `Bearer ${session?.token}`);
  }
}

async function send(path, { method = 'GET', body } = {}, authorization) {
  const headers = { Accept: 'application/json', 'Accept-Language': lang(), Authorization: authorization };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await realFetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, date: res.headers.get('Date') };
}

// wrapFetch puts an anonymous session's token on the app's API requests
// that carry none (api.js adds a signed-in resident's itself).
function wrapFetch() {
  window.fetch = async (input, init = {}) => {
    const url = typeof input === 'string' || input instanceof URL ? new URL(input, location.href) : null;
    const ours = url && url.origin === location.origin && url.pathname.startsWith('/api/');
    const headers = new Headers(init.headers);
    if (!ours || !live() || signedIn() || headers.has('Authorization')) return realFetch(input, init);
    const go = () => {
      headers.set('Authorization', `Bearer ${session?.token}`);
      return realFetch(input, { ...init, headers });
    };
    const res = await go();
    return res.status === 401 && await renew() ? go() : res;
  };
}

// kioskPath is where the kiosk sends a path: sign-in takes a code here (no
// password on a shared keyboard), and with no session every path leads to
// the start screen.
function kioskPath(to) {
  const u = new URL(to, location.href);
  if (/^\/(sign-in|register)(\/|$)/.test(u.pathname)) {
    const next = u.searchParams.get('next');
    return `/kiosk/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`;
  }
  if (!session && !u.pathname.startsWith('/kiosk')) return '/kiosk';
  return u.pathname + u.search + u.hash;
}

function wrapNavigation() {
  const navigate = app.navigate;
  app.navigate = (to, opts) => (ending ? ending : navigate(kioskPath(to), opts));
}

function rendered() {
  if (!location.pathname.startsWith('/kiosk')) lastPath = location.pathname + location.search;
  // A language chosen on the start screen is for this person: not kept for a reload.
  if (!session) localStorage.removeItem('fd.lang');
  drawBar();
  offerPrint();
}

// The frame: who the terminal is, the look toggles, and in a session
// "Continue on my phone" and Finish.
function drawBar() {
  let bar = document.getElementById('kiosk-bar');
  if (!bar) {
    bar = h('section', { id: 'kiosk-bar', class: 'app-kiosk-bar' });
    document.getElementById('header').before(bar);
  }
  bar.setAttribute('aria-label', t('WebKioskBarLabel'));
  const inSession = live();
  bar.replaceChildren(h('div', { class: 'govuk-width-container app-kiosk-bar__inner' },
    h('p', { class: 'app-kiosk-bar__place' }, terminal?.location?.name || ''),
    h('div', { class: 'app-kiosk-bar__tools' },
      toggle('large-text', t('WebKioskLargeText')),
      toggle('high-contrast', t('WebKioskHighContrast')),
      inSession && location.pathname !== '/kiosk/phone'
        ? button(t('WebKioskPhone'), { type: 'button', secondary: true, onclick: () => app.navigate('/kiosk/phone') }) : null,
      inSession ? Object.assign(button(t('WebKioskFinish'), { type: 'button', warning: true, onclick: () => finish('finish') }), { id: 'kiosk-finish' }) : null)));
}

function toggle(look, text) {
  const root = document.documentElement;
  const b = h('button', { type: 'button', class: 'govuk-button govuk-button--secondary app-kiosk-toggle', 'aria-pressed': String(root.classList.contains(`app-${look}`)) }, text);
  b.addEventListener('click', () => {
    b.setAttribute('aria-pressed', String(root.classList.toggle(`app-${look}`)));
    saveLook();
  });
  return b;
}

// The look lasts for one person: kept for a reload while their session
// runs, gone with it.
function saveLook() {
  if (!session) return;
  sessionStorage.setItem(LOOK, LOOKS.filter((l) => document.documentElement.classList.contains(`app-${l}`)).join(' '));
}

function readLook(keep) {
  const on = keep ? (sessionStorage.getItem(LOOK) || '').split(' ') : [];
  for (const l of LOOKS) document.documentElement.classList.toggle(`app-${l}`, on.includes(l));
}

// offerPrint puts "Print this confirmation" under a confirmation panel
// where the location has a printer.
function offerPrint() {
  if (!terminal?.location?.printer) return;
  const panel = document.querySelector('#main .govuk-panel--confirmation');
  if (!panel || panel.nextElementSibling?.classList.contains('app-kiosk-print')) return;
  panel.after(h('div', { class: 'app-kiosk-print' }, button(t('WebKioskPrint'), { type: 'button', secondary: true, onclick: () => window.print() })));
}

// Idle: the deadline is the server's idle_at on this screen's clock.
function idleSpan() {
  return (terminal?.session?.location || terminal?.location)?.idle_timeout_seconds * 1000 || 120000;
}

function deadline(idleAt, date) {
  if (date) skew = Date.parse(date) - Date.now();
  session.deadline = Date.parse(idleAt) - skew;
}

function warnBefore() { return Math.min(WARN_MAX, Math.max(WARN_MIN, session.span / 2)); }

function tick() {
  if (!live() || !session.deadline) return;
  const left = session.deadline - Date.now();
  if (left <= 0) finish('idle');
  else if (left <= warnBefore()) showWarning(left);
  else hideWarning();
}

// activity is any press, key or scroll: a touch, at most one in TOUCH_EVERY.
function activity() {
  if (!live() || warning) return;
  const wait = (timers.lastTouch || 0) + TOUCH_EVERY - Date.now();
  if (wait <= 0) touch();
  else timers.touch ||= setTimeout(() => { timers.touch = 0; touch(); }, wait);
}

async function touch() {
  if (!live()) return;
  timers.lastTouch = Date.now();
  try {
    const { data, date } = await asSession(`/api/v1/kiosk/sessions/${session.id}/touch`, { method: 'POST' });
    if (live()) deadline(data.idle_at, date);
  } catch (e) {
    if (e instanceof ApiError && e.status < 500 && e.status !== 429) finish('ended');
  }
}

function showWarning(left) {
  const secs = Math.ceil(left / 1000);
  if (!warning) {
    const more = button(t('WebKioskIdleMore'), { type: 'button', onclick: moreTime });
    warning = {
      secs: 0,
      count: h('p', { class: 'govuk-body-l app-kiosk-countdown', 'aria-hidden': 'true' }),
      said: h('p', { class: 'govuk-visually-hidden', 'aria-live': 'assertive', 'aria-atomic': 'true' }),
    };
    warning.node = h('dialog', {
      class: 'app-kiosk-dialog', 'aria-labelledby': 'kiosk-idle-title', 'aria-describedby': 'kiosk-idle-body',
      oncancel: (ev) => { ev.preventDefault(); moreTime(); },
    },
    h('h2', { class: 'govuk-heading-l', id: 'kiosk-idle-title' }, t('WebKioskIdleTitle')),
    warning.count, warning.said,
    h('p', { class: 'govuk-body', id: 'kiosk-idle-body' }, t('WebKioskIdleBody')),
    h('div', { class: 'govuk-button-group' }, more,
      button(t('WebKioskIdleFinish'), { type: 'button', secondary: true, onclick: () => finish('finish') })));
    document.body.append(warning.node);
    warning.node.showModal();
    more.focus();
  }
  if (secs === warning.secs) return;
  const text = t('WebKioskIdleCountdown', { Count: secs });
  warning.count.textContent = text;
  // Screen readers hear it when it opens and every ten seconds, not each second.
  if (!warning.secs || secs % 10 === 0) warning.said.textContent = text;
  warning.secs = secs;
}

function hideWarning() {
  if (!warning) return;
  warning.node.close();
  warning.node.remove();
  warning = null;
}

async function moreTime() {
  hideWarning();
  timers.lastTouch = 0;
  await touch();
}

// poll follows the terminal: its session ending elsewhere (staff, the phone
// that claimed a hand-off, the server's own idle end), a staff-guided
// session to pick up on the start screen, and the terminal being revoked.
async function poll() {
  clearTimeout(timers.poll);
  const sent = Date.now();
  try {
    const { data, date } = await asTerminal('/api/v1/kiosk/device');
    terminal = data;
    const current = data.session;
    if (ending) return;
    if (session && sent >= session.started) {
      if (current?.session_id !== session.id) {
        finish('ended');
        return;
      }
      deadline(current.idle_at, date);
      session.span = idleSpan();
    } else if (!session && current?.guided) {
      await resume(current);
      app.navigate('/');
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { revoked(); return; }
    // offline or unwell: try again
  }
  timers.poll = setTimeout(poll, location.pathname === '/kiosk/phone' ? POLL_PHONE : POLL);
}

// finish ends the session, whatever ended it: reason is finish or idle
// (told to the server), phone or ended (it ended elsewhere).
export function finish(reason = 'finish') {
  // Ended elsewhere while its hand-off code showed: the phone took it.
  const why = reason === 'ended' && location.pathname === '/kiosk/phone' ? 'phone' : reason;
  ending ||= wipe(why);
  return ending;
}

async function wipe(reason) {
  const id = session?.id;
  stopAll();
  if (id && device) {
    // Its answer carries Clear-Site-Data: the browser drops this origin's
    // storage, caches and cookies (the terminal's credential too, which
    // clearBrowser puts back).
    await asTerminal(`/api/v1/kiosk/sessions/${id}/end`, { method: 'POST', body: { reason: reason === 'idle' ? 'idle' : 'finish' } }).catch(() => {});
  }
  await endSession().catch(() => {});
  await clearBrowser();
  // A fresh document: nothing of the last person is left in memory, and
  // Back re-draws pages from the API with no token.
  location.replace(`/kiosk?ended=${reason}`);
  return new Promise(() => {}); // the page is going
}

function stopAll() {
  clearInterval(timers.tick);
  clearTimeout(timers.touch);
  clearTimeout(timers.poll);
  timers = {};
  try { assist?.detach(); } catch (e) { console.warn('kiosk-assist', e); }
  assist = null;
  hideWarning();
  session = null;
  setRenewer(null);
  document.getElementById('main')?.replaceChildren();
  document.getElementById('kiosk-bar')?.replaceChildren();
}

// clearBrowser wipes what this origin keeps in the browser, but the
// terminal's credential and the app's own files (the service worker's
// shell cache).
async function clearBrowser() {
  const steps = [
    () => sessionStorage.clear(),
    () => { localStorage.clear(); if (device) localStorage.setItem(DEVICE, device); },
    async () => {
      for (const name of await caches.keys()) if (!name.startsWith('fd-shell-')) await caches.delete(name);
    },
    async () => {
      const dbs = indexedDB.databases ? await indexedDB.databases() : [{ name: 'frontdoor' }];
      await Promise.all(dbs.map((db) => dropDatabase(db.name)));
    },
    () => {
      for (const c of document.cookie.split(';')) {
        const name = c.split('=')[0].trim();
        if (name) document.cookie = `${name}=; Max-Age=0; path=/`;
      }
    },
  ];
  for (const step of steps) {
    try { await step(); } catch (e) { console.warn('kiosk: clearing', e); }
  }
}

function dropDatabase(name) {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
    setTimeout(resolve, 2000);
  });
}

// revoked: the terminal's credential no longer works. It forgets it, and
// everything else, and asks to be enrolled again.
async function revoked() {
  stopAll();
  device = null;
  await endSession().catch(() => {});
  await clearBrowser();
  location.replace('/kiosk/enrol?revoked=1');
}

// The session's own requests for the kiosk's pages (views/kiosk.js).
export async function sendCode(contact) {
  await asSession(`/api/v1/kiosk/sessions/${session.id}/codes`, { method: 'POST', body: contact });
}

export async function signIn(contact, code) {
  const { data, date } = await asSession(`/api/v1/kiosk/sessions/${session.id}/codes/verify`, { method: 'POST', body: { ...contact, code } });
  adopt(data, date);
  drawBar();
}

export async function handOff() {
  return (await asSession(`/api/v1/kiosk/sessions/${session.id}/handoff`, { method: 'POST', body: { path: journeyPath() } })).data;
}

// pollSoon checks the session now (the hand-off page, once its code shows).
export function pollSoon() {
  clearTimeout(timers.poll);
  timers.poll = setTimeout(poll, POLL_PHONE);
}
