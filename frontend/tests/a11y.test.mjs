// Accessibility of the whole app: axe-core's WCAG 2.2 A and AA rules on every
// page a resident can reach without an account, in English and in Arabic
// (switched to with the keyboard), plus what axe cannot see: the skip link,
// the language list by keyboard, one h1 and an own title per page, reflow at
// 320 px with wider text spacing, target sizes, and right-to-left mirroring.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, open, axe, shot, apiJSON, PHONE } from './harness.mjs';

// Every page to sweep. view: the module that draws it (app/views/<view>.js);
// offline: reached with the connection cut, so it shows the offline page.
const PAGES = [
  { name: 'home', path: '/', view: 'start' },
  { name: 'services', path: '/services', view: 'services' },
  { name: 'track', path: '/track', view: 'track' },
  { name: 'sign-in', path: '/sign-in', view: 'signin' },
  { name: 'register', path: '/register', view: 'signin' },
  { name: 'accessibility', path: '/accessibility', view: 'pages' },
  { name: 'privacy', path: '/privacy', view: 'pages' },
  { name: 'not-found', path: '/no-such-page' },
  { name: 'offline', path: '/services', offline: true },
];

let server; let context; const words = {};
before(async () => {
  server = await startServer();
  context = await launch();
  for (const l of ['en', 'ar']) words[l] = (await apiJSON(server.url, `/api/v1/locales/${l}`)).messages;
});
after(async () => { await context?.close(); await server?.stop(); });

// visit draws one page of the sweep as a resident gets there: a full load,
// or for the offline page, the link to it followed with the connection cut.
async function visit(page, p) {
  if (!p.offline) {
    await open(page, server.url + p.path);
    await page.waitForSelector('main h1');
    return;
  }
  await open(page, `${server.url}/`);
  // A page whose answers this device never kept: forget any kept copy.
  await page.evaluate(() => caches.delete('fd-api'));
  await context.setOffline(true);
  try {
    // The home page's heading stays until the next page is drawn: wait for another.
    const before = await page.textContent('main h1');
    await page.focus(`#navigation a[href="${p.path}"]`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(([path, old]) => location.pathname === path && document.querySelector('main h1')
      && document.querySelector('main h1').textContent !== old, [p.path, before]);
    await page.waitForSelector('#offline:not([hidden])');
  } catch (e) {
    await context.setOffline(false);
    throw e;
  }
}

// leave undoes what visit did.
async function leave(p) {
  if (p.offline) await context.setOffline(false);
}

// expectedH1 is what the page's heading must say where the sweep knows it.
function expectedH1(p, w) {
  if (p.offline) return w.WebOfflineTitle;
  if (p.name === 'not-found') return w.WebNotFoundTitle;
  if (p.name === 'home') return w.WebStartTitle;
  if (p.name === 'accessibility') return w.WebPagesA11yTitle;
  if (p.name === 'privacy') return w.WebPagesPrivacyTitle;
  return null;
}

// switchByKeyboard moves to language code with Tab and Enter only.
async function switchByKeyboard(page, code) {
  await page.keyboard.press('Tab');
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate((c) => document.activeElement?.getAttribute('hreflang') === c, code)) break;
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('hreflang')), code, `Tab reaches the ${code} link`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`html[lang="${code}"]`);
  await page.waitForSelector('main h1');
}

// sweep visits every page in the current language; check(page, p) runs on each.
async function sweep(page, check) {
  for (const p of PAGES) {
    await visit(page, p);
    try {
      await check(page, p);
    } finally {
      await leave(p);
    }
  }
}

// pageFacts is what the checks below read from a drawn page.
function pageFacts(page) {
  return page.evaluate(() => ({
    h1s: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
    title: document.title,
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    text: document.body.innerText,
  }));
}

// viewExists says whether a view module is in the app yet (journeys are built
// alongside this test).
async function viewExists(view) {
  if (!view) return true;
  return (await fetch(`${server.url}/app/views/${view}.js`)).status === 200;
}

