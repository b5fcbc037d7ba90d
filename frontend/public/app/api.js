// The JSON API, as the app uses it. The access token lives in memory only;
// the refresh token is the server's HttpOnly cookie, so script never holds a
// long-lived secret. Refreshes are serialised (across tabs too, with a Web
// Lock): the server treats two refreshes with one token as theft.

import { lang } from './i18n.js';

const SESSION = 'fd.session'; // "1" while this device has a session: no personal data
let access = null;
let refreshing = null;
const listeners = new Set();

// ApiError is a refused request: status and the RFC 9457 problem, whose
// title and detail are already in the resident's language.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.fields = this.problem.errors || [];
  }
}

// OfflineError is a request that never reached the server.
export class OfflineError extends Error {}

export function signedIn() { return access !== null; }

// hadSession says this device has a session, even when it cannot get a token
// now (offline): its requests can still be read from the worker's copy.
export function hadSession() { return signedIn() || localStorage.getItem(SESSION) === '1'; }

// onSession calls fn(signedIn) whenever the session starts or ends.
export function onSession(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function changed() { for (const fn of listeners) fn(signedIn()); }

// startSession keeps the access token of a sign-in answer.
export function startSession(tokens) {
  access = tokens.access_token;
  localStorage.setItem(SESSION, '1');
  changed();
}

// endSession forgets the session here; signOut also ends it on the server.
export async function endSession() {
  access = null;
  localStorage.removeItem(SESSION);
  if ('caches' in self) await caches.delete('fd-api');
  changed();
}

export async function signOut() {
  try {
    await fetch('/api/v1/auth/logout', { method: 'POST', credentials: 'same-origin', headers: authHeaders() });
  } catch { /* offline: the session ends here anyway and expires there */ }
  await endSession();
}

// resume asks for a fresh access token when this device had a session.
export async function resume() {
  if (localStorage.getItem(SESSION) !== '1') return false;
  return refresh();
}

// setRenewer gives the session another way to renew its token: a kiosk
// session has no refresh cookie and asks its terminal's session instead.
// fn returns a token answer ({access_token, ...}) or null when it cannot.
let renew = null;
export function setRenewer(fn) { renew = fn; }

export function refresh() {
  if (!refreshing) {
    const run = async () => {
      if (renew) {
        const tokens = await renew().catch(() => null);
        if (tokens) startSession(tokens);
        return !!tokens;
      }
      try {
        const res = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'same-origin' });
        if (res.ok) {
          startSession(await res.json());
          return true;
        }
        if (res.status === 401 || res.status === 400) await endSession();
        return false;
      } catch {
        return false; // offline: keep the session marker, try again later
      }
    };
    const locked = navigator.locks ? navigator.locks.request('fd-refresh', run) : run();
    refreshing = locked.finally(() => { refreshing = null; });
  }
  return refreshing;
}

function authHeaders() {
  return access ? { Authorization: `Bearer ${access}` } : {};
}

// authFetch is fetch with the session's token, refreshed once on a 401: for
// answers that are not JSON (photos), or whose headers matter (a copy the
// service worker kept offline says so in X-Frontdoor-Offline).
export async function authFetch(path, { headers = {}, ...init } = {}) {
  const send = () => fetch(path, { credentials: 'same-origin', ...init, headers: { 'Accept-Language': lang(), ...authHeaders(), ...headers } });
  let res = await send();
  if (res.status === 401 && access && await refresh()) res = await send();
  return res;
}

// api calls the API and returns its JSON (null for 204). Options: method,
// body (JSON, or FormData as it is), headers, idempotencyKey.
export async function api(path, { method = 'GET', body, headers = {}, idempotencyKey } = {}) {
  const h = { Accept: 'application/json', ...headers };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (idempotencyKey) h['Idempotency-Key'] = idempotencyKey;
  let res;
  try {
    res = await authFetch(path, { method, headers: h, body: payload });
  } catch (e) {
    throw new OfflineError(e.message);
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// newKey is a fresh Idempotency-Key: a retried submission creates nothing twice.
export function newKey() { return crypto.randomUUID(); }
