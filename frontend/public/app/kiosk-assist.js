// The resident's side of an assisted kiosk session. The kiosk terminal
// calls attach(session, app) when a session starts and detach() when it
// ends. Here the resident answers a member of staff who asks to join (the
// answer is theirs alone, on this screen), sees who is helping, can let
// them see their council record, and can stop sharing. While they share,
// each page and what its form holds (never a password, a one-time code or
// a file) goes to the member of staff, whose filled-in steps arrive in the
// form for the resident to check.

import { ApiError, api, startSession } from './api.js';
import { lang, t } from './i18n.js';
import { listen } from './sse.js';
import { button, buttonGroup, h, p, uid } from './ui.js';

const SEND_AFTER = 400; // ms of quiet typing before the screen is sent again
const OPEN_AFTER = 1000; // ms after attach before the session's stream opens
const MAX_FIELDS = 60; // the server's limits of a shared screen
const MAX_VALUE = 2000;

let s = null; // the attached session's state

// FRAME_REASON names an end as the kiosk frame's finish(reason) does (its
// start screen says why); any other end is "ended".
const FRAME_REASON = { idle: 'idle', handoff: 'phone' };

// attach follows a kiosk session on this screen. session is its token
// ({session_id, access_token, ...}), whose successors (after the
// resident's answer) go to api.js's startSession; or the kiosk frame's
// handle ({id, adopt(tokens), finish(reason)}), which takes them itself.
// The session's end, heard on its stream, goes to onEnded(reason) (a
// function or {onEnded}), else to the handle's finish(): the kiosk code
// does the clean-up, as for any end.
export function attach(session, app, onEnded) {
  detach();
  const id = session.session_id || session.id;
  const ended = typeof onEnded === 'function' ? onEnded : onEnded?.onEnded;
  s = {
    id, app, base: `/api/v1/kiosk/sessions/${encodeURIComponent(id)}`,
    adopt: session.adopt ? (tokens) => session.adopt(tokens) : startSession,
    onEnded: ended || (session.finish ? (reason) => session.finish(FRAME_REASON[reason] || 'ended') : null),
    join: null, name: '', sharing: false, consent: false, asking: false, lang: lang(), timer: 0,
    region: h('section', { class: 'app-assist', 'aria-labelledby': 'app-assist-title', hidden: true }),
    live: h('div', { class: 'govuk-visually-hidden', role: 'status', 'aria-live': 'polite' }),
    dialog: null,
  };
  const main = document.getElementById('main');
  (main?.parentElement?.parentElement || document.body).insertBefore(s.region, main?.parentElement || null);
  document.body.append(s.live);
  document.addEventListener('fd:rendered', onRendered);
  document.addEventListener('input', onTyped, true);
  document.addEventListener('change', onTyped, true);
  const mine = s;
  // The stream opens once the session's first page has loaded: it stays
  // open for the whole session, and nothing is missed by waiting (each
  // connection starts by reading where the join stands).
  s.opening = setTimeout(() => {
    if (s !== mine) return;
    s.stream = listen(`${s.base}/stream`, {
      onOpen: () => refresh(mine),
      onEvent: (name, data) => { if (s === mine) onEvent(name, data); },
      onStop: (status) => { if (s === mine && status) console.warn('assist: stream refused', status); },
    });
  }, OPEN_AFTER);
  return { detach };
}

// detach forgets the session here: the stream, the dialog, the banner.
export function detach() {
  if (!s) return;
  const old = s;
  s = null;
  clearTimeout(old.timer);
  clearTimeout(old.opening);
  old.stream?.close();
  document.removeEventListener('fd:rendered', onRendered);
  document.removeEventListener('input', onTyped, true);
  document.removeEventListener('change', onTyped, true);
  if (old.dialog?.open) old.dialog.close();
  old.dialog?.remove();
  old.region.remove();
  old.live.remove();
}

// refresh reads where the join stands (on each connection: an event may
// have been missed while the stream was away).
async function refresh(mine) {
  const heard = mine.heard;
  const sess = await api(mine.base).catch(() => null);
  if (s !== mine || !sess || mine.heard !== heard) return; // an event since is newer
  const consented = mine.consent;
  mine.consent = !!sess.consent;
  setJoin(sess.join, consented !== mine.consent);
}

function onEvent(name, data) {
  s.heard = (s.heard || 0) + 1;
  if (name === 'join') setJoin(data);
  else if (name === 'input') fill(data);
  else if (name === 'ended') {
    const { onEnded } = s;
    detach();
    onEnded?.(data?.reason);
  }
}

