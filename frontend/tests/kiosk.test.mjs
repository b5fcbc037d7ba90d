// The kiosk profile on a council terminal (issue 7): enrolling it with a
// code, the start screen, a report made anonymously, signing in with a
// one-time code, the idle warning and timeout, continuing on a phone, a
// journey by keyboard alone and a session ended by staff. After each end
// the terminal's browser is read back: nothing of the person, and their
// token refused. Every screen is checked with axe in large-text mode.
//
// The idle test runs in real time on the shortest timeout the API allows
// (30 s): the warning shows 20 s before the end, "I need more time" gives
// another 30 s, then the countdown runs out and the terminal ends the
// session itself.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { apiJSON, axe, launch, open, shot, startServer } from './harness.mjs';
import { asResident, resident, tabTo } from './account-helpers.mjs';
import { assertWiped, enrolmentCode, look, refused, screen, smallTargets, terminal, tokens } from './kiosk-helpers.mjs';

let server; let context; let kiosk; let sent; let supervisor;
const where = { location: { lat: 50.3712, lng: -4.1427 }, 'area-type': 'verge' };
const errors = [];

before(async () => {
  server = await startServer();
  context = await terminal();
  kiosk = await context.newPage();
  sent = tokens(kiosk);
  kiosk.on('pageerror', (e) => { errors.push(e.message); console.error('page error:', e.message); });
});
after(async () => { await context?.close(); await server?.stop(); });

const START = 'What would you like to do?';
const text = () => kiosk.innerText('body');

// ended waits for the start screen a finished session leaves.
async function ended(reason, banner) {
  await kiosk.waitForURL(`**/kiosk?ended=${reason}`, { timeout: 45000 });
  await kiosk.waitForSelector('html[data-ready="true"]');
  await screen(kiosk, START);
  assert.match(await kiosk.innerText('.govuk-notification-banner'), new RegExp(banner));
}

async function signIn(email) {
  await kiosk.click('#kiosk-sign-in');
  await screen(kiosk, 'Sign in with a code', 'kiosk-signin-large');
  assert.equal(await kiosk.locator('input[type=password]').count(), 0, 'no password on a shared keyboard');
  await kiosk.fill('#contact', email);
  await kiosk.click('main button:has-text("Continue")');
  await screen(kiosk, 'Check your email', 'kiosk-signin-code-large');
  await kiosk.fill('#code', await server.code(email));
  await kiosk.click('main button:has-text("Sign in")');
  await screen(kiosk, 'Your account');
}

