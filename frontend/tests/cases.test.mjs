// My requests: a signed-in resident's list, one request's page and its
// timeline, adding information, rating the service, asking for a stage 2
// review of a complaint (with the keyboard alone too), and the same pages
// read offline.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launch, open, axe, shot, apiJSON } from './harness.mjs';

let server; let context; let page; let tokens; let resident; let grounds; let supervisor;
const email = 'jo.cases@example.com';
const password = 'plum tree garden 77';
const where = { location: { lat: 50.3712, lng: -4.1427 } };

before(async () => {
  server = await startServer();
  context = await launch();
  await apiJSON(server.url, '/api/v1/auth/register', { method: 'POST', body: { email, name: 'Jo Cases', password } });
  await apiJSON(server.url, '/api/v1/auth/verify', { method: 'POST', body: { email, code: await server.code(email) } });
  tokens = await apiJSON(server.url, '/api/v1/auth/login', { method: 'POST', body: { email, password } });
  resident = (p, opts = {}) => apiJSON(server.url, p, { ...opts, token: tokens.access_token });
  grounds = await server.staff({ email: 'grounds@council.example', teams: ['grounds-maintenance'] });
  supervisor = await server.staff({ email: 'super@council.example', role: 'supervisor' });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  // The service worker first, so that what the pages read is kept for offline.
  await open(page, `${server.url}/`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller);
});
after(async () => { await context?.close(); await server?.stop(); });

const report = (service, answers) => resident('/api/v1/cases', { method: 'POST', body: { items: [{ service, answers }] } });
// upload sends a photo as the resident, for a photo question's answer.
async function upload() {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(new URL('../public/icons/icon-192.png', import.meta.url))]), 'verge.png');
  const res = await fetch(`${server.url}/api/v1/attachments`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}
const move = (who, cs, to, extra = {}) => who(`/api/v1/staff/cases/${cs.reference}/items/${cs.items[0].id}/transition`, { method: 'POST', body: { to, ...extra } });
const main = () => page.textContent('main');

// check runs axe on the page in English and in Arabic (prepare() draws the
// state to check in each), keeping a screenshot of each; it ends in English.
async function check(name, prepare = async () => {}) {
  for (const code of ['en', 'ar']) {
    if (code === 'ar') await language('ar');
    await prepare();
    assert.deepEqual(await axe(page), [], `${name} (${code})`);
    await shot(page, `cases-${name}-${code}`);
  }
  await language('en');
}

// language switches as a resident does, with the language links. main.js
// draws the page again before the account's new language is saved, and the
// API answers a signed-in resident in their account's language, so the page
// is drawn once more after the save (reported to the lead).
async function language(code) {
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
  await page.click(`a[hreflang="${code}"]`);
  await saved;
  await drawn(() => page.evaluate(async () => {
    const { app } = await import('/app/main.js');
    await app.navigate(location.pathname + location.search, { replace: true });
  }));
}

// refuse sends a form empty, and waits for its new error summary.
async function refuse() {
  await page.evaluate(() => document.querySelector('.govuk-error-summary')?.setAttribute('data-stale', ''));
  await page.click('main button[type=submit]');
  await page.waitForSelector('.govuk-error-summary:focus:not([data-stale])');
}

async function follow(name) {
  await drawn(() => page.getByRole('link', { name, exact: true }).click());
}

// drawn does what leads to another page, and waits until the app drew it.
async function drawn(action) {
  await page.evaluate(() => document.querySelector('#main > *')?.setAttribute('data-stale', ''));
  await action();
  await page.waitForFunction(() => !document.querySelector('#main > [data-stale]') && document.querySelector('#main h1'));
}

test('signed out, my requests asks to sign in first', async () => {
  await open(page, `${server.url}/cases/K7M-Q2X-9PT`);
  await page.waitForURL(`${server.url}/sign-in?next=%2Fcases%2FK7M-Q2X-9PT`);
  // The sign-in pages are another journey's (and tested there): sign in as they do.
  await page.evaluate(async (body) => {
    const res = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    (await import('/app/api.js')).startSession(await res.json());
  }, { email, password });
});

