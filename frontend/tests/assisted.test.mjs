// Assisted kiosk sessions, with two browsers: a member of staff on their own
// device (the staff console, /staff/kiosk) and the resident's kiosk screen
// (kiosk-assist.js attached to the app, as the kiosk terminal does). Staff
// ask to join; the resident answers on screen; staff watch the resident's
// report form change, fill in a step, and the case records the assisted
// channel, the member of staff and the location. Also: the record only
// once allowed, saying no (with the keyboard alone), a guided session,
// stopping sharing, and staff ending the session; axe in English and Arabic.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { apiJSON, launch, open, startServer } from './harness.mjs';
import { attach, checked, go, plain, residentAccount, signInStaff, staffMember, terminal, textIn, watch, within } from './assisted-helpers.mjs';

let server; let kiosk; let desk; let staffPage; let supervisor; let priya;
const status = '#status [role=status]';

before(async () => {
  server = await startServer();
  [kiosk, desk] = await Promise.all([launch(), launch()]);
  supervisor = await server.staff({ email: 'supervisor@council.example', role: 'supervisor' });
  const admin = await server.staff({ email: 'admin@council.example', role: 'admin' });
  priya = await staffMember(admin, { name: 'Priya Shah', email: 'priya.shah@council.example' });
  staffPage = await desk.newPage();
  staffPage.on('pageerror', (e) => console.error('staff page error:', e));
  await signInStaff(staffPage, server.url, priya.email);
});
after(async () => { await kiosk?.close(); await desk?.close(); await server?.stop(); });

// card is the staff console's card of a terminal's session.
const card = (name) => staffPage.locator('.govuk-summary-card', { has: staffPage.locator('h3', { hasText: name }) });

// refreshList shows the console's list as it is now.
async function refreshList() {
  await staffPage.evaluate(async () => (await import('/app/main.js')).app.navigate('/staff/kiosk', { replace: true }));
  await staffPage.waitForSelector('main h2#sessions');
}