test('a terminal is enrolled once with its code; its start screen names the location', async () => {
  const made = await enrolmentCode(server);
  supervisor = made.supervisor;
  await open(kiosk, `${server.url}/kiosk`);
  await kiosk.waitForURL('**/kiosk/enrol');
  await screen(kiosk, 'Set up this screen', 'kiosk-enrol');
  await kiosk.click('main button:has-text("Set up screen")');
  await kiosk.waitForSelector('.govuk-error-summary:focus');
  assert.match(await kiosk.innerText('.govuk-error-summary'), /Enter the set-up code/);
  await kiosk.fill('#code', 'ZZZZ-ZZZZ');
  await kiosk.click('main button:has-text("Set up screen")');
  await kiosk.waitForSelector('.govuk-error-summary:focus');
  assert.deepEqual(await axe(kiosk), [], 'axe on the refused code');
  await shot(kiosk, 'kiosk-enrol-error');

  // As a scanner or a person might type it: lower case, a space for the hyphen.
  await kiosk.fill('#code', made.code.toLowerCase().replace('-', ' '));
  await kiosk.click('main button:has-text("Set up screen")');
  await kiosk.waitForURL(/\/kiosk$/);
  await screen(kiosk, START, 'kiosk-start');
  assert.equal(await kiosk.innerText('main .govuk-caption-l'), 'Central Library');
  assert.match(await kiosk.innerText('#kiosk-bar'), /Central Library/);
  assert.match(await kiosk.innerText('main'), /125 Armada Way/);
  assert.ok(await kiosk.evaluate(() => document.documentElement.classList.contains('app-kiosk')));
  assert.deepEqual(Object.keys(await kiosk.evaluate(() => ({ ...localStorage }))), ['fd.device']);
  for (const b of ['Report a problem or request a service', 'Track a request', 'Sign in with a code', 'Continue on my phone']) {
    assert.ok(await kiosk.locator('main button', { hasText: b }).isVisible(), b);
  }
  // No Finish before anyone has started.
  assert.equal(await kiosk.locator('#kiosk-finish').count(), 0);

  // Large text, high contrast and Arabic: one tap each, and still clean.
  const size = () => kiosk.evaluate(() => parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize));
  const before_ = await size();
  await look(kiosk, 'Large text');
  assert.ok(await size() >= before_ * 1.2, 'large text is larger');
  await screen(kiosk, START, 'kiosk-start-large');
  await look(kiosk, 'High contrast');
  assert.equal(await kiosk.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(0, 0, 0)');
  await screen(kiosk, START, 'kiosk-start-large-contrast');
  await look(kiosk, 'High contrast', false);
  await kiosk.click('main button[lang=ar]');
  await kiosk.waitForSelector('html[dir=rtl]');
  await screen(kiosk, 'ماذا تريد أن تفعل؟', 'kiosk-start-large-ar');
  assert.equal(await kiosk.getAttribute('main button[lang=ar]', 'aria-pressed'), 'true');
  await kiosk.click('main button[lang=en]');
  await screen(kiosk, START);
  assert.deepEqual(Object.keys(await kiosk.evaluate(() => ({ ...localStorage }))), ['fd.device'], 'the language is not kept on the terminal');
  assert.deepEqual(errors, []);
});

test('an anonymous report at the kiosk: channel and location on the case, then Finish leaves nothing', async () => {
  const person = { name: 'Sam Kiosk', email: `sam.kiosk.${Date.now()}@example.com` };
  await look(kiosk, 'Large text');
  await kiosk.click('#kiosk-report');
  await screen(kiosk, 'Find a council service', 'kiosk-services-large');
  assert.ok(await kiosk.locator('#kiosk-finish').isVisible(), 'Finish on every screen of a session');
  await kiosk.click('main a:has-text("Request grass cutting")');
  await screen(kiosk, 'Request grass cutting', 'kiosk-report-start-large');
  await kiosk.click('text=Start now');
  await screen(kiosk, 'Where is it?', 'kiosk-report-place-large');
  await kiosk.fill('#q-location', 'PL1 2AA');
  await kiosk.click('text=Find addresses');
  await kiosk.waitForSelector('select#q-location');
  await kiosk.selectOption('select#q-location', { label: '1 Armada Way, Plymouth, PL1 2AA' });
  const cont = () => kiosk.locator('main button.govuk-button[type=submit]').last().click();
  await cont();
  await screen(kiosk, 'What kind of place is it?', 'kiosk-report-choice-large');
  await kiosk.check('text=A roadside verge');
  await cont();
  await screen(kiosk, "Is it blocking drivers' view at a junction? (optional)");
  await cont();
  await screen(kiosk, 'Anything else we should know? (optional)');
  await kiosk.fill('#q-details', 'Knee-high grass by the library steps.');
  await cont();
  await screen(kiosk, 'Photos');
  await cont();
  // Not signed in: the kiosk asks for contact details, as the phone app does.
  await screen(kiosk, 'How can we contact you?', 'kiosk-report-contact-large');
  await kiosk.fill('#contact-name', person.name);
  await kiosk.fill('#contact-email', person.email);
  await cont();
  await screen(kiosk, 'Check your answers before sending your report', 'kiosk-report-check-large');
  await kiosk.click('#send');
  await screen(kiosk, 'Report sent', 'kiosk-report-done-large');
  const reference = await kiosk.innerText('.govuk-panel .app-reference');
  assert.match(reference, /^[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}$/);

  // The library has a printer: the confirmation prints without the frame.
  await kiosk.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
  await kiosk.click('button:has-text("Print this confirmation")');
  assert.equal(await kiosk.evaluate(() => window.printed), 1);
  await kiosk.emulateMedia({ media: 'print' });
  assert.equal(await kiosk.locator('#kiosk-bar').isVisible(), false);
  assert.equal(await kiosk.locator('#header').isVisible(), false);
  assert.ok(await kiosk.locator('.govuk-panel .app-reference').isVisible());
  await shot(kiosk, 'kiosk-report-print');
  await kiosk.emulateMedia({ media: 'screen' });

  // The council's record: made at the kiosk, at the Central Library.
  const cs = await supervisor(`/api/v1/staff/cases/${reference}`);
  assert.equal(cs.channel, 'kiosk');
  assert.equal(cs.location, 'Central Library');
  assert.ok(sent.size > 0, 'the session sent its token');
  const used = [...sent];
  assert.equal(await refused(server, used.at(-1)), false, 'the token works while the session runs');

  await kiosk.click('#kiosk-finish');
  await ended('finish', 'Your session has ended');
  assert.ok(!await kiosk.evaluate(() => document.documentElement.classList.contains('app-large-text')), 'the look went with the person');
  await assertWiped(kiosk, [reference, person.email, person.name, ...used]);
  const body = await text();
  for (const s of [reference, person.email, person.name]) assert.ok(!body.includes(s), s);
  for (const token of used) assert.ok(await refused(server, token), 'the old token is refused');

  // Back shows nothing of them: the app draws pages afresh, with no session.
  await kiosk.goBack();
  await kiosk.waitForSelector('html[data-ready="true"]');
  await screen(kiosk, START);
  const back = await text();
  for (const s of [reference, person.email, person.name, 'Knee-high']) assert.ok(!back.includes(s), `${s} after Back`);
  // The service worker the wipe unregistered is back.
  assert.ok(await kiosk.evaluate(() => navigator.serviceWorker.ready.then((r) => !!r.active)));
  assert.deepEqual(errors, []);
});

