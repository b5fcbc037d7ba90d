// The report journey's turns: a question asked only for the right answer,
// the server's refusal taken back to the question, the keyboard alone,
// a report made offline and sent on reconnecting, and an open report at
// the same place offered before reporting it again.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { apiJSON, launch, open, startServer } from './harness.mjs';
import { cont, errorShown, jpegSize, png, resident, seen, signIn, staffToken, watch } from './report-helpers.mjs';

const PLYMOUTH = { latitude: 50.3712, longitude: -4.1427 };
let server; let context;
before(async () => {
  server = await startServer();
  context = await launch();
  await context.grantPermissions(['geolocation', 'notifications'], { origin: server.url });
  await context.setGeolocation(PLYMOUTH);
});
after(async () => { await context?.close(); await server?.stop(); });

const useLocation = (page) => page.click('text=Use my location');

test('a follow-up question is asked only for the right answer; hidden answers are dropped; the server is heard', async (t) => {
  const page = await context.newPage();
  t.after(async () => { await context.setGeolocation(PLYMOUTH); await page.close(); });
  const errors = watch(page);

  // A number out of range is caught before sending, as the server would.
  await open(page, `${server.url}/report/pothole`);
  await seen(page, 'Where is it?');
  await useLocation(page);
  await seen(page, 'Where is the pothole?');
  await page.check('text=In the road');
  await cont(page);
  await seen(page, 'How big is it?');
  await page.check('text=Bigger than a dinner plate');
  await cont(page);
  await seen(page, 'How deep is it, in centimetres? (optional)', 'report-number-en');
  await page.fill('#q-depth', '500');
  await cont(page);
  await errorShown(page, 'Enter a number from 0 to 100', 'report-number-error-en');
  await page.fill('#q-depth', 'deep');
  await cont(page);
  await errorShown(page, 'Enter a number, like 3 or 2.5');

  await open(page, `${server.url}/report/blocked-drain`);
  await seen(page, 'Where is it?');
  await useLocation(page);
  await seen(page, 'Is there flooding?', 'report-conditional-en');
  await page.check('label:has-text("No")');
  await cont(page);
  await seen(page, 'Anything else we should know? (optional)');
  await page.click('a.govuk-back-link');
  await seen(page, 'Is there flooding?');
  await page.check('label:has-text("Yes")');
  await cont(page);
  await seen(page, 'Is water getting into, or close to, a home or business?', 'report-conditional-followup-en');
  await page.check('label:has-text("Yes")');
  await cont(page);
  await seen(page, 'Anything else we should know? (optional)');
  await cont(page);
  await seen(page, 'Photos');
  await cont(page);
  await seen(page, 'How can we contact you?');
  await page.fill('#contact-name', 'Dee Drain');
  await page.fill('#contact-phone', '07700 900123');
  await cont(page);
  await seen(page, 'Check your answers');
  assert.match(await page.innerText('main'), /Is water getting into, or close to, a home or business\?\s+Yes/);

  // No flooding after all: the follow-up goes, and so does its answer.
  await page.click('a[href="/report/blocked-drain/flooding?return=check"]');
  await seen(page, 'Is there flooding?');
  await page.check('label:has-text("No")');
  await cont(page);
  await seen(page, 'Check your answers');
  assert.doesNotMatch(await page.innerText('main'), /Is water getting into/);

  // A place outside the council's area: only the server knows; its words
  // come back on the question, and the report goes once it is put right.
  await context.setGeolocation({ latitude: 51.5007, longitude: -0.1246 });
  await page.click('a[href="/report/blocked-drain/location?return=check"]');
  await seen(page, 'Where is it?', 'report-place-answered-en');
  await useLocation(page);
  await seen(page, 'Check your answers');
  await page.click('#send');
  await page.waitForFunction(() => location.pathname + location.search === '/report/blocked-drain/location?return=check');
  await errorShown(page, "This place is outside the council's area", 'report-place-server-error-en');
  await context.setGeolocation(PLYMOUTH);
  await useLocation(page);
  await seen(page, 'Check your answers');
  await page.click('#send');
  await seen(page, 'Report sent');
  const reference = await page.innerText('.app-reference');
  const token = await staffToken(server);
  const full = await apiJSON(server.url, `/api/v1/staff/cases/${reference}`, { token });
  assert.equal(full.items[0].answers.flooding, false);
  assert.equal('property-at-risk' in full.items[0].answers, false, 'the hidden question is not sent');
  assert.deepEqual(errors, []);
});

