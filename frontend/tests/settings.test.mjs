// Settings in a real browser against the real server: notification
// preferences saved and read back, and notifications on this device, asked
// for only when the resident presses the button. The browser's
// PushManager.subscribe can never finish on these machines (no push service
// to reach), so the subscription API is tested with a subscription made in
// the page and a local push service, which the server is told to allow.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch, open, startServer } from './harness.mjs';
import { a11y, asResident, audit, errorSummary, ready, resident, signInQuickly, tabTo } from './account-helpers.mjs';

let server; let pushService;
const pushed = []; // what the local push service received

before(async () => {
  pushService = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (c) => { size += c.length; });
    req.on('end', () => {
      pushed.push({ path: req.url, headers: req.headers, size });
      res.writeHead(201);
      res.end();
    });
  });
  await new Promise((resolve) => pushService.listen(0, '127.0.0.1', resolve));
  server = await startServer({ FRONTDOOR_PUSH_HOSTS: '127.0.0.1' });
});
after(async () => {
  await server?.stop();
  pushService?.closeAllConnections();
  await new Promise((resolve) => pushService?.close(resolve));
});

// withPage gives a test a fresh browser profile; prepare(context) runs first.
async function withPage(fn, prepare = async () => {}) {
  const context = await launch();
  try {
    await prepare(context);
    return await fn(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

// Count the permission prompts the page asks for.
const countPrompts = (context) => context.addInitScript(() => {
  window.asked = 0;
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...a) => { window.asked += 1; return ask(...a); };
});

test('notification preferences are saved and read back', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Mary Seacole' });
  await signInQuickly(page, server, who, '/settings');
  assert.equal(await page.textContent('main h1'), 'Settings');
  await audit(page, 'settings');
  await page.click('a[href="/settings/language"]');
  await ready(page, '/settings/language', 'Which language do you want to use?');
  await audit(page, 'settings-language');
  await page.click('a.govuk-back-link');
  await ready(page, '/settings', 'Settings');

  await page.click('a[href="/settings/notifications"]');
  await ready(page, '/settings/notifications', 'How we contact you');
  const checked = () => page.$$eval('input[type="checkbox"]:checked', (els) => els.map((e) => `${e.name}:${e.value}`));
  assert.deepEqual(await checked(), ['case_updates:push', 'case_updates:email', 'tell_us_once:push', 'tell_us_once:email',
    'collection_reminders:push', 'service_alerts:push']);
  await audit(page, 'settings-notifications');

  // A wrong area: the server's words, by the field.
  await page.uncheck('#topic-case_updates'); // push
  await page.check('#topic-service_alerts-2'); // email
  await page.fill('#areas', 'pl4, not an area');
  await page.click('button:has-text("Save")');
  assert.match(await errorSummary(page), /\S/);
  assert.equal(await page.getAttribute('.govuk-error-summary a', 'href'), '#areas');
  assert.ok(await page.isVisible('#areas-error'));
  assert.deepEqual(await a11y(page), []);

  // Corrected and saved, with the keyboard alone.
  await page.fill('#areas', '');
  await page.focus('#areas');
  await page.keyboard.type('pl4, E05012345');
  await page.keyboard.press('Shift+Tab'); // back to the last checkbox: service alerts by text message
  await page.keyboard.press('Space');
  await tabTo(page, { text: 'Save' });
  await page.keyboard.press('Enter');
  await ready(page, '/settings', 'Settings');
  assert.match(await page.textContent('.govuk-notification-banner'), /Your notification settings have been saved/);

  const saved = await (await asResident(server, who))('/api/v1/me/notifications');
  assert.deepEqual(saved, {
    topics: { case_updates: ['email'], tell_us_once: ['push', 'email'], collection_reminders: ['push'], service_alerts: ['push', 'email', 'sms'] },
    areas: ['PL4', 'E05012345'],
  });
  await page.click('a[href="/settings/notifications"]');
  await ready(page, '/settings/notifications', 'How we contact you');
  assert.deepEqual(await checked(), ['case_updates:email', 'tell_us_once:push', 'tell_us_once:email', 'collection_reminders:push',
    'service_alerts:push', 'service_alerts:email', 'service_alerts:sms']);
  assert.equal(await page.inputValue('#areas'), 'PL4, E05012345');
}));