test('the list, a request with its timeline and answers, adding information and rating the service', async () => {
  const grass = await report('grass-cutting', { ...where, 'area-type': 'verge', sightline: true, details: 'Long grass by the bus stop', photos: [await upload()] });
  const both = await resident('/api/v1/cases', { method: 'POST', body: { items: [
    { service: 'hedge-cutting', answers: { ...where, obstruction: 'pavement', owner: 'council' } },
    { service: 'grass-cutting', answers: { ...where, 'area-type': 'park' } },
  ] } });
  await grounds(`/api/v1/staff/cases/${grass.reference}/updates`, { method: 'POST', body: { text: 'We will cut the verge on Tuesday.', public: true } });
  await move(grounds, grass, 'in_progress');

  await open(page, `${server.url}/cases`);
  assert.equal(await page.textContent('main h1'), 'Your requests');
  const rows = await page.locator('.app-case-list__item h2').allTextContents();
  assert.deepEqual(rows, ['Request hedge cutting and Request grass cutting', 'Request grass cutting'], 'newest first');
  assert.match(await page.locator('.app-case-list__item').nth(1).textContent(), new RegExp(`Reference ${grass.reference}.*Reported on .*In progress`));
  await check('list');
  await follow('Requests you follow');
  assert.match(await main(), /You are not following any requests/);
  await check('following');

  await follow('Your requests');
  await follow('Request grass cutting');
  assert.equal(await page.textContent('main h1'), 'Request grass cutting');
  assert.match(await main(), new RegExp(`Reference ${grass.reference}`));
  assert.match(await main(), /We aim to finish by .*\d{4}\./);
  const timeline = await page.locator('.app-timeline__text').allTextContents();
  assert.deepEqual(timeline, ['Status: in progress.', 'We will cut the verge on Tuesday.', 'We received your request.'], 'newest first');
  await page.click('text=Your answers');
  assert.match(await page.textContent('.govuk-summary-list'), /What kind of place is it\?A roadside verge.*Yes.*Long grass by the bus stop/);
  await page.waitForFunction(() => document.querySelector('img[alt="Your photo 1"]')?.naturalWidth > 0);
  assert.equal(await page.getByRole('link', { name: 'Make a complaint about this' }).getAttribute('href'),
    `/report/complaint?case-reference=${grass.reference}`);
  await check('case');

  await follow('Add information');
  assert.equal(await page.textContent('main h1'), 'What do you want to add to your request?');
  await check('information', refuse);
  await refuse();
  assert.match(await page.textContent('.govuk-error-summary'), /Enter the information you want to add/);
  assert.match(await page.title(), /^Error: /);
  await page.fill('#text', 'The grass is hiding a drain cover.');
  await page.click('main button');
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await page.textContent('.govuk-notification-banner'), /We have added your information/);
  assert.equal(new URL(page.url()).pathname, `/cases/${grass.reference}`);
  assert.match(await page.locator('.app-timeline__item').first().textContent(), /You wrote.*The grass is hiding a drain cover\./);
  const seen = await grounds(`/api/v1/staff/cases/${grass.reference}`);
  assert.ok(seen.events.some((e) => e.kind === 'information' && e.text === 'The grass is hiding a drain cover.'), 'staff see the information');

  await move(grounds, grass, 'resolved', { public_update: 'The verge is cut.' });
  await open(page, `${server.url}/cases/${grass.reference}`);
  assert.doesNotMatch(await main(), /Add information/, 'a finished request takes no more information');
  await follow('Rate this service');
  assert.equal(await page.textContent('main h1'), 'How did we do?');
  await check('feedback', refuse);
  await refuse();
  assert.match(await page.textContent('.govuk-error-summary'), /Select how we did/);
  await page.check('text=Good');
  await page.fill('#comment', 'Quick and tidy.');
  await page.click('main button[type=submit]');
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await main(), /Thank you for rating our service/);
  assert.match(await main(), /You rated this service: Good\./);
  assert.doesNotMatch(await main(), /Rate this service/);
  assert.equal((await resident(`/api/v1/cases/${grass.reference}`)).feedback.rating, 'good');

  // A request for two services: each with its own heading and status.
  await open(page, `${server.url}/cases/${both.reference}`);
  assert.deepEqual(await page.locator('main h2.govuk-heading-m').allTextContents(),
    ['Request hedge cutting', 'Request grass cutting', 'What you can do', 'What has happened']);
  assert.deepEqual(await axe(page), []);
  await shot(page, 'cases-case-two-services-en');
});

test('a complaint answered at stage 1 goes to stage 2 from the browser', async () => {
  const complaint = await report('complaint', { 'service-area': 'streets', 'what-happened': 'Nobody came.', 'put-right': 'Come and clean it.', 'contact-by': 'email' });
  await move(supervisor, complaint, 'in_progress');
  await move(supervisor, complaint, 'resolved', { outcome: 'not_upheld', public_update: 'The street was cleaned on time.' });

  await open(page, `${server.url}/cases/${complaint.reference}`);
  assert.match(await main(), /Our answer: we did not agree with your complaint\./);
  assert.match(await main(), /you can ask for a review until/);
  assert.equal(await page.getByRole('link', { name: 'Make a complaint about this' }).count(), 0);
  await follow('Ask for a review (stage 2)');
  assert.equal(await page.textContent('main h1'), 'Why are you not happy with our answer?');
  await check('escalate', refuse);
  await page.fill('#reason', 'The street was still dirty a week later.');
  await page.click('main button');
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await main(), /You have asked for a review of your complaint/);
  assert.match(await main(), /Stage 2: a senior officer is reviewing your complaint\./);
  const seen = await supervisor(`/api/v1/staff/cases/${complaint.reference}`);
  assert.equal(seen.items[0].complaint.stage, 2);
  assert.equal(seen.items[0].status, 'reopened');
  assert.equal(seen.items[0].complaint.escalation_reason, 'The street was still dirty a week later.');
});