// tabTo presses Tab (or Shift+Tab) until the focused element matches.
async function tabTo(page, test, { back = false, max = 60 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const ok = await page.evaluate((t) => {
      const el = document.activeElement;
      const text = (el?.innerText || el?.value || '').trim();
      return (t.id && el?.id === t.id) || (t.text && text === t.text) || (t.label && el?.labels?.[0]?.innerText.trim() === t.label);
    }, test);
    if (ok) return;
  }
  throw new Error(`no focus on ${JSON.stringify(test)}`);
}

test('a report made with the keyboard alone', async (t) => {
  const page = await context.newPage();
  t.after(() => page.close());
  const errors = watch(page);
  await open(page, `${server.url}/services`);
  await tabTo(page, { id: 'search' });
  await page.keyboard.type('grass');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search-count:not(:empty)');
  await tabTo(page, { text: 'Request grass cutting' });
  await page.keyboard.press('Enter');
  await seen(page, 'Request grass cutting');
  await tabTo(page, { text: 'Start now' });
  await page.keyboard.press('Enter');

  await seen(page, 'Where is it?');
  await tabTo(page, { text: 'Use my location' });
  await page.keyboard.press('Enter');
  await seen(page, 'What kind of place is it?');
  await tabTo(page, { label: 'A roadside verge' });
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  await tabTo(page, { text: 'Continue' });
  await page.keyboard.press('Enter');
  await seen(page, "Is it blocking drivers' view");
  await tabTo(page, { label: 'Yes' });
  await page.keyboard.press('Space');
  await tabTo(page, { text: 'Continue' });
  await page.keyboard.press('Enter');
  await seen(page, 'Anything else we should know?');
  await tabTo(page, { id: 'q-details' });
  await page.keyboard.type('Typed with the keyboard.');
  await tabTo(page, { text: 'Continue' });
  await tabTo(page, { id: 'q-details' }, { back: true });
  await tabTo(page, { text: 'Continue' });
  await page.keyboard.press('Enter');

  // The file chooser opens from the keyboard too.
  await seen(page, 'Photos');
  await tabTo(page, { id: 'q-photos' });
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles({ name: 'grass.png', mimeType: 'image/png', buffer: png(800, 600) });
  await page.waitForSelector('.app-photos__item img');
  await tabTo(page, { text: 'Continue' });
  await page.keyboard.press('Enter');

  await seen(page, 'How can we contact you?');
  await tabTo(page, { id: 'contact-name' });
  await page.keyboard.type('Kim Keys');
  await tabTo(page, { id: 'contact-email' });
  await page.keyboard.type('kim@example.com');
  await tabTo(page, { text: 'Continue' });
  await page.keyboard.press('Enter');
  await seen(page, 'Check your answers');
  assert.match(await page.innerText('main'), /A park or playing field/, 'ArrowDown moved to the second option');
  await tabTo(page, { text: 'Send report' });
  await page.keyboard.press('Enter');
  await seen(page, 'Report sent');
  const reference = await page.innerText('.app-reference');
  const tracked = await apiJSON(server.url, '/api/v1/track', { method: 'POST', body: { reference, email: 'kim@example.com' } });
  assert.equal(tracked.items[0].service, 'grass-cutting');
  assert.deepEqual(errors, []);
});

// grassToPhotos answers grass cutting's questions, the place by the
// browser's location, up to its photos page.
async function grassToPhotos(page, place) {
  await seen(page, 'Where is it?');
  await useLocation(page);
  await seen(page, 'What kind of place is it?');
  await page.check(`text=${place}`);
  await cont(page);
  await seen(page, "Is it blocking drivers' view");
  await cont(page);
  await seen(page, 'Anything else we should know?');
  await cont(page);
  await seen(page, 'Photos');
}