test('staff join with the resident\'s yes, watch a report in real time, fill a step; the case records the help', async (t) => {
  const library = await terminal(server, supervisor, 'Central Library');
  const session = await library.start();
  assert.equal(session.channel, 'kiosk');
  const jo = await residentAccount(server);

  const page = await kiosk.newPage();
  t.after(() => page.close());
  const errors = watch(page);
  await open(page, `${server.url}/?lang=en`);
  await attach(page, session);
  await go(page, '/services/grass-cutting');

  // The console lists the session; the location filter narrows it.
  await refreshList();
  await staffPage.selectOption('#location', 'Central Library');
  await staffPage.click('main form button');
  await staffPage.waitForURL(/\?location=Central(\+|%20)Library$/);
  await card('Central Library').waitFor();
  assert.match(await card('Central Library').innerText(), /Not signed in[\s\S]*No one is helping/);
  await checked(staffPage, 'assist-console-en');

  // Staff ask; the resident sees the question, focus in it.
  await card('Central Library').getByRole('button', { name: /Ask to join/ }).click();
  await staffPage.waitForURL(/\/staff\/kiosk\/ks_/);
  await within(staffPage, 5000, textIn, [status, 'Waiting for the resident to say yes on their screen.']);
  await checked(staffPage, 'assist-watch-pending-en');
  const dialog = page.locator('dialog[open][role=alertdialog]');
  await dialog.waitFor();
  assert.equal(plain(await dialog.locator('h2').innerText()), 'Priya Shah would like to help you');
  assert.ok(await page.evaluate(() => document.querySelector('dialog[open]').contains(document.activeElement)), 'focus is in the dialog');
  await checked(page, 'assist-dialog-en');
  await dialog.getByRole('button', { name: 'Yes, let them join' }).click();
  await page.waitForSelector('.app-assist:not([hidden])');
  assert.match(plain(await page.innerText('.app-assist')), /Priya Shah is helping you/);
  await within(page, 2000, () => document.activeElement.id === 'app-assist-title'); // reading goes on at the banner
  await checked(page, 'assist-banner-en');

  // Staff see the screen the resident is on.
  const seen = await within(staffPage, 5000, textIn, ['main', 'Request grass cutting']);
  assert.match(await staffPage.innerText(status), /The resident said yes/);
  assert.equal(await staffPage.isHidden('text=Ask to join'), true, 'no asking again once joined');
  console.log(`staff saw the resident's screen ${seen} ms after the yes`);

  // The record: refused before the resident signs in or agrees (the
  // button is off; a page that tries anyway gets the server's no).
  assert.equal(await staffPage.isDisabled('#record-look-up'), true);
  await staffPage.evaluate(() => { const b = document.querySelector('#record-look-up'); b.disabled = false; b.click(); });
  await staffPage.waitForSelector('.govuk-error-summary');
  assert.match(await staffPage.innerText('.govuk-error-summary'), /The resident has not agreed yet/);

  // The resident signs in at the terminal (by a code; the kiosk screens do
  // this): staff hear of it and may look the record up.
  await apiJSON(server.url, `/api/v1/kiosk/sessions/${session.session_id}/codes`, { method: 'POST', body: { email: jo.email }, token: session.access_token });
  const signedIn = await apiJSON(server.url, `/api/v1/kiosk/sessions/${session.session_id}/codes/verify`,
    { method: 'POST', body: { email: jo.email, code: await server.code(jo.email) }, token: session.access_token });
  assert.equal(signedIn.channel, 'assisted');
  await page.evaluate(async (s) => (await import('/app/api.js')).startSession(s), signedIn);
  await within(staffPage, 5000, () => !document.querySelector('#record-look-up').disabled);
  assert.match(await staffPage.innerText('.app-assist-log'), /The resident signed in\./);
  await staffPage.click('#record-look-up');
  await within(staffPage, 5000, textIn, ['main', jo.email]);
  await checked(staffPage, 'assist-watch-record-en');

  // The resident starts the report: staff follow each page in real time.
  await page.click('text=Start now');
  await page.waitForSelector('#q-location');
  let ms = await within(staffPage, 5000, textIn, ['main', 'Where is it?']);
  console.log(`staff saw the new page ${ms} ms after it was drawn`);
  await page.fill('#q-location', 'PL1 2AA');
  ms = await within(staffPage, 5000, textIn, ['main .govuk-summary-list', 'PL1 2AA']);
  console.log(`staff saw the typed postcode ${ms} ms after it was typed`);
  await page.click('text=Find addresses');
  await page.waitForSelector('select#q-location');
  await page.selectOption('select#q-location', { label: '1 Armada Way, Plymouth, PL1 2AA' });
  await page.locator('main button.govuk-button[type=submit]').last().click();
  await page.waitForSelector('input[name="q-area-type"]');
  await page.check('text=A roadside verge');
  await within(staffPage, 5000, textIn, ['main .govuk-summary-list', 'verge']);
  await checked(staffPage, 'assist-watch-screen-en');
  await page.locator('main button.govuk-button[type=submit]').last().click();
  await page.waitForSelector('input[name="q-sightline"]');
  await page.locator('main button.govuk-button[type=submit]').last().click();
  await page.waitForSelector('textarea#q-details');

  // Staff fill in the description; it appears in the resident's field.
  await staffPage.waitForSelector('#fill-field option[value="q-details"]', { state: 'attached' });
  await staffPage.selectOption('#fill-field', 'q-details');
  await staffPage.fill('#fill-value', 'The verge by the bus stop is knee high.');
  await staffPage.click('text=Send to their screen');
  await within(staffPage, 5000, textIn, ['main', 'Sent to their screen.']);
  ms = await within(page, 5000, () => document.querySelector('#q-details').value === 'The verge by the bus stop is knee high.');
  console.log(`the resident's field showed the step ${ms} ms after staff saw it sent`);
  await within(page, 5000, textIn, ['[role=status]', 'Priya Shah filled in: Anything else we should know?']);
  assert.match(await page.innerText('.govuk-character-count__message'), /You have 1961 characters remaining/);
  await page.locator('main button.govuk-button[type=submit]').last().click();
  await page.waitForSelector('input[type=file]#q-photos');
  await page.locator('main button.govuk-button[type=submit]').last().click();
  await page.waitForSelector('#send');
  assert.match(await page.innerText('main'), /The verge by the bus stop is knee high\./);
  await page.click('#send');
  await page.waitForSelector('.govuk-panel .app-reference');
  const reference = await page.innerText('.govuk-panel .app-reference');

  // The case: assisted, by Priya Shah, at Central Library.
  const cs = await supervisor(`/api/v1/staff/cases/${reference}`);
  assert.equal(cs.channel, 'assisted');
  assert.equal(cs.actor, priya.id);
  assert.equal(cs.location, 'Central Library');
  assert.equal(cs.owner, jo.id);
  assert.equal(cs.events[0].by, priya.id);
  assert.equal(cs.events[0].channel, 'assisted');
  assert.equal(cs.items[0].answers.details, 'The verge by the bus stop is knee high.');
  assert.deepEqual(errors, []);
});

