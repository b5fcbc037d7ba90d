// Track a request without an account: its reference and the email address
// or postcode given when reporting. Then rate the service, ask for a review
// of a complaint, or get updates on this device.
//
// The views last tracked are kept on the device, in localStorage: a few
// small JSON documents read back synchronously, by the page only (the
// service worker has no need of them), so /track?ref= (where a push to
// someone without an account leads) opens offline too. A tracking view has
// nothing about the person; the email address or postcode, which would let
// whoever holds the phone act on the request, stays in this tab's memory.

import { ApiError, OfflineError, api } from '../api.js';
import { formatDateTime, t } from '../i18n.js';
import { button, h, heading, inset, input, link, p } from '../ui.js';
import {
  actions, caseFacts, caseHeading, complaintLink, formPage, isDone, itemSections, offlineCopy, rateForm, reviewForm,
  services, takeFlash, timeline,
} from './cases-parts.js';

const KEPT = 'fd.tracked';
const proofs = new Map(); // reference -> {email} or {postcode}
let latest = null; // the view just answered, so the page it leads to need not ask again

function kept() {
  try { return JSON.parse(localStorage.getItem(KEPT)) || {}; } catch { return {}; }
}

// keep keeps a view, and the four kept before it.
function keep(cs) {
  const all = { ...kept(), [cs.reference]: { at: new Date().toISOString(), view: cs } };
  const recent = Object.entries(all).sort((a, b) => b[1].at.localeCompare(a[1].at)).slice(0, 5);
  localStorage.setItem(KEPT, JSON.stringify(Object.fromEntries(recent)));
  return cs;
}

const proofOf = (s) => (s.includes('@') ? { email: s.trim() } : { postcode: s.trim() });

// canon writes a reference as the API does: "k7mq2x9pt" is K7M-Q2X-9PT.
function canon(ref) {
  const s = (ref || '').toUpperCase().replace(/[^0-9A-Z]/g, '');
  return s.length === 9 ? s.match(/.../g).join('-') : s;
}

export async function render({ query, app }) {
  const ref = canon(query.get('ref'));
  const action = query.get('action');
  if (ref && action) return actionPage(ref, action, query.get('item'), app);
  if (ref) return trackedPage(ref, app);
  return trackPage(app);
}

const proofInput = (v, err, extra = {}) => input({
  id: 'proof', label: t('WebTrackProof'), hint: t('WebTrackProofHint'), value: v.proof, error: err('proof'), spellcheck: false, ...extra,
});
const notMatched = (id) => ({ id, text: t('WebTrackNotMatched') });
const ids = { reference: 'reference', email: 'proof', postcode: 'proof' };

function trackPage(app, reference = '') {
  const title = t('WebTrackTitle');
  return formPage({
    title, values: { reference }, firstId: 'reference', ids, notFound: notMatched('reference'), submitText: t('WebTrackSubmit'),
    intro: h('div', {}, heading(title), p(t('WebTrackLead'))),
    fields: (v, err) => [
      input({ id: 'reference', label: t('WebTrackReference'), hint: t('WebTrackReferenceHint'), value: v.reference, error: err('reference'), width: 10, spellcheck: false, attrs: { autocapitalize: 'characters' } }),
      proofInput(v, err),
    ],
    check: (v) => [
      v.reference?.trim() ? null : { id: 'reference', text: t('WebTrackReferenceRequired') },
      v.proof?.trim() ? null : { id: 'proof', text: t('WebTrackProofRequired') },
    ].filter(Boolean),
    send: async (v) => {
      const proof = proofOf(v.proof);
      const cs = await api('/api/v1/track', { method: 'POST', body: { reference: v.reference.trim(), ...proof } });
      proofs.set(cs.reference, proof);
      latest = keep(cs);
      await app.navigate(`/track?ref=${cs.reference}`);
    },
  });
}

