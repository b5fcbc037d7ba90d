// The service worker: the app shell from cache (so the app opens offline),
// the resident's last-seen answers from the API when the network is gone,
// and push messages shown as notifications that open the right page.
//
// The server writes VERSION (a hash of every file) and FILES (the shell)
// into this file as it serves it, so any change to the app installs afresh.

const VERSION = '__APP_VERSION__';
const FILES = ['__APP_FILES__'];
const SHELL = `fd-shell-${VERSION}`;
const API = 'fd-api';

// The app's words in every language it speaks (app/i18n.js LANGUAGES): kept
// with the shell, so the app opens offline even on the visit that installed
// the worker, and in a language switched to offline.
const LANGS = ['en', 'cy', 'pl', 'ar'];
const WORDS = LANGS.map((l) => `/api/v1/locales/${l}`);

// What the app reads and may show again offline (GETs only).
const KEEP = [/^\/api\/v1\/locales\/[a-z]+$/, /^\/api\/v1\/services$/, /^\/api\/v1\/services\/[^/]+$/,
  /^\/api\/v1\/cases$/, /^\/api\/v1\/cases\/[A-Z0-9-]+$/, /^\/api\/v1\/me$/];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(['/', '/manifest.webmanifest', ...FILES, ...WORDS]))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('fd-shell-') && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin) return;
  if (req.mode === 'navigate') {
    if (!url.pathname.startsWith('/api/')) event.respondWith(navigation(req));
    return;
  }
  if (FILES.includes(url.pathname) || url.pathname === '/manifest.webmanifest') {
    event.respondWith(caches.match(url.pathname, { cacheName: SHELL }).then((hit) => hit || fetch(req)));
    return;
  }
  if (KEEP.some((re) => re.test(url.pathname))) event.respondWith(networkFirst(req, url));
});

// navigation answers a page load from the network; offline, with the shell,
// which draws the page (or says it needs the internet) itself.
async function navigation(req) {
  try {
    return await fetch(req);
  } catch (e) {
    const shell = await caches.match('/', { cacheName: SHELL });
    if (!shell) throw e;
    return shell;
  }
}

// networkFirst answers from the network, keeping a copy; offline it answers
// with the copy, marked so the app can say it may be out of date. Words are
// kept with the shell (signing out empties the API cache, not the app's
// words). An answer that changes with the language is kept per language,
// and also as the latest in any language: offline, a copy in the language
// asked for is best, and one in another language beats none.
async function networkFirst(req, url) {
  const words = WORDS.includes(url.pathname);
  const cache = await caches.open(words ? SHELL : API);
  const latest = url.pathname + url.search;
  const key = words ? latest : languageKey(req, url);
  try {
    const res = await fetch(req);
    if (res.ok) {
      await cache.put(key, res.clone());
      if (key !== latest) await cache.put(latest, res.clone());
    }
    return res;
  } catch (e) {
    const hit = (await cache.match(key)) || (await cache.match(latest));
    if (!hit) throw e;
    const headers = new Headers(hit.headers);
    headers.set('X-Frontdoor-Offline', hit.headers.get('Date') || 'unknown');
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
  }
}

function languageKey(req, url) {
  const lang = req.headers.get('Accept-Language');
  if (!lang) return url.pathname + url.search;
  const q = new URLSearchParams(url.search);
  q.set('fd-lang', lang);
  return `${url.pathname}?${q}`;
}

// A push message is {title, body, url, tag}, already in the resident's language.
self.addEventListener('push', (event) => {
  let msg = {};
  try { msg = event.data ? event.data.json() : {}; } catch { msg = { body: event.data?.text() }; }
  event.waitUntil(self.registration.showNotification(String(msg.title || ''), {
    body: String(msg.body || ''),
    tag: typeof msg.tag === 'string' ? msg.tag : undefined,
    data: { url: safePath(msg.url) },
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
  }));
});

// safePath keeps a notification from opening anywhere but this app: a page
// of this origin (the server sends whole addresses, as its emails need), as
// a path; anything else, the home page.
function safePath(u) {
  let url;
  try { url = new URL(String(u ?? '/'), location.origin); } catch { return '/'; }
  const path = url.pathname + url.search + url.hash;
  return url.origin === location.origin && !path.startsWith('//') ? path : '/';
}

// notificationclick brings the app forward on the notification's page: a
// window already there, else one of the app's windows moved there, else a
// new window.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(safePath(event.notification.data?.url), location.origin).href;
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const there = open.find((c) => c.url === target);
    if (there) {
      await there.focus();
      return;
    }
    for (const c of open) {
      if (!('navigate' in c)) continue;
      try {
        await c.focus(); // while the tap still allows it
        await c.navigate(target);
        return;
      } catch { /* not ours to move (no worker controls it yet): try the next */ }
    }
    await self.clients.openWindow(target);
  })());
});
