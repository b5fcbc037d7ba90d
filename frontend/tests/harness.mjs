// The browser tests' harness: the real frontdoor binary on a loopback port
// with a fresh SQLite store, and Debian's chromium driven by playwright-core
// in a fresh profile (a persistent context: only those can install apps).

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const BIN = process.env.FRONTDOOR_BIN || path.resolve('../.build/frontdoor');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOTS || path.resolve('../.build/screenshots');
export const PHONE = { width: 390, height: 844 };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

function run(args, env, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: exit ${code}: ${out}`))));
    if (input) p.stdin.write(input);
    p.stdin.end();
  });
}

// startServer runs frontdoor serve on a fresh data folder; stop() ends it
// and removes the folder.
export async function startServer(extraEnv = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'frontdoor-web-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    FRONTDOOR_ADDR: `127.0.0.1:${port}`,
    FRONTDOOR_DATA_DIR: dataDir,
    FRONTDOOR_BASE_URL: url,
    FRONTDOOR_ENV: 'development',
    FRONTDOOR_LOG_LEVEL: 'warn',
    // Every test signs in and out many times from one address in seconds.
    FRONTDOOR_RATE_LIMIT: '500',
    FRONTDOOR_RATE_BURST: '1000',
    ...extraEnv,
  };
  const proc = spawn(BIN, ['serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch { /* not yet listening */ }
    if (proc.exitCode !== null || i > 300) throw new Error(`frontdoor did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const server = {
    url,
    dataDir,
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
    // staff creates a member of staff with the binary's admin command and
    // signs them in; it returns a fetch for the API as them.
    async staff({ email = `staff-${Date.now()}@council.example`, role = 'staff', teams = [] } = {}) {
      const password = 'correct horse battery staple 42';
      await run(['admin', 'create-user', '--email', email, '--role', role, ...teams.flatMap((t) => ['--team', t]), '--password-stdin'],
        env, `${password}\n`);
      const tokens = await apiJSON(url, '/api/v1/auth/login', { method: 'POST', body: { email, password } });
      return (p, opts = {}) => apiJSON(url, p, { ...opts, token: tokens.access_token });
    },
    // code is the newest six-digit code sent to an email or phone (the
    // development outbox stands in for email and SMS).
    async code(to) {
      for (let i = 0; i < 100; i++) {
        const msgs = await apiJSON(url, `/api/v1/dev/messages?to=${encodeURIComponent(to)}`);
        const m = msgs.find((x) => /\b\d{6}\b/.test(x.body));
        if (m) return m.body.match(/\b(\d{6})\b/)[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no code sent to ${to}`);
    },
    messages: (to) => apiJSON(url, `/api/v1/dev/messages?to=${encodeURIComponent(to)}`),
  };
  return server;
}

// apiJSON calls the API outside the browser (as staff, or to check what the
// app did); a refusal throws with the problem.
export async function apiJSON(base, p, { method = 'GET', body, token, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(base + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw Object.assign(new Error(`${method} ${p}: ${res.status} ${text}`), { status: res.status, data });
  return data;
}

// launch opens chromium in a fresh profile at phone size; close() also
// removes the profile.
export async function launch({ viewport = PHONE, locale = 'en-GB' } = {}) {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'frontdoor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    locale,
    hasTouch: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const close = context.close.bind(context);
  context.close = async () => { await close(); rmSync(profile, { recursive: true, force: true }); };
  return context;
}

// open goes to path and waits until the app has drawn its page.
export async function open(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

// settle waits for the app to finish drawing after a click or navigation:
// the main region holds a heading and no request is in flight.
export async function settle(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForSelector('main h1');
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe runs axe-core's WCAG 2.2 A and AA rules on the page as it is and
// returns the violations (each with its rule id and the failing nodes).
export async function axe(page) {
  // Evaluated by DevTools, so the page's CSP does not apply; once per page.
  if (!await page.evaluate(() => typeof globalThis.axe === 'object')) await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

// shot keeps a phone-width screenshot of the page as a test artifact.
export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