// trackedPage is the case as tracking shows it: fresh when this tab knows
// the proof, else the copy kept on the device, else the form.
async function trackedPage(ref, app) {
  const proof = proofs.get(ref);
  let cs = latest?.reference === ref ? latest : null;
  latest = null;
  if (!cs && proof) {
    try {
      cs = await api('/api/v1/track', { method: 'POST', body: { reference: ref, ...proof } });
      keep(cs);
    } catch (e) {
      if (!(e instanceof OfflineError || e instanceof ApiError)) throw e;
    }
  }
  const copy = cs ? null : kept()[ref];
  if (!cs && !copy) return trackPage(app, ref);
  cs ||= copy.view;
  const base = `/track?ref=${cs.reference}`;
  const said = cs.updates || [];
  const reviewable = (item) => item.service === 'complaint' && isDone(item.status) && item.status !== 'cancelled'
    && !said.some((u) => u.kind === 'escalated');
  return {
    title: services(cs),
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      takeFlash(app),
      caseHeading(cs),
      copy && !navigator.onLine ? offlineCopy(copy.at) : null,
      copy && navigator.onLine ? inset(t('WebTrackCopy', { Time: formatDateTime(copy.at) }), ' ', link(`${base}&action=check`, t('WebTrackSeeLatest'))) : null,
      caseFacts(cs),
      itemSections(cs, (item) => (reviewable(item)
        ? p(link(`${base}&action=escalate&item=${encodeURIComponent(item.id)}`, t('WebCasesEscalate'))) : null)),
      actions([cs.feedback_requested ? [`${base}&action=feedback`, t('WebCasesRate')] : null, complaintLink(cs)]),
      proof ? await pushOffer(cs.reference, proof) : null,
      timeline(said),
      p(link('/track', t('WebTrackAnother'))))),
  };
}

// pushOffer is "Get updates on this device", when app/push.js is there to
// do it and this browser can. subscribe() asks for permission, so it runs
// first thing in the press.
async function pushOffer(reference, proof) {
  const push = await import('../push.js').catch(() => null);
  if (typeof push?.subscribe !== 'function' || push.supported?.() === false) return null;
  const said = h('div', { role: 'status' });
  const btn = button(t('WebTrackSubscribe'), {
    secondary: true,
    type: 'button',
    onclick: async () => {
      const subscribed = push.subscribe({ reference, ...proof });
      btn.disabled = true;
      try {
        await subscribed;
        btn.remove();
        said.replaceChildren(inset(t('WebTrackSubscribed')));
      } catch {
        btn.disabled = false;
        said.replaceChildren(p(t('WebTrackSubscribeFailed')));
      }
    },
  });
  return h('div', {}, btn, said);
}

// actionPage: see the latest (which needs the proof), rate the service, or
// ask for a review; each asks for the proof unless this tab knows it.
function actionPage(ref, action, item, app) {
  const base = `/track?ref=${ref}`;
  const known = proofs.get(ref);
  const send = (path, body, flash) => async (v) => {
    const proof = v.proof ? proofOf(v.proof) : known;
    const cs = await api(path, { method: 'POST', body: { ...body(v), ...proof } });
    proofs.set(ref, proof);
    latest = keep(cs);
    app.flash = flash;
    await app.navigate(base);
  };
  // withProof adds the proof's question to a form, unless this tab knows it.
  const withProof = (form) => (known || form.asksProof ? form : {
    ...form,
    asksProof: true,
    fields: (v, err) => [form.fields(v, err), proofInput(v, err)],
    check: (v) => [...form.check(v), ...(v.proof?.trim() ? [] : [{ id: 'proof', text: t('WebTrackProofRequired') }])],
  });
  const page = (form, path, flash) => {
    const f = withProof(form);
    return formPage({
      ...f, back: base, ids: { ...f.ids, ...ids }, notFound: notMatched(f.asksProof ? 'proof' : f.firstId), send: send(path, f.body, flash),
    });
  };
  const pages = {
    check: () => page({
      title: t('WebTrackCheckTitle'), firstId: 'proof', asksProof: true, submitText: t('WebTrackSubmit'),
      fields: (v, err) => proofInput(v, err, { label: t('WebTrackCheckTitle'), pageHeading: true }),
      check: (v) => (v.proof?.trim() ? [] : [{ id: 'proof', text: t('WebTrackProofRequired') }]),
      body: () => ({ reference: ref }),
    }, '/api/v1/track', null),
    feedback: () => page(rateForm(), `/api/v1/cases/${ref}/feedback`, { title: t('WebCasesFeedbackDone') }),
    escalate: () => page(reviewForm(), `/api/v1/cases/${ref}/items/${encodeURIComponent(item || '')}/escalate`,
      { title: t('WebCasesEscalateDone'), body: t('WebCasesEscalateDoneBody') }),
  };
  return pages[action]?.() ?? trackPage(app, ref);
}