test('saying no and yes with the keyboard alone, and consent to the record, in Arabic', async (t) => {
  const hub = await terminal(server, supervisor, 'Devonport Wellbeing Hub', 'hub');
  const session = await hub.start();
  const sam = await residentAccount(server, 'Sam Resident');

  const page = await kiosk.newPage();
  t.after(() => page.close());
  const errors = watch(page);
  await open(page, `${server.url}/?lang=ar`);
  await attach(page, session);
  await go(page, '/track');

  await refreshList();
  await staffPage.click('a[hreflang="ar"]');
  t.after(async () => {
    await staffPage.click('a[hreflang="en"]');
    await staffPage.waitForFunction(() => document.documentElement.dir === 'ltr');
  });
  await staffPage.waitForFunction(() => document.documentElement.dir === 'rtl' && document.querySelector('main h1')?.textContent === 'جلسات محطات الخدمة الذاتية');
  await checked(staffPage, 'assist-console-ar');
  await card('Devonport Wellbeing Hub').getByRole('button', { name: /اطلب الانضمام/ }).click();
  await staffPage.waitForURL(/\/staff\/kiosk\/ks_/);

  // No: Escape.
  const dialog = page.locator('dialog[open][role=alertdialog]');
  await dialog.waitFor();
  assert.equal(plain(await dialog.locator('h2').innerText()), 'عرض مساعدة من Priya Shah');
  await checked(page, 'assist-dialog-ar');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.isHidden('.app-assist'), true);
  await within(page, 5000, textIn, ['[role=status]', 'رفضت الطلب.']);
  await within(staffPage, 5000, textIn, [status, 'رفض المقيم. لا يمكنك رؤية شاشته.']);
  await checked(staffPage, 'assist-watch-declined-ar');

  // Staff ask again; yes with Tab and Enter.
  await staffPage.getByRole('button', { name: 'اطلب الانضمام' }).click();
  await dialog.waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'نعم، اسمح بالانضمام');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.app-assist:not([hidden])');
  await within(page, 2000, () => document.activeElement.id === 'app-assist-title');
  assert.equal(plain(await page.innerText('#app-assist-title')), 'المساعدة مقدّمة من Priya Shah');
  await within(staffPage, 5000, textIn, [status, 'وافق المقيم. يمكنك رؤية شاشته.']);
  assert.equal(await staffPage.isDisabled('#record-look-up'), true);

  // Consent, with the keyboard: the banner's first button.
  await page.keyboard.press('Tab');
  assert.equal(plain(await page.evaluate(() => document.activeElement.textContent)), 'اسمح لـ Priya Shah بالاطلاع على سجلي لدى المجلس');
  await page.keyboard.press('Enter');
  await within(page, 5000, textIn, ['.app-assist', 'يمكن لـ Priya Shah الآن الاطلاع على سجلك لدى المجلس.']);
  await checked(page, 'assist-banner-consent-ar');

  // Staff may now look the record up, naming whose (the resident did not sign in).
  await within(staffPage, 5000, () => !document.querySelector('#record-look-up').disabled);
  await staffPage.fill('#resident', sam.id);
  await staffPage.click('#record-look-up');
  await within(staffPage, 5000, textIn, ['main', sam.email]);
  await within(staffPage, 5000, textIn, ['main', '/track']); // the resident's page, seen all along
  await checked(staffPage, 'assist-watch-record-ar');
  assert.deepEqual(errors, []);
});