test('signed in with a one-time code: my requests, then the idle warning, more time once, and the timeout wipes', async () => {
  const who = await resident(server, { name: 'Ada Kiosk', email: `ada.kiosk.${Date.now()}@example.com` });
  const mine = await (await asResident(server, who))('/api/v1/cases', { method: 'POST', body: { items: [{ service: 'grass-cutting', answers: where }] } });
  const touches = [];
  kiosk.on('request', (r) => { if (r.url().endsWith('/touch')) touches.push(Date.now()); });
  sent.clear();
  await look(kiosk, 'Large text');
  await signIn(who.email);
  await screen(kiosk, 'Your account', 'kiosk-account-large');
  assert.match(await kiosk.innerText('main'), /Ada Kiosk/);
  await kiosk.click('#navigation a:has-text("My requests")');
  await screen(kiosk, 'Your requests', 'kiosk-cases-large');
  assert.match(await kiosk.innerText('main'), new RegExp(mine.reference));
  assert.ok(touches.length > 0, 'pressing and typing touched the session');
  assert.ok(touches.every((at, i) => i === 0 || at - touches[i - 1] >= 5000), 'at most one touch every 5 s');

  // Nobody touches the screen: 20 s before the end, the warning counts down.
  const dialog = kiosk.locator('dialog.app-kiosk-dialog[open]');
  await dialog.waitFor({ timeout: 20000 });
  const countdown = () => kiosk.innerText('.app-kiosk-countdown');
  const first = await countdown();
  assert.match(first, /^Your session will end in (1\d|20) seconds\.$/);
  assert.match(await kiosk.innerText('dialog [aria-live]'), /^Your session will end in \d+ seconds?\.$/);
  assert.equal(await kiosk.evaluate(() => document.activeElement.textContent), 'I need more time');
  assert.deepEqual(await axe(kiosk), [], 'axe on the idle warning');
  assert.deepEqual(await smallTargets(kiosk), []);
  await shot(kiosk, 'kiosk-idle-warning-large');
  await kiosk.waitForFunction((was) => document.querySelector('.app-kiosk-countdown')?.textContent !== was, first);
  assert.ok(parseInt(await countdown().then((s) => s.match(/\d+/)[0]), 10) < parseInt(first.match(/\d+/)[0], 10), 'it counts down');

  // "I need more time": the session runs on, as long again.
  await kiosk.click('dialog button:has-text("I need more time")');
  const extended = Date.now();
  await dialog.waitFor({ state: 'detached' });
  assert.match(await kiosk.innerText('main'), new RegExp(mine.reference), 'still signed in, same page');
  await dialog.waitFor({ timeout: 20000 });
  assert.ok(Date.now() - extended >= 8000, `the warning came back only after the new idle time (${Date.now() - extended} ms)`);

  // Then it runs out: the session ends and the screen is wiped.
  await ended('idle', 'Your session ended because the screen was not used');
  assert.ok(Date.now() - extended >= 28000, 'ended a whole idle time after "more time"');
  await assertWiped(kiosk, [mine.reference, who.email, 'Ada Kiosk', ...sent]);
  assert.ok(!(await text()).includes(mine.reference));
  for (const token of sent) assert.ok(await refused(server, token), 'the old token is refused');
  await kiosk.goBack();
  await kiosk.waitForSelector('html[data-ready="true"]');
  await screen(kiosk, START);
  assert.ok(!(await text()).includes(mine.reference), 'Back shows nothing of them');
  assert.deepEqual(errors, []);
});

