// The account journeys in a real browser against the real server: create an
// account, sign in with a password or a code, the account's task list, the
// language remembered on the account, and Tell Us Once watched live.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, startServer } from './harness.mjs';
import {
  PASSWORD, a11y, asResident, audit, backOffice, connector, errorSummary, fillDate, newEmail, ready, resident, setLang, signInQuickly, tabTo, ukDate,
} from './account-helpers.mjs';

// Two back-office services, registered by an admin, answer Tell Us Once
// webhooks on a fake back office; the Electoral Register's fails once.
const NAMES = {
  'council-tax': { en: 'Council Tax', cy: 'Treth Gyngor', pl: 'Podatek lokalny', ar: 'ضريبة المجلس' },
  'electoral-register': { en: 'Electoral Register', cy: 'Y Gofrestr Etholiadol', pl: 'Rejestr wyborców', ar: 'السجل الانتخابي' },
};

let server; let office;
before(async () => {
  [server, office] = await Promise.all([startServer(), backOffice()]);
  const admin = await server.staff({ role: 'admin' });
  for (const [key, names] of Object.entries(NAMES)) await connector(admin, office, key, names);
  office.failFirst.set('/electoral-register', 3); // 500 with Retry-After: 3, the first time only
});
after(async () => { await server?.stop(); await office?.close(); });

