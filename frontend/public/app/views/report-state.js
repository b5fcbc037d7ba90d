// The report journey's state: the catalogue's services, the draft a
// resident is filling in (kept in sessionStorage, so a reload loses
// nothing), which questions are asked, and the order of the steps.

import { api, newKey } from '../api.js';
import { lang } from '../i18n.js';

const DRAFT = 'fd.draft.';
const SENT = 'fd.sent.';

// Steps that are not questions. A question whose id is one of these is
// addressed as "<service>.<id>", as every question of a later item is.
const RESERVED = new Set(['check', 'contact', 'nearby', 'add', 'done', 'queued', 'following']);

export const MAX_ITEMS = 10;

// serverErrors holds the server's words about answers it refused, by
// "<code>/<step>", for the page of that question to show once.
export const serverErrors = new Map();

export function takeErrors(code, step) {
  const k = `${code}/${step}`;
  const errs = serverErrors.get(k) || [];
  serverErrors.delete(k);
  return errs;
}

const services = new Map();
let catalogue = null;

// service is one service in the current language, kept for the session so
// that the steps draw at once (and offline).
export async function service(code) {
  const k = `${lang()}:${code}`;
  if (!services.has(k)) services.set(k, await api(`/api/v1/services/${encodeURIComponent(code)}`));
  return services.get(k);
}

// allServices is the catalogue in the current language.
export async function allServices() {
  if (catalogue?.lang !== lang()) {
    const list = await api('/api/v1/services');
    catalogue = { lang: lang(), items: list.items };
    for (const s of list.items) services.set(`${lang()}:${s.code}`, s);
  }
  return catalogue.items;
}

export function newDraft(code) {
  return { v: 1, key: newKey(), items: [{ service: code, answers: {}, meta: {} }], contact: {}, created: new Date().toISOString() };
}

export function loadDraft(code) {
  try {
    const d = JSON.parse(sessionStorage.getItem(DRAFT + code));
    if (d?.v === 1 && d.items?.[0]?.service === code) return d;
  } catch { /* a broken draft is no draft */ }
  return null;
}

export function saveDraft(code, draft) { sessionStorage.setItem(DRAFT + code, JSON.stringify(draft)); }
export function dropDraft(code) { sessionStorage.removeItem(DRAFT + code); }

// The confirmation of a report sent, kept so that a reload shows it again.
export function saveSent(code, sent) { sessionStorage.setItem(SENT + code, JSON.stringify(sent)); }
export function loadSent(code) {
  try { return JSON.parse(sessionStorage.getItem(SENT + code)); } catch { return null; }
}