// setJoin follows a join: a question while pending, the banner once
// confirmed (also for a session staff started for the resident).
function setJoin(join, redraw = false) {
  const was = s.join;
  const named = s.name;
  s.join = join?.state || null;
  if (join?.staff_name !== undefined && (join.staff_name || !s.name)) s.name = join.staff_name || '';
  if (s.join === 'pending' && !s.dialog?.open) ask();
  if (s.join !== 'pending' && s.dialog?.open) closeDialog();
  if (s.join === 'confirmed' && was !== 'confirmed') {
    s.sharing = true;
    sendScreen();
  }
  if (s.join !== 'confirmed') s.sharing = false;
  // Drawn again only when it changed: a redraw would take focus from it.
  if (redraw || s.join !== was || s.name !== named) draw();
}

// who is the member of staff's name, kept in one piece (and direction)
// inside a sentence of any language.
const isolate = (name) => `\u2068${name}\u2069`;
const who = () => (s.name ? isolate(s.name) : t('WebAssistSomeone'));
const whoMid = () => (s.name ? isolate(s.name) : t('WebAssistSomeoneMid'));

function say(text) {
  s.live.textContent = '';
  const { live } = s;
  setTimeout(() => { live.textContent = text; }, 50);
}

// ask shows the question on the screen: a modal dialog that takes focus;
// Escape means no.
function ask() {
  s.dialog?.remove();
  const title = uid('assist-title');
  const body = uid('assist-body');
  const heading = h('h2', { class: 'govuk-heading-m', id: title, tabindex: '-1' }, t('WebAssistDialogTitle', { Name: who() }));
  const d = h('dialog', { class: 'app-assist-dialog', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': title, 'aria-describedby': body },
    heading,
    h('div', { id: body }, p(t('WebAssistDialogBody')), p(t('WebAssistDialogRecorded'))),
    buttonGroup(
      button(t('WebAssistDialogYes'), { type: 'button', onclick: () => answer(true) }),
      button(t('WebAssistDialogNo'), { type: 'button', secondary: true, onclick: () => answer(false) })));
  d.addEventListener('cancel', (ev) => { ev.preventDefault(); answer(false); });
  s.dialog = d;
  s.returnTo = document.activeElement;
  document.body.append(d);
  d.showModal();
  heading.focus();
}

function closeDialog() {
  const d = s.dialog;
  s.dialog = null;
  if (d?.open) d.close();
  d?.remove();
  const back = s.returnTo?.isConnected ? s.returnTo : document.getElementById('main');
  back?.focus({ preventScroll: true });
}

// answer sends the resident's answer; the session's token changes with it
// (assisted, with the member of staff, after a yes).
async function answer(yes) {
  if (s.asking) return;
  s.asking = true;
  const mine = s;
  try {
    const token = await api(`${s.base}/join/${yes ? 'confirm' : 'decline'}`, { method: 'POST' });
    if (s !== mine) return;
    s.heard = (s.heard || 0) + 1;
    s.adopt(token);
    closeDialog();
    setJoin({ state: yes ? 'confirmed' : 'declined' });
    say(yes ? t('WebAssistJoined', { Name: who() }) : t('WebAssistDeclined'));
    // After a yes the banner is what is new: reading goes on from there.
    if (yes) document.getElementById('app-assist-title')?.focus();
  } catch (e) {
    if (s !== mine) return;
    closeDialog();
    say(e instanceof ApiError ? e.message : t('WebAssistFailed'));
    refresh(mine);
  } finally {
    mine.asking = false;
  }
}

// draw puts the banner in the language of the page: who is helping, their
// record, and stopping.
function draw() {
  const r = s.region;
  if (s.join !== 'confirmed') { r.hidden = true; r.replaceChildren(); return; }
  s.lang = lang();
  const rows = s.sharing
    ? [h('h2', { class: 'govuk-heading-m', id: 'app-assist-title', tabindex: '-1' }, t('WebAssistHelping', { Name: who() })),
      p(t('WebAssistHelpingBody')),
      s.consent ? p(t('WebAssistConsentGiven', { Name: who() })) : null,
      buttonGroup(
        s.consent ? null : button(t('WebAssistConsent', { Name: whoMid() }), { type: 'button', secondary: true, onclick: consent }),
        button(t('WebAssistStop'), { type: 'button', secondary: true, onclick: () => share(false) }))]
    : [h('h2', { class: 'govuk-heading-m', id: 'app-assist-title' }, t('WebAssistStopped')),
      p(t('WebAssistStoppedBody', { Name: who() })),
      buttonGroup(button(t('WebAssistShareAgain'), { type: 'button', secondary: true, onclick: () => share(true) }))];
  r.replaceChildren(h('div', { class: 'govuk-width-container' }, rows));
  r.hidden = false;
}

// share stops or starts sharing this screen. There is no way (in the API)
// to leave a confirmed join: the member of staff stays on the session, and
// its actions stay assisted, until it ends; what stops is the screen going
// to them and their steps coming in.
function share(on) {
  s.sharing = on;
  draw();
  say(on ? t('WebAssistJoined', { Name: who() }) : t('WebAssistStoppedBody', { Name: who() }));
  s.region.querySelector('button')?.focus();
  if (on) sendScreen();
}

async function consent() {
  const mine = s;
  try {
    await api(`${s.base}/consent`, { method: 'POST' });
    if (s !== mine) return;
    s.consent = true;
    draw();
    say(t('WebAssistConsentGiven', { Name: who() }));
    s.region.querySelector('button')?.focus();
  } catch (e) {
    if (s === mine) say(e instanceof ApiError ? e.message : t('WebAssistFailed'));
  }
}

function onRendered() {
  if (s.lang !== lang()) {
    draw();
    if (s.dialog?.open) { s.dialog.close(); ask(); }
  }
  sendScreen();
}

function onTyped(ev) {
  if (!s.sharing || !ev.target.closest?.('#main form')) return;
  clearTimeout(s.timer);
  s.timer = setTimeout(sendScreen, SEND_AFTER);
}

// shareable says whether a form control may be shown to the member of
// staff (and filled in by them).
function shareable(el) {
  if (!el.name || el.disabled || !/^[A-Za-z0-9._/-]{1,128}$/.test(el.name)) return false;
  if (['password', 'file', 'hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) return false;
  return el.autocomplete !== 'one-time-code';
}

// currentForm is the form the resident is using: the one with focus, else
// the page's first form with something to fill in.
function currentForm() {
  const main = document.getElementById('main');
  const forms = [...(main?.querySelectorAll('form') || [])];
  return forms.find((f) => f.contains(document.activeElement))
    || forms.find((f) => [...f.elements].some(shareable)) || null;
}

// clean keeps what the server accepts of a value: printable text, no data URL.
function clean(v) {
  const out = [...String(v)].filter((ch) => /[\n\r\t]/.test(ch) || !/[\p{Cc}\p{Co}\uFFFD]|(?![\u200c\u200d])\p{Cf}/u.test(ch))
    .slice(0, MAX_VALUE).join('');
  return /^\s*data:/i.test(out) ? '' : out;
}

// screenFields is the current form's field names and values: a radio
// group's chosen value, a checkbox group's ticked values joined by ", ".
function screenFields() {
  const form = currentForm();
  const fields = {};
  if (!form) return fields;
  for (const el of form.elements) {
    if (!shareable(el)) continue;
    if (!(el.name in fields) && Object.keys(fields).length >= MAX_FIELDS) break;
    const prev = fields[el.name];
    if (el.type === 'radio' || el.type === 'checkbox') {
      if (prev === undefined) fields[el.name] = '';
      if (el.checked) fields[el.name] = fields[el.name] ? `${fields[el.name]}, ${el.value}` : el.value;
    } else if (prev === undefined) {
      fields[el.name] = el.value;
    }
  }
  for (const k of Object.keys(fields)) fields[k] = clean(fields[k]);
  return fields;
}

// sendScreen tells the member of staff what this screen shows now.
function sendScreen() {
  if (!s?.sharing) return;
  clearTimeout(s.timer);
  const title = clean(document.querySelector('#main h1')?.textContent?.replace(/\s+/g, ' ').trim() || document.title).slice(0, 200);
  const body = { path: location.pathname.slice(0, 512), title, fields: screenFields() };
  api(`${s.base}/screen`, { method: 'POST', body }).catch((e) => console.warn('assist: screen not sent', e.status || e.message));
}

// labelOf is what the resident reads for a field: its label, or its
// group's legend.
function labelOf(el) {
  const group = el.type === 'radio' || el.type === 'checkbox' ? el.closest('fieldset') : null;
  const text = group ? group.querySelector('legend')?.textContent : el.labels?.[0]?.textContent;
  return (text || el.name).replace(/\s+/g, ' ').trim();
}

// fill puts a step the member of staff filled in into the resident's form,
// as if typed, and says so. Only while the resident shares: their yes to
// the join is their consent to it.
function fill({ field, value } = {}) {
  if (!s.sharing || typeof field !== 'string') return;
  const form = currentForm();
  const els = form ? [...form.elements].filter((el) => el.name === field && shareable(el)) : [];
  if (!els.length) return;
  const v = String(value ?? '');
  const first = els[0];
  if (first.type === 'radio' || first.type === 'checkbox') {
    const wanted = new Set(first.type === 'radio' ? [v.trim()] : v.split(',').map((x) => x.trim()));
    for (const el of els) el.checked = wanted.has(el.value);
  } else if (first.tagName === 'SELECT') {
    if (![...first.options].some((o) => o.value === v)) return;
    first.value = v;
  } else {
    first.value = v;
  }
  const changed = first.type === 'checkbox' ? els : [els.find((el) => el.checked) || first];
  for (const el of changed) {
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }
  say(t('WebAssistFilled', { Name: who(), Label: labelOf(first) }));
}
