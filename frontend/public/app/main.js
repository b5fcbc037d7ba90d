// The app's frame: language, session, header and footer, and the router that
// puts one page at a time in <main>. Each page is a module under views/
// loaded on first use, so the first page costs only what it shows.

import { LANGUAGES, chosen, lang, t, use } from './i18n.js';
import { api, hadSession, onSession, resume, signedIn } from './api.js';
import { h, heading, link, p } from './ui.js';

// routes map a path pattern to the view module that renders it.
const routes = [
  ['/', 'start'],
  ['/services', 'services'],
  ['/services/:code', 'services'],
  ['/report/:code', 'report'],
  ['/report/:code/:step', 'report'],
  ['/cases', 'cases'],
  ['/cases/:ref', 'cases'],
  ['/cases/:ref/:action', 'cases'],
  ['/track', 'track'],
  ['/sign-in', 'signin'],
  ['/sign-in/:step', 'signin'],
  ['/register', 'signin'],
  ['/register/:step', 'signin'],
  ['/account', 'account'],
  ['/account/:section', 'account'],
  ['/account/:section/:id', 'account'],
  ['/settings', 'settings'],
  ['/settings/:section', 'settings'],
  ['/accessibility', 'pages'],
  ['/privacy', 'pages'],
  ['/kiosk', 'kiosk'],
  ['/kiosk/:step', 'kiosk'],
  ['/handoff/:token', 'handoff'],
  ['/staff/kiosk', 'staff-kiosk'],
  ['/staff/kiosk/:id', 'staff-kiosk'],
].map(([pattern, view]) => ({ parts: pattern.split('/').filter(Boolean), view }));

function match(path) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const r of routes) {
    if (r.parts.length !== parts.length) continue;
    const params = {};
    if (r.parts.every((rp, i) => (rp.startsWith(':') ? (params[rp.slice(1)] = parts[i], true) : rp === parts[i]))) {
      return { view: r.view, params };
    }
  }
  return null;
}

// app is what every view gets: navigation, and a way to redraw the frame.
export const app = {
  navigate(to, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    return render();
  },
  // flash is a one-off message for the next page (a success banner, say).
  flash: null,
  refreshFrame() { drawHeader(); drawFooter(); },
};

let rendering = 0;

// render draws the page for the current URL. A newer navigation wins over a
// slower older one. After the first page, focus moves to the new page as a
// full page load would put it at the top; the first page leaves focus where
// the browser put it, so the skip link is still the first Tab stop.
let first = true;
async function render() {
  const n = ++rendering;
  const url = new URL(location.href);
  const found = match(url.pathname);
  let page;
  try {
    if (!found) {
      page = notFound();
    } else {
      const mod = await import(`./views/${found.view}.js`);
      page = await mod.render({ params: found.params, query: url.searchParams, path: url.pathname, app });
    }
  } catch (e) {
    page = failed(e);
  }
  if (n !== rendering || !page) return;
  if (page.redirect) { app.navigate(page.redirect, { replace: true }); return; }
  const main = document.getElementById('main');
  main.replaceChildren(page.node);
  document.title = `${page.error ? `${t('WebErrorPrefix')}: ` : ''}${page.title} – ${t('WebAppName')}`;
  drawHeader(url.pathname);
  // A new page: start reading at its top, as after a full page load.
  window.scrollTo(0, 0);
  const focused = page.after?.(main);
  if (!focused && !first) main.focus({ preventScroll: true });
  first = false;
  // The kiosk profile listens: it shares the screen with staff who joined.
  document.dispatchEvent(new CustomEvent('fd:rendered', { detail: { path: url.pathname, title: page.title } }));
}

function notFound() {
  return {
    title: t('WebNotFoundTitle'),
    node: h('div', {}, heading(t('WebNotFoundTitle')), p(t('WebNotFoundBody')), p(link('/', t('WebGoHome')))),
  };
}

// failed is the page for a view that could not load: offline, or the server
// unwell. It never shows the error's insides.
function failed(e) {
  console.error(e);
  const offline = !navigator.onLine || e.name === 'OfflineError' || e instanceof TypeError;
  const title = offline ? t('WebOfflineTitle') : t('WebErrorTitle');
  return { title, node: h('div', {}, heading(title), p(offline ? t('WebOfflineBody') : t('WebErrorBody')), p(link('/', t('WebGoHome')))) };
}