async function axeSweep(lang) {
  const w = words[lang];
  const page = await context.newPage();
  await open(page, `${server.url}/`);
  await page.evaluate(() => localStorage.removeItem('fd.lang'));
  await open(page, `${server.url}/`);
  if (lang !== 'en') await switchByKeyboard(page, lang);
  const results = []; const titles = new Map(); const problems = [];
  await sweep(page, async (pg, p) => {
    const f = await pageFacts(pg);
    const violations = await axe(pg);
    await shot(pg, `a11y-${p.name}-${lang}`);
    results.push({ page: p.name, violations });
    if (!await viewExists(p.view)) problems.push(`${p.name}: app/views/${p.view}.js is not there yet`);
    if (f.lang !== lang) problems.push(`${p.name}: html lang is ${f.lang}, not ${lang}`);
    if (f.dir !== (lang === 'ar' ? 'rtl' : 'ltr')) problems.push(`${p.name}: html dir is ${f.dir}`);
    if (f.h1s.length !== 1) problems.push(`${p.name}: ${f.h1s.length} h1 elements (${f.h1s.join(' | ')})`);
    const want = expectedH1(p, w);
    if (want && f.h1s[0] !== want) problems.push(`${p.name}: h1 is "${f.h1s[0]}", want "${want}"`);
    if (!want && [w.WebOfflineTitle, w.WebErrorTitle, w.WebNotFoundTitle].includes(f.h1s[0])) {
      problems.push(`${p.name}: shows "${f.h1s[0]}" instead of its own page`);
    }
    if (!f.title.endsWith(` – ${w.WebAppName}`) || f.title === ` – ${w.WebAppName}`) problems.push(`${p.name}: title "${f.title}"`);
    if (titles.has(f.title)) problems.push(`${p.name}: same title as ${titles.get(f.title)}: "${f.title}"`);
    titles.set(f.title, p.name);
    const ids = f.text.match(/\bWeb[A-Z][A-Za-z0-9]+\b/g);
    if (ids) problems.push(`${p.name}: message ids instead of words: ${[...new Set(ids)].join(', ')}`);
  });
  await page.close();
  console.log(`axe (WCAG 2.2 A and AA), ${lang}:`);
  for (const r of results) {
    console.log(`  ${r.page.padEnd(14)} ${r.violations.length ? r.violations.map((v) => `${v.id} (${v.nodes.length}: ${v.nodes.slice(0, 3).join(', ')})`).join('; ') : 'no violations'}`);
  }
  assert.deepEqual(results.filter((r) => r.violations.length), [], `axe violations in ${lang}`);
  assert.deepEqual(problems, [], `page structure in ${lang}`);
}

test('every page in English: zero axe violations, one h1, its own title', async () => {
  await axeSweep('en');
});

test('every page in Arabic, switched to with the keyboard: zero axe violations, one h1, its own title, right to left', async () => {
  await axeSweep('ar');
});

