// Track a request without an account: by reference and postcode or email,
// a wrong proof, the server's words when guesses run out, rating and a
// stage 2 review with the proof, the copy kept for offline, and a push
// notification that opens the request.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, open, axe, shot, apiJSON } from './harness.mjs';

let server; let context; let page; let grounds; let supervisor;
let grass; // an anonymous report everyone here tracks
const where = { location: { lat: 50.3712, lng: -4.1427 } };
const al = { name: 'Al Track', email: 'al.track@example.com', postcode: 'PL1 2AA' };

before(async () => {
  server = await startServer();
  context = await launch();
  // Before the worker starts: it reads the permission when it starts.
  await context.grantPermissions(['notifications'], { origin: server.url });
  grounds = await server.staff({ email: 'grounds@council.example', teams: ['grounds-maintenance'] });
  supervisor = await server.staff({ email: 'super@council.example', role: 'supervisor' });
  grass = await anonymous('grass-cutting', { ...where, 'area-type': 'verge' }, al);
  await grounds(`/api/v1/staff/cases/${grass.reference}/updates`, { method: 'POST', body: { text: 'We will cut the verge on Tuesday.', public: true } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await open(page, `${server.url}/`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller);
});
after(async () => { await context?.close(); await server?.stop(); });

function anonymous(service, answers, contact) {
  return apiJSON(server.url, '/api/v1/cases', { method: 'POST', body: { items: [{ service, answers }], contact } });
}
const main = () => page.textContent('main');
const summary = () => page.textContent('.govuk-error-summary');

// drawn does what leads to another page, and waits until the app drew it.
async function drawn(action) {
  await page.evaluate(() => document.querySelector('#main > *')?.setAttribute('data-stale', ''));
  await action();
  await page.waitForFunction(() => !document.querySelector('#main > [data-stale]') && document.querySelector('#main h1'));
}

async function language(code) {
  await drawn(() => page.click(`a[hreflang="${code}"]`));
  assert.equal(await page.getAttribute('html', 'lang'), code);
}

// check runs axe in English and Arabic (prepare() draws the state to check
// in each) with a screenshot of each; it ends in English.
async function check(name, prepare = async () => {}) {
  for (const code of ['en', 'ar']) {
    if (code === 'ar') await language('ar');
    await prepare();
    assert.deepEqual(await axe(page), [], `${name} (${code})`);
    await shot(page, `track-${name}-${code}`);
  }
  await language('en');
}

// refused does what the form should refuse, and waits for the new error summary.
async function refused(action) {
  await page.evaluate(() => document.querySelector('.govuk-error-summary')?.setAttribute('data-stale', ''));
  await action();
  await page.waitForSelector('.govuk-error-summary:focus:not([data-stale])');
}

const refuse = () => refused(() => page.click('main button[type=submit]'));

async function track(reference, proof) {
  await page.fill('#reference', reference);
  await page.fill('#proof', proof);
  await page.click('main button[type=submit]');
}

async function follow(name) {
  await drawn(() => page.getByRole('link', { name, exact: true }).click());
}

const NOT_MATCHED = 'We could not find a request with that reference and email address or postcode. Check them and try again.';

test('tracking by reference and postcode; a wrong proof says no more than that', async () => {
  await open(page, `${server.url}/track`);
  assert.equal(await page.textContent('main h1'), 'Track a request');
  await check('form', refuse);
  await refuse();
  assert.match(await summary(), /Enter the reference.*Enter the email address or postcode you gave us/);

  await refused(() => track(grass.reference, 'PL4 8AA'));
  assert.equal((await summary()).replace('There is a problem', ''), NOT_MATCHED);
  await refused(() => track('K7M-Q2X-9PT', al.postcode)); // no such request: the same words
  assert.equal((await summary()).replace('There is a problem', ''), NOT_MATCHED);

  await drawn(() => track(grass.reference.toLowerCase().replaceAll('-', ''), 'pl1 2aa'));
  assert.equal(new URL(page.url()).search, `?ref=${grass.reference}`);
  assert.equal(await page.textContent('main h1'), 'Request grass cutting');
  assert.match(await main(), new RegExp(`Reference ${grass.reference}.*Received`));
  assert.deepEqual(await page.locator('.app-timeline__text').allTextContents(), ['We will cut the verge on Tuesday.', 'We received your request.']);
  assert.equal(await page.locator('text=Your answers').count(), 0, 'tracking shows no answers');
  assert.equal(await page.getByRole('button', { name: 'Get updates on this device' }).count(), 1);
  await check('tracked');
});

test('when the guesses run out, the error summary has the server\'s words in the resident\'s language', async () => {
  const other = await anonymous('grass-cutting', { ...where, 'area-type': 'park' }, { email: 'cy@example.com' });
  for (let i = 0; i < 10; i++) {
    await apiJSON(server.url, '/api/v1/track', { method: 'POST', body: { reference: other.reference, postcode: 'PL9 9ZZ' } }).catch(() => {});
  }
  await open(page, `${server.url}/track`);
  await language('cy');
  await refused(() => track(other.reference, 'cy@example.com'));
  assert.match(await summary(), /Roedd gormod o gyfeirnodau neu fanylion nad oedd yn cyfateb\. Rhowch gynnig arall arni ymhen \d+ eiliad\./);
  await language('en');
});

test('tracking with the keyboard alone', async () => {
  await open(page, `${server.url}/track`);
  await tabTo('#reference');
  await page.keyboard.type(grass.reference);
  await page.keyboard.press('Tab');
  await page.keyboard.type(al.email);
  await drawn(() => page.keyboard.press('Enter'));
  assert.equal(await page.textContent('main h1'), 'Request grass cutting');
});

async function tabTo(selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('rating the service and asking for a review, with the email or postcode as proof', async () => {
  await grounds(`/api/v1/staff/cases/${grass.reference}/items/${grass.items[0].id}/transition`, { method: 'POST', body: { to: 'in_progress' } });
  await grounds(`/api/v1/staff/cases/${grass.reference}/items/${grass.items[0].id}/transition`, { method: 'POST', body: { to: 'resolved', public_update: 'The verge is cut.' } });
  // A new visit: the copy kept on the device, and the way to the latest.
  await open(page, `${server.url}/track?ref=${grass.reference}`);
  assert.match(await page.textContent('main .govuk-inset-text'), /This is what we saw on .*See the latest/);
  assert.match(await main(), /Received/);
  await follow('See the latest');
  assert.equal(await page.textContent('main h1'), 'What email address or postcode did you give us?');
  await check('check', refuse);
  await drawn(async () => { await page.fill('#proof', al.email); await page.click('main button[type=submit]'); });
  assert.match(await main(), /Status: resolved\. The verge is cut\./);
  await follow('Rate this service');
  assert.equal(await page.locator('#proof').count(), 0, 'the proof is known in this tab');
  await check('feedback', refuse);
  await page.check('text=Average');
  await drawn(() => page.click('main button[type=submit]'));
  assert.match(await page.textContent('.govuk-notification-banner'), /Thank you for rating our service/);
  assert.match(await main(), /You rated this service: Average\./);

  // A complaint taken by phone, answered at stage 1.
  const bo = { name: 'Bo Phone', email: 'bo@example.com', postcode: 'PL4 8AA' };
  const complaint = await supervisor('/api/v1/cases', {
    method: 'POST',
    body: { items: [{ service: 'complaint', answers: { 'service-area': 'streets', 'what-happened': 'Nobody came.', 'put-right': 'Come and clean.', 'contact-by': 'phone' } }], contact: bo },
  });
  const item = complaint.items[0].id;
  const moveTo = (to, extra = {}) => supervisor(`/api/v1/staff/cases/${complaint.reference}/items/${item}/transition`, { method: 'POST', body: { to, ...extra } });
  await moveTo('in_progress');
  await open(page, `${server.url}/track?ref=${complaint.reference}`);
  assert.equal(await page.inputValue('#reference'), complaint.reference, 'a reference never seen here: the form, filled in');
  await drawn(() => track(complaint.reference, bo.postcode));
  assert.equal(await page.getByRole('link', { name: 'Ask for a review (stage 2)' }).count(), 0, 'not answered yet');
  await moveTo('resolved', { outcome: 'not_upheld', public_update: 'We cleaned the street on time.' });
  await open(page, `${server.url}/track?ref=${complaint.reference}`); // the kept copy: the proof is asked again
  await follow('See the latest');
  await drawn(async () => { await page.fill('#proof', bo.postcode); await page.click('main button[type=submit]'); });
  await open(page, `${server.url}/track?ref=${complaint.reference}`);
  await follow('Ask for a review (stage 2)');
  assert.equal(await page.textContent('main h1'), 'Why are you not happy with our answer?');
  await check('escalate', refuse);
  await page.fill('#reason', 'The street was dirty again the next day.');
  await page.fill('#proof', 'PL1 1AA');
  await refused(() => page.click('main button[type=submit]'));
  assert.match(await page.textContent('#proof-error'), new RegExp(NOT_MATCHED.replace(/[.]/g, '\\.')));
  await page.fill('#proof', bo.email);
  await drawn(() => page.click('main button[type=submit]'));
  assert.match(await page.textContent('.govuk-notification-banner'), /You have asked for a review of your complaint/);
  const seen = await supervisor(`/api/v1/staff/cases/${complaint.reference}`);
  assert.equal(seen.items[0].complaint.stage, 2);
  assert.equal(seen.items[0].status, 'reopened');
});

test('offline, /track?ref= opens the copy kept on this device', async () => {
  await context.setOffline(true);
  try {
    await open(page, `${server.url}/track?ref=${grass.reference}`);
    assert.match(await page.textContent('main .govuk-inset-text'), /You are offline\. This is what we last saw on .*\d{4}/);
    assert.equal(await page.textContent('main h1'), 'Request grass cutting');
    assert.match(await main(), /You rated this service: Average\./);
    assert.deepEqual(await axe(page), []);
    await shot(page, 'track-offline');
  } finally {
    await context.setOffline(false);
  }
});

test('a push notification opens the request it is about', async () => {
  await open(page, `${server.url}/`);
  await page.waitForFunction(() => navigator.serviceWorker.controller);
  const cdp = await context.newCDPSession(page);
  const registered = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((x) => x.scopeURL === `${server.url}/` && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registered;
  // Touch the worker first: without this, about one run in four showed no
  // notification at all.
  const [worker] = context.serviceWorkers();
  await worker.evaluate(() => self.registration.active.state);
  const url = `/track?ref=${grass.reference}`;
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: server.url, registrationId, data: JSON.stringify({ title: 'Request grass cutting', body: 'Status: resolved.', url, tag: grass.reference }),
  });
  const shown = () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications())
    .map((n) => ({ title: n.title, body: n.body, url: n.data?.url })));
  for (let i = 0; i < 50 && !(await shown()).length; i++) await new Promise((r) => setTimeout(r, 100));
  await cdp.detach();
  assert.deepEqual(await shown(), [{ title: 'Request grass cutting', body: 'Status: resolved.', url }]);

  // The tap. DevTools has no way to click a notification, and a
  // notificationclick the page or worker makes itself is untrusted: its
  // waitUntil throws, and Chrome lets only a click it dispatched focus a
  // window or open one. So the worker's own handler runs on a plain event
  // carrying the real notification and a waitUntil, with focus() stood in
  // for; the rest (which window, where to, navigate) is the handler's own.
  await worker.evaluate(async () => {
    const [notification] = await self.registration.getNotifications();
    WindowClient.prototype.focus = async function focus() { return this; };
    const waits = [];
    self.dispatchEvent(Object.assign(new Event('notificationclick'), { notification, waitUntil: (p) => waits.push(p) }));
    await Promise.all(waits);
  });
  await page.waitForURL(`${server.url}${url}`);
  await page.waitForSelector('html[data-ready="true"]');
  assert.equal(await page.textContent('main h1'), 'Request grass cutting');
  assert.deepEqual(await shown(), [], 'the notification is closed');
  await shot(page, 'track-from-push');
});
