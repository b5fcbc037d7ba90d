// Helpers of the report journey's browser tests: waiting for the app's
// pages, checking each one with axe and a screenshot, a large photo made
// here, and reading a JPEG's size.

import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { apiJSON, axe, shot } from './harness.mjs';

// page waits until the app shows a page whose h1 holds text (or matches a
// RegExp), then checks it with axe and keeps a screenshot named name.
export async function seen(page, text, name) {
  await page.waitForFunction((t) => {
    const h1 = document.querySelector('main h1');
    if (!h1) return false;
    const s = h1.textContent.replace(/\s+/g, ' ').trim();
    return t.re ? new RegExp(t.re).test(s) : s.includes(t.s);
  }, text instanceof RegExp ? { re: text.source } : { s: text }, { timeout: 10000 }).catch(async (e) => {
    const now = await page.evaluate(() => `${location.href}\n${document.querySelector('main')?.innerText}`).catch(() => '?');
    throw new Error(`waiting for "${text}": ${e.message}\nthe page shows: ${now.slice(0, 600)}`);
  });
  await page.waitForLoadState('networkidle');
  if (name) {
    assert.deepEqual(await axe(page), [], `axe on ${name}`);
    await shot(page, name);
  }
  return page.locator('main h1').innerText();
}

// errorShown waits for the error summary and checks the page too.
export async function errorShown(page, text, name) {
  await page.waitForSelector('.govuk-error-summary');
  const summary = await page.locator('.govuk-error-summary').innerText();
  assert.match(summary, text instanceof RegExp ? text : new RegExp(text));
  assert.match(await page.title(), /^Error: |^خطأ|^Gwall|^Błąd/);
  if (name) {
    assert.deepEqual(await axe(page), [], `axe on ${name}`);
    await shot(page, name);
  }
}

export const cont = (page) => page.locator('main button.govuk-button[type=submit]').last().click();

// png is a valid PNG photo of width×height pixels with stripes, made here
// (no image library): large enough that the app must make it smaller.
export function png(width, height) {
  const row = Buffer.alloc(1 + width * 3);
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) {
    row[0] = 0;
    for (let x = 0; x < width; x++) {
      const o = 1 + x * 3;
      row[o] = (x >> 4) & 0xff; row[o + 1] = (y >> 4) & 0xff; row[o + 2] = ((x + y) >> 6) % 2 ? 200 : 40;
    }
    row.copy(raw, y * row.length);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// jpegSize reads the width and height of the JPEG inside buf (which may be
// a whole multipart body): null when there is none.
export function jpegSize(buf) {
  let i = buf.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
  if (i < 0) return null;
  i += 2;
  while (i < buf.length - 9) {
    if (buf[i] !== 0xff) { i++; continue; }
    const marker = buf[i + 1];
    if (marker >= 0xc0 && marker <= 0xc3) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + buf.readUInt16BE(i + 2);
  }
  return null;
}

// staffToken signs a new supervisor in: their access token, to read cases
// and photos as staff do.
export async function staffToken(server) {
  const email = `supervisor-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@council.example`;
  await server.staff({ email, role: 'supervisor' });
  const tokens = await apiJSON(server.url, '/api/v1/auth/login', { method: 'POST', body: { email, password: 'correct horse battery staple 42' } });
  return tokens.access_token;
}

// resident makes a resident account with a confirmed email: {email,
// password, token}.
export async function resident(server) {
  const email = `resident-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.com`;
  const password = 'a long and unusual passphrase 7';
  await apiJSON(server.url, '/api/v1/auth/register', { method: 'POST', body: { name: 'Jo Resident', email, password } });
  await apiJSON(server.url, '/api/v1/auth/verify', { method: 'POST', body: { email, code: await server.code(email) } });
  const tokens = await apiJSON(server.url, '/api/v1/auth/login', { method: 'POST', body: { email, password } });
  return { email, password, token: tokens.access_token };
}

// signIn signs the resident in inside the browser the way the app does:
// the refresh cookie from logging in, then the app resumes the session.
export async function signIn(page, who) {
  await page.evaluate(async ({ email, password }) => {
    const res = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (!res.ok) throw new Error(`login ${res.status}`);
    localStorage.setItem('fd.session', '1');
  }, who);
}

// watch collects the page's script errors, to show when a step fails.
export function watch(page) {
  const errors = [];
  const keep = (text) => { errors.push(text); process.stderr.write(`page error: ${text}\n`); };
  page.on('pageerror', (e) => keep(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) keep(m.text());
    else if (m.type() === 'warning') process.stderr.write(`page warning: ${m.text()}\n`);
  });
  return errors;
}