test('the skip link is the first Tab stop and moves focus to the main content', async () => {
  const page = await context.newPage();
  await open(page, `${server.url}/`);
  await page.evaluate(() => localStorage.removeItem('fd.lang'));
  for (const path of ['/', '/accessibility', '/track']) {
    await open(page, server.url + path);
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => {
      const a = document.activeElement;
      const r = a.getBoundingClientRect();
      return { id: a.id, text: a.textContent, visible: r.width > 0 && r.height > 0 && r.top >= 0 };
    });
    assert.deepEqual(first, { id: 'skip-link', text: words.en.WebSkipLink, visible: true }, `first Tab stop on ${path}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    // The next Tab goes into the page's own content, past the header.
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.getElementById('main').contains(document.activeElement)), `after the skip link on ${path}, Tab stays in main`);
  }
  await page.close();
});

test('the language list works with the keyboard alone and the choice is remembered', async () => {
  const page = await context.newPage();
  await open(page, `${server.url}/`);
  await page.evaluate(() => localStorage.removeItem('fd.lang'));
  await open(page, `${server.url}/`);
  const current = () => page.evaluate(() => {
    const c = document.querySelector('.govuk-language-navigation [aria-current]');
    return { tag: c.tagName, lang: c.getAttribute('lang'), text: c.textContent };
  });
  assert.deepEqual(await current(), { tag: 'SPAN', lang: 'en', text: 'English' }, 'the current language is marked, not a link');
  const cy = (await apiJSON(server.url, '/api/v1/locales/cy')).messages;
  await switchByKeyboard(page, 'cy');
  assert.equal(await page.textContent('main h1'), cy.WebStartTitle);
  assert.equal(await page.textContent('#skip-link'), cy.WebSkipLink);
  await switchByKeyboard(page, 'ar');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.textContent('main h1'), words.ar.WebStartTitle);
  assert.deepEqual(await current(), { tag: 'SPAN', lang: 'ar', text: 'العربية' });
  // Every language's name is marked with its own language, for screen readers.
  assert.deepEqual(await page.$$eval('.govuk-language-navigation [lang]', (els) => els.map((e) => e.getAttribute('lang'))), ['en', 'cy', 'pl', 'ar']);
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'ar', 'the choice survives a reload');
  await switchByKeyboard(page, 'en');
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  await page.close();
});

// The WCAG 1.4.12 text spacing test: a stylesheet the reader might use. It is
// adopted through the CSSOM, which the page's CSP allows (no <style>).
const TEXT_SPACING = `* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }
p, li, dd, dt { margin-bottom: 2em !important; }`;

test('every page reflows at 320 px wide, with wider text spacing, without scrolling sideways (both languages)', async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 320, height: 640 });
  const wide = [];
  for (const lang of ['en', 'ar']) {
    await open(page, `${server.url}/`);
    await page.evaluate((l) => localStorage.setItem('fd.lang', l), lang);
    await sweep(page, async (pg, p) => {
      const spaced = await pg.evaluate((css) => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        return getComputedStyle(document.querySelector('main h1')).letterSpacing;
      }, TEXT_SPACING);
      assert.notEqual(spaced, 'normal', 'the text spacing stylesheet applies');
      const widths = await pg.evaluate(() => {
        const over = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
        return { scroll: document.documentElement.scrollWidth, over };
      });
      if (widths.scroll > 320) wide.push(`${p.name} (${lang}): ${widths.scroll}px wide; ${widths.over.join(', ')}`);
      if (p.name === 'home' || p.name === 'accessibility') await shot(pg, `a11y-320-spacing-${p.name}-${lang}`);
    });
  }
  await page.close();
  assert.deepEqual(wide, [], 'pages wider than 320 px');
});

test('menu and language links are at least 24 by 24 CSS pixels (WCAG 2.2, 2.5.8)', async () => {
  const page = await context.newPage();
  const small = [];
  for (const viewport of [PHONE, { width: 320, height: 640 }, { width: 1024, height: 768 }]) {
    await page.setViewportSize(viewport);
    for (const lang of ['en', 'ar']) {
      await open(page, `${server.url}/`);
      await page.evaluate((l) => localStorage.setItem('fd.lang', l), lang);
      await open(page, `${server.url}/`);
      const sizes = await page.$$eval('.govuk-service-navigation__link, .govuk-language-navigation__link, .govuk-footer__link',
        (els) => els.map((a) => { const r = a.getBoundingClientRect(); return { text: a.textContent, w: r.width, h: r.height }; }));
      assert.ok(sizes.length >= 8, `links measured: ${sizes.length}`);
      for (const s of sizes) if (s.w < 24 || s.h < 24) small.push(`${viewport.width}px ${lang} "${s.text}": ${s.w.toFixed(1)}x${s.h.toFixed(1)}`);
    }
  }
  await page.evaluate(() => localStorage.removeItem('fd.lang'));
  await page.close();
  assert.deepEqual(small, [], 'targets under 24x24 px');
});

// layout draws GOV.UK components with the app's own builders and reads where
// their parts sit, so the right-to-left rules are checked in both directions.
async function layout(page, lang, width) {
  await page.setViewportSize({ width, height: 900 });
  await open(page, `${server.url}/`);
  await page.evaluate((l) => localStorage.setItem('fd.lang', l), lang);
  await open(page, `${server.url}/`);
  return page.evaluate(async () => {
    const ui = await import('/app/ui.js');
    const main = document.getElementById('main');
    main.replaceChildren(ui.h('div', {},
      ui.backLink('/'),
      ui.choices({ id: 'r', legend: 'R', hint: 'hint', error: 'error', options: [{ value: 'a', label: 'A', hint: 'a hint' }, { value: 'b', label: 'B' }], value: 'a' }),
      ui.choices({ kind: 'checkboxes', id: 'c', legend: 'C', options: [{ value: 'a', label: 'A' }], value: ['a'] }),
      ui.summaryList([{ key: 'Key', value: '1 Long Road', href: '/x' }]),
      ui.list(['one', 'two'], 'bullet'),
      ui.list(['plain']),
      ui.inset('inset'),
      ui.warning('warning'),
      ui.details('more', ui.p('text'))));
    const box = (sel) => document.querySelector(sel).getBoundingClientRect();
    // pseudo names the side a positioned part is held to, and how far from it.
    const pseudo = (sel, which) => {
      const s = getComputedStyle(document.querySelector(sel), which);
      const [l, r] = [parseFloat(s.left), parseFloat(s.right)];
      return l <= r ? `left ${l}px` : `right ${r}px`;
    };
    const content = box('main');
    const item = box('.govuk-radios__item');
    const input = box('.govuk-radios__input');
    const back = box('.govuk-back-link');
    const errorGroup = getComputedStyle(document.querySelector('.govuk-form-group--error'));
    const value = box('.govuk-summary-list__value');
    const action = box('.govuk-summary-list__actions a');
    return {
      radioAtStart: Math.abs(input.left - item.left) < 1 ? 'left' : Math.abs(input.right - item.right) < 1 ? 'right' : 'neither',
      radioCircle: pseudo('.govuk-radios__label', '::before'),
      checkboxBox: pseudo('.govuk-checkboxes__label', '::before'),
      backChevron: pseudo('.govuk-back-link', '::before'),
      backAt: Math.abs(back.left - content.left) < 2 ? 'left' : Math.abs(back.right - content.right) < 2 ? 'right' : 'neither',
      errorBorder: errorGroup.borderLeftWidth !== '0px' ? 'left' : errorGroup.borderRightWidth !== '0px' ? 'right' : 'none',
      actionSide: action.right <= value.left ? 'left' : action.left >= value.right ? 'right' : 'below',
      bulletPadding: getComputedStyle(document.querySelector('.govuk-list--bullet')).paddingInlineStart,
      plainListIndent: Math.round(Math.min(Math.abs(box('.govuk-list:not(.govuk-list--bullet) li').left - content.left), Math.abs(box('.govuk-list:not(.govuk-list--bullet) li').right - content.right))),
      insetBorder: getComputedStyle(document.querySelector('.govuk-inset-text')).borderLeftWidth !== '0px' ? 'left' : 'right',
      warningIcon: pseudo('.govuk-warning-text__icon', null),
      detailsRule: getComputedStyle(document.querySelector('.govuk-details__text')).borderLeftWidth !== '0px' ? 'left' : 'right',
    };
  });
}

test('right to left mirrors what points or marks an edge, and English keeps its layout', async () => {
  const page = await context.newPage();
  const en = await layout(page, 'en', PHONE.width);
  await shot(page, 'a11y-components-en');
  const ar = await layout(page, 'ar', PHONE.width);
  await shot(page, 'a11y-components-ar');
  assert.deepEqual(en, {
    radioAtStart: 'left', radioCircle: 'left 2px', checkboxBox: 'left 2px',
    backChevron: 'left 3px', backAt: 'left', errorBorder: 'left', actionSide: 'below',
    bulletPadding: '20px', plainListIndent: 0, insetBorder: 'left', warningIcon: 'left 0px', detailsRule: 'left',
  });
  assert.deepEqual(ar, {
    radioAtStart: 'right', radioCircle: 'right 2px', checkboxBox: 'right 2px',
    backChevron: 'right 3px', backAt: 'right', errorBorder: 'right', actionSide: 'below',
    bulletPadding: '20px', plainListIndent: 0, insetBorder: 'right', warningIcon: 'right 0px', detailsRule: 'right',
  });
  // On a wider screen the summary list's change link sits at the line's end.
  assert.equal((await layout(page, 'en', 800)).actionSide, 'right');
  assert.equal((await layout(page, 'ar', 800)).actionSide, 'left');
  await page.setViewportSize(PHONE);
  await page.evaluate(() => localStorage.removeItem('fd.lang'));
  await page.close();
});
