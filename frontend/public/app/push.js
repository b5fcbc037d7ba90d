// Web Push on this device. Nothing here runs until the resident asks for
// notifications: the browser's permission prompt follows their press.
// subscribe() also serves someone following one case without an account:
// proof {reference, email or postcode} goes with the subscription.

import { api } from './api.js';

// TIMEOUT bounds PushManager.subscribe, which can wait for ever when the
// browser cannot reach its push service.
export const TIMEOUT = 10000;

// PushError says why notifications could not be turned on: reason is
// 'unsupported', 'denied' or 'timeout'.
export class PushError extends Error {
  constructor(reason) {
    super(`push: ${reason}`);
    this.reason = reason;
  }
}

export function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

// current is this device's subscription, or null.
export async function current() {
  if (!supported()) return null;
  const reg = await navigator.serviceWorker.getRegistration();
  return (await reg?.pushManager.getSubscription()) || null;
}

// subscribe asks permission, subscribes this browser with the server's key
// and gives the subscription to the server. Call it from the resident's
// press (a click or submit handler), before any other await.
export async function subscribe(proof = {}, { timeout = TIMEOUT } = {}) {
  if (!supported()) throw new PushError('unsupported');
  if (await Notification.requestPermission() !== 'granted') throw new PushError('denied');
  const { public_key: key } = await api('/api/v1/push/key');
  const sub = await within(timeout, (async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.pushManager.getSubscription())
      || reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(key) });
  })());
  await save(sub.toJSON(), proof);
  return sub;
}

// unsubscribe stops the server sending to this device, then the browser.
export async function unsubscribe(proof = {}) {
  const sub = await current();
  if (!sub) return;
  await remove(sub.endpoint, proof).catch((e) => { if (e.status !== 404) throw e; });
  await sub.unsubscribe();
}

// save gives the server a subscription (PushSubscription.toJSON()).
export function save(subscription, proof = {}) {
  return api('/api/v1/push/subscriptions', { method: 'POST', body: { ...subscription, ...only(proof) } });
}

// remove asks the server to stop sending to endpoint.
export function remove(endpoint, proof = {}) {
  return api('/api/v1/push/subscriptions', { method: 'DELETE', body: { endpoint, ...only(proof) } });
}

function only({ reference, email, postcode }) {
  return Object.fromEntries(Object.entries({ reference, email, postcode }).filter(([, v]) => v));
}

function within(ms, promise) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new PushError('timeout')), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function fromBase64url(s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}