// withPage gives a test a fresh browser profile (no session, no language).
async function withPage(fn) {
  const context = await launch();
  try {
    return await fn(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

const heading = (page) => page.textContent('main h1');

test('create an account, sign out, and sign in with a password and with a code', () => withPage(async (page) => {
  const email = newEmail('new');
  await open(page, `${server.url}/register`);
  assert.equal(await heading(page), 'Create an account');
  await audit(page, 'account-register');

  // Nothing filled in: the GOV.UK error summary, linked to each field.
  await page.click('button:has-text("Create account")');
  assert.match(await errorSummary(page), /Enter your full name[\s\S]*Enter an email address/);
  assert.equal(await page.getAttribute('.govuk-error-summary a >> nth=0', 'href'), '#name');

  await page.fill('#name', 'Grace Hopper');
  await page.fill('#contact', email);
  await page.fill('#password', PASSWORD);
  await page.click('button:has-text("Create account")');
  await ready(page, '/register/verify', 'Check your email');
  assert.ok((await page.textContent('main')).includes(email));
  await audit(page, 'account-register-verify');

  // A wrong code: the server's own words, in the error summary and by the field.
  const code = await server.code(email);
  await page.fill('#code', code === '000000' ? '111111' : '000000');
  await page.click('button:has-text("Continue")');
  assert.match(await errorSummary(page), /That code is not right\. You have 4 tries left\./);
  assert.match(await page.textContent('#code-error'), /That code is not right/);

  await page.fill('#code', code);
  await page.click('button:has-text("Continue")');
  await ready(page, '/account', 'Your account');
  assert.equal(await page.textContent('main .govuk-caption-l'), 'Grace Hopper');
  const tasks = await page.locator('.govuk-task-list__link').allTextContents();
  assert.deepEqual(tasks.map((s) => s.trim()), ['Your details', 'Your addresses', 'Linked services', 'Tell us about a change',
    'Changes you have told us about', 'Your requests', 'Notifications and language']);
  assert.equal(await page.textContent('nav[aria-label="Menu"] [aria-current="page"]'), 'Your account');
  await audit(page, 'account-home');

  // Sign out, from the account page.
  await page.click('button:has-text("Sign out")');
  await ready(page, '/sign-in', 'Sign in');
  assert.match(await page.textContent('.govuk-notification-banner'), /You have signed out/);
  assert.equal(await page.evaluate(() => localStorage.getItem('fd.session')), null);
  await audit(page, 'account-sign-in');

  // Sign in with the password; a wrong one first.
  await page.fill('#contact', email);
  await page.click('button:has-text("Continue")');
  await ready(page, '/sign-in/password', 'Enter your password');
  await audit(page, 'account-sign-in-password');
  await page.fill('#password', 'not the password');
  await page.click('button.govuk-button:text-is("Sign in")');
  assert.match(await errorSummary(page), /These details do not match an account/);
  await page.fill('#password', PASSWORD);
  await page.click('button.govuk-button:text-is("Sign in")');
  await ready(page, '/account', 'Your account');
  await page.click('button:has-text("Sign out")');
  await ready(page, '/sign-in', 'Sign in');

  // A page that needs signing in comes back after it (?next=), here by a code.
  await open(page, `${server.url}/account/changes`);
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/account/changes');
  await page.fill('#contact', email);
  await page.click('button:has-text("Continue")');
  await ready(page, '/sign-in/password', 'Enter your password');
  await page.click('button:has-text("Sign in with a code instead")');
  await ready(page, '/sign-in/code', 'Check your email');
  await audit(page, 'account-sign-in-code');
  const signInCode = await server.code(email);
  await page.fill('#code', signInCode === '123456' ? '654321' : '123456');
  await page.click('button.govuk-button:text-is("Sign in")');
  assert.match(await errorSummary(page), /That code is not right/);
  // The same in Arabic: the server answers in the page's language.
  await setLang(page, 'ar');
  await page.fill('#code', '999999' === signInCode ? '888888' : '999999');
  await page.press('#code', 'Enter');
  const arabic = await errorSummary(page);
  assert.match(arabic, /[\u0600-\u06FF]/);
  assert.deepEqual(await a11y(page), []);
  await setLang(page, 'en');
  await page.fill('#code', signInCode);
  await page.press('#code', 'Enter');
  await ready(page, '/account/changes', 'Changes you have told us about');
}));

test('an account without a password: confirmed, then signed in by a code, in the language it was made in', () => withPage(async (page) => {
  const email = newEmail('nopass');
  await open(page, `${server.url}/register?lang=pl`);
  assert.equal(await heading(page), 'Załóż konto');
  await page.fill('#name', 'Maria Skłodowska');
  await page.fill('#contact', email);
  await page.press('#contact', 'Enter');
  await ready(page, '/register/verify', 'Sprawdź pocztę e-mail');
  await page.fill('#code', await server.code(email));
  await page.press('#code', 'Enter');
  // Confirmed; with no password, a second code signs in.
  await ready(page, '/sign-in/code', 'Sprawdź pocztę e-mail');
  assert.match(await page.textContent('.govuk-notification-banner'), /Wysłaliśmy Ci kolejny kod/);
  const messages = await server.messages(email);
  assert.equal(messages.length, 2);
  await page.fill('#code', await server.code(email));
  await page.press('#code', 'Enter');
  await ready(page, '/account', 'Twoje konto');
  const me = await page.evaluate(async () => (await import('/app/api.js')).api('/api/v1/me'));
  assert.equal(me.language, 'pl');
}));

test('a language chosen in settings is remembered on the account', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Dafydd Jones' });
  await signInQuickly(page, server, who, '/settings');
  await page.click('a[href="/settings/language"]');
  await ready(page, '/settings/language', 'Which language do you want to use?');
  await page.check('input[value="cy"]');
  await page.click('button:has-text("Save")');
  await ready(page, '/settings', 'Gosodiadau');
  assert.match(await page.textContent('.govuk-notification-banner'), /Mae eich iaith wedi'i chadw/);

  // Another device knows nothing of it until the account says so at sign-in.
  await withPage(async (other) => {
    await open(other, `${server.url}/sign-in`);
    assert.equal(await heading(other), 'Sign in');
    await other.fill('#contact', who.email);
    await other.press('#contact', 'Enter');
    await ready(other, '/sign-in/password', 'Enter your password');
    await other.fill('#password', who.password);
    await other.press('#password', 'Enter');
    await ready(other, '/account', 'Eich cyfrif');
    assert.equal(await other.getAttribute('html', 'lang'), 'cy');
    assert.equal(await other.textContent('nav[aria-label="Dewislen"] [aria-current="page"]'), 'Eich cyfrif');
  });
}));

// linkService links one service through the pages, as a resident would.
async function linkService(page, name, reference, { check = false } = {}) {
  await page.click('a:has-text("Link a service")');
  await ready(page, '/account/link', 'Which service do you want to link?');
  if (check) await audit(page, 'account-link-choose');
  await page.check(`label:has-text("${name}")`);
  await page.click('button:has-text("Continue")');
  await ready(page, /^\/account\/link\/[a-z-]+$/, `What is your reference with ${name}?`);
  if (check) await audit(page, 'account-link-reference');
  await page.fill('#reference', reference);
  if (check) {
    await page.click('button:has-text("Link service")');
    assert.match(await errorSummary(page), /Tick the box to give your permission/);
    assert.deepEqual(await a11y(page), []);
  }
  await page.check('#consent');
  await page.click('button:has-text("Link service")');
  await ready(page, '/account/services', 'Linked services');
  assert.match(await page.textContent('.govuk-notification-banner'), new RegExp(`${name} is now linked`));
}

test('Tell Us Once: link two services, report a move, and watch each service be told', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Ada Lovelace' });
  await signInQuickly(page, server, who, '/account');
  await page.click('a:has-text("Linked services")');
  await ready(page, '/account/services', 'Linked services');
  await audit(page, 'account-services-none');
  await linkService(page, 'Council Tax', 'CT-1234567', { check: true });
  await linkService(page, 'Electoral Register', 'ER 998877');
  assert.match(await page.textContent('.govuk-summary-list'), /Council Tax[\s\S]*CT-1234567[\s\S]*Electoral Register[\s\S]*ER 998877/);
  await audit(page, 'account-services');

  // Tell us once about a move, with the postcode lookup.
  await page.click('nav a:has-text("Your account")');
  await ready(page, '/account', 'Your account');
  await page.click('a:has-text("Tell us about a change")');
  await ready(page, '/account/change', 'What has changed?');
  await audit(page, 'account-change-what');
  await page.check('label:has-text("Your address")');
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/postcode', 'What is the postcode of your new address?');
  await audit(page, 'account-change-postcode');
  await page.fill('#postcode', 'pl12aa');
  await page.click('button:has-text("Find address")');
  await ready(page, '/account/change/address', 'Select your new address');
  assert.match(await page.textContent('main'), /Postcode: PL1 2AA/);
  await audit(page, 'account-change-address');
  await page.click('button:has-text("Continue")');
  assert.match(await errorSummary(page), /Select your address/);
  const options = await page.locator('#uprn option').allTextContents();
  assert.match(options[0], /^\d+ addresses found$/);
  assert.ok(options.includes('2 Armada Way, Plymouth'), options.join(' | '));
  await page.selectOption('#uprn', { label: '2 Armada Way, Plymouth' });
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/date', 'When did you move, or when will you?');
  await audit(page, 'account-change-date');
  const [y, m, d] = ukDate();
  await fillDate(page, 'date', [y, m, d]);
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/check', 'Check your answers before telling us');
  const check = await page.textContent('main');
  assert.match(check, /2 Armada Way[\s\S]*PL1 2AA/);
  assert.match(check, /Who we will tell[\s\S]*Council Tax[\s\S]*Electoral Register/);
  await audit(page, 'account-change-check');
  await page.click('button:has-text("Send")');
  await ready(page, /^\/account\/changes\/[^/]+$/, 'Change of address');
  assert.match(await page.textContent('.govuk-notification-banner'), /we are telling your services now/);

  // Each service's status, live: the Electoral Register's back office
  // fails once, so it shows "Trying again" before "Told".
  const status = (name) => page.locator(`.govuk-task-list__item:has-text("${name}") .govuk-tag`);
  await page.waitForFunction(() => /Trying again/.test(document.querySelector('main').textContent), null, { timeout: 15000 });
  assert.equal(await status('Electoral Register').textContent(), 'Trying again');
  await shot(page, 'account-change-watching-en');
  await page.waitForFunction(() => document.querySelectorAll('.govuk-task-list .govuk-tag--green').length === 2, null, { timeout: 20000 });
  assert.equal(await status('Council Tax').textContent(), 'Told');
  assert.equal(await status('Electoral Register').textContent(), 'Told');
  assert.match(await page.textContent('main [role="status"][aria-live="polite"]'), /Told/);
  await audit(page, 'account-change-status');

  // What the back offices received: signed, one key per service kept
  // across the retry, the new address and the resident's reference.
  const got = office.received.filter((r) => r.body.values.address?.line1 === '2 Armada Way');
  assert.ok(got.every((r) => r.valid), JSON.stringify(got));
  const tax = got.filter((r) => r.path === '/council-tax');
  const roll = got.filter((r) => r.path === '/electoral-register');
  assert.deepEqual(tax.map((r) => r.status), [204]);
  assert.deepEqual(roll.map((r) => r.status), [500, 204]);
  assert.equal(roll[0].key, roll[1].key);
  assert.equal(tax[0].body.reference, 'CT-1234567');
  assert.equal(roll[1].body.reference, 'ER 998877');
  assert.equal(tax[0].body.kind, 'address');
  assert.equal(tax[0].body.effective_date, `${y}-${m}-${d}`);
  assert.deepEqual({ ...tax[0].body.values.address, uprn: undefined }, { line1: '2 Armada Way', town: 'Plymouth', postcode: 'PL1 2AA', uprn: undefined });

  // The change among past changes; the address on the record.
  await page.click('a.govuk-back-link');
  await ready(page, '/account/changes', 'Changes you have told us about');
  assert.match(await page.textContent('.govuk-summary-list'), /Change of address[\s\S]*Told/);
  await audit(page, 'account-changes');
  await page.click('a.govuk-back-link');
  await ready(page, '/account', 'Your account');
  await page.click('a:has-text("Your addresses")');
  await ready(page, '/account/addresses', 'Your addresses');
  assert.match(await page.textContent('.govuk-summary-list'), /2 Armada Way[\s\S]*Plymouth[\s\S]*PL1 2AA/);
  await audit(page, 'account-addresses');

  // Unlink one service.
  await open(page, `${server.url}/account/services`);
  await page.click('a:has-text("Unlink Council Tax")');
  await ready(page, /^\/account\/unlink\//, 'Unlink Council Tax?');
  await audit(page, 'account-unlink');
  await page.click('button:has-text("Unlink")');
  await ready(page, '/account/services', 'Linked services');
  assert.match(await page.textContent('.govuk-notification-banner'), /Council Tax is no longer linked/);
  assert.doesNotMatch(await page.textContent('.govuk-summary-list'), /Council Tax/);
}));

test('keyboard only: sign in, then tell us about a move', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Alan Turing' });
  const me = await asResident(server, who);
  await me('/api/v1/me/links', { method: 'POST', body: { connector: 'council-tax', reference: 'CT-5550001', consent: true, consent_version: 'web-1' } });
  const key = (k) => page.keyboard.press(k);

  await open(page, `${server.url}/sign-in`);
  await tabTo(page, { selector: '#contact' });
  await page.keyboard.type(who.email);
  await key('Enter');
  await ready(page, '/sign-in/password', 'Enter your password');
  await tabTo(page, { selector: '#password' });
  await page.keyboard.type(who.password);
  await key('Enter');
  await ready(page, '/account', 'Your account');

  await tabTo(page, { text: 'Tell us about a change' });
  await key('Enter');
  await ready(page, '/account/change', 'What has changed?');
  await tabTo(page, { selector: 'input[name="kind"]' });
  await key('Space'); // the first choice: your address
  await tabTo(page, { text: 'Continue' });
  await key('Enter');
  await ready(page, '/account/change/postcode', 'What is the postcode of your new address?');
  await tabTo(page, { selector: '#postcode' });
  await page.keyboard.type('PL1 2AA');
  await key('Enter');
  await ready(page, '/account/change/address', 'Select your new address');
  await tabTo(page, { selector: '#uprn' });
  await key('ArrowDown');
  await key('ArrowDown');
  const chosen = await page.$eval('#uprn', (s) => s.selectedOptions[0].textContent);
  assert.match(chosen, /Armada Way, Plymouth$/);
  await tabTo(page, { text: 'Continue' });
  await key('Enter');
  await ready(page, '/account/change/date', 'When did you move, or when will you?');
  const [y, m, d] = ukDate();
  await tabTo(page, { selector: '#date' });
  await page.keyboard.type(d);
  await key('Tab');
  await page.keyboard.type(m);
  await key('Tab');
  await page.keyboard.type(y);
  await key('Enter');
  await ready(page, '/account/change/check', 'Check your answers before telling us');
  assert.ok((await page.textContent('main')).includes(chosen.split(',')[0]));
  await tabTo(page, { text: 'Send' });
  await key('Enter');
  await ready(page, /^\/account\/changes\/[^/]+$/, 'Change of address');
  await page.waitForFunction(() => document.querySelector('.govuk-task-list .govuk-tag')?.textContent === 'Told', null, { timeout: 15000 });
  assert.ok(office.received.some((r) => r.valid && r.body.reference === 'CT-5550001' && r.body.values.address.postcode === 'PL1 2AA'));
}));

