// Reports made offline, kept on the device until the connection returns.
// IndexedDB "frontdoor": store "outbox" holds each report waiting to go
// (its body, its Idempotency-Key, the photos not yet uploaded, when it was
// made); store "photos" holds photos chosen offline while a report is still
// being filled in. flush sends what waits, with the same key each time, so
// a retry after a lost answer never makes a second case.

import { ApiError, OfflineError, api } from './api.js';
import { t } from './i18n.js';
import { h, link } from './ui.js';

const DB = 'frontdoor';
const OUTBOX = 'outbox';
const PHOTOS = 'photos';
const DAY = 24 * 3600 * 1000;

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: 'key' });
      if (!db.objectStoreNames.contains(PHOTOS)) db.createObjectStore(PHOTOS, { keyPath: 'id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// run does fn(store) in one transaction and resolves with its request's result.
async function run(store, mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const req = fn(tx.objectStore(store));
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// keepPhoto keeps a resized photo chosen offline: its local id. Photos
// older than a day belong to abandoned drafts and go.
export async function keepPhoto(blob) {
  const id = `local-${crypto.randomUUID()}`;
  const now = Date.now();
  await run(PHOTOS, 'readwrite', (s) => {
    s.openCursor().onsuccess = (ev) => {
      const c = ev.target.result;
      if (!c) return;
      if (c.value.created < now - DAY) c.delete();
      c.continue();
    };
    return s.put({ id, blob, created: now });
  });
  return id;
}

export async function dropPhoto(id) { await run(PHOTOS, 'readwrite', (s) => s.delete(id)); }

export async function getPhoto(id) { return (await run(PHOTOS, 'readonly', (s) => s.get(id)))?.blob; }

// queue keeps a report to send later: {key, code, draft, body, pending
// [{item, question, local}], summary, signedIn}. The photos it still needs
// move from the drafts' store into the report itself.
export async function queue(report) {
  const blobs = {};
  for (const p of report.pending) blobs[p.local] = await getPhoto(p.local);
  const rec = { ...report, pending: report.pending.filter((p) => blobs[p.local]), blobs, created: new Date().toISOString() };
  await run(OUTBOX, 'readwrite', (s) => s.put(rec));
  for (const p of report.pending) await dropPhoto(p.local).catch(() => {});
}

export async function waiting() {
  if (!('indexedDB' in window)) return [];
  return (await run(OUTBOX, 'readonly', (s) => s.getAll())) || [];
}

let sending = null;

// flush sends every waiting report, oldest first; main.js calls it at
// start-up and whenever the connection returns. One run at a time, across
// tabs too.
export function flush(app) {
  if (!sending) {
    const go = () => sendAll(app);
    sending = (navigator.locks ? navigator.locks.request('fd-outbox', go) : go()).finally(() => { sending = null; });
  }
  return sending;
}

async function sendAll(app) {
  const recs = (await waiting()).sort((a, b) => a.created.localeCompare(b.created)); // usually none
  for (const rec of recs) {
    try {
      const made = await send(rec);
      await run(OUTBOX, 'readwrite', (s) => s.delete(rec.key));
      sent(app, rec, made.reference);
    } catch (e) {
      if (e instanceof OfflineError) return; // still offline: the next 'online' tries again
      if (e instanceof ApiError && (e.status >= 500 || e.status === 429 || e.status === 409)) continue;
      if (e instanceof ApiError) { await refused(rec, e); continue; }
      console.warn('outbox', e);
    }
  }
}

// send uploads the photos still on the device, keeping each id in the
// queue as it goes (so a retry sends the very same body), then the report.
async function send(rec) {
  const { upload } = rec.pending.length ? await import('./photo.js') : {};
  while (rec.pending.length) {
    const p = rec.pending[0];
    const entries = rec.draft.items[p.item].answers[p.question] || [];
    const at = entries.findIndex((x) => x.local === p.local);
    try {
      const id = await upload(rec.blobs[p.local]);
      const answers = rec.body.items[p.item].answers;
      answers[p.question] = [...(answers[p.question] || []), id];
      if (at >= 0) entries[at] = { id, thumb: entries[at].thumb };
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500 || e.status === 429) throw e;
      if (at >= 0) entries.splice(at, 1); // a photo the server will not take is left out
    }
    rec.pending.shift();
    delete rec.blobs[p.local];
    await run(OUTBOX, 'readwrite', (s) => s.put(rec));
  }
  return api('/api/v1/cases', { method: 'POST', body: rec.body, idempotencyKey: rec.key });
}

// iso keeps a reference in one piece inside a right-to-left sentence.
const iso = (s) => (document.documentElement.dir === 'rtl' ? `\u2068${s}\u2069` : s);

// sent tells the resident: the confirmation page if they are waiting on
// the "will be sent" page, a banner anywhere else, and a notification if
// they allowed them.
function sent(app, rec, reference) {
  sessionStorage.setItem(`fd.sent.${rec.code}`, JSON.stringify({ reference, items: rec.summary, signedIn: rec.signedIn }));
  const href = rec.signedIn ? `/cases/${reference}` : `/track?reference=${encodeURIComponent(reference)}`;
  if (location.pathname === `/report/${rec.code}/queued`) {
    app.navigate(`/report/${rec.code}/done`, { replace: true });
  } else {
    say(true, t('WebReportOutboxSent'), t('WebReportOutboxReference', { Reference: iso(reference) }), link(href, t('WebReportOutboxTrack')));
  }
  if ('Notification' in window && Notification.permission === 'granted' && navigator.serviceWorker) {
    navigator.serviceWorker.ready.then((reg) => reg.showNotification(t('WebReportOutboxSent'), {
      body: t('WebReportOutboxReference', { Reference: iso(reference) }), tag: `fd-sent-${reference}`, data: { url: href }, icon: '/icons/icon-192.png',
    })).catch(() => {});
  }
}

// refused hands a report the server would not take back to the resident
// as a draft to put right, unless they have started another of that kind.
async function refused(rec, err) {
  await run(OUTBOX, 'readwrite', (s) => s.delete(rec.key));
  const key = `fd.draft.${rec.code}`;
  const restored = !sessionStorage.getItem(key);
  if (restored) sessionStorage.setItem(key, JSON.stringify({ ...rec.draft, key: crypto.randomUUID() }));
  say(false, t('WebReportOutboxRefused'), err.message, restored ? link(`/report/${rec.code}/check`, t('WebReportOutboxCheck')) : null);
}

// say shows a banner above the page, in a status region so that screen
// readers hear it; it goes when the resident moves to another page.
function say(success, title, body, action) {
  const main = document.getElementById('main');
  let region = document.getElementById('outbox-status');
  if (!region) {
    region = h('div', { id: 'outbox-status', class: 'app-outbox-status', role: 'status' });
    main.before(region);
    new MutationObserver(() => {
      if (region.dataset.path && region.dataset.path !== location.pathname) {
        region.replaceChildren();
        delete region.dataset.path;
      }
    }).observe(main, { childList: true });
  }
  // A beat after the region exists, so that it is announced.
  setTimeout(() => {
    region.dataset.path = location.pathname;
    region.replaceChildren(h('div', { class: `govuk-notification-banner${success ? ' govuk-notification-banner--success' : ''}` },
      h('div', { class: 'govuk-notification-banner__header' },
        h('h2', { class: 'govuk-notification-banner__title' }, success ? t('WebBannerSuccess') : t('WebBannerImportant'))),
      h('div', { class: 'govuk-notification-banner__content' },
        h('p', { class: 'govuk-notification-banner__heading' }, title),
        h('p', { class: 'govuk-body' }, body),
        action ? h('p', { class: 'govuk-body' }, action) : null)));
  }, 100);
}