test('continue on my phone: the QR code opens the same page signed in on the phone, and the kiosk wipes itself', async () => {
  const who = await resident(server, { name: 'Bo Phone', email: `bo.phone.${Date.now()}@example.com` });
  const mine = await (await asResident(server, who))('/api/v1/cases', { method: 'POST', body: { items: [{ service: 'grass-cutting', answers: where }] } });
  sent.clear();
  await look(kiosk, 'Large text');
  await signIn(who.email);
  await kiosk.click('#navigation a:has-text("My requests")');
  await screen(kiosk, 'Your requests');
  await kiosk.click('#kiosk-bar button:has-text("Continue on my phone")');
  await screen(kiosk, 'Continue on your phone', 'kiosk-phone-large');
  const qr = kiosk.locator('img.app-kiosk-qr');
  assert.equal(await qr.getAttribute('alt'), 'QR code that opens this page on your phone');
  assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 100), 'the code is drawn');
  const url = await kiosk.innerText('.app-kiosk-url');
  assert.match(url, new RegExp(`^${server.url}/handoff/fdh_`));
  assert.match(await kiosk.innerText('main'), /your session on this screen ends/);

  const phone = await launch();
  try {
    const p = await phone.newPage();
    await open(p, url);
    await p.waitForURL(`${server.url}/cases`);
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Your requests');
    assert.match(await p.innerText('main'), new RegExp(mine.reference), 'signed in on the phone, on the same page');
    await shot(p, 'kiosk-handoff-phone');
    await ended('phone', 'You are carrying on with your phone');
    await assertWiped(kiosk, [mine.reference, who.email, 'Bo Phone', ...sent]);
    for (const token of sent) assert.ok(await refused(server, token), 'the kiosk token is refused');

    // The link works once.
    await open(p, url);
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'This link has expired or has already been used');
    assert.deepEqual(await axe(p), [], 'axe on the dead link');
    await shot(p, 'kiosk-handoff-expired-en');
    // In Arabic (signed out: a signed-in account's own language would win).
    await p.evaluate(() => localStorage.removeItem('fd.session'));
    await open(p, `${url}?lang=ar`);
    await p.waitForFunction(() => document.querySelector('main h1')?.textContent === 'انتهت صلاحية هذا الرابط أو سبق استخدامه');
    assert.deepEqual(await axe(p), [], 'axe on the dead link in Arabic');
    await shot(p, 'kiosk-handoff-expired-ar');
  } finally {
    await phone.close();
  }
  assert.deepEqual(errors, []);
});