test('your details, a new name, new contact details and an address typed in', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Mary Anning' });
  await signInQuickly(page, server, who, '/account/details');
  assert.equal(await heading(page), 'Your details');
  // Details: correct the name and give a date of birth.
  await audit(page, 'account-details');
  await page.click('a[href="/account/details/name"]');
  await ready(page, '/account/details/name', 'Your name');
  await audit(page, 'account-details-name');
  await page.fill('#given', 'Augusta Ada');
  await page.fill('#family', 'King');
  await page.fill('#preferred', '');
  await page.click('button:has-text("Save")');
  await ready(page, '/account/details', 'Your details');
  assert.match(await page.textContent('.govuk-notification-banner'), /Your name has been saved/);
  assert.match(await page.textContent('.govuk-summary-list'), /Augusta Ada King/);
  await page.click('a[href="/account/details/date-of-birth"]');
  await ready(page, '/account/details/date-of-birth', 'What is your date of birth?');
  await audit(page, 'account-details-birth');
  await page.fill('#dob', '31');
  await page.fill('#dob-month', '2');
  await page.fill('#dob-year', '1990');
  await page.click('button:has-text("Save")');
  assert.match(await errorSummary(page), /real date in the past/);
  await page.fill('#dob', '10');
  await page.fill('#dob-month', '12');
  await page.click('button:has-text("Save")');
  await ready(page, '/account/details', 'Your details');
  assert.match(await page.textContent('.govuk-summary-list'), /10 December 1990|December 10, 1990/);


  // A new name: no linked services, so only the record changes.
  await page.click('a:has-text("tell us about a change")');
  await ready(page, '/account/change', 'What has changed?');
  await page.check('label:has-text("Your name")');
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/name', 'What is your new name?');
  await audit(page, 'account-change-name');
  await page.click('button:has-text("Continue")');
  assert.match(await errorSummary(page), /Enter your name/);
  await page.fill('#given', 'Mary');
  await page.fill('#family', 'Buckland');
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/date', 'When did your name change?');
  await page.click('button:has-text("Continue")');
  assert.match(await errorSummary(page), /Enter a real date/);
  assert.deepEqual(await a11y(page), []);
  await fillDate(page, 'date', ukDate(-30));
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/check', 'Check your answers before telling us');
  assert.match(await page.textContent('main'), /Mary Buckland[\s\S]*You have not linked any services/);
  await page.click('button:has-text("Send")');
  await ready(page, /^\/account\/changes\//, 'Change of name');
  assert.match(await page.textContent('main'), /You had no linked services to tell/);

  // New contact details, from the details page; a mistyped address first.
  await open(page, `${server.url}/account/details`);
  assert.match(await page.textContent('.govuk-summary-list'), /Mary Buckland/);
  await page.click('a:has-text("Change Email addresses")');
  await ready(page, '/account/change/contact', 'What are your new contact details?');
  await audit(page, 'account-change-contact');
  await page.fill('#email', 'mary.example.com');
  await page.click('button:has-text("Continue")');
  assert.match(await errorSummary(page), /Enter an email address in the correct format/);
  await page.fill('#email', 'mary.buckland@example.com');
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/date', 'When did your contact details change?');
  await fillDate(page, 'date', ukDate());
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/check', 'Check your answers before telling us');
  await page.click('button:has-text("Send")');
  await ready(page, /^\/account\/changes\//, 'Change of contact details');
  assert.match(await page.textContent('main'), /mary\.buckland@example\.com/);

  // A move, with the address lookup down: the resident types the address.
  await page.route('**/api/v1/addresses?*', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{}' }));
  await open(page, `${server.url}/account/addresses`);
  await page.click('a:has-text("Add your address")');
  await ready(page, '/account/change/postcode', 'What is the postcode of your new address?');
  await page.fill('#postcode', 'PL4 8AA');
  await page.click('button:has-text("Find address")');
  await ready(page, '/account/change/manual', 'What is your new address?');
  assert.match(await page.textContent('.govuk-notification-banner'), /We cannot look up addresses at the moment/);
  assert.equal(await page.inputValue('#postcode'), 'PL4 8AA');
  await page.fill('#postcode', '');
  await page.click('button:has-text("Continue")');
  assert.match(await errorSummary(page), /Enter the first line[\s\S]*Enter the town[\s\S]*Enter the postcode/);
  await audit(page, 'account-change-manual');
  await page.fill('#line1', '14 Mutley Plain');
  await page.fill('#town', 'Plymouth');
  await page.fill('#postcode', 'pl4 8aa');
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/date', 'When did you move, or when will you?');
  await fillDate(page, 'date', ukDate(7));
  await page.click('button:has-text("Continue")');
  await ready(page, '/account/change/check', 'Check your answers before telling us');
  await page.click('button:has-text("Send")');
  await ready(page, /^\/account\/changes\//, 'Change of address');
  await open(page, `${server.url}/account/addresses`);
  assert.match(await page.textContent('.govuk-summary-list'), /14 Mutley Plain[\s\S]*PL4 8AA/);
}));