test('a guided session on a free terminal: stop sharing, share again, and staff end it', async (t) => {
  const hub = await terminal(server, supervisor, 'Plympton Library');
  await refreshList();
  await card('Plympton Library').getByRole('button', { name: /Start a guided session/ }).click();
  await staffPage.waitForURL(/\/staff\/kiosk\/ks_/);
  await within(staffPage, 5000, textIn, [status, 'You are guiding this session. You can see its screen.']);

  // The terminal picks the session up, as its start screen does.
  const here = await hub.device('/api/v1/kiosk/device');
  const token = await hub.device(`/api/v1/kiosk/sessions/${here.session.session_id}/token`, { method: 'POST' });
  assert.equal(token.channel, 'assisted');
  const page = await kiosk.newPage();
  t.after(() => page.close());
  const errors = watch(page);
  await open(page, `${server.url}/?lang=en`);
  await attach(page, token, { handle: true });
  await page.waitForSelector('.app-assist:not([hidden])');
  assert.equal(await page.locator('dialog').count(), 0, 'no question: staff started it for the resident');
  await go(page, '/track');
  await within(staffPage, 5000, textIn, ['main', '/track']);

  // What is shared of a form: never a password, a one-time code or a file.
  await page.evaluate(() => {
    const f = Object.assign(document.createElement('form'), { id: 'made-up' });
    for (const [name, type, value, auto] of [['nickname', 'text', 'Sam'], ['secret', 'password', 'hunter2 horse'],
      ['code', 'text', '493021', 'one-time-code'], ['photo', 'file']]) {
      const i = Object.assign(document.createElement('input'), { name, type });
      if (value) i.value = value;
      if (auto) i.autocomplete = auto;
      f.append(i);
    }
    document.getElementById('main').append(f);
    f.elements.nickname.focus(); // the form in use: the one with focus
    f.elements.nickname.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await within(staffPage, 5000, textIn, ['main .govuk-summary-list', 'nickname']);
  const shown = await staffPage.innerText('main');
  assert.match(shown, /nickname\s+Sam/);
  for (const hidden of ['secret', 'hunter2', '493021', 'photo']) assert.ok(!shown.includes(hidden), hidden);
  await page.evaluate(() => document.getElementById('made-up').remove());

  // Stop sharing: the next page does not reach staff; sharing again does.
  await page.click('text=Stop sharing');
  await within(page, 5000, textIn, ['.app-assist', 'You stopped sharing your screen']);
  await checked(page, 'assist-banner-stopped-en');
  await go(page, '/services');
  await page.waitForTimeout(1500);
  assert.doesNotMatch(await staffPage.innerText('main'), /\/services/);
  await page.click('text=Share my screen again');
  await within(staffPage, 5000, textIn, ['main', '/services']);

  // Staff end it: the kiosk frame is told to finish, and the banner goes.
  await staffPage.click('text=End the session now');
  await within(staffPage, 5000, textIn, [status, 'The session has ended.']);
  assert.match(await staffPage.innerText('.app-assist-log'), /You ended the session\./);
  await checked(staffPage, 'assist-watch-ended-en');
  await within(page, 5000, () => window.assistEnded.length === 1);
  assert.deepEqual(await page.evaluate(() => window.assistEnded), ['ended']);
  assert.equal(await page.locator('.app-assist').count(), 0);
  assert.deepEqual(errors, []);
});

test('on a real kiosk terminal: the kiosk frame attaches the assist, and staff ending it finishes the session there', async (t) => {
  const { code } = await supervisor('/api/v1/kiosk/enrolments', {
    method: 'POST', body: { location: { kind: 'library', name: 'Efford Library', address: 'Efford Library, Plymouth', idle_timeout_seconds: 1800 }, profile: 'assisted' },
  });
  const terminalBrowser = await launch(); // its own: an enrolled browser runs every page as a kiosk
  t.after(() => terminalBrowser.close());
  const page = await terminalBrowser.newPage();
  const errors = watch(page);
  await open(page, `${server.url}/kiosk/enrol`);
  await page.fill('#code', code);
  await page.press('#code', 'Enter');
  await page.waitForSelector('#kiosk-track');
  await page.click('#kiosk-track');
  await page.waitForURL(/\/track$/);

  await refreshList();
  await card('Efford Library').getByRole('button', { name: /Ask to join/ }).click();
  await staffPage.waitForURL(/\/staff\/kiosk\/ks_/);
  const dialog = page.locator('dialog[open][role=alertdialog]');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Yes, let them join' }).click();
  await page.waitForSelector('.app-assist:not([hidden])');
  await checked(page, 'assist-kiosk-banner-en');
  await within(staffPage, 5000, textIn, ['main', '/track']);

  // Staff fill in the reference the resident reads out.
  await staffPage.waitForSelector('#fill-field option[value="reference"]', { state: 'attached' });
  await staffPage.selectOption('#fill-field', 'reference');
  await staffPage.fill('#fill-value', 'ABC-DEF-GHJ');
  await staffPage.click('text=Send to their screen');
  await within(page, 5000, () => document.querySelector('#reference')?.value === 'ABC-DEF-GHJ');

  await staffPage.click('text=End the session now');
  await within(staffPage, 5000, textIn, [status, 'The session has ended.']);
  await page.waitForURL(/\/kiosk\?ended=/, { timeout: 10000 });
  await page.waitForSelector('#kiosk-track');
  assert.equal(await page.locator('.app-assist').count(), 0);
  assert.deepEqual(errors, []);
});