test('a request someone else reported, followed: its progress without their answers', async () => {
  const theirs = await apiJSON(server.url, '/api/v1/cases', { method: 'POST', body: {
    items: [{ service: 'grass-cutting', answers: { ...where, 'area-type': 'housing-green' } }], contact: { email: 'neighbour@example.com' },
  } });
  await resident(`/api/v1/cases/${theirs.reference}/follow`, { method: 'POST' });
  await grounds(`/api/v1/staff/cases/${theirs.reference}/updates`, { method: 'POST', body: { text: 'Booked for Friday.', public: true } });
  await open(page, `${server.url}/cases?following=true`);
  assert.equal(await page.textContent('main h1'), 'Requests you follow');
  await drawn(() => page.click(`a[href="/cases/${theirs.reference}"]`));
  assert.match(await main(), /You are following this request\. Someone else reported it/);
  assert.match(await page.locator('.app-timeline__text').first().textContent(), /Booked for Friday\./);
  assert.equal(await page.locator('text=Your answers').count(), 0);
  assert.equal(await page.locator('text=What you can do').count(), 0);
  await check('followed-case');
});

test('past 50 requests, the older ones are on the next page', async () => {
  const mine = (await resident('/api/v1/cases')).items.length;
  for (let i = mine; i < 51; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, 51 - i) }, () => report('grass-cutting', { ...where, 'area-type': 'verge' })));
  }
  await open(page, `${server.url}/cases`);
  assert.equal(await page.locator('.app-case-list__item').count(), 50);
  await drawn(() => page.getByRole('link', { name: 'Older requests' }).click());
  assert.equal(await page.locator('.app-case-list__item').count(), 1);
  assert.match(new URL(page.url()).search, /^\?cursor=/);
  assert.equal(await page.getByRole('link', { name: 'Older requests' }).count(), 0);
});

test('adding information, rating the service and asking for a review with the keyboard alone', async () => {
  const cs = await report('grass-cutting', { ...where, 'area-type': 'park' });
  await open(page, `${server.url}/cases`);
  await tabTo(`a[href="/cases/${cs.reference}"]`);
  await drawn(() => page.keyboard.press('Enter'));
  assert.equal(new URL(page.url()).pathname, `/cases/${cs.reference}`);
  await tabTo(`a[href="/cases/${cs.reference}/information"]`);
  await drawn(() => page.keyboard.press('Enter'));
  await tabTo('#text');
  await page.keyboard.type('There is a bench in the long grass.');
  await tabTo('main button');
  await drawn(() => page.keyboard.press('Enter'));
  assert.match(await page.locator('.app-timeline__item').first().textContent(), /There is a bench in the long grass\./);

  await move(grounds, cs, 'in_progress');
  await move(grounds, cs, 'resolved');
  await open(page, `${server.url}/cases/${cs.reference}`);
  await tabTo(`a[href="/cases/${cs.reference}/feedback"]`);
  await drawn(() => page.keyboard.press('Enter'));
  await tabTo('#rating');
  await page.keyboard.press('ArrowDown'); // the next rating: Average
  await tabTo('main button');
  await drawn(() => page.keyboard.press('Enter'));
  assert.match(await main(), /You rated this service: Average\./);

  const complaint = await report('complaint', { 'service-area': 'other', 'what-happened': 'The bench was left in the grass.', 'put-right': 'Move it.', 'contact-by': 'email' });
  await move(supervisor, complaint, 'in_progress');
  await move(supervisor, complaint, 'resolved', { outcome: 'partly_upheld' });
  await open(page, `${server.url}/cases/${complaint.reference}`);
  await tabTo(`a[href^="/cases/${complaint.reference}/escalate"]`);
  await drawn(() => page.keyboard.press('Enter'));
  await tabTo('#reason');
  await page.keyboard.type('Only half of it was put right.');
  await tabTo('main button');
  await drawn(() => page.keyboard.press('Enter'));
  assert.match(await main(), /Stage 2: a senior officer is reviewing your complaint\./);
});

// tabTo presses Tab until the element matching selector has the focus.
async function tabTo(selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('offline, the list and a request open from the copy the service worker kept', async () => {
  const cs = await report('grass-cutting', { ...where, 'area-type': 'cemetery' });
  await open(page, `${server.url}/cases`);
  await open(page, `${server.url}/cases/${cs.reference}`);
  await context.setOffline(true);
  try {
    await open(page, `${server.url}/cases`);
    assert.match(await page.textContent('main .govuk-inset-text'), /You are offline\. This is what we last saw on .*\d{4}/);
    assert.match(await main(), new RegExp(`Reference ${cs.reference}`));
    await shot(page, 'cases-offline-list');
    await open(page, `${server.url}/cases/${cs.reference}`);
    assert.match(await page.textContent('main .govuk-inset-text'), /You are offline\. This is what we last saw on/);
    assert.equal(await page.textContent('main h1'), 'Request grass cutting');
    assert.deepEqual(await axe(page), []);
    await shot(page, 'cases-offline-case');
  } finally {
    await context.setOffline(false);
  }
});