test('a report made offline, photo and all, is sent when the connection returns', async (t) => {
  const page = await context.newPage();
  t.after(() => page.close());
  const errors = watch(page);
  await open(page, `${server.url}/report/grass-cutting`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await grassToPhotos(page, 'A cemetery or churchyard');

  await context.setOffline(true);
  await page.setInputFiles('#q-photos', { name: 'offline.png', mimeType: 'image/png', buffer: png(2000, 3000) });
  await page.waitForSelector('.app-photos__item img');
  assert.equal(await page.innerText('.app-photo-status'), 'Photo added. You are offline, so we will send it with your report.');
  await cont(page);
  await seen(page, 'How can we contact you?');
  await page.fill('#contact-name', 'Olly Offline');
  await page.fill('#contact-email', 'olly@example.com');
  await cont(page);
  await seen(page, 'Check your answers');
  await page.click('#send');
  await seen(page, 'Your report will be sent when you are back online', 'report-queued-en');
  const queued = await page.evaluate(() => new Promise((resolve) => {
    indexedDB.open('frontdoor').onsuccess = (ev) => {
      ev.target.result.transaction('outbox').objectStore('outbox').getAll().onsuccess = (e) => resolve(e.target.result);
    };
  }));
  assert.equal(queued.length, 1);
  assert.equal(queued[0].pending.length, 1, 'the photo waits as a blob');
  assert.ok(queued[0].key && queued[0].created);

  // Elsewhere in the app when the connection returns: a banner says so.
  await page.click('text=Go to the home page');
  await seen(page, 'Council services');
  await context.setOffline(false);
  await page.waitForSelector('#outbox-status .govuk-notification-banner--success');
  const said = await page.innerText('#outbox-status');
  assert.match(said, /Your report has been sent/);
  const reference = said.match(/[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}/)[0];
  assert.equal(await page.getAttribute('#outbox-status a', 'href'), `/track?reference=${reference}`);
  await seen(page, 'Council services', 'report-outbox-sent-en');
  const shown = await page.evaluate(async () => (await navigator.serviceWorker.ready).getNotifications().then((n) => n.map((x) => x.body)));
  assert.deepEqual(shown, [`Your reference is ${reference}.`]);

  const token = await staffToken(server);
  const full = await apiJSON(server.url, `/api/v1/staff/cases/${reference}`, { token });
  assert.equal(full.items[0].answers['area-type'], 'cemetery');
  const [photo] = full.items[0].answers.photos;
  const res = await fetch(`${server.url}/api/v1/staff/cases/${reference}/photos/${photo}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.deepEqual(jpegSize(Buffer.from(await res.arrayBuffer())), { width: 1067, height: 1600 });
  assert.equal(await page.evaluate(() => new Promise((resolve) => {
    indexedDB.open('frontdoor').onsuccess = (ev) => {
      ev.target.result.transaction('outbox').objectStore('outbox').count().onsuccess = (e) => resolve(e.target.result);
    };
  })), 0, 'the queue is empty');

  // Waiting on the "will be sent" page: it turns into the confirmation.
  await open(page, `${server.url}/report/dog-fouling`);
  await seen(page, 'Where is it?');
  await useLocation(page);
  await seen(page, 'Where did you see it?');
  await page.locator('.govuk-radios__label').first().click();
  for (const q of ['Does this happen here often?', 'Anything else we should know?', 'Photos']) {
    await cont(page);
    await seen(page, q);
  }
  await cont(page);
  await seen(page, 'How can we contact you?');
  await page.fill('#contact-name', 'Olly Offline');
  await page.fill('#contact-email', 'olly@example.com');
  await cont(page);
  await seen(page, 'Check your answers');
  await context.setOffline(true);
  await page.click('#send');
  await seen(page, 'Your report will be sent when you are back online');
  await context.setOffline(false);
  await seen(page, 'Report sent', 'report-done-after-offline-en');
  const second = await page.innerText('.app-reference');
  const tracked = await apiJSON(server.url, '/api/v1/track', { method: 'POST', body: { reference: second, email: 'olly@example.com' } });
  assert.equal(tracked.items[0].service, 'dog-fouling');
  assert.deepEqual(errors.filter((e) => !/offline|Failed to fetch|ERR_INTERNET_DISCONNECTED/i.test(e)), []);
});

test('an open report at the same place is offered, and a signed-in resident follows it instead', async (t) => {
  const spot = { lat: 50.376, lng: -4.1262 };
  const first = await apiJSON(server.url, '/api/v1/cases', {
    method: 'POST',
    body: { items: [{ service: 'grass-cutting', answers: { location: spot, 'area-type': 'verge' } }], contact: { name: 'First', email: 'first@example.com' } },
  });
  const who = await resident(server);
  const page = await context.newPage();
  t.after(async () => { await context.setGeolocation(PLYMOUTH); await page.close(); });
  const errors = watch(page);
  await context.setGeolocation({ latitude: spot.lat, longitude: spot.lng });
  await open(page, `${server.url}/`);
  await signIn(page, who);
  await open(page, `${server.url}/report/grass-cutting`);
  await grassToPhotos(page, 'A roadside verge');
  await cont(page);

  await seen(page, 'Is it one of these reports?', 'report-nearby-en');
  const offered = await page.innerText('main .govuk-radios');
  assert.match(offered, new RegExp(`Report ${first.reference}`));
  assert.match(offered, /Received · about 0 metres away · reported on/);
  await page.check(`input[value="${first.reference}"]`);
  await cont(page);
  await seen(page, `You are now following ${first.reference}`, 'report-following-en');
  const following = await apiJSON(server.url, '/api/v1/cases?following=true', { token: who.token });
  assert.deepEqual(following.items.map((c) => c.reference), [first.reference]);

  // A link from another journey fills in an answer.
  await open(page, `${server.url}/report/complaint?case-reference=${first.reference}`);
  await seen(page, 'Which council service is this about?');
  await page.locator('.govuk-radios__label').first().click();
  await cont(page);
  await page.waitForSelector('#q-case-reference');
  assert.equal(await page.inputValue('#q-case-reference'), first.reference);

  // Signed in, an address typed in, a date checked: no contact step.
  await context.setGeolocation(PLYMOUTH);
  await open(page, `${server.url}/report/missed-bin`);
  await seen(page, 'Address of the property', 'report-address-en');
  await page.fill('#q-address', 'PL1 2AA');
  await page.click('text=Find address');
  await page.waitForSelector('select#q-address');
  await seen(page, 'Address of the property', 'report-address-choose-en');
  await page.click('text=I cannot find the address in the list');
  await page.waitForSelector('#q-address-town');
  await seen(page, 'Address of the property', 'report-address-manual-en');
  assert.equal(await page.inputValue('#q-address-postcode'), 'PL1 2AA');
  await page.fill('#q-address', '99 Armada Way');
  await cont(page);
  await seen(page, 'Which bin was missed?');
  await page.locator('.govuk-radios__label').first().click();
  await cont(page);
  await seen(page, 'When should it have been collected?', 'report-date-en');
  await page.fill('#q-collection-date', '31');
  await page.fill('#q-collection-date-month', '2');
  await page.fill('#q-collection-date-year', '2025');
  await cont(page);
  await errorShown(page, 'Enter a real date', 'report-date-error-en');
  const day = new Date(Date.now() - 864e5);
  await page.fill('#q-collection-date', String(day.getDate()));
  await page.fill('#q-collection-date-month', String(day.getMonth() + 1));
  await page.fill('#q-collection-date-year', String(day.getFullYear()));
  await cont(page);
  await page.waitForSelector('input[name="q-bin-out"]');
  await page.check('label:has-text("Yes")');
  await cont(page);
  await seen(page, 'Anything else we should know?');
  await cont(page);
  await seen(page, 'Check your answers', 'report-check-signed-in-en');
  assert.doesNotMatch(await page.innerText('main'), /Your contact details/);
  assert.match(await page.innerText('main'), /99 Armada Way\s+PL1 2AA/);
  await page.click('#send');
  await seen(page, 'Report sent', 'report-done-signed-in-en');
  const reference = await page.innerText('.app-reference');
  assert.equal(await page.getAttribute(`main a[href="/cases/${reference}"]`, 'href'), `/cases/${reference}`);
  const mine = await apiJSON(server.url, `/api/v1/cases/${reference}`, { token: who.token });
  assert.deepEqual(mine.items[0].answers.address, { line1: '99 Armada Way', town: '', postcode: 'PL1 2AA' });
  assert.deepEqual(errors, []);
});