test('the keyboard alone: track a request at the kiosk, then Finish', async () => {
  const al = { name: 'Al Keys', email: `al.keys.${Date.now()}@example.com` };
  const made = await apiJSON(server.url, '/api/v1/cases', { method: 'POST', body: { items: [{ service: 'grass-cutting', answers: where }], contact: al } });
  sent.clear();
  await kiosk.focus('body');
  await tabTo(kiosk, { text: 'Large text' });
  await kiosk.keyboard.press('Space');
  assert.ok(await kiosk.evaluate(() => document.documentElement.classList.contains('app-large-text')));
  await tabTo(kiosk, { selector: '#kiosk-track' });
  await kiosk.keyboard.press('Enter');
  await screen(kiosk, 'Track a request', 'kiosk-track-large');
  await tabTo(kiosk, { selector: '#reference' });
  await kiosk.keyboard.type(made.reference);
  await kiosk.keyboard.press('Tab');
  await kiosk.keyboard.type(al.email);
  await kiosk.keyboard.press('Enter');
  await screen(kiosk, 'Request grass cutting', 'kiosk-tracked-large');
  assert.match(await kiosk.innerText('main'), new RegExp(made.reference));
  // Finish is before the page: back through the header to it.
  for (let i = 0; i < 40 && !await kiosk.evaluate(() => document.activeElement?.id === 'kiosk-finish'); i++) await kiosk.keyboard.press('Shift+Tab');
  assert.equal(await kiosk.evaluate(() => document.activeElement?.id), 'kiosk-finish');
  await kiosk.keyboard.press('Enter');
  await ended('finish', 'Your session has ended');
  await assertWiped(kiosk, [made.reference, al.email, ...sent]);
  assert.deepEqual(errors, []);
});

test('a session a member of staff ends is wiped from the screen too', async () => {
  let id = null;
  kiosk.on('response', async (r) => {
    if (r.url().endsWith('/api/v1/kiosk/sessions') && r.request().method() === 'POST') id = (await r.json()).session_id;
  });
  sent.clear();
  await kiosk.click('#kiosk-track');
  await screen(kiosk, 'Track a request');
  await kiosk.fill('#reference', 'ABC-DEF-GHJ');
  assert.ok(id);
  // A reload carries on with the same session (this tab remembers its id, not its token).
  await kiosk.reload();
  await kiosk.waitForSelector('html[data-ready="true"]');
  // (No waiting for the network to go quiet: the reloaded page's session stream stays open.)
  await kiosk.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Track a request');
  assert.ok(await kiosk.locator('#kiosk-finish').isVisible());
  assert.equal(await kiosk.evaluate(() => sessionStorage.getItem('fd.kiosk')), id);
  await supervisor(`/api/v1/staff/kiosk/sessions/${id}/end`, { method: 'POST' });
  await ended('ended', 'The session has ended');
  await assertWiped(kiosk, ['ABC-DEF-GHJ', ...sent]);
  assert.deepEqual(errors, []);
});

test('a revoked terminal forgets its credential and asks to be set up again', async () => {
  const admin = await server.staff({ email: `kiosk-admin-${Date.now()}@council.example`, role: 'admin' });
  const { items } = await admin('/api/v1/admin/kiosk/devices');
  assert.equal(items.length, 1);
  await admin(`/api/v1/admin/kiosk/devices/${items[0].id}`, { method: 'DELETE' });
  await kiosk.waitForURL('**/kiosk/enrol?revoked=1', { timeout: 15000 });
  await kiosk.waitForSelector('html[data-ready="true"]');
  await screen(kiosk, 'Set up this screen', 'kiosk-revoked');
  assert.match(await kiosk.innerText('main'), /This screen is no longer set up/);
  // Not a terminal any more: no credential (the app's language, as on any browser, is all).
  assert.deepEqual(Object.keys(await kiosk.evaluate(() => ({ ...localStorage }))).filter((k) => k !== 'fd.lang'), []);
  assert.deepEqual(errors, []);
});