test('the browser asks permission only after the resident presses "Turn on notifications"', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Florence Nightingale' });
  await signInQuickly(page, server, who, '/settings');
  await page.click('a[href="/settings/device"]');
  await ready(page, '/settings/device', 'Notifications on this device');
  assert.match(await page.textContent('main'), /Notifications are off for this device/);
  await page.evaluate(() => navigator.serviceWorker.ready);
  assert.deepEqual(await page.evaluate(() => [Notification.permission, window.asked]), ['default', 0]);
  await audit(page, 'settings-device');

  await tabTo(page, { text: 'Turn on notifications' });
  await page.keyboard.press('Enter');
  // This browser grants nothing it was not told to: the prompt was asked, and refused.
  assert.match(await errorSummary(page), /Notifications were not allowed/);
  assert.equal(await page.evaluate(() => window.asked), 1);
  assert.deepEqual(await a11y(page), []);
}, countPrompts));

test('a subscription that never completes ends in a clear message', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Rosalind Franklin' });
  await signInQuickly(page, server, who, '/settings/device');
  assert.equal(await page.textContent('main h1'), 'Notifications on this device');
  await page.evaluate(() => navigator.serviceWorker.ready);
  assert.equal(await page.evaluate(() => window.asked), 0);
  const started = Date.now();
  await page.click('button:has-text("Turn on notifications")');
  await page.waitForSelector('main [role="status"]:has-text("Asking your browser to turn on notifications")');
  assert.match(await errorSummary(page), /Your browser did not finish turning on notifications/);
  const waited = Date.now() - started;
  assert.ok(waited >= 9000 && waited < 20000, `gave up after ${waited} ms`);
  assert.deepEqual(await page.evaluate(() => [Notification.permission, window.asked]), ['granted', 1]);
  assert.equal(await page.textContent('main [role="status"]'), '');
}, async (context) => {
  await countPrompts(context);
  await context.grantPermissions(['notifications'], { origin: server.url });
}));

test('a browser without push is told so', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Dorothy Hodgkin' });
  await signInQuickly(page, server, who, '/settings/device');
  assert.equal(await page.textContent('main h1'), 'Notifications on this device');
  assert.match(await page.textContent('main'), /This browser cannot get notifications from us/);
  assert.equal(await page.$('button:has-text("Turn on notifications")'), null);
  await audit(page, 'settings-device-unsupported');
}, (context) => context.addInitScript(() => { delete window.PushManager; })));

test('a subscription given through app/push.js is kept, used and removed', () => withPage(async (page) => {
  const who = await resident(server, { name: 'Katherine Johnson' });
  await signInQuickly(page, server, who, '/settings');
  const endpoint = `http://127.0.0.1:${pushService.address().port}/push/${Date.now()}`;
  // A subscription as a browser makes one: a P-256 public key and a 16-byte secret.
  const result = await page.evaluate(async (url) => {
    const push = await import('/app/push.js');
    const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    const p256dh = b64(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    const auth = b64(crypto.getRandomValues(new Uint8Array(16)));
    const bad = await push.save({ endpoint: url, expirationTime: null, keys: { p256dh: auth, auth } }).catch((e) => e);
    const kept = await push.save({ endpoint: url, expirationTime: null, keys: { p256dh, auth } });
    return { kept, badStatus: bad.status, badPointers: bad.fields.map((f) => f.pointer) };
  }, endpoint);
  assert.deepEqual(result.kept, { endpoint });
  assert.equal(result.badStatus, 400);
  assert.deepEqual(result.badPointers, ['/keys/p256dh']);

  // The server holds it: an alert for the resident's area arrives there, encrypted.
  const me = await asResident(server, who);
  await me('/api/v1/me/notifications', { method: 'PUT', body: { topics: { service_alerts: ['push'] }, areas: ['PL4'] } });
  const supervisor = await server.staff({ role: 'supervisor' });
  await supervisor('/api/v1/staff/alerts', {
    method: 'POST', headers: { 'Idempotency-Key': `alert-${Date.now()}` },
    body: { topic: 'service_alerts', area: 'PL4', title: 'Road closed', body: 'Armada Way is closed today.' },
  });
  const path = new URL(endpoint).pathname;
  for (let i = 0; i < 100 && !pushed.some((p) => p.path === path); i++) await new Promise((r) => setTimeout(r, 100));
  const got = pushed.find((p) => p.path === path);
  assert.ok(got, 'the push service received nothing');
  assert.equal(got.headers['content-encoding'], 'aes128gcm');
  assert.match(got.headers.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
  assert.ok(got.size > 100);

  // Removed: the server no longer knows it.
  const statuses = await page.evaluate(async (url) => {
    const push = await import('/app/push.js');
    const first = await push.remove(url);
    const again = await push.remove(url).catch((e) => e.status);
    return [first, again];
  }, endpoint);
  assert.deepEqual(statuses, [null, 404]);
}));
