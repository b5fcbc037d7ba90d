// What "my requests" and "track a request" share: a case as the resident
// sees it (its items, their statuses and the public timeline), the inset of
// a copy read offline, and the one-question pages that act on a case.

import { ApiError, OfflineError, api, authFetch } from '../api.js';
import { formatDate, formatDateTime, lang, t } from '../i18n.js';
import {
  backLink, banner, button, caption, choices, errorSummary, fieldErrors, focusSummary, h, heading, inset, link, list, p, tag,
  textarea,
} from '../ui.js';

// read GETs an API path as JSON and says when the answer is the service
// worker's copy (offlineAt: when it was fetched). Offline there is no token
// (getting one needs the network), and the worker answers from its copy.
export async function read(path) {
  let res;
  try {
    res = await authFetch(path, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new OfflineError(e.message);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, offlineAt: res.headers.get('X-Frontdoor-Offline') };
}

// offlineCopy is the inset above a page drawn from a copy kept on the device.
export function offlineCopy(at) {
  const when = new Date(at);
  return inset(Number.isNaN(when.getTime()) ? t('WebOfflineTitle') : t('WebOfflineCopy', { Time: formatDateTime(when) }));
}

// takeFlash shows, once, the success banner an action left for this page.
export function takeFlash(app) {
  const f = app.flash;
  app.flash = null;
  if (!f) return null;
  return typeof f === 'string' ? banner(f, null, { success: true }) : banner(f.title, f.body, { success: true });
}

const STATUS = {
  submitted: ['WebCasesStatusSubmitted', 'purple'],
  in_progress: ['WebCasesStatusInProgress', 'light-blue'],
  awaiting_customer: ['WebCasesStatusAwaitingCustomer', 'yellow'],
  resolved: ['WebCasesStatusResolved', 'green'],
  closed: ['WebCasesStatusClosed', 'grey'],
  reopened: ['WebCasesStatusReopened', 'orange'],
  cancelled: ['WebCasesStatusCancelled', 'red'],
};

export function statusTag(status) {
  const [id, colour] = STATUS[status] || [null, 'grey'];
  return tag(id ? t(id) : status, colour);
}

const DONE = ['resolved', 'closed', 'cancelled'];
export const isDone = (status) => DONE.includes(status);

// services names what a case asks for: "Grass cutting and Hedge cutting".
export function services(cs) {
  return new Intl.ListFormat(lang(), { type: 'conjunction' }).format(cs.items.map((i) => i.service_name));
}

// caseHeading is the reference as a caption over what was asked for.
export function caseHeading(cs) {
  return [caption(t('WebCasesReferenceCaption', { Reference: cs.reference })), heading(services(cs))];
}

const RATING = { good: 'WebCasesRatingGood', average: 'WebCasesRatingAverage', poor: 'WebCasesRatingPoor' };

// caseFacts is the case as a whole: when it was made, where it stands, and
// what happened to it since (merged, rated).
export function caseFacts(cs) {
  return [
    p(t('WebCasesReported', { Date: formatDate(cs.created_at) }), cs.items.length > 1 ? [' ', statusTag(cs.status)] : null),
    cs.merged_into ? inset(t('WebCasesMerged', { Reference: cs.merged_into })) : null,
    cs.feedback ? p(t('WebCasesFeedbackGiven', { Rating: t(RATING[cs.feedback.rating]) })) : null,
  ];
}

const OUTCOME = { upheld: 'WebCasesOutcomeUpheld', partly_upheld: 'WebCasesOutcomePartlyUpheld', not_upheld: 'WebCasesOutcomeNotUpheld' };

// canEscalate: a complaint answered at stage 1 may go to stage 2 until its
// escalate_by (only the owner's view says so).
export function canEscalate(item) {
  const c = item.complaint;
  return !!(c && c.stage === 1 && c.stage1_outcome && !c.escalated_at && item.escalate_by && new Date(item.escalate_by) > new Date());
}

// itemSections are the services of a case, each with its status in a tag
// and in words, the date we aim to finish by, and a complaint's stage; then
// extra(item): its answers, its own actions. One service needs no heading
// of its own: the page's is its name.
export function itemSections(cs, extra = () => null) {
  return cs.items.map((item) => itemSection(item, cs.items.length > 1, extra(item)));
}

function itemSection(item, named, extra) {
  const c = item.complaint;
  return h('section', { class: 'app-case-item' },
    named ? h('h2', { class: 'govuk-heading-m' }, item.service_name) : null,
    p(statusTag(item.status)),
    isDone(item.status) ? null : p(t('WebCasesDue', { Date: formatDate(item.due_at) })),
    item.paused ? p(t('WebCasesPaused')) : null,
    item.breached ? p(t('WebCasesBreached')) : null,
    c ? p(t(c.stage === 2 ? 'WebCasesStage2' : 'WebCasesStage1')) : null,
    c?.stage1_outcome ? p(t(OUTCOME[c.stage1_outcome])) : null,
    c?.stage2_outcome ? p(t(OUTCOME[c.stage2_outcome])) : null,
    c?.escalated_at ? p(t('WebCasesEscalated', { Date: formatDate(c.escalated_at) })) : null,
    canEscalate(item) ? p(t('WebCasesEscalateBy', { Date: formatDate(item.escalate_by) })) : null,
    extra);
}

// timeline is the public updates newest first: someone coming back to a
// case wants what changed, and on a phone that should not be a scroll away.
export function timeline(updates = []) {
  return h('section', {},
    h('h2', { class: 'govuk-heading-m' }, t('WebCasesTimeline')),
    h('ol', { class: 'app-timeline' }, updates.slice().reverse().map((u) => h('li', { class: 'app-timeline__item' },
      h('p', { class: 'govuk-body-s app-timeline__date' }, h('time', { datetime: u.at }, formatDateTime(u.at))),
      u.kind === 'information' ? h('p', { class: 'govuk-body-s govuk-!-margin-bottom-1' }, t('WebCasesYouWrote')) : null,
      h('p', { class: 'govuk-body app-timeline__text', dir: 'auto' }, u.text)))));
}

// actions lists what the resident can do next, as links.
export function actions(links) {
  const items = links.filter(Boolean);
  if (!items.length) return null;
  return h('section', {},
    h('h2', { class: 'govuk-heading-m' }, t('WebCasesActions')),
    list(items.map(([href, text]) => link(href, text))));
}

// complaintLink starts a complaint about a case; the report journey fills
// in its reference. A case that is itself only complaints offers none.
export function complaintLink(cs) {
  if (cs.items.every((i) => i.service === 'complaint')) return null;
  return [`/report/complaint?case-reference=${encodeURIComponent(cs.reference)}`, t('WebCasesComplain')];
}

// rateForm and reviewForm are the questions of rating a service and of
// asking for a stage 2 review, for formPage; body(values) is what to send.
export function rateForm() {
  return {
    title: t('WebCasesFeedbackTitle'),
    firstId: 'rating',
    ids: { rating: 'rating', comment: 'comment' },
    fields: (v, err) => [
      choices({
        id: 'rating', legend: t('WebCasesFeedbackTitle'), pageHeading: true, value: v.rating, error: err('rating'),
        options: ['good', 'average', 'poor'].map((value) => ({ value, label: t(RATING[value]) })),
      }),
      textarea({ id: 'comment', label: t('WebCasesFeedbackComment'), hint: t('WebCasesFeedbackCommentHint'), value: v.comment, error: err('comment') }),
    ],
    check: (v) => (v.rating ? [] : [{ id: 'rating', text: t('WebCasesFeedbackRequired') }]),
    body: (v) => ({ rating: v.rating, ...(v.comment?.trim() ? { comment: v.comment.trim() } : {}) }),
  };
}

export function reviewForm() {
  return {
    title: t('WebCasesEscalateTitle'),
    firstId: 'reason',
    ids: { reason: 'reason' },
    fields: (v, err) => textarea({ id: 'reason', label: t('WebCasesEscalateTitle'), hint: t('WebCasesEscalateHint'), pageHeading: true, value: v.reason, error: err('reason') }),
    check: (v) => (v.reason?.trim() ? [] : [{ id: 'reason', text: t('WebCasesEscalateRequired') }]),
    body: (v) => ({ reason: v.reason.trim() }),
  };
}

// formPage is an action on a page of its own. fields(values, errorOf) draws
// the inputs, after intro if the page's heading is not a field's label;
// check(values) lists what is missing as [{id, text}]; send(values) does it
// (and moves on). A refusal comes back as the error summary with the
// server's words, beside the field its pointer names (ids maps the
// pointer's last part to a field id; anything else goes on firstId). A 404
// is notFound ({id, text}) instead when given.
export function formPage({ title, back, intro, values = {}, fields, check, send, firstId, ids = {}, notFound, submitText }) {
  const root = h('div', {});
  const draw = (values, errors) => {
    const errorOf = (id) => errors.find((e) => e.id === id)?.text;
    const submit = button(submitText || t('WebCasesSend'));
    const form = h('form', { novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      const v = Object.fromEntries(new FormData(form));
      const missing = check(v);
      if (missing.length) { show(v, missing); return; }
      submit.disabled = true;
      try {
        await send(v);
      } catch (e) {
        if (e instanceof OfflineError) show(v, [{ id: firstId, text: t('WebCasesSendOffline') }]);
        else if (e instanceof ApiError && e.status === 404 && notFound) show(v, [notFound]);
        else if (e instanceof ApiError) show(v, fieldErrors(e, (ptr) => ids[ptr.split('/').pop()], firstId));
        else { console.error(e); show(v, [{ id: firstId, text: t('WebErrorBody') }]); }
      }
    } }, fields(values, errorOf), submit);
    root.replaceChildren(back ? backLink(back) : '', errors.length ? errorSummary(errors) : '', intro || '', form);
  };
  const show = (values, errors) => {
    draw(values, errors);
    document.title = `${t('WebErrorPrefix')}: ${title} – ${t('WebAppName')}`;
    focusSummary(root);
  };
  draw(values, []);
  return { title, node: h('div', { class: 'govuk-grid-row' }, h('div', { class: 'govuk-grid-column-two-thirds' }, root)) };
}
