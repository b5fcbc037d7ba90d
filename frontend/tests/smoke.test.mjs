import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, open, axe, shot } from './harness.mjs';

let server; let context;
before(async () => { server = await startServer(); context = await launch(); });
after(async () => { await context?.close(); await server?.stop(); });

test('the home page opens in English and passes axe', async () => {
  const page = await context.newPage();
  await open(page, server.url + '/');
  assert.equal(await page.textContent('main h1'), 'Council services');
  assert.deepEqual(await axe(page), []);
  await shot(page, 'smoke-home-en');
});