// blank is the API's idea of no answer: null, "", [] and {}.
export function blank(v) {
  if (v == null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

// visible lists the questions asked, given the answers: a show_if holds
// when the earlier question is asked and answered with that value, as the
// server judges it (a yes/no answer is true or false, compared as text).
export function visible(form, answers) {
  const shown = {};
  const out = [];
  for (const q of form.questions) {
    if (q.show_if) {
      const v = shown[q.show_if.question];
      const ok = (typeof v === 'string' || typeof v === 'boolean') && String(v) === q.show_if.equals;
      if (!ok) continue;
    }
    out.push(q);
    if (!blank(answers[q.id])) shown[q.id] = answers[q.id];
  }
  return out;
}

export function stepOf(draft, i, qid) {
  return i === 0 && !RESERVED.has(qid) ? qid : `${draft.items[i].service}.${qid}`;
}

// parseStep reads a step of the URL: {item, qid} for a question, or
// {reserved} for the other pages.
export function parseStep(draft, step) {
  const dot = step.indexOf('.');
  if (dot > 0) {
    const item = draft.items.findIndex((it) => it.service === step.slice(0, dot));
    return item < 0 ? null : { item, qid: step.slice(dot + 1) };
  }
  if (RESERVED.has(step)) return { reserved: step };
  return { item: 0, qid: step };
}

// prefill takes answers from the query: /report/complaint?case-reference=...
export function prefill(draft, form, query) {
  for (const q of form.questions) {
    const v = query.get(q.id);
    if (v == null || v.trim() === '') continue;
    const s = v.trim().slice(0, 4000);
    let a;
    switch (q.type) {
      case 'text': case 'textarea': case 'date': a = s; break;
      case 'choice': a = q.options?.some((o) => o.value === s) ? s : undefined; break;
      case 'yesno': a = s === 'true' ? true : s === 'false' ? false : undefined; break;
      case 'number': a = /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : undefined; break;
      default: a = undefined; // places and photos cannot come in a link
    }
    if (a !== undefined) draft.items[0].answers[q.id] = a;
  }
}

// placeOf is the point an item is about: a point answer, or an address
// answer whose lookup gave its position.
export function placeOf(item, form) {
  for (const q of visible(form, item.answers)) {
    const a = item.answers[q.id];
    if (q.type === 'point' && !blank(a)) return a;
    if (q.type === 'address' && item.meta?.[q.id]?.geo) return item.meta[q.id].geo;
  }
  return null;
}

// body is the POST /api/v1/cases request: answers to hidden questions are
// dropped, photos are their attachment ids. pending lists the photos still
// on the device, to upload first.
export function body(draft, svcs, signedIn) {
  const pending = [];
  const items = draft.items.map((it, i) => {
    const answers = {};
    for (const q of visible(svcs[i].form, it.answers)) {
      const a = it.answers[q.id];
      if (blank(a)) continue;
      if (q.type === 'photo') {
        a.forEach((p) => { if (p.local) pending.push({ item: i, question: q.id, local: p.local }); });
        const ids = a.filter((p) => p.id).map((p) => p.id);
        if (ids.length) answers[q.id] = ids;
      } else {
        answers[q.id] = a;
      }
    }
    return { service: it.service, answers };
  });
  const out = { items };
  if (!signedIn) {
    const c = {};
    for (const k of ['name', 'email', 'phone']) if (draft.contact[k]) c[k] = draft.contact[k];
    // Tracking takes an email or a postcode: a place found by postcode gives one.
    const pc = draft.items.flatMap((it) => Object.values(it.meta || {})).find((m) => m?.postcode)?.postcode;
    if (pc && !hasAddress(draft, svcs)) c.postcode = pc;
    out.contact = c;
  }
  return { body: out, pending };
}

function hasAddress(draft, svcs) {
  return draft.items.some((it, i) => visible(svcs[i].form, it.answers).some((q) => q.type === 'address' && !blank(it.answers[q.id])));
}

export function contactDone(draft) {
  const c = draft.contact || {};
  return !!(c.name && (c.email || c.phone));
}

// firstMissing is the first question asked but not answered though
// required, anywhere in the draft: after a change, the resident answers
// any question the change brought in before coming back to check.
export function firstMissing(draft, svcs) {
  for (const [i, it] of draft.items.entries()) {
    const q = visible(svcs[i].form, it.answers).find((x) => x.required && blank(it.answers[x.id]));
    if (q) return stepOf(draft, i, q.id);
  }
  return null;
}

// before is the step before question qid of item i (its back link).
export function before(draft, svcs, i, qid, code) {
  const qs = visible(svcs[i].form, draft.items[i].answers);
  const at = qs.findIndex((q) => q.id === qid);
  if (at > 0) return stepOf(draft, i, qs[at - 1].id);
  // Back from a request just added: choose again, without it.
  return i === 0 ? `/services/${code}` : `add?drop=${draft.items[i].service}`;
}

// after is the question after qid of item i, or null at the item's end.
export function after(draft, svcs, i, qid) {
  const qs = visible(svcs[i].form, draft.items[i].answers);
  const at = qs.findIndex((q) => q.id === qid);
  const next = qs[at + 1];
  return next ? stepOf(draft, i, next.id) : null;
}

// lastQuestion is the last question asked of item i (the last by default).
export function lastQuestion(draft, svcs, i = draft.items.length - 1) {
  const qs = visible(svcs[i].form, draft.items[i].answers);
  return stepOf(draft, i, qs[qs.length - 1].id);
}

// reuse copies the places given for earlier items into a new item whose
// form asks the same question (grass and hedge cutting at one spot).
export function reuse(draft, svc) {
  const item = { service: svc.code, answers: {}, meta: {} };
  for (const q of svc.form.questions) {
    if (q.type !== 'point' && q.type !== 'address') continue;
    for (const prev of [...draft.items].reverse()) {
      if (!blank(prev.answers[q.id]) && sameType(q, prev.answers[q.id])) {
        item.answers[q.id] = structuredClone(prev.answers[q.id]);
        if (prev.meta?.[q.id]) item.meta[q.id] = structuredClone(prev.meta[q.id]);
        break;
      }
    }
  }
  return item;
}

function sameType(q, a) {
  return q.type === 'point' ? typeof a.lat === 'number' : typeof a.line1 === 'string';
}
