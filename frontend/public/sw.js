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

// What the app reads and may show again offline (GETs only).
const KEEP = [/^\/api\/v1\/locales\/[a-z]+$/, /^\/api\/v1\/services$/, /^\/api\/v1\/services\/[^/]+$/,
  /^\/api\/v1\/cases$/, /^\/api\/v1\/cases\/[A-Z0-9-]+$/, /^\/api\/v1\/me$/];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(['/', '/manifest.webmanifest', ...FILES])).then(() => self.skipWaiting()));
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
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: SHELL })));
    return;
  }
  if (FILES.includes(url.pathname) || url.pathname === '/manifest.webmanifest') {
    event.respondWith(caches.match(url.pathname, { cacheName: SHELL }).then((hit) => hit || fetch(req)));
    return;
  }
  if (KEEP.some((re) => re.test(url.pathname))) event.respondWith(networkFirst(req, url));
});

// networkFirst answers from the network, keeping a copy; offline it answers
// with the copy, marked so the app can say it may be out of date.
async function networkFirst(req, url) {
  const cache = await caches.open(API);
  const key = url.pathname + url.search;
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(key, res.clone());
    return res;
  } catch (e) {
    const hit = await cache.match(key);
    if (!hit) throw e;
    const headers = new Headers(hit.headers);
    headers.set('X-Frontdoor-Offline', hit.headers.get('Date') || 'unknown');
    return new Response(hit.body, { status: hit.status, headers });
  }
}

// A push message is {title, body, url, tag}, already in the resident's language.
self.addEventListener('push', (event) => {
  let msg = {};
  try { msg = event.data ? event.data.json() : {}; } catch { msg = { body: event.data?.text() }; }
  event.waitUntil(self.registration.showNotification(msg.title || '', {
    body: msg.body || '',
    tag: msg.tag,
    data: { url: safePath(msg.url) },
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
  }));
});

// safePath keeps a notification from opening anywhere but this app.
function safePath(u) {
  return typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u : '/';
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || '/', location.origin).href;
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const c of open) {
      if ('focus' in c) {
        await c.focus();
        if (c.url !== target) await c.navigate(target);
        return;
      }
    }
    await self.clients.openWindow(target);
  })());
});
