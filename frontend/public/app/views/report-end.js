// Sending the report, and the pages after it: the confirmation with the
// reference, "it will be sent when you are back online", and following an
// open report instead.

import { ApiError, OfflineError, api, newKey, signedIn } from '../api.js';
import { t } from '../i18n.js';
import { h, heading, link, list, p, panel, warning } from '../ui.js';
import { upload } from '../photo.js';
import { dropPhoto, flush, getPhoto, queue, waiting } from '../outbox.js';
import { body, dropDraft, loadSent, saveSent, serverErrors, stepOf } from './report-state.js';
import { iso } from './report-page.js';

// submitReport sends the draft as one case (POST /api/v1/cases) under the
// draft's Idempotency-Key, uploading first any photo kept offline. Offline,
// the report waits in the outbox. Refused, the resident is taken to the
// question the server found wrong, with its words.
export async function submitReport(rc) {
  const { draft, services, code } = rc;
  const signed = signedIn();
  const summary = draft.items.map((it, i) => ({ name: services[i].name, we_will: services[i].standard.we_will }));
  try {
    for (const p of body(draft, services, signed).pending) {
      const entries = draft.items[p.item].answers[p.question];
      const at = entries.findIndex((x) => x.local === p.local);
      const blob = await getPhoto(p.local);
      if (blob) {
        try {
          entries[at] = { id: await upload(blob), thumb: entries[at].thumb };
        } catch (e) {
          if (e instanceof ApiError) e.pointer = `/items/${p.item}/answers/${p.question}`;
          throw e;
        }
        dropPhoto(p.local).catch(() => {});
      } else {
        entries.splice(at, 1); // lost with the device's storage
      }
      rc.save();
    }
    const made = await api('/api/v1/cases', { method: 'POST', body: body(draft, services, signed).body, idempotencyKey: draft.key });
    saveSent(code, { reference: made.reference, items: summary, signedIn: signed });
    dropDraft(code);
    await rc.app.navigate(rc.href('done'), { replace: true });
  } catch (e) {
    if (e instanceof OfflineError) return keepForLater(rc, summary, signed);
    if (!(e instanceof ApiError)) throw e;
    // The server answered and made nothing: a corrected report needs a new key.
    if (e.status !== 409 && e.status !== 429 && e.status < 500) {
      draft.key = newKey();
      rc.save();
    }
    return putRight(rc, e);
  }
  return null;
}

async function keepForLater(rc, summary, signed) {
  const { draft, services, code } = rc;
  const { body: b, pending } = body(draft, services, signed);
  try {
    await queue({ key: draft.key, code, draft, body: b, pending, summary, signedIn: signed });
  } catch {
    serverErrors.set(`${code}/check`, [t('WebReportErrorOffline')]);
    return rc.app.navigate(rc.href('check'), { replace: true });
  }
  dropDraft(code);
  return rc.app.navigate(rc.href('queued'), { replace: true });
}

const unescape = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');

// putRight files the server's errors by page: an answer's on its
// question, contact details' on the contact page, the rest on check.
function putRight(rc, e) {
  const { draft, code } = rc;
  const fields = e.fields.length ? e.fields : [{ pointer: e.pointer || '', detail: e.message }];
  const pages = new Map();
  const add = (step, v) => pages.set(step, [...(pages.get(step) || []), v]);
  for (const f of fields) {
    const ans = f.pointer.match(/^\/items\/(\d+)\/answers\/([^/]+)/);
    const contact = f.pointer.match(/^\/contact(?:\/(name|email|phone))?/);
    if (ans && draft.items[+ans[1]]) add(stepOf(draft, +ans[1], unescape(ans[2])), f.detail);
    else if (contact && !signedIn()) add('contact', { id: `contact-${contact[1] || 'email'}`, text: f.detail });
    else add('check', f.detail);
  }
  for (const [step, errs] of pages) serverErrors.set(`${code}/${step}`, errs);
  const first = [...pages.keys()].find((s) => s !== 'check') || 'check';
  return rc.app.navigate(rc.href(first, first === 'check' ? null : { return: 'check' }), { replace: first === 'check' });
}

// donePage is the confirmation: the reference, what happens next (each
// service's standard) and how to keep track.
export function donePage(ctx) {
  const code = ctx.params.code;
  const sent = loadSent(code);
  if (!sent) return { redirect: `/services/${code}` };
  const ref = sent.reference;
  const title = t('WebReportSentTitle');
  return {
    title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      panel(title, t('WebReportSentRef'), h('br'), h('strong', { class: 'app-reference' }, ref)),
      p(t('WebReportSentMessage')),
      heading(t('WebReportNextTitle'), 'm', 'h2'),
      sent.items.map((it) => [heading(it.name, 's', 'h3'), p(it.we_will)]),
      heading(t('WebReportTrackTitle'), 'm', 'h2'),
      sent.signedIn
        ? list([link(`/cases/${ref}`, t('WebReportViewRequest')), link('/cases', t('WebReportMyRequests'))])
        : [p(t('WebReportTrackAnon')), p(link(`/track?reference=${encodeURIComponent(ref)}`, t('WebReportTrackLink')))],
      p(t('WebReportNotificationsText'), ' ', link('/settings/notifications', t('WebReportNotificationsLink'))),
      p(link('/services', t('WebReportAnother'))))),
  };
}

// queuedPage says the report waits on the device; outbox.flush moves the
// resident on to the confirmation once it has gone.
export async function queuedPage(ctx) {
  const code = ctx.params.code;
  const mine = (await waiting().catch(() => [])).some((r) => r.code === code);
  if (!mine) return { redirect: loadSent(code) ? `/report/${code}/done` : `/services/${code}` };
  const title = t('WebReportQueuedTitle');
  return {
    title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      heading(title), p(t('WebReportQueuedBody')), warning(t('WebReportQueuedWarning')), p(link('/', t('WebGoHome'))))),
    after: () => {
      if (navigator.onLine) flush(ctx.app); // the failure was not the connection: try again now
      return false;
    },
  };
}

export function followingPage(ctx) {
  const code = ctx.params.code;
  const ref = sessionStorage.getItem(`fd.following.${code}`);
  if (!ref) return { redirect: `/services/${code}` };
  const title = t('WebReportFollowingTitle', { Reference: iso(ref) });
  return {
    title,
    node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' },
      panel(title), p(t('WebReportFollowingBody')),
      list([link(`/cases/${ref}`, t('WebReportViewRequest')), link('/settings/notifications', t('WebReportNotificationsLink')),
        link('/services', t('WebReportAnother'))]))),
  };
}