function drawHeader(path = location.pathname) {
  const nav = [
    ['/services', t('WebNavServices')],
    ['/track', t('WebNavTrack')],
    hadSession() ? ['/cases', t('WebNavMyRequests')] : null,
    hadSession() ? ['/account', t('WebNavAccount')] : ['/sign-in', t('WebNavSignIn')],
  ].filter(Boolean);
  const current = (href) => path === href || path.startsWith(`${href}/`);
  document.getElementById('header').replaceChildren(
    h('div', { class: 'govuk-generic-header app-header' },
      h('div', { class: 'govuk-generic-header__container govuk-width-container' },
        h('div', { class: 'govuk-generic-header__logo' },
          h('a', { href: '/', class: 'govuk-generic-header__homepage-link' }, t('WebAppName'))))),
    h('section', { class: 'govuk-service-navigation', 'aria-label': t('WebNavLabel') },
      h('div', { class: 'govuk-width-container' },
        h('div', { class: 'govuk-service-navigation__container' },
          h('nav', { 'aria-label': t('WebNavLabel'), class: 'govuk-service-navigation__wrapper' },
            h('ul', { class: 'govuk-service-navigation__list', id: 'navigation' }, nav.map(([href, text]) => h('li', {
              class: `govuk-service-navigation__item${current(href) ? ' govuk-service-navigation__item--active' : ''}`,
            }, h('a', { class: 'govuk-service-navigation__link', href, 'aria-current': current(href) ? 'page' : null }, text)))))))),
    h('div', { class: 'govuk-width-container' }, languageNavigation()));
}

// languageNavigation switches language in one tap, from every page; a
// signed-in resident's choice is kept on their account too.
function languageNavigation() {
  return h('nav', { class: 'govuk-language-navigation', 'aria-label': t('WebLanguageLabel') },
    h('ul', { class: 'govuk-language-navigation__list' }, LANGUAGES.map((l) => h('li', { class: 'govuk-language-navigation__list-item' },
      l.code === lang()
        ? h('span', { class: 'govuk-language-navigation__text', 'aria-current': 'true', lang: l.code }, l.name)
        : h('a', {
          class: 'govuk-language-navigation__link', href: `?lang=${l.code}`, lang: l.code, hreflang: l.code, rel: 'alternate',
          onclick: (ev) => { ev.preventDefault(); switchLanguage(l.code); },
        }, l.name)))));
}

export async function switchLanguage(code) {
  await use(code);
  if (signedIn()) {
    // Saved before the page is redrawn, so the API answers in the new language.
    await api('/api/v1/me', { method: 'PATCH', body: { language: code } }).catch(() => {});
  }
  drawFooter();
  showOnline();
  await render();
}

function drawFooter() {
  document.getElementById('footer').replaceChildren(
    h('div', { class: 'govuk-width-container' },
      h('div', { class: 'govuk-footer__meta' },
        h('div', { class: 'govuk-footer__meta-item govuk-footer__meta-item--grow' },
          h('h2', { class: 'govuk-visually-hidden' }, t('WebFooterLinks')),
          h('ul', { class: 'govuk-footer__inline-list' },
            h('li', { class: 'govuk-footer__inline-list-item' }, h('a', { class: 'govuk-footer__link', href: '/accessibility' }, t('WebAccessibilityLink'))),
            h('li', { class: 'govuk-footer__inline-list-item' }, h('a', { class: 'govuk-footer__link', href: '/privacy' }, t('WebPrivacyLink'))),
            h('li', { class: 'govuk-footer__inline-list-item' }, h('a', { class: 'govuk-footer__link', href: '/settings' }, t('WebSettingsLink')))),
          h('p', { class: 'govuk-body-s' }, t('WebFooterCouncil'))))));
  document.getElementById('skip-link').textContent = t('WebSkipLink');
}

function showOnline() {
  const el = document.getElementById('offline');
  el.textContent = t('WebOfflineBanner');
  el.hidden = navigator.onLine;
  if (navigator.onLine) sendQueued();
}

// sendQueued sends the reports made while offline (app/outbox.js), now that
// the connection is back.
function sendQueued() {
  import('./outbox.js').then((m) => m.flush(app)).catch((e) => console.warn('outbox', e));
}

// Links inside the app move between pages without reloading it.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  const url = new URL(a.href);
  if (url.pathname.startsWith('/api/')) return;
  if (url.pathname === location.pathname && url.hash) return; // in-page links (skip link, error summary)
  ev.preventDefault();
  app.navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => render());

async function boot() {
  const asked = new URL(location.href).searchParams.get('lang');
  await use(LANGUAGES.some((l) => l.code === asked) ? asked : chosen());
  onSession(() => drawHeader());
  // The kiosk profile (issue 7): an enrolled terminal (it holds a device
  // credential) runs every page inside the kiosk frame, app/kiosk-mode.js,
  // whose sessions renew through the terminal rather than a refresh cookie.
  // Nothing of it loads anywhere else.
  const kiosk = localStorage.getItem('fd.device') ? await import('./kiosk-mode.js') : null;
  if (kiosk) {
    await kiosk.start(app);
  } else if (await resume()) {
    // The account's language wins over the device's.
    const me = await api('/api/v1/me').catch(() => null);
    if (me?.language && me.language !== lang()) await use(me.language);
  }
  window.addEventListener('online', showOnline);
  window.addEventListener('offline', showOnline);
  showOnline();
  drawFooter();
  await render();
  document.documentElement.dataset.ready = 'true'; // tests wait for this
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker', e));
  }
}

boot();
